//! The judge: a pure function from (case, events) to verdicts.
//!
//! It never touches a socket. The behaviour verdict matches what the server
//! sent against the case's acceptable outcomes; the close verdict grades the
//! closing handshake separately (RFC 6455 section 7), like Autobahn's
//! `behavior` and `behaviorClose`.

pub mod verdict;

use serde::Serialize;

use crate::case::{Case, Class, CloseExpect, Closer, End, Item, Level, Outcome, Payload};
pub use crate::event::observed::{describe_obs, Obs, Observed, TcpEnd};
use crate::wire::codes::{close_code_allowed, close_code_name, op};
pub use verdict::Verdict;

/// The grades of one case.
#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    /// The worst of behaviour and close.
    pub verdict: Verdict,
    /// What the server did with the input.
    pub behavior: Verdict,
    /// Why.
    pub behavior_reason: String,
    /// How the connection was closed (absent when it never opened).
    pub close: Option<Verdict>,
    /// Why.
    pub close_reason: String,
    /// What was seen, in one line.
    pub observed: String,
    /// Index of the outcome that matched.
    pub matched: Option<usize>,
    /// Throughput, for cases that move a lot of data (informational).
    pub metrics: Option<Metrics>,
}

/// How much data a case moved and how fast; recorded, never judged.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Metrics {
    /// Payload bytes wsprobe sent.
    pub bytes_sent: u64,
    /// Payload bytes of the messages the server sent.
    pub bytes_received: u64,
    /// Data messages received.
    pub messages_received: u64,
    /// From the first byte sent to the last message received.
    pub transfer_ms: f64,
    /// (sent + received) / transfer time, in MiB/s.
    pub mib_per_s: f64,
    /// Messages received per second.
    pub messages_per_s: f64,
}

/// A judgement once a violation found outside the case's own connection is
/// added (a rule over the whole run, such as a client reusing its handshake
/// key): the behaviour fails, naming it before what was judged before.
pub fn failed_by(j: Judgement, peer: &str, v: &crate::wire::Violation) -> Judgement {
    let why = format!(
        "the {peer} broke the protocol: {v} (RFC {} {})",
        v.rfc(),
        v.rfc_section()
    );
    Judgement {
        verdict: Verdict::Fail,
        behavior: Verdict::Fail,
        behavior_reason: if j.behavior == Verdict::Fail {
            format!("{why}; {}", j.behavior_reason)
        } else {
            why
        },
        ..j
    }
}

/// Throughput of a case, when it moved at least 1 MiB or 100 messages.
pub fn metrics(t: &crate::event::observed::Transfer) -> Option<Metrics> {
    let (sent, received, messages, last) = (t.sent, t.received, t.messages, t.last_message_us);
    let first = t.first_sent_us?;
    if (sent + received < 1 << 20 && messages < 100) || last <= first {
        return None;
    }
    let secs = (last - first) as f64 / 1e6;
    Some(Metrics {
        bytes_sent: sent,
        bytes_received: received,
        messages_received: messages,
        transfer_ms: secs * 1000.0,
        mib_per_s: (sent + received) as f64 / (1024.0 * 1024.0) / secs,
        messages_per_s: messages as f64 / secs,
    })
}

