//! After the steps: the closing phase (wait for the peer's close and the end
//! of TCP) and wsprobe's own close frame.

use super::*;

/// After the steps: let the server end the connection, answer its close,
/// or close ourselves when it does nothing (Autobahn's kill timer).
pub(super) async fn closing_phase(
    stream: &Conn,
    opts: &RunOptions,
    shared: &Shared,
    deadline: Instant,
) {
    let step = opts.close_timeout;
    let mut until = deadline.min(Instant::now() + step);
    let mut killed = false;
    loop {
        let changed = shared
            .wait(until, |s| {
                s.ended || (s.server_close.is_some() && !s.client_closed)
            })
            .await;
        let (ended, server_close, client_closed, cut) =
            shared.with(|s| (s.ended, s.server_close, s.client_closed, s.cut_mid_frame));
        if ended {
            return;
        }
        if cut {
            // wsprobe stopped inside a frame when the server failed the
            // connection: a close frame now would be read as that frame's
            // payload. Give the server its chance to close TCP, then drop it.
            shared.wait(until, |s| s.ended).await;
            return;
        }
        if changed && server_close.is_some() && !client_closed {
            // Answer the server's close (section 5.5.1), then wait for its TCP close.
            send_own_close(stream, opts, shared, true).await;
            until = deadline.min(Instant::now() + step);
            continue;
        }
        if Instant::now() >= deadline {
            return;
        }
        // The wait ran out.
        match (server_close.is_some(), client_closed) {
            (false, false) if !killed && shared.with(|s| s.frame_open) => {
                // wsprobe's last frame announced more than it carried: a close
                // frame now would be read as its payload. End without one.
                shared.push(Event::Timeout {
                    waiting_for: "the server to end the connection".into(),
                });
                shared.push(Event::SendingStopped { mid_frame: true });
                return;
            }
            (false, false) if !killed => {
                shared.push(Event::Timeout {
                    waiting_for: "the server to end the connection".into(),
                });
                send_own_close(stream, opts, shared, false).await;
                killed = true;
                until = deadline.min(Instant::now() + step);
            }
            (false, true) => {
                shared.push(Event::Timeout {
                    waiting_for: "a close frame in reply".into(),
                });
                return;
            }
            _ => {
                shared.push(Event::Timeout {
                    waiting_for: "the server to close TCP".into(),
                });
                return;
            }
        }
    }
}

/// wsprobe's own close 1000, as a reply or because the server did nothing.
pub(crate) async fn send_own_close(stream: &Conn, opts: &RunOptions, shared: &Shared, reply: bool) {
    let mut close = RawFrame::new(op::CLOSE, 1000u16.to_be_bytes().to_vec());
    if stream.role() == Side::Server {
        close.mask = None;
    }
    shared.push(Event::FrameSent(build::log(&close, opts.limits.preview)));
    shared.push(Event::ClientClose {
        code: Some(1000),
        reply,
    });
    if let Ok(bytes) = close.encode() {
        // A write error means the server is gone, which the reader records.
        let _ = stream.write_all(&bytes).await;
    }
}
