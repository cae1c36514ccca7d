//! Hostile servers cannot crash, hang or exhaust the harness: each case ends
//! within its time budget with a clear verdict.

mod common;

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use wsprobe::case::load;
use wsprobe::judge::{judge, Verdict};
use wsprobe::runner::{run_case, RunOptions};
use wsprobe::target::Target;

use common::{scripted as hostile, upgrade};

async fn check(target: Target, expected: Verdict, reason_has: &str) {
    let case = load::embedded()
        .unwrap()
        .cases
        .into_iter()
        .find(|c| c.id == "close/after-echo")
        .unwrap();
    let mut opts = RunOptions::new(target);
    opts.case_timeout = Duration::from_secs(5);
    let t = Instant::now();
    let events = run_case(&case, &opts).await;
    let j = judge(&case, &events.observed);
    // Bounded by the case budget plus scheduling slack, never a hang.
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(j.behavior, expected, "{}", j.behavior_reason);
    assert!(
        j.behavior_reason.contains(reason_has),
        "{}",
        j.behavior_reason
    );
}

#[tokio::test]
async fn endless_headers() {
    let t = hostile(|mut s, _| async move {
        let _ = s.write_all(b"HTTP/1.1 101 OK\r\n").await;
        loop {
            if s.write_all(b"X-Endless: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
                .await
                .is_err()
            {
                return;
            }
        }
    })
    .await;
    check(t, Verdict::Fail, "more than 64 header lines").await;
}

#[tokio::test]
async fn frame_announcing_2_pow_63_bytes() {
    let t = hostile(|mut s, key| async move {
        let _ = s.write_all(&upgrade(&key)).await;
        let _ = s
            .write_all(&[0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
            .await;
        let _ = s.write_all(&[0u8; 100_000]).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    check(t, Verdict::Fail, "over the limit").await;
}

#[tokio::test]
async fn a_byte_every_second() {
    let t = hostile(|mut s, key| async move {
        for b in upgrade(&key) {
            if s.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
    .await;
    check(t, Verdict::Fail, "no complete handshake response").await;
}

#[tokio::test]
async fn garbage() {
    let t = hostile(|mut s, _| async move {
        let _ = s.write_all(b"\x00\xff\x13garbage\r\n\r\n").await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    check(t, Verdict::Fail, "not valid HTTP").await;
}

#[tokio::test]
async fn silent_after_upgrade() {
    let t = hostile(|mut s, key| async move {
        let _ = s.write_all(&upgrade(&key)).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    check(t, Verdict::Fail, "timed out waiting for 1 message").await;
}

#[tokio::test]
async fn ping_flood() {
    let t = hostile(|mut s, key| async move {
        let _ = s.write_all(&upgrade(&key)).await;
        let pings = [0x89u8, 0x00].repeat(4096);
        while s.write_all(&pings).await.is_ok() {}
    })
    .await;
    check(t, Verdict::Fail, "frames in one case").await;
}

/// The whole catalogue against a server that floods after the handshake:
/// every case ends with a verdict, and what each keeps of the flood is
/// bounded (the facts count it; the log keeps its head and tail). Peak
/// memory is measured by `bench/run.sh`, not here.
async fn flood_run(fault: wsprobe::servers::Fault) {
    use wsprobe::event::log::MAX_STORED;
    use wsprobe::run::{self, Capabilities, Schedule};
    use wsprobe::servers::{self, ServerKind};
    let catalog = load::embedded().unwrap();
    let n = catalog.cases.len();
    let addr = servers::spawn(ServerKind::Faulty([fault].into()), "127.0.0.1:0")
        .await
        .unwrap();
    let opts = RunOptions::new(Target::parse(&format!("ws://{addr}/")).unwrap());
    // As if it echoed, so the cases that need an echo run too.
    let caps = Capabilities {
        echo: true,
        deflate: true,
    };
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let sched = Schedule {
        confirm: false,
        ..Schedule::new(32)
    };
    let report = run::run(catalog.cases, &opts, caps, sched, rx, |_| {}).await;
    assert_eq!(report.results.len(), n);
    let mut passed = Vec::new();
    for r in &report.results {
        assert!(
            r.events.len() <= MAX_STORED,
            "{}: {} events stored",
            r.case.id,
            r.events.len()
        );
        assert!(
            !r.judgement.behavior_reason.contains("time budget"),
            "{}: {}",
            r.case.id,
            r.judgement.behavior_reason
        );
        if r.judgement.verdict == Verdict::Pass {
            passed.push(r);
        }
    }
    // Nothing a flooding server does after the upgrade is a pass; only its
    // refusals of bad handshakes (the flood starts after a 101) are, and the
    // cases where wsprobe drops the connection itself (nothing is owed then).
    // (A handshake case of the security group counts as a handshake case.)
    let refusal = |r: &&wsprobe::run::CaseResult| {
        let id = &r.case.id;
        id.starts_with("handshake/")
            || id.starts_with("abrupt/")
            || (r.case.is_security() && r.case.tags.iter().any(|t| t == "handshake"))
    };
    let ids: Vec<&str> = passed.iter().map(|r| r.case.id.as_str()).collect();
    assert!(passed.iter().all(refusal), "{fault:?} passed {ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_flood_against_the_whole_catalogue() {
    flood_run(wsprobe::servers::Fault::PingFlood).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_flood_against_the_whole_catalogue() {
    flood_run(wsprobe::servers::Fault::CloseFlood).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuation_flood_against_the_whole_catalogue() {
    flood_run(wsprobe::servers::Fault::ContinuationFlood).await;
}