/// Grade what was observed against `case` (for a list of events,
/// `judge(case, &Observed::from_events(&events))`).
pub fn judge(case: &Case, obs: &Observed) -> Judgement {
    // A case about permessage-deflate says nothing of a server without it
    // (Autobahn 12.x/13.x grade this UNIMPLEMENTED too), or of a client that
    // did not offer it the way the case needs. A server that compresses
    // anyway (RSV1 without the extension) is judged: RFC 7692 5, "To accept
    // the use of an offered PMCE, a server MUST include the extension name".
    let agreed = if obs.peer_is_client {
        negotiated_deflate(&obs.sent_headers)
    } else {
        negotiated_deflate(&obs.headers)
    };
    let compressed_anyway = obs.violations.iter().any(|v| {
        matches!(
            v,
            crate::wire::Violation::ReservedBitsWithoutExtension { .. }
        )
    });
    if case.needs.contains(&crate::case::Need::Deflate)
        && obs.status == Some(101)
        && !agreed
        && !compressed_anyway
    {
        let reason = if obs.peer_is_client {
            "the client did not offer permessage-deflate (RFC 7692) in a form this case can accept"
        } else {
            "the server did not negotiate permessage-deflate (RFC 7692), which this case tests"
        };
        return Judgement {
            verdict: Verdict::Unimplemented,
            behavior: Verdict::Unimplemented,
            behavior_reason: reason.into(),
            close: None,
            close_reason: String::new(),
            observed: obs.describe(),
            matched: None,
            metrics: None,
        };
    }
    let (behavior, behavior_reason, matched) = judge_behavior(case, obs);
    // An accepted answer wsprobe stopped reading: there was no close to judge.
    let read_cut = obs.limit.is_some() && case.class == Class::ImplementationDefined;
    let (close, close_reason) = match (&case.close, obs.status) {
        (Some(expect), Some(101))
            if obs.violations.iter().all(|v| !v.is_handshake()) && !read_cut =>
        {
            // An accepted outcome in which the server ends the connection (a
            // server refusing a message over its own size limit, say) makes
            // the server the expected closer for this run.
            let mut expect = expect.clone();
            // An outcome that names the codes it ends with (a refusal with
            // 1009, say) is the close expected for this run.
            if let Some(o) = matched.map(|i| &case.expect[i]) {
                if !o.close_codes.is_empty() {
                    expect.codes = o.close_codes.clone();
                }
            }
            match matched.map(|i| case.expect[i].end) {
                Some(End::Fail) => expect.by = Closer::Server,
                Some(End::Open) => expect.by = Closer::Client,
                Some(End::Any) => {
                    expect.by = if obs.server_initiated {
                        Closer::Server
                    } else {
                        Closer::Client
                    }
                }
                _ => {}
            }
            let (v, r) = judge_close(&expect, obs, case.level);
            (Some(v), r)
        }
        _ => (None, String::new()),
    };
    let mut j = Judgement {
        verdict: close.map_or(behavior, |c| behavior.worst(c)),
        behavior,
        behavior_reason,
        close,
        close_reason,
        observed: obs.describe(),
        matched,
        metrics: case
            .records_metrics()
            .then(|| metrics(&obs.transfer))
            .flatten(),
    };
    if obs.peer_is_client {
        // The facts are worded for the endpoint under test as "the server";
        // here that endpoint is a client (and wsprobe the server).
        // The quoted requirement stays as the RFC words it.
        let quote = format!("{}: \"", case.citation());
        for text in [&mut j.behavior_reason, &mut j.close_reason, &mut j.observed] {
            let cut = text.find(&quote).unwrap_or(text.len());
            let (ours, rfc) = text.split_at(cut);
            *text = ours
                .replace("the server", "the client")
                .replace("The server", "The client")
                .replace("server close", "client close")
                + rfc;
        }
    }
    j
}

/// The best verdict any server could get on `case`: its best outcome's
/// grade, and informational at best where the close is recorded only. A
/// run that got it has nothing to gain from running again.
pub fn best_possible(case: &Case) -> Verdict {
    let behavior = case
        .expect
        .iter()
        .map(|o| Verdict::from(o.grade))
        .min_by_key(|v| v.severity())
        .unwrap_or(Verdict::Pass);
    match &case.close {
        Some(c) if c.informational => behavior.worst(Verdict::Informational),
        _ => behavior,
    }
}

/// Whether these response headers accept permessage-deflate.
pub fn negotiated_deflate(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("Sec-WebSocket-Extensions")
            && crate::wire::deflate::parse_header(v)
                .iter()
                .any(|(name, _)| name == crate::wire::deflate::TOKEN)
    })
}

