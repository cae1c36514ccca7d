//! The grading fixes of issue 14, each pinned against a server that behaves
//! the way the RFC allows (or forbids), and the unchanged verdict where the
//! fix must not apply. Handshake answers are played by scripted peers on
//! real sockets; frame-level behaviours by event lists folded as the runner
//! folds them (the faults in `catalogue_verdicts` cover the rest on the wire).

mod common;

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wsprobe::case::{load, Case, Payload};
use wsprobe::event::observed::Observed;
use wsprobe::event::{Event, Stamped};
use wsprobe::judge::{judge, Judgement, Verdict};
use wsprobe::runner::{run_case, RunOptions};
use wsprobe::target::Target;

fn case(id: &str) -> Case {
    load::embedded()
        .unwrap()
        .cases
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

/// A peer that reads the request, then writes `answer` (`None`: says
/// nothing and keeps the connection open; empty: closes at once).
async fn answering(answer: Option<&'static str>) -> Target {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = s.read(&mut buf).await;
                match answer {
                    None => while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {},
                    Some(a) => {
                        let _ = s.write_all(a.as_bytes()).await;
                        let _ = s.shutdown().await;
                    }
                }
            });
        }
    });
    Target::parse(&format!("ws://{addr}/")).unwrap()
}

async fn against(id: &str, answer: Option<&'static str>) -> Judgement {
    let c = case(id);
    let mut opts = RunOptions::new(answering(answer).await);
    opts.handshake_timeout = Duration::from_millis(500);
    let rec = run_case(&c, &opts).await;
    judge(&c, &rec.observed)
}

const BAD_REQUEST: &str = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
const NOT_FOUND: &str = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
const FORBIDDEN: &str = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
const UPGRADE_REQUIRED: &str =
    "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n";
const CLOSE_AT_ONCE: &str = "";

#[tokio::test]
async fn a_missing_host_or_a_space_before_the_colon_wants_400_exactly() {
    // Row 6: RFC 7230 5.4 and 3.2.4 fix the answer at 400.
    for id in [
        "handshake/host/missing",
        "handshake/header/space-before-colon",
    ] {
        assert_eq!(
            against(id, Some(BAD_REQUEST)).await.verdict,
            Verdict::Pass,
            "{id}"
        );
        let j = against(id, Some(NOT_FOUND)).await;
        assert_eq!(j.verdict, Verdict::NonStrict, "{id}: {}", j.behavior_reason);
        let j = against(id, Some(CLOSE_AT_ONCE)).await;
        assert_eq!(j.verdict, Verdict::NonStrict, "{id}: {}", j.behavior_reason);
    }
}

#[tokio::test]
async fn a_version_that_breaks_the_syntax_may_get_a_plain_400() {
    // Row 5: 400 without the version header is non-strict where the value is
    // not a version at all, and still fails where it is a version (14).
    for id in ["handshake/version/garbage", "handshake/version/13.0"] {
        let j = against(id, Some(BAD_REQUEST)).await;
        assert_eq!(j.verdict, Verdict::NonStrict, "{id}: {}", j.behavior_reason);
    }
    let j = against("handshake/version/14", Some(BAD_REQUEST)).await;
    assert_eq!(j.verdict, Verdict::Fail, "{}", j.behavior_reason);
    // Closing without a response: non-strict, like every other refusal (10.7).
    for id in ["handshake/version/14", "handshake/version/garbage"] {
        let j = against(id, Some(CLOSE_AT_ONCE)).await;
        assert_eq!(j.verdict, Verdict::NonStrict, "{id}: {}", j.behavior_reason);
        assert_eq!(
            against(id, Some(UPGRADE_REQUIRED)).await.verdict,
            Verdict::Pass
        );
    }
}

#[tokio::test]
async fn an_origin_may_be_refused_with_403() {
    // Row 3: a server restricted to some origins answers 403 (10.2).
    let j = against("handshake/header/origin", Some(FORBIDDEN)).await;
    assert_eq!(j.verdict, Verdict::Informational, "{}", j.behavior_reason);
    let j = against("handshake/header/origin", Some(NOT_FOUND)).await;
    assert_eq!(j.verdict, Verdict::NonStrict, "{}", j.behavior_reason);
    // A must-accept case is still failed by the same refusal.
    let j = against("handshake/header/unknown-headers", Some(FORBIDDEN)).await;
    assert_eq!(j.verdict, Verdict::Fail, "{}", j.behavior_reason);
}

