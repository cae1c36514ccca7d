//! Reading an event list into the facts the judge grades.

use crate::event::{Event, Stamped};
use crate::wire::codes::{close_code_name, op, opcode_name};
use crate::wire::Violation;

/// One thing the server sent, as outcomes see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Obs {
    /// A data message.
    Message {
        /// Opcode.
        opcode: u8,
        /// Length.
        len: u64,
        /// SHA-256.
        sha256: Vec<u8>,
        /// First bytes.
        preview: Vec<u8>,
    },
    /// A pong.
    Pong(Vec<u8>),
    /// A client marker.
    Mark(String),
}

/// How the TCP connection ended, as far as the server is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpEnd {
    /// The server closed TCP (FIN).
    Fin,
    /// The server reset TCP.
    Reset,
    /// Reading failed or hit a limit.
    Error(String),
}

/// Facts from one event list.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Handshake response status, if one arrived.
    pub status: Option<u16>,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// Why no response could be read.
    pub handshake_failed: Option<String>,
    /// The server closed TCP instead of answering the handshake.
    pub closed_before_response: bool,
    /// What the server sent before it ended its side.
    pub items: Vec<Obs>,
    /// Whether the server ended the connection (close frame or TCP) before
    /// wsprobe started closing.
    pub server_initiated: bool,
    /// Whether the client started closing (its own close frame or an abort).
    pub client_initiated: bool,
    /// Whether wsprobe closed only because the server did nothing in time.
    pub client_killed: bool,
    /// The server's close frame, if any: its code.
    pub server_close: Option<Option<u16>>,
    /// How TCP ended, if it did.
    pub tcp_end: Option<TcpEnd>,
    /// Every RFC violation recorded.
    pub violations: Vec<Violation>,
    /// Limits the server went over.
    pub limit: Option<String>,
    /// Waits that ran out, in order.
    pub timeouts: Vec<String>,
    /// The case ran out of time.
    pub case_timeout: bool,
    /// wsprobe failed to write (the server may have closed).
    pub write_error: Option<String>,
    /// A new connection opened under load was not served.
    pub fresh_refused: bool,
    /// The endpoint under test is a client (wsprobe accepted it and sent
    /// the handshake response; `status` is wsprobe's own).
    pub peer_is_client: bool,
}

impl Observed {
    /// Read the facts out of `events`.
    pub fn from_events(events: &[Stamped]) -> Observed {
        let mut o = Observed::default();
        let mut server_done = false;
        let mut closing_started = false;
        let mut last_timeout_kill = false;
        for e in events {
            match &e.event {
                Event::Response {
                    status, headers, ..
                } => {
                    o.status = Some(*status);
                    o.headers = headers.clone();
                }
                Event::RequestReceived { headers, .. } => {
                    o.peer_is_client = true;
                    o.headers = headers.clone();
                }
                Event::ResponseSent { status, .. } => o.status = Some(*status),
                Event::HandshakeFailed {
                    message,
                    peer_closed,
                } => {
                    o.handshake_failed = Some(message.clone());
                    o.closed_before_response = *peer_closed;
                }
                Event::Message {
                    opcode,
                    len,
                    sha256,
                    preview,
                    ..
                } if !server_done => o.items.push(Obs::Message {
                    opcode: *opcode,
                    len: *len,
                    sha256: sha256.clone(),
                    preview: preview.clone(),
                }),
                Event::Pong { payload } if !server_done => o.items.push(Obs::Pong(payload.clone())),
                Event::Mark { name } => o.items.push(Obs::Mark(name.clone())),
                Event::Close { code, .. } => {
                    if o.server_close.is_none() {
                        o.server_close = Some(*code);
                        if !closing_started {
                            o.server_initiated = true;
                            closing_started = true;
                        }
                    }
                    server_done = true;
                }
                Event::ClientClose { reply: false, .. } | Event::Abort if !closing_started => {
                    o.client_initiated = true;
                    o.client_killed = last_timeout_kill;
                    closing_started = true;
                }
                Event::Timeout { waiting_for } => {
                    last_timeout_kill = waiting_for.starts_with("the server to end")
                        || waiting_for.starts_with("the client to end");
                    o.timeouts.push(waiting_for.clone());
                }
                Event::Violation(v) => o.violations.push(v.clone()),
                Event::LimitExceeded { message } => {
                    o.limit = Some(message.clone());
                    o.tcp_end.get_or_insert(TcpEnd::Error(message.clone()));
                }
                Event::CaseTimeout => o.case_timeout = true,
                Event::FreshConnection { served: false } => o.fresh_refused = true,
                Event::WriteError { message } => {
                    o.write_error.get_or_insert(message.clone());
                }
                ev if ev.is_connection_end() => {
                    let end = match ev {
                        Event::Eof { .. } => TcpEnd::Fin,
                        Event::Reset => TcpEnd::Reset,
                        Event::ReadError { message } => TcpEnd::Error(message.clone()),
                        _ => TcpEnd::Error("limit".into()),
                    };
                    o.tcp_end.get_or_insert(end);
                    if !closing_started {
                        o.server_initiated = true;
                        closing_started = true;
                    }
                    server_done = true;
                }
                _ => {}
            }
        }
        o
    }

