//! Client mode: the client-under-test catalogue against embedded clients:
//! tokio-tungstenite's client and the hand-written one pass, and each fault
//! of the hand-written one fails exactly the cases of the rule it breaks.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use wsprobe::case::load;
use wsprobe::clients::{test_client, Launcher};
use wsprobe::judge::Verdict;
use wsprobe::run::RunReport;
use wsprobe::runner::RunOptions;
use wsprobe::servers::{echo, faulty, Fault};
use wsprobe::target::Target;

async fn run(launcher: Launcher) -> RunReport {
    let cases = load::embedded().unwrap().client_cases;
    // The target is not dialled in client mode; the options carry timeouts and limits.
    let opts = RunOptions::new(Target::parse("ws://127.0.0.1:1/").unwrap());
    let (_tx, rx) = tokio::sync::watch::channel(false);
    test_client(cases, &launcher, &opts, 16, rx, |_| {})
        .await
        .unwrap()
}

fn hand_written(faults: &[Fault]) -> Launcher {
    let faults: BTreeSet<Fault> = faults.iter().copied().collect();
    Launcher::Task(
        Arc::new(move |url| {
            let faults = faults.clone();
            Box::pin(async move { faulty::connect(&url, faults).await })
        }),
        Duration::from_secs(5),
    )
}

fn deviations(report: &RunReport) -> BTreeMap<String, String> {
    report
        .results
        .iter()
        .filter(|r| r.judgement.verdict != Verdict::Pass)
        .map(|r| {
            (
                r.case.id.clone(),
                format!(
                    "{}: {} / {}",
                    r.judgement.verdict.label(),
                    r.judgement.behavior_reason,
                    r.judgement.close_reason
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_clients_pass() {
    let tungstenite = Launcher::Task(
        Arc::new(|url| Box::pin(async move { echo::client(&url).await })),
        Duration::from_secs(5),
    );
    let report = run(tungstenite).await;
    assert!(report.results.len() > 50);
    // tungstenite 0.30's client does not look at Sec-WebSocket-Extensions
    // in the response (RFC 6455 4.1 item 5), and gives up on a response
    // that takes more than 64 small reads (its AttackCheck): real failures.
    let got = deviations(&report);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        [
            "client/handshake/response-in-pieces",
            "client/handshake/unrequested-extension"
        ],
        "{got:#?}"
    );
    assert!(got.values().all(|v| v.starts_with("FAIL")));
    let report = run(hand_written(&[])).await;
    assert!(deviations(&report).is_empty(), "{:#?}", deviations(&report));
}

/// The faults of the hand-written endpoint that mean something for a client.
const CLIENT_FAULTS: &[Fault] = &[
    Fault::EchoInvalidUtf8,
    Fault::IgnoreRsv,
    Fault::AcceptUnmasked,
    Fault::NoCloseReply,
    Fault::WrongCloseCode,
    Fault::EchoCloseCode,
    Fault::BadAccept,
    Fault::MaskFrames,
    Fault::IgnoreReservedOpcodes,
    Fault::LenientFragmentation,
    Fault::LenientControl,
    Fault::NoPong,
    Fault::AcceptAnyHandshake,
    Fault::TruncateLargeMessages,
    Fault::EchoBinaryAsText,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_client_fault_fails_exactly_its_cases() {
    for f in CLIENT_FAULTS {
        let report = run(hand_written(&[*f])).await;
        let got = common::verdict_labels(&report);
        assert!(
            got.values()
                .any(|v| v.starts_with("FAIL") || v.starts_with("NON-STRICT")),
            "fault {} went undetected",
            f.name()
        );
        insta::assert_yaml_snapshot!(format!("client-fault-{}", f.name()), got);
    }
}