#[tokio::test]
async fn a_server_waiting_for_crlf_after_bare_lf_lines_is_informational() {
    // RFC 7230 3.5: a recipient MAY accept a bare LF; one that does not is
    // still waiting for the end of the header section.
    let j = against("handshake/header/bare-lf-line-ends", None).await;
    assert_eq!(j.verdict, Verdict::Informational, "{}", j.behavior_reason);
    // The same silence on an obs-fold breaks 3.2.4's MUST (reject or unfold).
    let j = against("handshake/header/obs-fold", None).await;
    assert_eq!(j.verdict, Verdict::Fail, "{}", j.behavior_reason);
    // And on a request it must answer, silence is a failed handshake.
    let j = against("handshake/header/unknown-headers", None).await;
    assert_eq!(j.verdict, Verdict::Fail, "{}", j.behavior_reason);
}

#[tokio::test]
async fn an_unknown_subprotocol_or_extension_refused_is_informational() {
    // Row 16: the answer is a 101 without the header; refusing is recorded.
    for id in [
        "handshake/subprotocol/unsupported",
        "handshake/extension/unsupported",
    ] {
        let j = against(id, Some(BAD_REQUEST)).await;
        assert_eq!(
            j.verdict,
            Verdict::Informational,
            "{id}: {}",
            j.behavior_reason
        );
    }
}

// Frame-level behaviours, as the runner records them.

fn stamped(list: Vec<Event>) -> Vec<Stamped> {
    let mut all = vec![Event::Response {
        status: 101,
        reason: "Switching Protocols".into(),
        headers: vec![],
    }];
    all.extend(list);
    all.into_iter()
        .enumerate()
        .map(|(i, event)| Stamped {
            at_us: i as u64 * 10,
            event,
        })
        .collect()
}

fn graded(id: &str, list: Vec<Event>) -> Judgement {
    judge(&case(id), &Observed::from_events(&stamped(list)))
}

fn text(s: &str) -> Event {
    let p = Payload::Text(s.into());
    Event::Message {
        opcode: 1,
        len: p.len() as u64,
        sha256: p.sha256().to_vec(),
        preview: Vec::new(),
        frames: 1,
    }
}

fn pong(s: &str) -> Event {
    Event::Pong {
        payload: s.as_bytes().to_vec(),
    }
}

fn server_close(code: u16) -> Event {
    Event::Close {
        code: Some(code),
        reason: Vec::new(),
    }
}

fn eof() -> Event {
    Event::Eof { mid_frame: false }
}

/// wsprobe's own close, then the server's reply and its TCP close.
fn closed_cleanly() -> Vec<Event> {
    vec![
        Event::ClientClose {
            code: Some(1000),
            reply: false,
        },
        server_close(1000),
        eof(),
    ]
}

fn with_close(mut items: Vec<Event>) -> Vec<Event> {
    items.extend(closed_cleanly());
    items
}

#[test]
fn a_server_that_keeps_tcp_open_after_the_close_handshake_fails() {
    // Row 1: 5.5.1 "The server MUST close the underlying TCP connection immediately".
    let id = "close/after-echo";
    let ok = graded(id, with_close(vec![text("Hello World!")]));
    assert_eq!(ok.verdict, Verdict::Pass, "{}", ok.close_reason);
    let mut lingering = with_close(vec![text("Hello World!")]);
    lingering.pop();
    lingering.push(Event::Timeout {
        waiting_for: "the server to close TCP".into(),
    });
    let j = graded(id, lingering);
    assert_eq!(j.verdict, Verdict::Fail, "{}", j.close_reason);
    assert!(j.close_reason.contains("5.5.1"), "{}", j.close_reason);
}

#[test]
fn pongs_for_some_of_ten_pings_must_be_in_order_and_carry_sent_payloads() {
    // Row 11: an ordered subsequence of payload-0..8, then payload-9.
    let id = "control/ping/ten-in-a-row";
    let run = |pongs: &[&str]| graded(id, with_close(pongs.iter().map(|p| pong(p)).collect()));
    let all: Vec<String> = (0..10).map(|i| format!("payload-{i}")).collect();
    let all: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
    assert_eq!(run(&all).verdict, Verdict::Pass);
    assert_eq!(run(&["payload-9"]).verdict, Verdict::Pass);
    assert_eq!(
        run(&["payload-2", "payload-5", "payload-9"]).verdict,
        Verdict::Pass
    );
    // Out of order, a payload never sent, one pong twice: none is an answer.
    assert_eq!(
        run(&["payload-5", "payload-2", "payload-9"]).verdict,
        Verdict::Fail
    );
    assert_eq!(run(&["payload-x", "payload-9"]).verdict, Verdict::Fail);
    assert_eq!(
        run(&["payload-3", "payload-3", "payload-9"]).verdict,
        Verdict::Fail
    );
    assert_eq!(run(&["payload-0", "payload-1"]).verdict, Verdict::Fail);
}

