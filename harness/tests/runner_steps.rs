//! Step semantics that timing can hide: checked with pauses that force the
//! order of events, against the embedded reference server.

use wsprobe::case::load;
use wsprobe::judge::{judge, Verdict};
use wsprobe::runner::{run_case, RunOptions};
use wsprobe::servers::{self, ServerKind};
use wsprobe::target::Target;

const OVERTAKEN: &str = r#"
section: "5.2"
title: test
cases:
  - id: steps/echo-overtakes-expect
    title: both echoes are back before the first relative expect starts
    rfc: ["5.2"]
    requirement: "test"
    level: MUST
    class: must-accept
    needs: [echo]
    steps:
      - send_message: {opcode: text, payload: one}
      - send_message: {opcode: text, payload: two}
      - pause: 200ms
      - expect: {messages: 1, relative: true}
      - expect: {messages: 1, relative: true}
      - close: {code: 1000}
    expect:
      - {grade: pass, receive: [{text: one}, {text: two}], end: open}
    close: {by: client, codes: [1000]}
"#;

#[tokio::test]
async fn relative_expects_count_echoes_that_arrived_early() {
    let (_, cases) = load::load_file("steps.yaml", OVERTAKEN).expect("case loads");
    let addr = servers::spawn(ServerKind::Tungstenite, "127.0.0.1:0")
        .await
        .unwrap();
    let opts = RunOptions::new(Target::parse(&format!("ws://{addr}/")).unwrap());
    let events = run_case(&cases[0], &opts).await;
    let timeouts = &events.observed.timeouts;
    assert!(
        timeouts.is_empty(),
        "expect steps waited in vain: {timeouts:?}"
    );
    let j = judge(&cases[0], &events.observed);
    assert_eq!(j.verdict, Verdict::Pass, "{}", j.behavior_reason);
}

/// `--timeout` given caps every case, even one that declares a longer budget
/// (the 16 MiB cases say 30s); without it the case's own budget holds.
#[test]
fn the_timeout_given_caps_every_case() {
    use std::time::Duration;
    let catalog = load::embedded().unwrap();
    let big = catalog
        .cases
        .iter()
        .find(|c| c.id == "limits/text/single-frame-8-mib")
        .unwrap();
    let mut opts = RunOptions::new(Target::parse("ws://127.0.0.1:1/").unwrap());
    assert_eq!(opts.budget(big), Duration::from_secs(30));
    opts.case_timeout = Duration::from_secs(10);
    opts.timeout_cap = Some(Duration::from_secs(10));
    assert_eq!(opts.budget(big), Duration::from_secs(10));
    let small = catalog.cases.iter().find(|c| c.timeout.is_none()).unwrap();
    assert_eq!(opts.budget(small), Duration::from_secs(10));
}
