//! `wss://` client-under-test cases: each has a listener of its own (the
//! certificate is chosen before the client says anything, so the case
//! cannot come from the URL the way `/runCase?case=N` does on the plain
//! listener), and what the client does before its opening handshake is
//! recorded: a TLS handshake first (RFC 6455 4.1), with SNI, nothing outside
//! the TLS records, and no request at all over a certificate it cannot
//! verify.

use std::io;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::case::CaseTls;
use crate::event::{Event, Stamped};
use crate::runner::conn::Conn;
use crate::runner::serve::{self, ClientRequest};
use crate::wire::Violation;

/// The host of every `wss://` case URL: a name, so the client has one to
/// send as SNI (RFC 6066 3: "Literal IPv4 and IPv6 addresses are not
/// permitted in "HostName"").
pub const HOST: &str = "localhost";

/// The TLS record type of a handshake message: the first byte a TLS
/// client sends.
const HANDSHAKE_RECORD: u8 = 0x16;

/// What the client of a `wss://` case did.
pub enum Arrival {
    /// It sent its opening handshake: the case is played on `conn`, after
    /// the `before` events (the TLS handshake and what it broke).
    Request {
        /// The connection (TLS, or plain TCP if the client skipped TLS);
        /// boxed, as a TLS session is large beside a list of events.
        conn: Box<Conn>,
        /// Its request.
        req: ClientRequest,
        /// What happened before the request.
        before: Vec<Event>,
    },
    /// It did not: the recording is complete.
    NoRequest(Vec<Stamped>),
}

/// One case's listener: 127.0.0.1 and, where the machine has it, ::1 on
/// the same port, since `localhost` may resolve to either first.
pub struct CaseListener {
    v4: TcpListener,
    v6: Option<TcpListener>,
}

impl CaseListener {
    /// Listen on a free port.
    pub async fn bind() -> io::Result<CaseListener> {
        let mut last = None;
        // The v4 port may be taken on ::1; a few tries find one free on both.
        for _ in 0..8 {
            let v4 = TcpListener::bind("127.0.0.1:0").await?;
            let port = v4.local_addr()?.port();
            match TcpListener::bind(("::1", port)).await {
                Ok(v6) => return Ok(CaseListener { v4, v6: Some(v6) }),
                // No IPv6 loopback here: 127.0.0.1 is all localhost can be.
                Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => {
                    return Ok(CaseListener { v4, v6: None })
                }
                Err(e) => last = Some((v4, e)),
            }
        }
        let (v4, _) = last.expect("eight tries");
        Ok(CaseListener { v4, v6: None })
    }

    /// The URL of case `n` on this listener.
    pub fn url(&self, n: usize) -> String {
        let port = self.v4.local_addr().map_or(0, |a| a.port());
        format!("wss://{HOST}:{port}/runCase?case={n}&agent=wsprobe")
    }

    /// The first connection, on either address.
    pub async fn accept(&self) -> io::Result<TcpStream> {
        match &self.v6 {
            None => self.v4.accept().await.map(|(s, _)| s),
            Some(v6) => tokio::select! {
                r = self.v4.accept() => r.map(|(s, _)| s),
                r = v6.accept() => r.map(|(s, _)| s),
            },
        }
    }
}

/// Serve `wss://` on a client's connection with the certificate of `kind`
/// until its opening handshake has arrived, or `until`.
pub async fn arrive(
    tcp: TcpStream,
    kind: CaseTls,
    config: Arc<rustls::ServerConfig>,
    until: Instant,
) -> Arrival {
    let t0 = Instant::now();
    let mut events = Vec::new();
    let push = |events: &mut Vec<Stamped>, event: Event| {
        events.push(Stamped {
            at_us: t0.elapsed().as_micros() as u64,
            event,
        })
    };
    push(&mut events, Event::Connected);
    let mut first = [0u8; 64];
    let peeked = match tokio::time::timeout_at(until, tcp.peek(&mut first)).await {
        Ok(Ok(k)) => k,
        Ok(Err(e)) => {
            let message = format!("the connection failed before any byte: {e}");
            push(&mut events, refused(message, false));
            return Arrival::NoRequest(events);
        }
        Err(_) => {
            push(&mut events, waited());
            push(
                &mut events,
                refused("it sent nothing after connecting".into(), true),
            );
            return Arrival::NoRequest(events);
        }
    };
    if peeked == 0 {
        let message = "it closed the connection without a TLS handshake".into();
        push(&mut events, refused(message, false));
        return Arrival::NoRequest(events);
    }
    if first[0] != HANDSHAKE_RECORD {
        // Plain text on a wss:// URL: what it sent is shown, and the case
        // is played on so the report says what the client went on to do.
        let text = String::from_utf8_lossy(&first[..peeked]);
        let shown: String = text.lines().next().unwrap_or("").chars().take(40).collect();
        let skipped = Event::Violation(Violation::TlsSkipped { first: shown });
        let conn = Conn::accepted(tcp);
        return match serve::read_request(&conn, until).await {
            Ok(req) => Arrival::Request {
                conn: Box::new(conn),
                req,
                before: vec![skipped],
            },
            Err(nr) => {
                push(&mut events, skipped);
                push(&mut events, refused(nr.message, nr.silent));
                Arrival::NoRequest(events)
            }
        };
    }
    let (conn, info) = match Conn::accept_tls(tcp, config, until).await {
        Ok(x) => x,
        Err(e) => {
            // Plain text written right after the client's last handshake
            // message can reach rustls before the handshake is over.
            if let Some(message) = crate::runner::conn::outside_tunnel(&e) {
                let v = Violation::TlsOutsideTunnel {
                    message,
                    server: false,
                };
                push(&mut events, Event::Violation(v));
            }
            let silent = e.kind() == io::ErrorKind::TimedOut;
            if silent {
                push(&mut events, waited());
            }
            let message = format!("the TLS handshake did not complete: {e}");
            push(&mut events, refused(message, silent));
            return Arrival::NoRequest(events);
        }
    };
    let mut before = vec![Event::TlsAccepted {
        server_name: info.server_name.clone(),
        version: info.version,
    }];
    // RFC 6455 4.1: "Clients MUST use the Server Name Indication extension
    // in the TLS handshake [RFC6066]."
    if info.server_name.as_deref() != Some(HOST) {
        before.push(Event::Violation(Violation::TlsServerName {
            sent: info.server_name,
            host: HOST.into(),
        }));
    }
    match serve::read_request(&conn, until).await {
        Ok(req) => {
            if kind.must_refuse() {
                before.push(Event::Violation(Violation::TlsUntrusted {
                    certificate: format!("wsprobe's certificate was {}", kind.describe()),
                }));
            }
            Arrival::Request {
                conn: Box::new(conn),
                req,
                before,
            }
        }
        Err(nr) => {
            for e in before {
                push(&mut events, e);
            }
            if let Some(message) = nr.outside_tunnel {
                push(
                    &mut events,
                    Event::Violation(Violation::TlsOutsideTunnel {
                        message,
                        server: false,
                    }),
                );
            }
            if nr.silent {
                push(&mut events, waited());
            }
            push(&mut events, refused(nr.message, nr.silent));
            Arrival::NoRequest(events)
        }
    }
}

fn refused(message: String, silent: bool) -> Event {
    Event::TlsRefused { message, silent }
}

/// The wait that ran out: the verdict then rests on time, and is confirmed.
fn waited() -> Event {
    Event::Timeout {
        waiting_for: "the client's opening handshake".into(),
    }
}
