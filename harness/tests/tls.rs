//! wss:// end to end against the embedded servers over TLS (a certificate
//! made by rcgen per test): the catalogue gets the same verdicts as over
//! ws://, a faulty server still fails, certificates are checked (trusted by
//! --ca-cert or skipped by --insecure), and IPv6 literal hosts work.

use std::collections::BTreeSet;

use wsprobe::baseline::{self, Baseline};
use wsprobe::case::load;
use wsprobe::judge::Verdict;
use wsprobe::run::{self, ProbeError};
use wsprobe::runner::RunOptions;
use wsprobe::servers::{self, Fault, ServerKind};
use wsprobe::target::Target;
use wsprobe::tls::{self, TlsSettings};

/// A TLS server of `kind` on `bind`, and the path of its certificate.
async fn tls_server(kind: ServerKind, bind: &str) -> (std::net::SocketAddr, std::path::PathBuf) {
    let (pem, config) = tls::self_signed(&["localhost", "127.0.0.1", "::1"]).unwrap();
    let addr = servers::spawn_tls(kind, bind, Some(config)).await.unwrap();
    let path = std::env::temp_dir().join(format!(
        "wsprobe-tls-test-{}-{}.pem",
        std::process::id(),
        addr.port()
    ));
    std::fs::write(&path, pem).unwrap();
    (addr, path)
}

fn options(url: &str, settings: &TlsSettings) -> RunOptions {
    let target = Target::parse(url).unwrap();
    let mut opts = RunOptions::new(target);
    opts.tls = Some(tls::client(settings, &opts.target.host).unwrap());
    opts
}

fn trusting(cert: &std::path::Path) -> TlsSettings {
    TlsSettings {
        ca_certs: vec![cert.to_path_buf()],
        ..Default::default()
    }
}

