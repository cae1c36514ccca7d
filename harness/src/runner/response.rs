//! Reading the server's handshake response, bounded in size and time.

use tokio::time::Instant;

use super::conn::{self, Conn, Shared};
use super::RunOptions;
use crate::event::Event;
use crate::handshake::{self, Offer};

/// Read and check the response. Returns the bytes after it, whether the
/// connection was upgraded, and the permessage-deflate parameters if it
/// was negotiated; `None` when the handshake failed outright.
pub(super) async fn read_response(
    stream: &Conn,
    opts: &RunOptions,
    offer: &Offer,
    shared: &Shared,
    until: Instant,
) -> Option<(Vec<u8>, bool, Option<crate::wire::deflate::Agreed>)> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 4096];
    loop {
        match handshake::response::parse(&buf, opts.max_response) {
            Ok(Some((resp, used))) => {
                let upgraded = resp.status == 101;
                let violations = if upgraded {
                    handshake::response::validate(&resp, offer)
                } else {
                    Vec::new()
                };
                let deflate = handshake::response::deflate_agreed(&resp, offer)
                    .ok()
                    .flatten();
                shared.push(Event::Response {
                    status: resp.status,
                    reason: resp.reason,
                    headers: resp.headers,
                });
                let ok = violations.is_empty();
                for v in violations {
                    shared.push(Event::Violation(v));
                }
                // A client MUST fail the connection on a bad 101 (section 4.1), so
                // nothing more is sent on it.
                return Some((buf[used..].to_vec(), upgraded && ok, deflate));
            }
            Ok(None) => {}
            // A TLS record (alert 0x15, handshake 0x16, version 3.x) where
            // HTTP should be: the most common wss setup mistake.
            Err(_) if opts.target.scheme == "ws" && matches!(buf[..], [0x15 | 0x16, 3, ..]) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: false,
                    timed_out: false,
                    message: "the server answered with TLS; use a wss:// URL".into(),
                });
                return None;
            }
            Err(e) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: false,
                    timed_out: false,
                    message: e.to_string(),
                });
                return None;
            }
        }
        let read = tokio::time::timeout_at(until, stream.read(&mut chunk)).await;
        match read {
            Ok(Ok(0)) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: true,
                    timed_out: false,
                    message: format!(
                        "the server closed the connection after {} bytes of response",
                        buf.len()
                    ),
                });
                return None;
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Ok(Err(e)) => {
                // A reset ends the connection as surely as a FIN does.
                let reset = matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                );
                let message = match conn::outside_tunnel(&e) {
                    // RFC 6455 4.2.2: "all further communication for the
                    // connection (including the server's handshake) MUST run
                    // through the encrypted tunnel".
                    Some(tls) => format!(
                        "after the TLS handshake the server sent bytes that are not TLS records (RFC 6455 4.2.2: its handshake must run through the encrypted tunnel): {tls}"
                    ),
                    None => format!("reading the handshake response failed: {e}"),
                };
                shared.push(Event::HandshakeFailed {
                    peer_closed: reset,
                    timed_out: false,
                    message,
                });
                return None;
            }
            Err(_) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: false,
                    timed_out: true,
                    message: format!(
                        "no complete handshake response within {:?} ({} bytes received)",
                        opts.handshake_timeout,
                        buf.len()
                    ),
                });
                return None;
            }
        }
    }
}
