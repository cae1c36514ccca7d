//! The library API (`wsprobe::Suite`) as a server author uses it from
//! `cargo test`: a correct server conforms, a faulty one fails with the
//! cases named, a baseline is written once and then catches a regression,
//! and bad input is an error, not a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};

use wsprobe::servers::{faulty, Fault};
use wsprobe::{Suite, SuiteError};

fn suite() -> Suite {
    Suite::embedded()
        .select(&["framing/**", "control/**", "fragmentation/**"])
        .unwrap()
}

fn panic_text(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("must panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_server_conforms_and_a_faulty_one_fails_by_name() {
    let good = suite()
        .run_server(|l| faulty::serve(l, Default::default(), None))
        .await
        .unwrap();
    assert_eq!(good.report.results.len(), 65);
    good.assert_conforms();
    assert!(good.failures().is_empty());

    let bad = suite()
        .run_server(|l| faulty::serve(l, [Fault::NoPong].into(), None))
        .await
        .unwrap();
    let text = panic_text(|| bad.assert_conforms());
    assert!(
        text.contains("wsprobe cases failed against ws://127.0.0.1:")
            && text.contains("FAIL control/ping/empty:"),
        "{text}"
    );
    assert_eq!(text.lines().count(), bad.failures().len() + 1);
    assert!(bad.result("control/ping/empty").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_is_written_once_then_catches_a_regression() {
    let dir = std::env::temp_dir().join(format!("wsprobe-library-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("baseline.yaml");
    let _ = std::fs::remove_file(&path);

    let good = suite()
        .agent("hand-written")
        .run_server(|l| faulty::serve(l, Default::default(), None))
        .await
        .unwrap();
    // No file yet: written, and the same run then matches it.
    good.assert_baseline(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("agent: hand-written") && text.contains("framing/"));
    good.assert_baseline(&path);

    let bad = suite()
        .run_server(|l| faulty::serve(l, [Fault::EchoPong].into(), None))
        .await
        .unwrap();
    let text = panic_text(|| bad.assert_baseline(&path));
    assert!(
        text.contains("REGRESSION") && text.contains("control/pong/"),
        "{text}"
    );
    // A run matches the baseline it would write.
    assert!(bad.compare(&bad.baseline(None)).matches(true));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bad_input_is_an_error() {
    assert!(matches!(
        Suite::embedded().select(&["framing/[unclosed"]),
        Err(SuiteError::Glob { .. })
    ));
    assert!(matches!(
        suite().run("http://127.0.0.1:1/").await,
        Err(SuiteError::Target(_))
    ));
    // Nothing listens on port 1.
    let e = suite().run("ws://127.0.0.1:1/").await.unwrap_err();
    assert!(
        matches!(e, SuiteError::Unreachable(_)) && e.to_string().contains("unreachable"),
        "{e}"
    );
    let e = Suite::from_dir("/nonexistent/wsprobe-cases").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/wsprobe-cases"), "{e}");
}