async fn run_all(cases: Vec<wsprobe::case::Case>, opts: &RunOptions) -> wsprobe::run::RunReport {
    let caps = run::probe(opts).await.expect("the TLS target answers");
    let (_tx, rx) = tokio::sync::watch::channel(false);
    run::run(cases, opts, caps, run::Schedule::new(32), rx, |_| {}).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_over_wss_matches_the_committed_ws_baseline() {
    let (addr, cert) = tls_server(ServerKind::Tungstenite, "127.0.0.1:0").await;
    let opts = options(&format!("wss://{addr}/"), &trusting(&cert));
    let mut catalog = load::embedded().unwrap();
    // The TLS cases are skipped over ws:// (the baseline's run): left out on
    // both sides here, and run on their own below. The security group is
    // not in the baseline's run (a default run) either.
    catalog
        .cases
        .retain(|c| !c.needs.contains(&wsprobe::case::Need::Tls) && !c.is_security());
    let known: BTreeSet<String> = catalog.cases.iter().map(|c| c.id.clone()).collect();
    let report = run_all(catalog.cases.clone(), &opts).await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../reports/baselines/tokio-tungstenite-echo.yaml"
    ))
    .unwrap();
    let mut base = Baseline::parse("tokio-tungstenite-echo.yaml", &text).unwrap();
    base.cases.retain(|id, _| known.contains(id));
    let diff = baseline::compare(&base, &report, &known);
    assert!(
        diff.matches(true),
        "{}",
        diff.render("tokio-tungstenite-echo.yaml", true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_outside_the_tls_records_fails_the_tunnel_case() {
    let tunnel = || {
        load::embedded()
            .unwrap()
            .cases
            .into_iter()
            .filter(|c| c.needs.contains(&wsprobe::case::Need::Tls) && !c.is_security())
            .collect::<Vec<_>>()
    };
    assert_eq!(tunnel().len(), 1);
    // Conforming over wss://: passes.
    let (addr, cert) = tls_server(ServerKind::Faulty(BTreeSet::new()), "127.0.0.1:0").await;
    let opts = options(&format!("wss://{addr}/"), &trusting(&cert));
    let r = &run_all(tunnel(), &opts).await.results[0];
    assert_eq!(r.judgement.verdict, Verdict::Pass, "{:?}", r.judgement);
    // Its 101 on the TCP socket under the session: fails, naming the rule.
    let kind = ServerKind::Faulty([Fault::TlsPlaintextResponse].into_iter().collect());
    let (addr, cert) = tls_server(kind, "127.0.0.1:0").await;
    let opts = options(&format!("wss://{addr}/"), &trusting(&cert));
    // Every connection fails alike, probe and liveness checks included (a
    // run would call the server down): the case is run and judged alone.
    let case = std::sync::Arc::new(tunnel().remove(0));
    let rec = wsprobe::runner::run_case(&case, &opts).await;
    let j = &wsprobe::run::CaseResult::new(case, rec, 0.0).judgement;
    assert_eq!(j.verdict, Verdict::Fail, "{j:?}");
    assert!(
        j.behavior_reason.contains("not TLS records") && j.behavior_reason.contains("4.2.2"),
        "{}",
        j.behavior_reason
    );
    // Over ws:// there is no tunnel to check.
    let addr = servers::spawn(ServerKind::Faulty(BTreeSet::new()), "127.0.0.1:0")
        .await
        .unwrap();
    let opts = RunOptions::new(Target::parse(&format!("ws://{addr}/")).unwrap());
    let r = &run_all(tunnel(), &opts).await.results[0];
    assert_eq!(r.judgement.verdict, Verdict::Skipped, "{:?}", r.judgement);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_server_over_tls_still_fails() {
    let kind = ServerKind::Faulty([Fault::IgnoreRsv].into_iter().collect());
    let (addr, cert) = tls_server(kind, "127.0.0.1:0").await;
    let opts = options(&format!("wss://{addr}/"), &trusting(&cert));
    let cases: Vec<_> = load::embedded()
        .unwrap()
        .cases
        .into_iter()
        .filter(|c| {
            c.id.starts_with("framing/reserved-bits/rsv3-on-text")
                || c.id == "framing/opcodes/reserved-3"
        })
        .collect();
    let report = run_all(cases, &opts).await;
    let verdicts: Vec<(&str, Verdict)> = report
        .results
        .iter()
        .map(|r| (r.case.id.as_str(), r.judgement.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("framing/reserved-bits/rsv3-on-text", Verdict::Fail),
            ("framing/opcodes/reserved-3", Verdict::Pass),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_are_checked_unless_insecure() {
    let (addr, cert) = tls_server(ServerKind::Tungstenite, "127.0.0.1:0").await;
    let url = format!("wss://{addr}/");
    let unreachable = |r: Result<run::Capabilities, ProbeError>| match r {
        Err(ProbeError::Unreachable { reason, .. }) => reason,
        other => panic!("expected a TLS failure, got {other:?}"),
    };
    // System roots only: the self-signed certificate is unknown.
    let reason = unreachable(run::probe(&options(&url, &TlsSettings::default())).await);
    assert!(
        reason.starts_with("TLS: certificate unknown") && reason.contains("--ca-cert"),
        "{reason}"
    );
    // Trusted, but checked against another name.
    let mut wrong_name = trusting(&cert);
    wrong_name.sni = Some("example.org".into());
    let reason = unreachable(run::probe(&options(&url, &wrong_name)).await);
    assert!(
        reason.starts_with("TLS: certificate name mismatch"),
        "{reason}"
    );
    // The certificate's own name works through --sni, and --insecure takes anything.
    let mut by_name = trusting(&cert);
    by_name.sni = Some("localhost".into());
    run::probe(&options(&url, &by_name)).await.unwrap();
    let insecure = TlsSettings {
        insecure: true,
        ..Default::default()
    };
    run::probe(&options(&url, &insecure)).await.unwrap();
    // A ws:// client at a TLS server is told what is wrong.
    let mut plain = RunOptions::new(Target::parse(&format!("ws://{addr}/")).unwrap());
    plain.handshake_timeout = std::time::Duration::from_secs(2);
    let reason = unreachable(run::probe(&plain).await);
    assert!(reason.contains("wss://"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_literal_hosts_work_for_ws_and_wss() {
    let (addr, cert) = tls_server(ServerKind::Tungstenite, "[::1]:0").await;
    let url = format!("wss://[::1]:{}/", addr.port());
    run::probe(&options(&url, &trusting(&cert))).await.unwrap();
    let plain = servers::spawn(ServerKind::Tungstenite, "[::1]:0")
        .await
        .unwrap();
    let opts = RunOptions::new(Target::parse(&format!("ws://[::1]:{}/", plain.port())).unwrap());
    assert!(run::probe(&opts).await.unwrap().echo);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wss_endpoint_that_also_upgrades_over_plain_ws_is_recorded() {
    let id = "security/transport/plain-ws-also-upgrades";
    let mut catalog = load::embedded().unwrap();
    catalog.cases.retain(|c| c.id == id);
    assert_eq!(catalog.cases.len(), 1);
    let (addr, cert) = tls_server(ServerKind::Tungstenite, "127.0.0.1:0").await;
    let mut opts = options(&format!("wss://{addr}/"), &trusting(&cert));
    let verdict = |opts: RunOptions| {
        let cases = catalog.cases.clone();
        async move {
            let report = run_all(cases, &opts).await;
            let r = &report.results[0];
            (r.judgement.verdict, r.judgement.behavior_reason.clone())
        }
    };
    // The URL's own port speaks only TLS: a plain request gets no upgrade.
    let (v, why) = verdict(opts.clone()).await;
    assert_eq!(v, Verdict::Pass, "{why}");
    // The same host serves the endpoint over plain TCP on another port:
    // recorded, not failed (RFC 6455 10.6: TLS is a SHOULD).
    let plain = servers::spawn(ServerKind::Tungstenite, "127.0.0.1:0")
        .await
        .unwrap();
    opts.plain_port = Some(plain.port());
    let (v, why) = verdict(opts.clone()).await;
    assert_eq!(v, Verdict::Informational, "{why}");
    assert!(why.contains("upgrades over plain ws://"), "{why}");
    // One that refuses the upgrade there passes.
    let refusing = servers::spawn(
        ServerKind::Faulty([Fault::OriginRestricted].into()),
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    opts.plain_port = Some(refusing.port());
    opts.origin = Some("https://elsewhere.example".into());
    let (v, why) = verdict(opts.clone()).await;
    assert_eq!(v, Verdict::Pass, "{why}");
    // Nothing listening there passes too.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    opts.plain_port = Some(port);
    let (v, why) = verdict(opts).await;
    assert_eq!(v, Verdict::Pass, "{why}");
}
