//! Helpers shared by the integration tests.

use std::collections::BTreeMap;

use wsprobe::judge::Verdict;
use wsprobe::run::RunReport;

/// Cases whose verdict is not a plain pass, as `id: VERDICT (behaviour V, close V)`:
/// what the insta snapshots of faulty servers and clients pin.
#[allow(dead_code)]
pub fn verdict_labels(report: &RunReport) -> BTreeMap<String, String> {
    report
        .results
        .iter()
        .filter(|r| r.judgement.verdict != Verdict::Pass)
        .map(|r| {
            let j = &r.judgement;
            let close = j.close.map_or("-".to_string(), |c| c.label().to_string());
            (
                r.case.id.clone(),
                format!(
                    "{} (behaviour {}, close {close})",
                    j.verdict.label(),
                    j.behavior.label()
                ),
            )
        })
        .collect()
}

/// A peer that reads the request, then runs `script` on the socket with
/// the request's Sec-WebSocket-Key.
#[allow(dead_code)]
pub async fn scripted<F, Fut>(script: F) -> wsprobe::target::Target
where
    F: Fn(tokio::net::TcpStream, String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let script = std::sync::Arc::new(script);
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            let script = script.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = tokio::io::AsyncReadExt::read(&mut s, &mut buf)
                    .await
                    .unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let key = req
                    .lines()
                    .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
                    .unwrap_or("")
                    .trim()
                    .to_string();
                script(s, key).await;
            });
        }
    });
    wsprobe::target::Target::parse(&format!("ws://{addr}/")).unwrap()
}

/// A 101 answering `key`.
#[allow(dead_code)]
pub fn upgrade(key: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        wsprobe::handshake::accept_for(key)
    )
    .into_bytes()
}

/// Probe the target, then run `cases` against it `jobs` at a time (with
/// confirmation), as `wsprobe run` does.
#[allow(dead_code)]
pub async fn probe_and_run(
    cases: Vec<wsprobe::case::Case>,
    opts: &wsprobe::runner::RunOptions,
    jobs: usize,
) -> RunReport {
    let caps = wsprobe::run::probe(opts)
        .await
        .expect("the target answers the probe");
    let (_tx, rx) = tokio::sync::watch::channel(false);
    wsprobe::run::run(
        cases,
        opts,
        caps,
        wsprobe::run::Schedule::new(jobs),
        rx,
        |_| {},
    )
    .await
}
