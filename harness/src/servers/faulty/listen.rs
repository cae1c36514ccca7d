//! The faulty endpoint as a server: accept, answer the handshake (or break
//! it), and the faults that act before any frame is read.

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

use super::session::{send, session};
use super::{Fault, Faults};
use crate::servers::http;
use crate::wire::reader::{FrameReader, Limits, ReadEvent, Side};

/// Accept connections until a crash fault fires.
pub async fn serve(listener: TcpListener, faults: BTreeSet<Fault>, tls: Option<TlsAcceptor>) {
    let faults: Faults = Arc::new(faults);
    let crashed = Arc::new(Notify::new());
    let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut accepted_count = 0usize;
    let mut hiccup_until: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    use std::sync::atomic::Ordering;
                    accepted_count += 1;
                    if faults.contains(&Fault::Hiccup) {
                        let now = tokio::time::Instant::now();
                        if accepted_count == 60 {
                            hiccup_until = Some(now + std::time::Duration::from_millis(1500));
                        }
                        if hiccup_until.is_some_and(|until| now < until) {
                            drop(stream);
                            continue;
                        }
                    }
                    if faults.contains(&Fault::MaxConnections) && open.load(Ordering::SeqCst) >= 100 {
                        drop(stream);
                        continue;
                    }
                    if faults.contains(&Fault::MaxConnectionsHang) && open.load(Ordering::SeqCst) >= 100 {
                        // Held, never read or answered, until the client goes.
                        tokio::spawn(async move {
                            let mut stream = stream;
                            let mut sink = [0u8; 1024];
                            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                        });
                        continue;
                    }
                    let busy = open.fetch_add(1, Ordering::SeqCst) >= 100;
                    let (faults, crashed, open) = (faults.clone(), crashed.clone(), open.clone());
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        if busy && faults.contains(&Fault::SlowUnderLoad) {
                            tokio::time::sleep(std::time::Duration::from_secs(4)).await;
                        }
                        // A second handle on the socket, to reset it whatever wraps it (TLS).
                        let resetter = faults
                            .contains(&Fault::ResetAfterClose)
                            .then(|| socket2::SockRef::from(&stream).try_clone().ok())
                            .flatten();
                        // tls-plaintext-response: a handle on the socket under the TLS session.
                        let raw = (tls.is_some() && faults.contains(&Fault::TlsPlaintextResponse))
                            .then(|| socket2::SockRef::from(&stream).try_clone().ok())
                            .flatten();
                        if let Some(stream) = crate::servers::accepted(stream, tls.as_ref()).await {
                            let stream: Box<dyn crate::servers::Io> = match raw {
                                Some(raw) => Box::new(FirstWriteRaw { inner: stream, raw: Some(raw) }),
                                None => stream,
                            };
                            handle(stream, faults, crashed, resetter).await;
                        }
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            }
            // Dropping the listener makes every later connect fail, like a dead process.
            _ = crashed.notified() => return,
        }
    }
}

/// The `tls-plaintext-response` fault: the first write, the handshake
/// response, goes to the TCP socket under the TLS session.
struct FirstWriteRaw {
    inner: Box<dyn crate::servers::Io>,
    raw: Option<socket2::Socket>,
}