fn judge_behavior(case: &Case, obs: &Observed) -> (Verdict, String, Option<usize>) {
    if obs.case_timeout {
        return (
            Verdict::Error,
            format!(
                "the case did not finish within its time budget; seen so far: {}",
                obs.describe()
            ),
            None,
        );
    }
    let wants_handshake_answer = case.expect.iter().any(|o| o.handshake.is_some());
    if let Some(msg) = &obs.handshake_failed {
        // Closing without a response is matched against the outcomes of a
        // handshake case (status 0); anything else is a failed handshake.
        let silence_expected = obs.handshake_silent
            && case
                .expect
                .iter()
                .any(|o| o.handshake.as_ref().is_some_and(|h| h.silent));
        let answered = wants_handshake_answer && obs.closed_before_response;
        if !(answered || silence_expected) {
            return (
                Verdict::Fail,
                format!("the opening handshake failed: {msg}"),
                None,
            );
        }
    }
    if !obs.violations.is_empty() {
        let list: Vec<String> = obs
            .violations
            .iter()
            .map(|v| format!("{v} (RFC {} {})", v.rfc(), v.rfc_section()))
            .chain(
                (obs.violations_dropped > 0)
                    .then(|| format!("and {} other violations", obs.violations_dropped)),
            )
            .collect();
        return (
            Verdict::Fail,
            format!("the server broke the protocol: {}", list.join("; ")),
            None,
        );
    }
    if obs.fresh_refused {
        return (
            Verdict::Fail,
            "with the idle connections open, a new connection was not served (handshake and echo) and not refused either: it hung"
                .into(),
            None,
        );
    }
    if obs.fresh_declined {
        // A connection limit is the server protecting itself (10.4); saying
        // so at once, rather than hanging, is all that can be asked.
        return (
            Verdict::Informational,
            format!(
                "with the idle connections open, a new connection was refused at once (a connection limit): {}",
                obs.describe()
            ),
            None,
        );
    }
    if let Some(limit) = &obs.limit {
        // wsprobe's own limit (--max-message, --max-frame), not one the RFC
        // sets. Where the case leaves the answer to the server (an
        // inflated bomb echoed whole), going past it is the server's choice.
        if case.class == Class::ImplementationDefined {
            return (
                Verdict::Informational,
                format!("the server accepted it and sent back more than wsprobe reads ({limit}; wsprobe's own limit, --max-message and --max-frame)"),
                None,
            );
        }
        return (
            Verdict::Fail,
            format!("the server sent more than wsprobe reads, which no answer to this case needs ({limit}; wsprobe's own limit, --max-message and --max-frame)"),
            None,
        );
    }
    let mut order: Vec<usize> = (0..case.expect.len()).collect();
    order.sort_by_key(|&i| verdict::Verdict::from(case.expect[i].grade).severity());
    for i in order {
        if outcome_matches(&case.expect[i], obs) {
            let o = &case.expect[i];
            let mut reason = format!("{}: {}", describe_outcome(o), obs.describe());
            if let Some(note) = &o.note {
                reason = format!("{reason} ({note})");
            }
            return (o.grade.into(), reason, Some(i));
        }
    }
    let expected: Vec<String> = case
        .expect
        .iter()
        .map(|o| {
            format!(
                "{}: {}",
                Verdict::from(o.grade).label().to_lowercase(),
                describe_outcome(o)
            )
        })
        .collect();
    let must_refuse = case.expect.iter().all(|o| {
        o.handshake
            .as_ref()
            .is_some_and(|h| !h.status.contains(&101))
    });
    let got = if must_refuse && obs.status == Some(101) {
        format!(
            "the server accepted the handshake (HTTP 101): {}",
            obs.describe()
        )
    } else {
        obs.describe()
    };
    let mut reason = format!(
        "expected {}; got {}. {}: \"{}\"",
        expected.join(" | "),
        got,
        case.citation(),
        case.requirement.trim()
    );
    if !obs.timeouts.is_empty() {
        reason.push_str(&format!(
            " (timed out waiting for {})",
            obs.timeouts.join("; ")
        ));
    }
    // Missing a SHOULD is a non-strict finding, never a failure (h2spec's "strict" cases).
    let verdict = if case.level == Level::Must {
        Verdict::Fail
    } else {
        Verdict::NonStrict
    };
    (verdict, reason, None)
}

fn outcome_matches(o: &Outcome, obs: &Observed) -> bool {
    match (&o.handshake, obs.status) {
        (Some(h), Some(status)) => {
            if !h.status.contains(&status) {
                return false;
            }
            let carries = |name: &str, text: &str| {
                obs.headers.iter().any(|(n, v)| {
                    n.eq_ignore_ascii_case(name)
                        && v.to_ascii_lowercase().contains(&text.to_ascii_lowercase())
                })
            };
            let headers_ok = h.headers.iter().all(|(n, text)| carries(n, text))
                && !h.lacking.iter().any(|(n, text)| carries(n, text));
            let absent_ok = h.absent.iter().all(|name| {
                !obs.headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
            });
            if !headers_ok || !absent_ok {
                return false;
            }
            // A server's refusal ends the case; a client is still graded on
            // how it leaves after wsprobe's refusal.
            if status != 101 && !obs.peer_is_client {
                return true;
            }
        }
        (Some(h), None) => {
            // The server closed without any response: only a case listing 0
            // accepts that; silence until the timeout, one that says `silent`.
            return if obs.handshake_silent {
                h.silent
            } else {
                h.status.contains(&0)
            };
        }
        (None, Some(101)) => {}
        // wsprobe's own non-101 answer to a client under test.
        (None, Some(_)) if obs.peer_is_client => {}
        // A wss:// client that refused wsprobe's certificate: no request,
        // so no answer; how it left is graded by `end`.
        (None, None) if obs.tls_refused.is_some() => {}
        (None, _) => return false,
    }
    let end_ok = match o.end {
        End::Fail => obs.server_initiated,
        End::Open => !obs.server_initiated,
        End::Any => true,
    };
    let code_ok = o.close_codes.is_empty()
        || matches!(obs.server_close, Some(Some(code)) if o.close_codes.contains(&code));
    // Items past the cap were not kept: no outcome is that long.
    end_ok && code_ok && obs.items_dropped == 0 && {
        // References: a run of 100,000 pongs costs 800 KB here, not 100,000 copies.
        let got: Vec<&Obs> = obs.items().collect();
        items_match(&o.receive, &got)
    }
}