#[test]
fn a_pong_answered_with_a_pong_is_non_strict() {
    // Row 12: 5.5.3 "A response to an unsolicited Pong frame is not expected."
    let j = graded("control/pong/unsolicited-empty", with_close(vec![]));
    assert_eq!(j.verdict, Verdict::Pass);
    let j = graded("control/pong/unsolicited-empty", with_close(vec![pong("")]));
    assert_eq!(j.verdict, Verdict::NonStrict, "{}", j.behavior_reason);
    let id = "control/pong/unsolicited-then-ping";
    let j = graded(
        id,
        with_close(vec![pong("unsolicited pong payload"), pong("ping payload")]),
    );
    assert_eq!(j.verdict, Verdict::NonStrict, "{}", j.behavior_reason);
    // Not answering the ping is still a failure.
    let j = graded(id, with_close(vec![pong("unsolicited pong payload")]));
    assert_eq!(j.verdict, Verdict::Fail, "{}", j.behavior_reason);
}

#[test]
fn a_pong_after_the_message_it_interrupted_is_non_strict() {
    // Row 17: 5.5.2 "as soon as is practical" is a SHOULD.
    let id = "fragmentation/text/ping-between-fragments";
    let right = graded(
        id,
        with_close(vec![pong("ping payload"), text("fragment1fragment2")]),
    );
    assert_eq!(right.verdict, Verdict::Pass);
    let late = graded(
        id,
        with_close(vec![text("fragment1fragment2"), pong("ping payload")]),
    );
    assert_eq!(late.verdict, Verdict::NonStrict, "{}", late.behavior_reason);
    let none = graded(id, with_close(vec![text("fragment1fragment2")]));
    assert_eq!(none.verdict, Verdict::Fail);
    let id = "fragmentation/text/pings-while-message-unfinished";
    let whole = "fragment1fragment2fragment3fragment4fragment5";
    let late = graded(
        id,
        with_close(vec![text(whole), pong("pongme 1!"), pong("pongme 2!")]),
    );
    assert_eq!(late.verdict, Verdict::NonStrict, "{}", late.behavior_reason);
    let swapped = graded(
        id,
        with_close(vec![pong("pongme 2!"), pong("pongme 1!"), text(whole)]),
    );
    assert_eq!(swapped.verdict, Verdict::Fail);
}

#[test]
fn failing_without_a_close_frame_or_with_a_normal_code_is_non_strict() {
    // Row 14: 7.1.7 "the endpoint SHOULD send a Close frame with an
    // appropriate status code".
    let id = "framing/opcodes/reserved-3";
    let right = graded(id, vec![server_close(1002), eof()]);
    assert_eq!(right.verdict, Verdict::Pass, "{}", right.close_reason);
    let dropped = graded(id, vec![eof()]);
    assert_eq!(
        dropped.verdict,
        Verdict::NonStrict,
        "{}",
        dropped.close_reason
    );
    assert!(
        dropped.close_reason.contains("7.1.7"),
        "{}",
        dropped.close_reason
    );
    let normal = graded(id, vec![server_close(1000), eof()]);
    assert_eq!(
        normal.verdict,
        Verdict::NonStrict,
        "{}",
        normal.close_reason
    );
    // A defensible other code stays informational, a forbidden one fails.
    let other = graded(id, vec![server_close(1011), eof()]);
    assert_eq!(
        other.verdict,
        Verdict::Informational,
        "{}",
        other.close_reason
    );
    let forbidden = graded(id, vec![server_close(1005), eof()]);
    assert_eq!(forbidden.verdict, Verdict::Fail);
    // Where dropping is the normal end (the client vanished mid-frame), it passes.
    let gone = graded("abrupt/fin/mid-payload", vec![eof()]);
    assert_eq!(gone.verdict, Verdict::Pass, "{}", gone.close_reason);
}

#[test]
fn a_large_message_refused_any_way_is_not_a_failure() {
    // Row 8: 10.4 only says protect; a fitting code is informational, a
    // drop or another code non-strict; echoing it whole passes.
    let id = "limits/binary/single-frame-4-mib";
    let fitting = graded(id, vec![server_close(1009), eof()]);
    assert_eq!(
        fitting.verdict,
        Verdict::Informational,
        "{}",
        fitting.close_reason
    );
    let dropped = graded(id, vec![eof()]);
    assert_eq!(
        dropped.verdict,
        Verdict::NonStrict,
        "{}",
        dropped.behavior_reason
    );
    let other = graded(id, vec![server_close(1002), eof()]);
    assert_eq!(
        other.verdict,
        Verdict::NonStrict,
        "{}",
        other.behavior_reason
    );
    // Closing normally while the message is still unanswered is no refusal.
    let wrong = graded(
        id,
        vec![Event::Timeout {
            waiting_for: "1 message(s)".into(),
        }],
    );
    assert_ne!(wrong.verdict, Verdict::Pass);
}

