//! Reading events into the facts the judge grades.
//!
//! A fold, fed one event at a time as the runner records them: the facts are
//! complete even when the stored wire log is not (a flooding server's frames
//! are counted, not kept; see `log.rs`), and their own size is bounded too.

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
    /// Its headers (for a client under test, the headers of its request).
    pub headers: Vec<(String, String)>,
    /// For a client under test: the headers of wsprobe's response.
    pub sent_headers: Vec<(String, String)>,
    /// Why no response could be read.
    pub handshake_failed: Option<String>,
    /// The server closed TCP instead of answering the handshake.
    pub closed_before_response: bool,
    /// The server neither answered the handshake nor closed, until the
    /// handshake timeout (it is waiting for more of the request).
    pub handshake_silent: bool,
    /// What the server sent before it ended its side, equal neighbours
    /// counted as one run (a flood of pongs is one entry); see [`Observed::items`].
    pub runs: Vec<(Obs, usize)>,
    /// Whether the server ended the connection (close frame or TCP) before
    /// wsprobe started closing.
    pub server_initiated: bool,
    /// Whether the client started closing (its own close frame or an abort).
    pub client_initiated: bool,
    /// Whether wsprobe sent a close frame (first or in reply).
    pub client_closed: bool,
    /// Whether wsprobe closed only because the server did nothing in time.
    pub client_killed: bool,
    /// The server's close frame, if any: its code.
    pub server_close: Option<Option<u16>>,
    /// That close frame's reason (lossy UTF-8).
    pub server_close_reason: String,
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
    /// A new connection opened under load was not served (it hung).
    pub fresh_refused: bool,
    /// A new connection opened under load was refused at once.
    pub fresh_declined: bool,
    /// The `scaling` step's figures, per size.
    pub scaling: Vec<super::ScalingPoint>,
    /// What the server's processes used while the case ran, where wsprobe
    /// started the server (`--spawn`); set by the run, not by an event.
    pub server: Option<crate::spawned::Usage>,
    /// wsprobe sent bytes after its own close frame (a case about frames
    /// after the close): the peer may close with them unread, and Linux then
    /// resets the connection, which is the kernel's doing, not the peer's.
    pub sent_after_close: bool,
    /// A `wss://` client that sent no opening handshake: how it ended
    /// (the TLS alert it sent, a close, or silence).
    pub tls_refused: Option<String>,
    /// The endpoint under test is a client (wsprobe accepted it and sent
    /// the handshake response; `status` is wsprobe's own).
    pub peer_is_client: bool,
    /// Items past [`MAX_RUNS`] runs, counted and not kept: no case expects
    /// that many different ones, so an outcome can never match once any is dropped.
    pub items_dropped: u64,
    /// Violations past [`MAX_VIOLATIONS`] distinct ones (repeats are not kept).
    pub violations_dropped: u64,
    /// Data moved, for the throughput figures.
    pub transfer: Transfer,
    /// wsprobe stopped sending inside a frame once the server had failed
    /// the connection, so it could not answer a close frame.
    pub cut_mid_frame: bool,
}

/// Most runs of items (messages, pongs, marks) kept: Autobahn's longest
/// series are 1000 different messages; repeats of one item cost nothing.
pub const MAX_RUNS: usize = 4096;
/// Most distinct violations kept; a frame flood repeats the same few.
pub const MAX_VIOLATIONS: usize = 32;

/// Payload moved in a case and when (microseconds since it started).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Payload bytes wsprobe sent.
    pub sent: u64,
    /// Payload bytes of the data messages received.
    pub received: u64,
    /// Data messages received.
    pub messages: u64,
    /// When wsprobe sent its first byte.
    pub first_sent_us: Option<u64>,
    /// When the last message arrived.
    pub last_message_us: u64,
}

/// The fold that builds [`Observed`]: feed it every event in order.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    o: Observed,
    server_done: bool,
    closing_started: bool,
    last_timeout_kill: bool,
}