/// An expected item ready to compare: payload digests computed once.
#[derive(Debug, Clone)]
enum Want<'a> {
    Message {
        opcode: u8,
        len: u64,
        sha256: [u8; 32],
    },
    Pong(Vec<u8>),
    Mark(&'a str),
    AnyPongs,
    Anything,
    /// Each of these, at most once and in order, possibly none.
    SomeOf(Vec<Want<'a>>),
}

fn message_want(opcode: u8, p: &Payload) -> Want<'static> {
    Want::Message {
        opcode,
        len: p.len() as u64,
        sha256: p.sha256(),
    }
}

fn compile<'a>(items: &'a [Item], out: &mut Vec<Want<'a>>) {
    for item in items {
        match item {
            Item::Text(p) => out.push(message_want(op::TEXT, p)),
            Item::Binary(p) => out.push(message_want(op::BINARY, p)),
            Item::Pong(p) => out.push(Want::Pong(p.bytes())),
            Item::Mark(m) => out.push(Want::Mark(m)),
            Item::AnyPongs => out.push(Want::AnyPongs),
            Item::Anything => out.push(Want::Anything),
            Item::SomeOf(items) => {
                let mut each = Vec::new();
                compile(items, &mut each);
                out.push(Want::SomeOf(each));
            }
            Item::Repeat(r) => {
                let mut one = Vec::new();
                compile(std::slice::from_ref(&*r.item), &mut one);
                // Corpus payloads move on each round, like the sends.
                let varies = matches!(
                    &*r.item,
                    Item::Text(Payload::Corpus { .. }) | Item::Binary(Payload::Corpus { .. })
                );
                for i in 0..r.count {
                    match (&r.item.at(i), varies) {
                        (Item::Text(p), true) => out.push(message_want(op::TEXT, p)),
                        (Item::Binary(p), true) => out.push(message_want(op::BINARY, p)),
                        _ => out.extend(one.iter().cloned()),
                    }
                }
            }
        }
    }
}

fn items_match(expected: &[Item], got: &[&Obs]) -> bool {
    let mut wants = Vec::new();
    compile(expected, &mut wants);
    wants_match(&wants, got)
}

fn wants_match(wants: &[Want], got: &[&Obs]) -> bool {
    let mut w = 0;
    let mut g = 0;
    while w < wants.len() {
        if let Want::Anything = wants[w] {
            return (g..=got.len()).any(|i| wants_match(&wants[w + 1..], &got[i..]));
        }
        if let Want::SomeOf(options) = &wants[w] {
            // Take the options in order, each once or not at all; try the
            // rest after every prefix of what matched (short lists: ten pongs).
            let rest = &wants[w + 1..];
            let mut i = g;
            let mut next = 0;
            loop {
                if wants_match(rest, &got[i..]) {
                    return true;
                }
                let Some(obs) = got.get(i) else { return false };
                match options[next..].iter().position(|o| want_matches(o, obs)) {
                    Some(k) => {
                        next += k + 1;
                        i += 1;
                    }
                    None => return false,
                }
            }
        }
        if let Want::AnyPongs = wants[w] {
            // Zero or more pongs, then the rest (the only place that backtracks).
            let rest = &wants[w + 1..];
            let mut i = g;
            loop {
                if wants_match(rest, &got[i..]) {
                    return true;
                }
                match got.get(i) {
                    Some(Obs::Pong(_)) => i += 1,
                    _ => return false,
                }
            }
        }
        match got.get(g) {
            Some(obs) if want_matches(&wants[w], obs) => {}
            _ => return false,
        }
        w += 1;
        g += 1;
    }
    g == got.len()
}