#[test]
fn a_bomb_inflated_and_echoed_is_the_servers_choice_and_wsprobes_limit_says_so() {
    // Row 10: past wsprobe's own limit on an implementation-defined case.
    let id = "deflate/bomb/256-mib";
    let c = case(id);
    let headers = vec![(
        "Sec-WebSocket-Extensions".to_string(),
        "permessage-deflate".to_string(),
    )];
    let mut events = vec![Event::Response {
        status: 101,
        reason: "Switching Protocols".into(),
        headers,
    }];
    events.push(Event::LimitExceeded {
        message: "message reaches 67108865 bytes, over the limit of 67108864".into(),
    });
    let events: Vec<Stamped> = events
        .into_iter()
        .map(|event| Stamped { at_us: 0, event })
        .collect();
    let j = judge(&c, &Observed::from_events(&events));
    assert_eq!(j.verdict, Verdict::Informational, "{}", j.behavior_reason);
    assert!(
        j.behavior_reason.contains("wsprobe's own limit"),
        "{}",
        j.behavior_reason
    );
    // The same limit on a case whose only answer is a small echo still fails.
    let j = graded(
        "framing/text/len-125",
        vec![Event::LimitExceeded {
            message: "frame announces 1000000000 bytes, over the limit of 67108864".into(),
        }],
    );
    assert_eq!(j.verdict, Verdict::Fail);
}

/// wsprobe closes with `code`, then the server does `then`.
fn closing_with(code: u16, then: Vec<Event>) -> Vec<Event> {
    let mut list = vec![Event::ClientClose {
        code: Some(code),
        reply: false,
    }];
    list.extend(then);
    list
}

#[test]
fn codes_registered_after_rfc_6455_may_be_taken_for_protocol_errors() {
    let id = "close/code/valid-1014";
    let echoed = graded(id, closing_with(1014, vec![server_close(1014), eof()]));
    assert_eq!(echoed.verdict, Verdict::Pass);
    let dropped = graded(id, closing_with(1014, vec![eof()]));
    assert_eq!(dropped.verdict, Verdict::Pass, "{}", dropped.close_reason);
    let refused = graded(id, closing_with(1014, vec![server_close(1002), eof()]));
    assert_eq!(refused.verdict, Verdict::Informational);
    // Codes RFC 6455 defines still must be answered.
    let dropped = graded("close/code/valid-1000", closing_with(1000, vec![eof()]));
    assert_eq!(dropped.verdict, Verdict::Fail);
}

/// A peer that upgrades and then reads without answering, ever.
async fn silent_after_upgrade() -> Target {
    common::scripted(|mut s, key| async move {
        let _ = s.write_all(&common::upgrade(&key)).await;
        let mut buf = vec![0u8; 8192];
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await
}

#[tokio::test]
async fn a_server_waiting_for_the_bytes_a_frame_announced_is_informational() {
    // The 2^62-byte frame: waiting is allowed; wsprobe must not send a close
    // frame into the announced payload and then blame the server for not
    // answering it.
    let c = case("resource/frame-announcing-2-pow-62-bytes");
    let opts = RunOptions::new(silent_after_upgrade().await);
    let rec = run_case(&c, &opts).await;
    let j = judge(&c, &rec.observed);
    assert_eq!(
        j.verdict,
        Verdict::Informational,
        "{} / {}",
        j.behavior_reason,
        j.close_reason
    );
    assert!(!rec
        .events
        .iter()
        .any(|e| matches!(e.event, Event::ClientClose { .. })));
    // A case that closes normally against the same silent server fails:
    // its close frame is never answered.
    let c = Arc::new(case("close/after-echo"));
    let rec = run_case(&c, &opts).await;
    assert_eq!(judge(&c, &rec.observed).verdict, Verdict::Fail);
}

#[tokio::test]
async fn an_unknown_resource_gets_an_error_or_a_redirect_never_a_page() {
    // RFC 6455 4.2.2: "If the requested service is not available, the server
    // MUST send an appropriate HTTP error code (such as 404 Not Found)".
    let id = "handshake/resource/unknown-path";
    assert_eq!(against(id, Some(NOT_FOUND)).await.verdict, Verdict::Pass);
    let redirect = "HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(against(id, Some(redirect)).await.verdict, Verdict::Pass);
    let page = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(against(id, Some(page)).await.verdict, Verdict::Fail);
    // The request is valid: closing without an answer is no HTTP error code.
    assert_eq!(
        against(id, Some(CLOSE_AT_ONCE)).await.verdict,
        Verdict::Fail
    );
}
