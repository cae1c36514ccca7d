//! One line of text per event: the wire log shown by `-v`, JUnit's
//! system-out and the HTML report.

use crate::event::{Event, FrameLog, Stamped};
use crate::wire::codes::opcode_name;

/// Which way an event went, for the arrow column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// wsprobe wrote it.
    Sent,
    /// The server sent it.
    Received,
    /// Neither: a step, a wait, a verdict-relevant note.
    Note,
}

impl Direction {
    /// `->`, `<-` or two spaces.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Sent => "->",
            Direction::Received => "<-",
            Direction::Note => "  ",
        }
    }
}

/// A frame header and its payload preview: text for valid UTF-8 in text and
/// close frames, hex otherwise.
pub fn frame(f: &FrameLog) -> String {
    let mut s = format!(
        "{} fin={} rsv={} len={}{}",
        opcode_name(f.opcode),
        f.fin as u8,
        f.rsv,
        f.len,
        if f.masked { " masked" } else { "" }
    );
    if !f.preview.is_empty() {
        s.push_str(": ");
        s.push_str(&payload(f.opcode, &f.preview));
        if (f.preview.len() as u64) < f.len {
            s.push('…');
        }
    }
    s
}

fn payload(opcode: u8, p: &[u8]) -> String {
    if opcode == 8 && p.len() >= 2 {
        let reason = String::from_utf8_lossy(&p[2..]);
        return format!("{} {reason:?}", u16::from_be_bytes([p[0], p[1]]));
    }
    match std::str::from_utf8(p) {
        Ok(t) if opcode == 1 => format!("{t:?}"),
        _ => format!("0x{}", hex::encode(p)),
    }
}