fn want_matches(want: &Want, got: &Obs) -> bool {
    match (want, got) {
        (
            Want::Message {
                opcode,
                len,
                sha256,
            },
            Obs::Message {
                opcode: o,
                len: l,
                sha256: s,
                ..
            },
        ) => opcode == o && len == l && sha256.as_slice() == s.as_slice(),
        (Want::Pong(p), Obs::Pong(got)) => p == got,
        (Want::Mark(m), Obs::Mark(g)) => m == g,
        _ => false,
    }
}

/// An outcome of `case` in words, naming the endpoint under test (the
/// client, in a client-under-test case).
pub fn describe_outcome_for(case: &Case, o: &Outcome) -> String {
    let text = describe_outcome(o);
    if case.role == crate::case::Role::Client {
        text.replace("the server", "the client")
    } else {
        text
    }
}

/// An outcome in words: `text "Hello", then the server fails the connection`.
pub fn describe_outcome(o: &Outcome) -> String {
    if let Some(h) = &o.handshake {
        if h.silent {
            return "no response, the connection left open until the handshake timeout".into();
        }
        let codes: Vec<String> = h
            .status
            .iter()
            .filter(|s| **s != 0)
            .map(|s| s.to_string())
            .collect();
        let mut s = match (codes.is_empty(), h.status.contains(&0)) {
            (true, _) => "the connection closed without an HTTP response".to_string(),
            (false, true) => format!(
                "handshake answered with HTTP {} or the connection closed without a response",
                codes.join(" or ")
            ),
            (false, false) => format!("handshake answered with HTTP {}", codes.join(" or ")),
        };
        for (n, v) in &h.headers {
            s.push_str(&format!(" and {n}: …{v}…"));
        }
        for n in &h.absent {
            s.push_str(&format!(" without {n}"));
        }
        for (n, v) in &h.lacking {
            s.push_str(&format!(" without …{v}… in {n}"));
        }
        if !h.status.contains(&101) {
            return s;
        }
        s.push_str(", then ");
        return s + &describe_receive(o);
    }
    describe_receive(o)
}

fn describe_items(items: &[Item]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|i| match i {
            Item::Text(p) => format!("text {}", p.describe()),
            Item::Binary(p) => format!("binary {}", p.describe()),
            Item::Pong(p) => format!("pong {}", p.describe()),
            Item::Mark(m) => format!("[mark {m}]"),
            Item::AnyPongs => "any pongs".into(),
            Item::Anything => "anything".into(),
            Item::SomeOf(items) => format!("some of ({}), in order", describe_items(items)),
            Item::Repeat(r) => format!(
                "{} × {}",
                r.count,
                describe_items(std::slice::from_ref(&*r.item))
            ),
        })
        .collect();
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}

fn describe_receive(o: &Outcome) -> String {
    let items = describe_items(&o.receive);
    let end = match (o.end, o.close_codes.is_empty()) {
        (End::Fail, false) => {
            let codes: Vec<String> = o.close_codes.iter().map(|c| c.to_string()).collect();
            return format!(
                "{items}, then the server fails the connection with close {}",
                codes.join(" or ")
            );
        }
        (end, _) => end,
    };
    let end = match end {
        End::Fail => "the server fails the connection",
        End::Open => "the connection stays open until wsprobe closes it",
        End::Any => "either side closes",
    };
    format!("{items}, then {end}")
}

