//! The close verdict (RFC 6455 section 7): who closed, with which code,
//! and whether TCP was closed after the close handshake.

use crate::case::{CloseExpect, Closer, Level};
use crate::event::observed::{Observed, TcpEnd};
use crate::wire::codes::{close_code_allowed, close_code_name};

use super::Verdict;

pub(super) fn judge_close(expect: &CloseExpect, obs: &Observed, level: Level) -> (Verdict, String) {
    let (v, reason) = grade_close(expect, obs, level);
    if expect.informational {
        return (
            Verdict::Informational,
            format!("recorded only: {}", obs.describe_end()),
        );
    }
    (v, reason)
}

fn grade_close(expect: &CloseExpect, obs: &Observed, level: Level) -> (Verdict, String) {
    // Who closes first is the case's own requirement; for a SHOULD, missing it is non-strict.
    let initiator_miss = if level == Level::Must {
        Verdict::Fail
    } else {
        Verdict::NonStrict
    };
    if obs.case_timeout {
        return (
            Verdict::Error,
            "the case ran out of time before the close finished".into(),
        );
    }
    let seen = obs.describe_end();
    // Who started closing.
    match expect.by {
        Closer::Server if !obs.server_initiated => {
            return (
                initiator_miss,
                format!("expected the server to fail the connection; {seen}"),
            );
        }
        Closer::Client if obs.server_initiated => {
            return (
                initiator_miss,
                format!("expected the server to wait for wsprobe's close; {seen}"),
            );
        }
        _ => {}
    }
    // The code it sent.
    let mut grade = Verdict::Pass;
    let mut notes = Vec::new();
    let failing = expect.by == Closer::Server && obs.server_initiated;
    if failing && obs.server_close.is_none() && !expect.drop_ok {
        // "If _The WebSocket Connection is Established_ prior to the point where the endpoint
        // is required to _Fail the WebSocket Connection_, the endpoint SHOULD send a Close frame
        // with an appropriate status code (Section 7.4) before proceeding to _Close the
        // WebSocket Connection_." (7.1.7)
        grade = Verdict::NonStrict;
        notes.push(
            "the server dropped TCP without a close frame (RFC 6455 7.1.7: it SHOULD send a Close frame with an appropriate status code)".into(),
        );
    }
    if let Some(Some(code)) = obs.server_close {
        if !close_code_allowed(code) {
            return (
                Verdict::Fail,
                format!(
                    "the server sent close code {} which may not appear on the wire (RFC 6455 7.4)",
                    close_code_name(code)
                ),
            );
        }
        if !expect.codes.contains(&code) {
            let wanted: Vec<String> = expect.codes.iter().map(|c| c.to_string()).collect();
            // Failing the connection with "normal closure" or "going away"
            // tells the client nothing went wrong: not an appropriate code (7.1.7).
            let other = if failing && matches!(code, 1000 | 1001) {
                Verdict::NonStrict
            } else {
                expect.other_codes.into()
            };
            grade = grade.worst(other);
            notes.push(format!(
                "close code {} where {} was expected{}",
                close_code_name(code),
                wanted.join(" or "),
                expect
                    .other_codes_note
                    .as_ref()
                    .map_or(String::new(), |n| format!(" ({n})"))
            ));
        }
    }
    if obs.client_initiated && obs.server_close.is_none() {
        // "If an endpoint receives a Close frame and did not previously send a Close frame, the
        // endpoint MUST send a Close frame in response." (5.5.1)
        let dropped = obs.tcp_end.is_some();
        if !(dropped && expect.drop_ok) {
            return (
                Verdict::Fail,
                if dropped {
                    format!("the server dropped TCP without answering the close frame (RFC 6455 5.5.1 MUST); {seen}")
                } else {
                    format!(
                        "the server never answered the close frame (RFC 6455 5.5.1 MUST); {seen}"
                    )
                },
            );
        }
    }
    // Both close frames have crossed: the server must close TCP. A client
    // waits for the server to (7.1.1), so nothing to grade there; nor when
    // wsprobe, stopped inside a frame, could not answer the close.
    if obs.server_close.is_some()
        && obs.client_closed
        && obs.tcp_end.is_none()
        && !obs.peer_is_client
        && !obs.cut_mid_frame
    {
        return (
            Verdict::Fail,
            format!("the server did not close TCP after the close handshake (RFC 6455 5.5.1: \"The server MUST close the underlying TCP connection immediately\"); {seen}"),
        );
    }
    // 7.1.1: "An endpoint SHOULD use a method that cleanly closes the TCP
    // connection ... discarding any trailing bytes that may have been
    // received." Only where wsprobe closed first, sent nothing after its
    // close, and the server answered: it then had read everything wsprobe
    // sent, so a reset is its own choice. Bytes after wsprobe's close (a
    // ping in close/then-ping) may still be unread when the server closes,
    // and Linux resets a socket closed with unread data: whether they were
    // read first is a race, not the server's choice. When the server closes
    // first, wsprobe's reply can meet a socket already closed, a reset the
    // RFC allows (7.1.7).
    if obs.client_initiated
        && !obs.server_initiated
        && obs.server_close.is_some()
        && obs.client_closed
        && !obs.sent_after_close
        && obs.tcp_end == Some(TcpEnd::Reset)
        && !obs.peer_is_client
    {
        grade = grade.worst(Verdict::NonStrict);
        notes.push("the server reset TCP after the close handshake (RFC 6455 7.1.1: an endpoint SHOULD use a method that cleanly closes the TCP connection)".into());
    }
    // 7.4.1, 1010: "The list of extensions that are needed SHOULD appear in
    // the /reason/ part of the Close frame." Only a close the client starts
    // (one echoing wsprobe's 1010 says nothing of extensions).
    if obs.peer_is_client
        && obs.server_initiated
        && obs.server_close == Some(Some(1010))
        && obs.server_close_reason.trim().is_empty()
    {
        grade = grade.worst(Verdict::NonStrict);
        notes.push("the client closed with 1010 without naming the extensions it needs in the reason (RFC 6455 7.4.1: they SHOULD appear there)".into());
    }
    if notes.is_empty() {
        (grade, seen)
    } else {
        (grade, format!("{}; {seen}", notes.join("; ")))
    }
}
