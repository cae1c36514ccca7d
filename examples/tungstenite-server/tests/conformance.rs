//! wsprobe from a plain `#[tokio::test]`: no docker, no files but the
//! baseline. Regenerate the baseline with
//! `WSPROBE_UPDATE_BASELINE=1 cargo test -p wsprobe-example-server` and
//! review its diff like any other change.

use wsprobe::Suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_matches_its_conformance_baseline() {
    let outcome = Suite::embedded()
        // tungstenite refuses a request that took more than 64 reads of
        // under 128 bytes on average (its AttackCheck); whether a request
        // written a byte at a time coalesces into fewer reads depends on
        // timing, so this case would pass or fail by chance. Its variant
        // with delays between the bytes fails every time and stays pinned.
        .skip(&["handshake/request/byte-by-byte"])
        .unwrap()
        .agent("wsprobe-example-server")
        .run_server(wsprobe_example_server::serve)
        .await
        .expect("the server answers the probe");
    // Its known deviations (and the permessage-deflate cases, unimplemented:
    // tungstenite has no compression) are pinned there; anything else fails.
    outcome.assert_baseline(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/wsprobe-baseline.yaml"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framing_and_closing_conform_outright() {
    let outcome = Suite::embedded()
        .select(&["framing/**", "close/**", "control/**"])
        .unwrap()
        .run_server(wsprobe_example_server::serve)
        .await
        .unwrap();
    assert!(outcome.report.results.len() >= 85);
    outcome.assert_conforms();
}