    /// One line: what the server did.
    pub fn describe(&self) -> String {
        if let Some(msg) = &self.handshake_failed {
            return format!("the handshake failed: {msg}");
        }
        match self.status {
            None => return "no handshake response".into(),
            Some(101) => {}
            Some(s) if self.peer_is_client => {
                return format!("wsprobe answered HTTP {s}, then {}", self.describe_end())
            }
            Some(s) => return format!("the server refused the handshake with HTTP {s}"),
        }
        let mut parts: Vec<String> = self.items.iter().map(describe_obs).collect();
        if parts.is_empty() {
            parts.push("nothing".into());
        }
        let mut text = parts.join(", ");
        text.push_str(", then ");
        text.push_str(&self.describe_end());
        text
    }

    /// How the connection ended, in words.
    pub fn describe_end(&self) -> String {
        let close = |c: &Option<u16>| match c {
            Some(code) => format!("close {}", close_code_name(*code)),
            None => "close without a code".into(),
        };
        let tcp = match &self.tcp_end {
            Some(TcpEnd::Fin) => "TCP close",
            Some(TcpEnd::Reset) => "TCP reset",
            Some(TcpEnd::Error(_)) => "a read error",
            None => "no TCP close",
        };
        if self.server_initiated {
            match &self.server_close {
                Some(c) => format!("the server failed the connection ({}, {tcp})", close(c)),
                None => format!("the server dropped the connection ({tcp}, no close frame)"),
            }
        } else if self.client_killed {
            format!(
                "the server kept the connection open; wsprobe closed it after waiting (reply: {})",
                self.server_close.as_ref().map_or("none".to_string(), close)
            )
        } else if self.client_initiated {
            format!(
                "wsprobe closed (reply: {}, {tcp})",
                self.server_close.as_ref().map_or("none".to_string(), close)
            )
        } else {
            "the connection stayed open".into()
        }
    }
}

/// `text "Hello"`, `pong ""`, `binary 65536 bytes`.
pub fn describe_obs(o: &Obs) -> String {
    match o {
        Obs::Message {
            opcode,
            len,
            preview,
            ..
        } => {
            let kind = match *opcode {
                op::TEXT => "text".to_string(),
                op::BINARY => "binary".to_string(),
                other => opcode_name(other).to_lowercase(),
            };
            describe_bytes(&kind, *len, preview)
        }
        Obs::Pong(p) => describe_bytes("pong", p.len() as u64, p),
        Obs::Mark(m) => format!("[mark {m}]"),
    }
}

fn describe_bytes(kind: &str, len: u64, preview: &[u8]) -> String {
    if len as usize == preview.len() && len <= 40 {
        match std::str::from_utf8(preview) {
            Ok(s) => format!("{kind} {s:?}"),
            Err(_) => format!("{kind} hex {}", hex::encode(preview)),
        }
    } else {
        format!("{kind} of {len} bytes")
    }
}
