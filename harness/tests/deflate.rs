//! permessage-deflate end to end: the RFC 7692 groups against wsprobe's
//! hand-written server (which implements it), against tungstenite (no
//! permessage-deflate: unimplemented, never failed), and against the planted
//! deflate faults, each with its exact failures. Implementations nobody here
//! wrote (Python websockets, Node ws, soketto) run in ci/third-party.sh
//! against their committed baselines.

mod common;

use std::collections::BTreeMap;

use wsprobe::case::load;
use wsprobe::judge::Verdict;
use wsprobe::run::RunReport;
use wsprobe::runner::RunOptions;
use wsprobe::servers::{self, Fault, ServerKind};
use wsprobe::target::Target;

async fn run_group(url: String) -> RunReport {
    let opts = RunOptions::new(Target::parse(&url).unwrap());
    let mut cases = load::embedded().unwrap().cases;
    cases.retain(|c| c.id.starts_with("deflate/"));
    assert_eq!(cases.len(), 245);
    common::probe_and_run(cases, &opts, 16).await
}

async fn embedded(kind: ServerKind) -> RunReport {
    let addr = servers::spawn(kind, "127.0.0.1:0").await.unwrap();
    run_group(format!("ws://{addr}/")).await
}

/// Case id to verdict, for every case that did not pass.
fn not_passed(report: &RunReport) -> BTreeMap<String, Verdict> {
    report
        .results
        .iter()
        .filter(|r| r.judgement.verdict != Verdict::Pass)
        .map(|r| (r.case.id.clone(), r.judgement.verdict))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hand_written_server_passes_the_group() {
    let report = embedded(ServerKind::Faulty(Default::default())).await;
    assert!(not_passed(&report).is_empty(), "{:#?}", not_passed(&report));
    // The series really compress: every message went out with RSV1 and came back so.
    let r = report
        .results
        .iter()
        .find(|r| r.case.id == "deflate/series/json/131072-bytes-in-4096-byte-frames")
        .unwrap();
    let compressed_echoes = r
        .events
        .iter()
        .filter(|e| matches!(&e.event, wsprobe::event::Event::FrameReceived(f) if f.rsv == 4))
        .count();
    assert_eq!(compressed_echoes, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_ended_by_final_blocks_pass_the_group() {
    // RFC 7692 7.2.3.4: a sender may flush with a BFINAL block; the blocks
    // after it go on in the same window. (Its dirty-padding twin is pinned
    // in the fault snapshots.)
    let report = embedded(ServerKind::Faulty([Fault::DeflateFinalBlocks].into())).await;
    assert!(not_passed(&report).is_empty(), "{:#?}", not_passed(&report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_echo_in_a_series_fails() {
    // Echoes cut at 65535 bytes: every series of larger messages fails, no other.
    let report = embedded(ServerKind::Faulty([Fault::TruncateLargeMessages].into())).await;
    let got = not_passed(&report);
    let large: Vec<&String> = got.keys().collect();
    assert!(!large.is_empty());
    assert!(
        large
            .iter()
            .all(|id| ["131072", "65536", "128-kib", "64-kib"]
                .iter()
                .any(|n| id.contains(n))),
        "{large:#?}"
    );
    assert!(got.values().all(|v| *v == Verdict::Fail));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_deflate_the_group_is_unimplemented_not_failed() {
    let report = embedded(ServerKind::Tungstenite).await;
    let got = not_passed(&report);
    let needing = report
        .results
        .iter()
        .filter(|r| {
            r.case.needs.iter().any(|n| {
                matches!(
                    n,
                    wsprobe::case::Need::Deflate | wsprobe::case::Need::DeflateServer
                )
            })
        })
        .count();
    assert_eq!(needing, 238);
    assert_eq!(got.len(), needing, "{got:#?}");
    assert!(
        got.values().all(|v| *v == Verdict::Unimplemented),
        "{got:#?}"
    );
    // The decline cases pass: not negotiating is a way to decline.
    assert!(report
        .results
        .iter()
        .filter(|r| r.case.id.starts_with("deflate/decline/"))
        .all(|r| r.judgement.verdict == Verdict::Pass));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deflate_faults_fail_exactly_their_cases() {
    let report = embedded(ServerKind::Faulty([Fault::DeflateKeepsContext].into())).await;
    let got = not_passed(&report);
    // Every case where the client asked for server_no_context_takeover, and only those.
    let want: Vec<&str> = report
        .results
        .iter()
        .filter(|r| {
            r.case.steps.iter().any(|s| {
                format!("{s:?}").contains("server_no_context_takeover")
                    && r.case.id.starts_with("deflate/offer/")
            })
        })
        .map(|r| r.case.id.as_str())
        .collect();
    let mut want = want;
    want.sort();
    assert_eq!(want.len(), 72);
    assert_eq!(got.keys().map(String::as_str).collect::<Vec<_>>(), want);
    assert!(got.values().all(|v| *v == Verdict::Fail));

    let report = embedded(ServerKind::Faulty([Fault::DeflateAcceptsBadOffers].into())).await;
    let got = not_passed(&report);
    assert_eq!(got.len(), 7, "{got:#?}");
    assert!(got
        .iter()
        .all(|(id, v)| id.starts_with("deflate/decline/") && *v == Verdict::Fail));

    // Trusting the offer's hint instead of the agreed parameters: only the
    // case that goes back on the hint (RFC 7692 7.2.1 lets it) can tell.
    let report = embedded(ServerKind::Faulty([Fault::DeflateTrustsHint].into())).await;
    let got = not_passed(&report);
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        [(
            "deflate/rfc-example/shared-window-after-hint".to_string(),
            Verdict::Fail
        )]
    );

    // Accepting permessage-deflate beside another RSV1 extension (echo-offers
    // accepts everything offered) fails; the hand-written server picks one.
    let report = embedded(ServerKind::Faulty([Fault::EchoOffers].into())).await;
    let r = report
        .results
        .iter()
        .find(|r| r.case.id == "deflate/negotiation/beside-an-rsv1-extension")
        .unwrap();
    assert_eq!(r.judgement.verdict, Verdict::Fail);
    assert!(
        r.judgement
            .behavior_reason
            .contains("x-webkit-deflate-frame, which also uses RSV1"),
        "{}",
        r.judgement.behavior_reason
    );

    // RSV1 on frames that are not compressed (the rsv-on-echo fault sets it on everything).
    let report = embedded(ServerKind::Faulty([Fault::RsvOnEcho].into())).await;
    let misplaced = report.results.iter().any(|r| {
        r.judgement
            .behavior_reason
            .contains("RSV1 (per-message compressed) set on a control frame")
    });
    assert!(misplaced, "{:#?}", not_passed(&report));
}

/// Failed cases and the reasons given, for the cases that did not pass.
fn failed_with(report: &RunReport) -> BTreeMap<String, String> {
    report
        .results
        .iter()
        .filter(|r| r.judgement.verdict != Verdict::Pass)
        .map(|r| {
            assert_eq!(r.judgement.verdict, Verdict::Fail, "{}", r.case.id);
            (r.case.id.clone(), r.judgement.behavior_reason.clone())
        })
        .collect()
}

fn ids(report: &RunReport, keep: impl Fn(&wsprobe::case::Case) -> bool) -> Vec<&str> {
    report
        .results
        .iter()
        .filter(|r| keep(&r.case))
        .map(|r| r.case.id.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_forgets_the_clients_context_fails_every_series_that_uses_it() {
    let report = embedded(ServerKind::Faulty(
        [Fault::DeflateDropsClientContext].into(),
    ))
    .await;
    let got = failed_with(&report);
    // The 12.x series let the client keep its context; random data never
    // refers back, and the 13.x offers all carry client_no_context_takeover.
    let mut want = ids(&report, |c| {
        (c.id.starts_with("deflate/series/") && !c.id.starts_with("deflate/series/random/"))
            || c.id.starts_with("deflate/rfc-example/shared-window")
    });
    want.sort();
    assert_eq!(want.len(), 74);
    assert_eq!(got.keys().map(String::as_str).collect::<Vec<_>>(), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_compressing_past_its_agreed_window_is_caught() {
    let report = embedded(ServerKind::Faulty([Fault::DeflateWideWindow].into())).await;
    let got = failed_with(&report);
    // Only where the client limited the server to 512 bytes, and there every
    // series of messages of 1 KiB and more (a reference reaches further back).
    let small = ["/16-bytes", "/64-bytes", "/256-bytes"];
    for id in ids(&report, |c| {
        c.id.starts_with("deflate/offer/")
            && c.steps
                .iter()
                .any(|s| format!("{s:?}").contains("server_max_window_bits=9"))
    }) {
        if !small.iter().any(|s| id.ends_with(s)) {
            assert!(got.contains_key(id), "{id} passed");
        }
    }
    assert!(got.len() >= 45, "{got:#?}");
    for (id, reason) in &got {
        assert!(
            ["server-window-9", "no-context-window-9", "three-offers"]
                .iter()
                .any(|set| id.starts_with(&format!("deflate/offer/{set}/"))),
            "{id}"
        );
        assert!(
            reason.contains("beyond the agreed window of 512 bytes"),
            "{id}: {reason}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_or_exploding_compressed_echoes_fail_every_echo_case() {
    for (fault, why) in [
        (Fault::DeflateCorruptEchoes, "is not valid DEFLATE data"),
        (
            Fault::DeflateBombEchoes,
            "inflates to more than 67108864 bytes",
        ),
    ] {
        let report = embedded(ServerKind::Faulty([fault].into())).await;
        let got = failed_with(&report);
        let mut want = ids(&report, |c| c.needs.contains(&wsprobe::case::Need::Echo));
        want.sort();
        assert_eq!(want.len(), 228);
        assert_eq!(
            got.keys().map(String::as_str).collect::<Vec<_>>(),
            want,
            "{fault:?}"
        );
        for (id, reason) in &got {
            assert!(reason.contains(why), "{fault:?} {id}: {reason}");
        }
    }
}