/// The direction and text of one event.
pub fn describe(e: &Event) -> (Direction, String) {
    use Direction::*;
    match e {
        Event::Connected => (Note, "TCP connected".into()),
        Event::TlsAccepted {
            server_name,
            version,
        } => (
            Received,
            match server_name {
                Some(n) => format!("TLS handshake done ({version}, server_name {n:?})"),
                None => format!("TLS handshake done ({version}, no server_name)"),
            },
        ),
        Event::TlsRefused { message, silent } => (
            Received,
            format!(
                "no opening handshake: {message}{}",
                if *silent {
                    " (connection left open)"
                } else {
                    ""
                }
            ),
        ),
        Event::SendingStopped { mid_frame } => (
            Note,
            if *mid_frame {
                "stopped sending inside a frame: the server had failed the connection".into()
            } else {
                "stopped sending: the server had failed the connection".into()
            },
        ),
        Event::Omitted { counts } => {
            let list: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
            (
                Note,
                format!(
                    "… not kept in this log (the facts count them): {}",
                    list.join(", ")
                ),
            )
        }
        Event::RequestSent { bytes } => {
            let text = String::from_utf8_lossy(bytes);
            let first = text.lines().next().unwrap_or("").to_string();
            (
                Sent,
                format!("HTTP request ({} bytes): {first:?}", bytes.len()),
            )
        }
        Event::RequestReceived { line, headers } => {
            let h: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            (
                Received,
                format!("HTTP request {line:?} [{}]", h.join("; ")),
            )
        }
        Event::ResponseSent { status, bytes } => {
            let text = String::from_utf8_lossy(bytes);
            let first = text.lines().next().unwrap_or("").to_string();
            (
                Sent,
                format!("HTTP response {status} ({} bytes): {first:?}", bytes.len()),
            )
        }
        Event::Response {
            status,
            reason,
            headers,
        } => {
            let h: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            (
                Received,
                format!("HTTP {status} {reason} [{}]", h.join("; ")),
            )
        }
        Event::HandshakeFailed {
            message,
            peer_closed,
            ..
        } => (
            Received,
            format!(
                "no handshake response: {message}{}",
                if *peer_closed { " (server closed)" } else { "" }
            ),
        ),
        Event::FrameSent(f) => (Sent, frame(f)),
        Event::FramesSent { count, bytes } => (
            Sent,
            format!("… {count} more frames, {bytes} payload bytes"),
        ),
        Event::RawSent { bytes, len } => (
            Sent,
            format!(
                "raw bytes ({len}): {}{}",
                hex::encode(bytes),
                if *len > bytes.len() { "…" } else { "" }
            ),
        ),
        Event::ClientClose { code, reply } => (
            Note,
            format!(
                "wsprobe {} close{}",
                if *reply {
                    "answered with"
                } else {
                    "started the"
                },
                code.map_or(String::new(), |c| format!(" ({c})"))
            ),
        ),
        Event::FrameReceived(f) => (Received, frame(f)),
        Event::Message {
            opcode,
            len,
            sha256,
            frames,
            ..
        } => (
            Note,
            format!(
                "message {} {len} bytes in {frames} frame(s), sha256 {}",
                opcode_name(*opcode),
                &hex::encode(sha256)[..16]
            ),
        ),
        Event::Ping { payload } => (Note, format!("ping 0x{}", hex::encode(payload))),
        Event::Pong { payload } => (Note, format!("pong 0x{}", hex::encode(payload))),
        Event::Close { code, reason } => (
            Note,
            format!(
                "server close {} {:?}",
                code.map_or("without code".into(), |c| c.to_string()),
                String::from_utf8_lossy(reason)
            ),
        ),
        Event::Violation(v) => (Note, format!("VIOLATION: {v}")),
        Event::Mark { name } => (Note, format!("mark {name}")),
        Event::QuietAfterBarrier => (Note, "nothing more after the pong: wsprobe closes".into()),
        Event::BarrierAnswered => (
            Note,
            "pong to wsprobe's barrier ping: every frame before it was read".into(),
        ),
        Event::Timeout { waiting_for } => (Note, format!("timed out waiting for {waiting_for}")),
        Event::CaseTimeout => (Note, "case time budget ran out".into()),
        Event::Eof { mid_frame } => (
            Received,
            format!(
                "TCP FIN{}",
                if *mid_frame {
                    " in the middle of a frame"
                } else {
                    ""
                }
            ),
        ),
        Event::Reset => (Received, "TCP RST".into()),
        Event::ReadError { message } => (Received, format!("read error: {message}")),
        Event::WriteError { message } => (Sent, format!("write error: {message}")),
        Event::LimitExceeded { message } => (Received, format!("limit exceeded: {message}")),
        Event::IdleOpened { requested, opened } => (
            Note,
            format!("{opened} of {requested} idle connections opened"),
        ),
        Event::FreshConnection { served, refused } => (
            Note,
            format!(
                "fresh connection {}",
                match (served, refused) {
                    (true, _) => "served",
                    (false, true) => "refused at once",
                    (false, false) => "NOT served",
                }
            ),
        ),
        Event::Scaling { points } => (
            Note,
            points
                .iter()
                .map(|p| {
                    let ms = |us: u64, out: bool| match (us, out) {
                        (u64::MAX, _) => "no answer".to_string(),
                        (us, true) => {
                            format!("over {:.1} ms (ran out of time)", us as f64 / 1000.0)
                        }
                        (us, false) => format!("{:.1} ms", us as f64 / 1000.0),
                    };
                    format!(
                        "{}-byte value: slow input {}, control {}",
                        p.value_bytes,
                        ms(p.slow_us, p.slow_timed_out),
                        ms(p.control_us, p.control_timed_out)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Event::Shutdown => (Sent, "TCP FIN (shutdown write)".into()),
        Event::TlsCloseNotify => (Sent, "TLS close_notify".into()),
        Event::Abort => (Sent, "TCP RST (abort)".into()),
        Event::StepsSkipped { count } => (
            Note,
            format!("{count} step(s) not run: the connection had ended"),
        ),
    }
}

/// `+  12.345 ms -> TEXT fin=1 ...` per event.
pub fn lines(events: &[Stamped]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let (d, text) = describe(&e.event);
            format!("+{:>10.3} ms {} {text}", e.at_us as f64 / 1000.0, d.arrow())
        })
        .collect()
}