fn judge_close(expect: &CloseExpect, obs: &Observed, level: Level) -> (Verdict, String) {
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

#[cfg(test)]
mod tests {
    //! The judge on synthetic event lists, no sockets.
    use super::*;
    use crate::event::{Event, Stamped};
    use crate::wire::Violation;

    fn case(level: &str, class: &str, expect: &str, close: &str) -> Case {
        let text = format!(
            "section: \"5.2\"\ntitle: t\ncases:\n  - id: t/t\n    title: t\n    rfc: [\"5.2\"]\n    requirement: the rule\n    level: {level}\n    class: {class}\n    steps:\n      - send: {{opcode: ping}}\n    expect:\n{expect}\n    close: {close}\n"
        );
        crate::case::load::load_file("t.yaml", &text)
            .unwrap()
            .1
            .remove(0)
    }

    /// `anything` (generated cases put it after the required echoes) must
    /// not excuse a wrong, missing or misplaced item before it, nor one after it.
    #[test]
    fn anything_matches_only_the_rest() {
        use crate::case::Payload;
        let text = |s: &str| Item::Text(Payload::Text(s.into()));
        let msg = |s: &str| {
            let p = Payload::Text(s.into());
            Obs::Message {
                opcode: op::TEXT,
                len: p.len() as u64,
                sha256: p.sha256().to_vec(),
                preview: Vec::new(),
            }
        };
        let want = [text("a"), Item::Anything];
        assert!(in_order(&want, &[msg("a")]));
        assert!(in_order(&want, &[msg("a"), msg("zzz"), Obs::Pong(vec![])]));
        assert!(!in_order(&want, &[msg("b")]));
        assert!(!in_order(&want, &[msg("b"), msg("a")]));
        assert!(!in_order(&want, &[]));
        assert!(!in_order(&want, &[Obs::Pong(vec![]), msg("a")]));
        let want = [Item::AnyPongs, text("a"), Item::Anything];
        assert!(in_order(&want, &[Obs::Pong(vec![]), msg("a"), msg("x")]));
        assert!(!in_order(&want, &[msg("x"), msg("a")]));
        let want = [Item::Anything, text("end")];
        assert!(in_order(&want, &[msg("x"), msg("end")]));
        assert!(in_order(&want, &[msg("end")]));
        assert!(!in_order(&want, &[msg("end"), msg("x")]));
    }

    fn in_order(want: &[Item], got: &[Obs]) -> bool {
        items_match(want, &got.iter().collect::<Vec<_>>())
    }

    fn events(list: Vec<Event>) -> Vec<Stamped> {
        let mut all = vec![Event::Response {
            status: 101,
            reason: "Switching Protocols".into(),
            headers: vec![],
        }];
        all.extend(list);
        all.into_iter()
            .enumerate()
            .map(|(i, event)| Stamped {
                at_us: i as u64,
                event,
            })
            .collect()
    }

    fn pong(p: &str) -> Event {
        Event::Pong {
            payload: p.as_bytes().to_vec(),
        }
    }

    fn client_close() -> Event {
        Event::ClientClose {
            code: Some(1000),
            reply: false,
        }
    }

    fn server_close(code: u16) -> Event {
        Event::Close {
            code: Some(code),
            reason: vec![],
        }
    }

    #[test]
    fn any_pongs_then_latest() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [any_pongs, {pong: p9}], end: open}",
            "{by: client, codes: [1000]}",
        );
        let ok = events(vec![
            pong("p3"),
            pong("p9"),
            client_close(),
            server_close(1000),
            Event::Eof { mid_frame: false },
        ]);
        let j = judge(&c, &Observed::from_events(&ok));
        assert_eq!(
            (j.behavior, j.close),
            (Verdict::Pass, Some(Verdict::Pass)),
            "{j:?}"
        );
        let wrong_last = events(vec![
            pong("p9"),
            pong("p3"),
            client_close(),
            server_close(1000),
            Event::Eof { mid_frame: false },
        ]);
        assert_eq!(
            judge(&c, &Observed::from_events(&wrong_last)).behavior,
            Verdict::Fail
        );
    }

    #[test]
    fn failing_early_does_not_match_open() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [], end: open}",
            "{by: client, codes: [1000]}",
        );
        let j = judge(
            &c,
            &Observed::from_events(&events(vec![
                server_close(1002),
                Event::Eof { mid_frame: false },
            ])),
        );
        assert_eq!(j.behavior, Verdict::Fail);
        assert_eq!(j.close, Some(Verdict::Fail));
        assert!(
            j.behavior_reason.contains("the rule"),
            "{}",
            j.behavior_reason
        );
    }

    #[test]
    fn should_level_miss_is_non_strict() {
        let c = case(
            "SHOULD",
            "must-fail",
            "      - {grade: pass, receive: [], end: fail}",
            "{by: server}",
        );
        let stayed_open = events(vec![
            Event::Timeout {
                waiting_for: "the server to end the connection".into(),
            },
            client_close(),
            server_close(1000),
            Event::Eof { mid_frame: false },
        ]);
        let j = judge(&c, &Observed::from_events(&stayed_open));
        assert_eq!(
            (j.behavior, j.close),
            (Verdict::NonStrict, Some(Verdict::NonStrict)),
            "{j:?}"
        );
    }

    #[test]
    fn a_reset_after_the_close_handshake_is_non_strict_only_when_wsprobe_closed_first() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [], end: open}",
            "{by: client, codes: [1000]}",
        );
        let answered = |end: Event| {
            judge(
                &c,
                &Observed::from_events(&events(vec![client_close(), server_close(1000), end])),
            )
            .close
        };
        assert_eq!(
            answered(Event::Eof { mid_frame: false }),
            Some(Verdict::Pass)
        );
        assert_eq!(answered(Event::Reset), Some(Verdict::NonStrict));
        // Closed first by the server: wsprobe's reply may meet a closed socket.
        let c = case(
            "MUST",
            "must-fail",
            "      - {grade: pass, receive: [], end: fail}",
            "{by: server, codes: [1002]}",
        );
        let first = events(vec![
            server_close(1002),
            Event::ClientClose {
                code: Some(1002),
                reply: true,
            },
            Event::Reset,
        ]);
        assert_eq!(
            judge(&c, &Observed::from_events(&first)).close,
            Some(Verdict::Pass)
        );
    }

    #[test]
    fn close_codes() {
        let c = case(
            "MUST",
            "must-fail",
            "      - {grade: pass, receive: [], end: fail}",
            "{by: server, codes: [1002]}",
        );
        let end = |code| events(vec![server_close(code), Event::Eof { mid_frame: false }]);
        assert_eq!(
            judge(&c, &Observed::from_events(&end(1002))).close,
            Some(Verdict::Pass)
        );
        // "Going away" when failing says nothing went wrong (7.1.7: an
        // appropriate code); a defensible other code is informational.
        assert_eq!(
            judge(&c, &Observed::from_events(&end(1001))).close,
            Some(Verdict::NonStrict)
        );
        assert_eq!(
            judge(&c, &Observed::from_events(&end(1011))).close,
            Some(Verdict::Informational)
        );
        let forbidden = judge(&c, &Observed::from_events(&end(1005)));
        assert_eq!(forbidden.close, Some(Verdict::Fail));
        let dropped = events(vec![Event::Reset]);
        assert_eq!(
            judge(&c, &Observed::from_events(&dropped)).close,
            Some(Verdict::NonStrict),
            "dropping TCP fails the connection without the close frame 7.1.7 asks for"
        );
        let lingering = events(vec![server_close(1002), client_close()]);
        assert_eq!(
            judge(&c, &Observed::from_events(&lingering)).close,
            Some(Verdict::Fail),
            "no TCP close after the handshake (5.5.1 MUST)"
        );
        // wsprobe stopped inside a frame when the server closed, so it could
        // not answer: the server is not blamed for keeping TCP open then.
        let cut = events(vec![
            Event::SendingStopped { mid_frame: true },
            server_close(1002),
        ]);
        assert_eq!(
            judge(&c, &Observed::from_events(&cut)).close,
            Some(Verdict::Pass)
        );
        let clean = events(vec![
            Event::SendingStopped { mid_frame: false },
            server_close(1002),
            client_close(),
        ]);
        assert_eq!(
            judge(&c, &Observed::from_events(&clean)).close,
            Some(Verdict::Fail),
            "stopped at a frame boundary, wsprobe replied: TCP is the server's"
        );
    }

    /// What confirmation may skip: a case already at the best verdict it allows.
    #[test]
    fn best_possible_verdicts() {
        let pass_or_info = case(
            "MUST",
            "implementation-defined",
            "      - {grade: informational, receive: [], end: any}\n      - {grade: pass, receive: [], end: fail}",
            "{by: server}",
        );
        assert_eq!(best_possible(&pass_or_info), Verdict::Pass);
        let recorded = case(
            "MAY",
            "implementation-defined",
            "      - {grade: pass, receive: [], end: any}",
            "{by: client, informational: true}",
        );
        assert_eq!(best_possible(&recorded), Verdict::Informational);
        let only_info = case(
            "MAY",
            "implementation-defined",
            "      - {grade: informational, receive: [], end: any}",
            "{by: client}",
        );
        assert_eq!(best_possible(&only_info), Verdict::Informational);
    }

    /// Items past the cap are counted, and no outcome can match then.
    #[test]
    fn dropped_items_never_match() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [any_pongs], end: open}",
            "{by: client, codes: [1000]}",
        );
        let pongs = |n: usize| {
            let mut list: Vec<Event> = (0..n)
                .map(|i| Event::Pong {
                    payload: i.to_string().into_bytes(),
                })
                .collect();
            list.push(client_close());
            events(list)
        };
        let few = judge(&c, &Observed::from_events(&pongs(10)));
        assert_eq!(few.behavior, Verdict::Pass, "{}", few.behavior_reason);
        let obs = Observed::from_events(&pongs(crate::event::observed::MAX_RUNS + 5));
        assert_eq!(obs.items_dropped, 5);
        assert_eq!(judge(&c, &obs).behavior, Verdict::Fail);
    }

    #[test]
    fn client_close_needs_a_reply() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [], end: open}",
            "{by: client, codes: [1000]}",
        );
        let no_reply = events(vec![
            client_close(),
            Event::Timeout {
                waiting_for: "a close frame in reply".into(),
            },
        ]);
        assert_eq!(
            judge(&c, &Observed::from_events(&no_reply)).close,
            Some(Verdict::Fail)
        );
        let dropped = events(vec![client_close(), Event::Eof { mid_frame: false }]);
        assert_eq!(
            judge(&c, &Observed::from_events(&dropped)).close,
            Some(Verdict::Fail)
        );
    }

    #[test]
    fn a_reset_after_the_close_handshake_is_the_servers_only_if_it_read_everything() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [], end: open}",
            "{by: client, codes: [1000]}",
        );
        let close_frame = |opcode: u8| {
            Event::FrameSent(crate::event::FrameLog {
                fin: true,
                rsv: 0,
                opcode,
                masked: true,
                len: 2,
                preview: vec![3, 0xe8],
            })
        };
        let ending = || {
            vec![
                Event::Close {
                    code: Some(1000),
                    reason: Vec::new(),
                },
                Event::Reset,
            ]
        };
        let mut clean = vec![close_frame(8), client_close()];
        clean.extend(ending());
        assert_eq!(
            judge(&c, &Observed::from_events(&events(clean))).close,
            Some(Verdict::NonStrict)
        );
        // A ping after wsprobe's close may be unread when the server closes.
        let mut ping_after = vec![close_frame(8), client_close(), close_frame(9)];
        ping_after.extend(ending());
        assert_eq!(
            judge(&c, &Observed::from_events(&events(ping_after))).close,
            Some(Verdict::Pass)
        );
    }

    #[test]
    fn outcomes_of_client_cases_name_the_client() {
        let mut c = case(
            "MUST",
            "must-fail",
            "      - {grade: pass, receive: [], end: fail}",
            "{by: client, codes: [1000]}",
        );
        let server = describe_outcome_for(&c, &c.expect[0]);
        assert!(server.contains("the server fails"), "{server}");
        c.role = crate::case::Role::Client;
        let client = describe_outcome_for(&c, &c.expect[0]);
        assert!(client.contains("the client fails"), "{client}");
    }

    #[test]
    fn a_violation_fails_even_when_the_outcome_matches() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [{pong: \"\"}], end: open}",
            "{by: client, codes: [1000]}",
        );
        let masked = events(vec![
            Event::Violation(Violation::MaskedFrameFromServer),
            pong(""),
            client_close(),
            server_close(1000),
            Event::Eof { mid_frame: false },
        ]);
        let j = judge(&c, &Observed::from_events(&masked));
        assert_eq!(j.behavior, Verdict::Fail);
        assert!(
            j.behavior_reason.contains("masked frame") && j.behavior_reason.contains("5.1"),
            "{}",
            j.behavior_reason
        );
    }

    #[test]
    fn an_accepted_refusal_moves_the_expected_closer() {
        let c = case(
            "MUST",
            "must-accept",
            "      - {grade: pass, receive: [{pong: \"\"}], end: open}\n      - {grade: informational, receive: [], end: fail}",
            "{by: client, codes: [1000]}",
        );
        let refused = events(vec![server_close(1009), Event::Eof { mid_frame: false }]);
        let j = judge(&c, &Observed::from_events(&refused));
        assert_eq!(
            (j.behavior, j.close),
            (Verdict::Informational, Some(Verdict::Informational)),
            "{j:?}"
        );
    }

    #[test]
    fn grades_are_tried_best_first() {
        let c = case(
            "MUST",
            "must-fail",
            "      - {grade: non-strict, receive: [], end: any}\n      - {grade: pass, receive: [], end: fail}",
            "{by: server}",
        );
        let j = judge(
            &c,
            &Observed::from_events(&events(vec![Event::Eof { mid_frame: false }])),
        );
        assert_eq!((j.behavior, j.matched), (Verdict::Pass, Some(1)));
    }
}
