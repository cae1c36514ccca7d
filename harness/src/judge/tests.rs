//! The judge on synthetic event lists, no sockets.

use super::expect::items_match;
use super::*;
use crate::case::Item;
use crate::event::{Event, Stamped};
use crate::wire::codes::op;
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
    // Data messages of the server's own, but no pong among them.
    let want = [Item::AnyMessages];
    assert!(in_order(&want, &[]));
    assert!(in_order(&want, &[msg("hello"), msg("bye")]));
    assert!(!in_order(&want, &[msg("hello"), Obs::Pong(vec![])]));
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
    // wsprobe's close_notify after its close (a shutdown over TLS) may be
    // unread when the server closes, and Linux then resets: not the server's choice.
    let notified = events(vec![
        client_close(),
        Event::TlsCloseNotify,
        Event::Shutdown,
        server_close(1000),
        Event::Reset,
    ]);
    assert_eq!(
        judge(&c, &Observed::from_events(&notified)).close,
        Some(Verdict::Pass)
    );
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

#[test]
fn only_the_closing_phases_quiet_barrier_makes_wsprobes_close_a_kill() {
    // An expect step's barrier answered, then the case's own close: wsprobe
    // closed as the case says, not because the server went quiet.
    let own = Observed::from_events(&events(vec![
        Event::BarrierAnswered,
        client_close(),
        server_close(1000),
        Event::Eof { mid_frame: false },
    ]));
    assert!(!own.client_killed);
    assert!(own.timeouts.is_empty());
    // After the steps: the barrier answered and nothing more, so wsprobe
    // closed; a kill on evidence, not a wait that ran out.
    let quiet = Observed::from_events(&events(vec![
        Event::BarrierAnswered,
        Event::QuietAfterBarrier,
        client_close(),
        server_close(1000),
        Event::Eof { mid_frame: false },
    ]));
    assert!(quiet.client_killed);
    assert!(quiet.timeouts.is_empty());
    assert!(quiet
        .describe_end()
        .contains("wsprobe closed it after waiting"));
}

/// `server_memory`: growth over the bound fails a case that ran alone;
/// the same figure from a case with others in flight is theirs together
/// and fails nothing; growth within the bound passes.
#[test]
fn a_memory_bound_fails_only_growth_past_it_measured_alone() {
    let mut c = case(
        "MUST",
        "implementation-defined",
        "      - {grade: pass, receive: [], end: fail}",
        "{by: server, codes: [1009], other_codes: informational}",
    );
    c.server_memory = Some(crate::case::MemoryBound { max_growth_mib: 64 });
    let mut obs = Observed::from_events(&events(vec![
        server_close(1009),
        Event::Eof { mid_frame: false },
    ]));
    let usage = |peak_mib: u64, in_flight: usize| crate::spawned::Usage {
        rss_before_kib: 10 << 10,
        rss_peak_kib: peak_mib << 10,
        cpu_ms: 5,
        in_flight,
    };
    obs.server = Some(usage(10 + 64, 1));
    assert_eq!(judge(&c, &obs).verdict, Verdict::Pass, "exactly the bound");
    obs.server = Some(usage(10 + 65, 1));
    let j = judge(&c, &obs);
    assert_eq!(j.verdict, Verdict::Fail);
    assert!(
        j.behavior_reason.contains("grew by 65 MiB"),
        "{}",
        j.behavior_reason
    );
    assert_eq!(
        j.cause.map(|c| c.key).as_deref(),
        Some("server/memory-grew")
    );
    obs.server = Some(usage(10 + 500, 2));
    assert_eq!(
        judge(&c, &obs).verdict,
        Verdict::Pass,
        "with others in flight"
    );
    obs.server = None;
    assert_eq!(judge(&c, &obs).verdict, Verdict::Pass, "not measured");
}
