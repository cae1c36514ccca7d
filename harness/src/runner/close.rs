//! After the steps: the closing phase (wait for the peer's close and the end
//! of TCP) and wsprobe's own close frame.

use std::time::Duration;

use tokio::time::Instant;

use super::conn::{self, Conn, Shared};
use super::{build, RunOptions};
use crate::event::Event;
use crate::wire::codes::op;
use crate::wire::reader::Side;
use crate::wire::RawFrame;

/// After the steps: let the server end the connection, answer its close,
/// or close ourselves when it does nothing (Autobahn's kill timer).
pub(super) async fn closing_phase(
    stream: &Conn,
    opts: &RunOptions,
    shared: &Shared,
    deadline: Instant,
) {
    let step = opts.close_timeout;
    let mut until = next_wait(shared, deadline, step);
    let mut killed = false;
    // Waited long once (a barrier ping, or an open frame); `asked`: the ping.
    let mut pinged = false;
    let mut asked = false;
    loop {
        let changed = shared
            .wait(until, |s| {
                s.ended
                    || (s.server_close.is_some() && !s.client_closed)
                    || (asked && !killed && s.barrier_answered())
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
            until = next_wait(shared, deadline, step);
            continue;
        }
        if Instant::now() >= deadline {
            return;
        }
        // The wait ran out, or the barrier ping was answered.
        match (server_close.is_some(), client_closed) {
            (false, false) if !killed && !pinged && shared.with(|s| s.frame_open) => {
                // wsprobe's last frame announced more than it carried, so
                // nothing can be asked (a ping would be read as its
                // payload): a server that fails the connection slowly gets
                // the budget to, as after a barrier ping.
                pinged = true;
                until = barrier_wait(deadline, step);
            }
            (false, false) if !killed && shared.with(|s| s.frame_open) => {
                // Still nothing: a close frame now would be read as the
                // open frame's payload. End without one.
                shared.push(Event::Timeout {
                    waiting_for: "the server to end the connection".into(),
                });
                shared.push(Event::SendingStopped { mid_frame: true });
                return;
            }
            (false, false) if !killed && !pinged && !shared.with(|s| s.barrier_unanswered()) => {
                send_barrier(stream, opts, shared).await;
                pinged = true;
                asked = true;
                until = barrier_wait(deadline, step);
            }
            (false, false) if !killed => {
                shared.push(if asked && shared.with(|s| s.barrier_answered()) {
                    Event::QuietAfterBarrier
                } else {
                    Event::Timeout {
                        waiting_for: "the server to end the connection".into(),
                    }
                });
                send_own_close(stream, opts, shared, false).await;
                killed = true;
                until = next_wait(shared, deadline, step);
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

/// Autobahn's kill timer closes when the server has been silent for a
/// while after the steps, and so took a server slower than that wait (one
/// about to fail the connection, under load) for one that would never
/// fail it. wsprobe asks instead: after `close_timeout` of silence it sends
/// a ping and closes when the pong comes. Frames are read in order, so a
/// server that answers the ping has read every frame before it without
/// failing the connection; one that fails it late is waited for. Only
/// silence to the ping until the budget is nearly spent is a timeout.
pub(crate) async fn send_barrier(stream: &Conn, opts: &RunOptions, shared: &Shared) {
    let mut ping = RawFrame::new(op::PING, conn::BARRIER.to_vec());
    if stream.role() == Side::Server {
        ping.mask = None;
    }
    shared.barrier_sent(Event::FrameSent(build::log(&ping, opts.limits.preview)));
    if let Ok(bytes) = ping.encode() {
        // A write error means the peer is gone, which the reader records.
        let _ = stream.write_all(&bytes).await;
    }
}

/// How long to wait for the barrier's pong: until two `close_timeout`s
/// before the deadline, which leave time for wsprobe's close and the reply.
pub(crate) fn barrier_wait(deadline: Instant, step: Duration) -> Instant {
    let soon = Instant::now() + step;
    deadline
        .checked_sub(2 * step)
        .map_or(soon, |last| last.max(soon))
        .min(Instant::now() + CLOSING_WAIT_MAX.max(step))
        .min(deadline)
}

/// How long the next wait of the closing phase may last. Until wsprobe has
/// sent its close, the wait is `close_timeout`: when it runs out wsprobe acts
/// (it closes, Autobahn's kill timer), and the judge's confirmation pass runs
/// again any failure a timeout decided. Once wsprobe has sent its close, what
/// is left to wait for (the server's reply, its TCP close) is graded where it
/// does not come, so the server gets the rest of the case's budget: a correct
/// server answers at once and ends the wait, and a server slowed by load, or
/// by the machine wsprobe shares, is not one that never answers. Cutting that
/// wait short also lost what a late reply shows (a close frame with a bad
/// length, say), and made such a case's verdict depend on the load. The last
/// `close_timeout` of the budget stays free, so silence is recorded as what
/// the server did not do, not as a case that ran out of time. No such wait
/// is longer than [`CLOSING_WAIT_MAX`].
pub(crate) fn next_wait(shared: &Shared, deadline: Instant, step: Duration) -> Instant {
    let soon = Instant::now() + step;
    if shared.with(|s| s.client_closed) {
        deadline
            .checked_sub(step)
            .map_or(soon, |last| last.max(soon))
            .min(Instant::now() + CLOSING_WAIT_MAX.max(step))
    } else {
        soon
    }
    .min(deadline)
}

/// The longest the closing phase waits for one thing (a close reply, the
/// TCP close, a barrier's pong). The default budget of the longest cases,
/// so it never cuts a wait there; a case given a long budget for its
/// traffic (`--profile autobahn`: 1000 messages, or Autobahn's 1000 s for
/// 9.5.x) does not also give a server that never answers a close that long.
pub(crate) const CLOSING_WAIT_MAX: Duration = Duration::from_secs(30);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_budget_does_not_make_a_closing_wait_longer_than_the_cap() {
        let shared = Shared::new();
        let step = Duration::from_secs(1);
        let long = Instant::now() + Duration::from_secs(1010);
        // Before wsprobe's close, one close_timeout.
        assert!(next_wait(&shared, long, step) <= Instant::now() + step);
        shared.push(Event::ClientClose {
            code: Some(1000),
            reply: false,
        });
        let soon = Instant::now();
        for until in [next_wait(&shared, long, step), barrier_wait(long, step)] {
            assert!(until >= soon + CLOSING_WAIT_MAX, "the cap, not less");
            assert!(
                until <= Instant::now() + CLOSING_WAIT_MAX,
                "the cap, not the budget"
            );
        }
        // A default budget: the rest of it, less one close_timeout to record silence.
        let short = Instant::now() + Duration::from_secs(10);
        assert_eq!(next_wait(&shared, short, step), short - step);
        assert_eq!(barrier_wait(short, step), short - 2 * step);
    }
}