impl Observed {
    /// The items in order, runs expanded.
    pub fn items(&self) -> impl Iterator<Item = &Obs> + '_ {
        self.runs
            .iter()
            .flat_map(|(o, n)| std::iter::repeat_n(o, *n))
    }

    /// Read the facts out of `events`.
    pub fn from_events(events: &[Stamped]) -> Observed {
        let mut f = Facts::default();
        for e in events {
            f.push(e);
        }
        f.finish()
    }

    /// One line: what the server did.
    pub fn describe(&self) -> String {
        if let Some(msg) = &self.handshake_failed {
            return format!("the handshake failed: {msg}");
        }
        if let Some(how) = &self.tls_refused {
            return format!("the client sent no opening handshake: {how}");
        }
        match self.status {
            None => return "no handshake response".into(),
            Some(101) => {}
            Some(s) if self.peer_is_client => {
                return format!("wsprobe answered HTTP {s}, then {}", self.describe_end())
            }
            Some(s) => return format!("the server refused the handshake with HTTP {s}"),
        }
        let mut text = describe_items(&self.runs, self.items_dropped);
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

impl Facts {
    /// Take in the next event.
    pub fn push(&mut self, e: &Stamped) {
        let t = &mut self.o.transfer;
        match &e.event {
            Event::FrameSent(f) => {
                t.sent += f.len;
                t.first_sent_us.get_or_insert(e.at_us);
            }
            Event::FramesSent { bytes, .. } => {
                t.sent += bytes;
                t.first_sent_us.get_or_insert(e.at_us);
            }
            Event::RawSent { len, .. } => {
                t.sent += *len as u64;
                t.first_sent_us.get_or_insert(e.at_us);
            }
            Event::Message { len, .. } => {
                t.received += len;
                t.messages += 1;
                t.last_message_us = e.at_us;
            }
            _ => {}
        }
        if self.o.client_closed
            && matches!(
                e.event,
                Event::FrameSent(_)
                    | Event::FramesSent { .. }
                    | Event::RawSent { .. }
                    | Event::TlsCloseNotify
            )
        {
            self.o.sent_after_close = true;
        }
        if matches!(e.event, Event::ClientClose { .. }) {
            self.o.client_closed = true;
        }
        match &e.event {
            Event::Response {
                status, headers, ..
            } => {
                self.o.status = Some(*status);
                self.o.headers = headers.clone();
            }
            Event::RequestReceived { headers, .. } => {
                self.o.peer_is_client = true;
                self.o.headers = headers.clone();
            }
            Event::ResponseSent { status, bytes } => {
                self.o.status = Some(*status);
                self.o.sent_headers = crate::handshake::response::parse(bytes, bytes.len())
                    .ok()
                    .flatten()
                    .map(|(r, _)| r.headers)
                    .unwrap_or_default();
            }
            Event::TlsRefused { message, silent } => {
                self.o.peer_is_client = true;
                self.o.tls_refused = Some(message.clone());
                // Aborting is the client failing the connection (RFC 6455 4.1).
                if !*silent && !self.closing_started {
                    self.o.server_initiated = true;
                    self.closing_started = true;
                }
            }
            Event::HandshakeFailed {
                message,
                peer_closed,
                timed_out,
            } => {
                self.o.handshake_failed = Some(message.clone());
                self.o.closed_before_response = *peer_closed;
                self.o.handshake_silent = *timed_out;
            }
            Event::Message {
                opcode,
                len,
                sha256,
                preview,
                ..
            } if !self.server_done => self.item(Obs::Message {
                opcode: *opcode,
                len: *len,
                sha256: sha256.clone(),
                preview: preview.clone(),
            }),
            Event::Pong { payload } if !self.server_done => self.item(Obs::Pong(payload.clone())),
            Event::Mark { name } => self.item(Obs::Mark(name.clone())),
            Event::Close { code, reason } => {
                if self.o.server_close.is_none() {
                    self.o.server_close = Some(*code);
                    self.o.server_close_reason = String::from_utf8_lossy(reason).into_owned();
                    if !self.closing_started {
                        self.o.server_initiated = true;
                        self.closing_started = true;
                    }
                }
                self.server_done = true;
            }
            Event::ClientClose { reply: false, .. } | Event::Abort if !self.closing_started => {
                self.o.client_initiated = true;
                self.o.client_killed = self.last_timeout_kill;
                self.closing_started = true;
            }
            // The peer read everything and did not fail the connection:
            // wsprobe's close that follows is its kill timer, on evidence.
            // (A pong to a barrier an expect step sent says nothing of the
            // case's own close that may follow.)
            Event::QuietAfterBarrier => self.last_timeout_kill = true,
            Event::Timeout { waiting_for } => {
                self.last_timeout_kill = waiting_for.starts_with("the server to end")
                    || waiting_for.starts_with("the client to end");
                self.o.timeouts.push(waiting_for.clone());
            }
            Event::Violation(v) => self.violation(v),
            Event::LimitExceeded { message } => {
                self.o.limit = Some(message.clone());
                self.o.tcp_end.get_or_insert(TcpEnd::Error(message.clone()));
            }
            Event::CaseTimeout => self.o.case_timeout = true,
            Event::Scaling { points } => self.o.scaling = points.clone(),
            Event::SendingStopped { mid_frame } => self.o.cut_mid_frame |= *mid_frame,
            Event::FreshConnection {
                served: false,
                refused,
            } => {
                if *refused {
                    self.o.fresh_declined = true;
                } else {
                    self.o.fresh_refused = true;
                }
            }
            Event::WriteError { message } => {
                self.o.write_error.get_or_insert(message.clone());
            }
            ev if ev.is_connection_end() => {
                let end = match ev {
                    Event::Eof { .. } => TcpEnd::Fin,
                    Event::Reset => TcpEnd::Reset,
                    Event::ReadError { message } => TcpEnd::Error(message.clone()),
                    _ => TcpEnd::Error("limit".into()),
                };
                self.o.tcp_end.get_or_insert(end);
                if !self.closing_started {
                    self.o.server_initiated = true;
                    self.closing_started = true;
                }
                self.server_done = true;
            }
            _ => {}
        }
    }

    /// The facts so far.
    pub fn observed(&self) -> &Observed {
        &self.o
    }

    /// The facts.
    pub fn finish(self) -> Observed {
        self.o
    }

    fn item(&mut self, item: Obs) {
        let full = self.o.runs.len() >= MAX_RUNS;
        match self.o.runs.last_mut() {
            Some((last, n)) if *last == item => *n += 1,
            _ if !full => self.o.runs.push((item, 1)),
            _ => self.o.items_dropped += 1,
        }
    }

    fn violation(&mut self, v: &Violation) {
        if self.o.violations.contains(v) {
            return;
        }
        if self.o.violations.len() < MAX_VIOLATIONS {
            self.o.violations.push(v.clone());
        } else {
            self.o.violations_dropped += 1;
        }
    }
}

/// Items in words, runs of equal ones counted (`1000 × text "*"`) and at
/// most a few dozen listed, so a reason stays a line whatever arrived.
fn describe_items(items: &[(Obs, usize)], dropped: u64) -> String {
    const LISTED: usize = 24;
    let mut runs: Vec<(String, usize)> = Vec::new();
    for (d, k) in items.iter().map(|(o, k)| (describe_obs(o), *k)) {
        match runs.last_mut() {
            Some((last, n)) if *last == d => *n += k,
            _ => runs.push((d, k)),
        }
    }
    let mut parts: Vec<String> = runs
        .iter()
        .take(LISTED)
        .map(|(d, n)| {
            if *n == 1 {
                d.clone()
            } else {
                format!("{n} × {d}")
            }
        })
        .collect();
    let unlisted: usize = runs.iter().skip(LISTED).map(|(_, n)| n).sum();
    let more = unlisted as u64 + dropped;
    if more > 0 {
        parts.push(format!("and {more} more"));
    }
    if parts.is_empty() {
        return "nothing".into();
    }
    parts.join(", ")
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