impl tokio::io::AsyncRead for FirstWriteRaw {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for FirstWriteRaw {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if let Some(raw) = self.raw.take() {
            // A response is a few hundred bytes: the socket buffer takes it at once.
            return std::task::Poll::Ready(std::io::Write::write(&mut &raw, buf));
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn handle(
    mut stream: Box<dyn crate::servers::Io>,
    faults: Faults,
    crashed: Arc<Notify>,
    resetter: Option<socket2::Socket>,
) {
    let opts = crate::servers::http::Options {
        lenient: faults.contains(&Fault::AcceptAnyHandshake),
        bad_accept: faults.contains(&Fault::BadAccept),
        strict_connection: faults.contains(&Fault::StrictConnectionHeader),
        case_sensitive: faults.contains(&Fault::CaseSensitiveTokens),
        echo_offers: faults.contains(&Fault::EchoOffers),
        deflate: true,
        deflate_lenient: faults.contains(&Fault::DeflateAcceptsBadOffers),
        deflate_trusts_hint: faults.contains(&Fault::DeflateTrustsHint),
        deflate_unannounced: faults.contains(&Fault::DeflateUnannounced),
        deflate_small_window: faults.contains(&Fault::DeflateSmallWindow),
        extension_lines: if faults.contains(&Fault::ExtensionsFirstLineOnly) {
            http::Lines::First
        } else if faults.contains(&Fault::ExtensionsLastLineOnly) {
            http::Lines::Last
        } else {
            http::Lines::All
        },
        origins: [
            Fault::OriginRestricted,
            Fault::OriginPrefixMatch,
            Fault::OriginAllowsNull,
        ]
        .iter()
        .any(|f| faults.contains(f))
        .then_some(&[http::TEST_ORIGIN][..]),
        origin_match: if faults.contains(&Fault::OriginPrefixMatch) {
            http::OriginMatch::Prefix
        } else if faults.contains(&Fault::OriginAllowsNull) {
            http::OriginMatch::ExactOrNull
        } else {
            http::OriginMatch::Exact
        },
        credential: [Fault::AuthRequired, Fault::AuthPresenceOnly]
            .iter()
            .any(|f| faults.contains(f))
            .then_some(http::Credential {
                header: http::TEST_CREDENTIAL.0,
                value: http::TEST_CREDENTIAL.1,
                presence_only: faults.contains(&Fault::AuthPresenceOnly),
            }),
        checks_after_upgrade: faults.contains(&Fault::ChecksAfterUpgrade),
        crash_after_lines: faults.contains(&Fault::CrashOnManyHeaders).then_some(1000),
        quadratic_protocol: faults.contains(&Fault::QuadraticHeaders),
        unbounded_head: faults.contains(&Fault::UnboundedHead),
        reparse_head: faults.contains(&Fault::ReparseHead),
    };
    let (mut leftover, deflate) = match http::handshake(&mut stream, opts).await {
        Ok(Some(upgraded)) => upgraded,
        Ok(None) => return,
        Err(http::Crashed) => return super::session::crash(&crashed).await,
    };
    // An invalid frame header (RSV bits without an extension, or no mask)
    // in the bytes that came with the request.
    if faults.contains(&Fault::CrashOnPipelinedFrame)
        && leftover.len() >= 2
        && (leftover[0] & 0x70 != 0 || leftover[1] & 0x80 == 0)
    {
        return super::session::crash(&crashed).await;
    }
    if faults.contains(&Fault::Slow) {
        // Blocks the one thread: every other connection waits too.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    if let Some((first, chunk)) = flood_bytes(&faults) {
        // Hostile, but it answers: a data message that arrives within 50 ms
        // is echoed (so the liveness probe finds the server up), then the
        // flood runs until the client goes away, reading nothing more.
        let until = tokio::time::Instant::now() + std::time::Duration::from_millis(50);
        let limits = Limits {
            preview: 1 << 20,
            ..Limits::default()
        };
        let mut reader = FrameReader::new(Side::Server, limits);
        let (mut events, mut buf, mut pending) = (Vec::new(), vec![0u8; 16 * 1024], leftover);
        'first: loop {
            let _ = reader.feed(&pending, &mut events);
            pending.clear();
            for ev in events.drain(..) {
                if let ReadEvent::Message(m) = ev {
                    let _ = send(&mut stream, &faults, Side::Server, m.opcode, m.preview).await;
                    break 'first;
                }
            }
            match tokio::time::timeout_at(until, stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => pending.extend_from_slice(&buf[..n]),
                Ok(_) => return,
                Err(_) => break,
            }
        }
        let _ = stream.write_all(&first).await;
        while stream.write_all(&chunk).await.is_ok() {}
        return;
    }
    if faults.contains(&Fault::DropPipelined) {
        leftover.clear();
    }
    session(
        stream,
        leftover,
        deflate,
        faults,
        crashed,
        Side::Server,
        resetter,
    )
    .await;
}

/// A flood fault's first bytes and the bytes it repeats, 16 KiB at a time.
fn flood_bytes(faults: &Faults) -> Option<(Vec<u8>, Vec<u8>)> {
    let (first, frame): (&[u8], &[u8]) = if faults.contains(&Fault::PingFlood) {
        (&[], &[0x89, 0x04, b'f', b'l', b'o', b'o'])
    } else if faults.contains(&Fault::CloseFlood) {
        (&[], &[0x88, 0x02, 0x03, 0xe8])
    } else if faults.contains(&Fault::ContinuationFlood) {
        (&[0x01, 0x01, b'a'], &[0x00, 0x01, b'a'])
    } else {
        return None;
    };
    Some((first.to_vec(), frame.repeat(16 * 1024 / frame.len())))
}
