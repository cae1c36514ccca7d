//! The whole catalogue against a hostile embedded server (a `--fault` such as
//! `ping-flood`, `close-flood` or `continuation-flood`), treated as an echo
//! server so every case runs; `bench/run.sh` runs it under `/usr/bin/time -v`
//! for the peak RSS. Figures, not assertions.
//!
//!     cargo run --release --example flood_run -- ping-flood

use wsprobe::run::{self, Capabilities, Schedule};
use wsprobe::runner::RunOptions;
use wsprobe::servers::{self, Fault, ServerKind};
use wsprobe::target::Target;

#[tokio::main]
async fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ping-flood".into());
    let fault = Fault::parse(&name).unwrap_or_else(|| panic!("no fault named {name}"));
    let catalog = wsprobe::case::load::embedded().expect("catalogue loads");
    let addr = servers::spawn(ServerKind::Faulty([fault].into()), "127.0.0.1:0")
        .await
        .expect("a loopback port");
    let opts = RunOptions::new(Target::parse(&format!("ws://{addr}/")).expect("a URL"));
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let t = std::time::Instant::now();
    let report = run::run(
        catalog.cases,
        &opts,
        Capabilities {
            echo: true,
            deflate: true,
        },
        Schedule::new(run::default_jobs()),
        rx,
        |_| {},
    )
    .await;
    let most = report
        .results
        .iter()
        .map(|r| r.events.len())
        .max()
        .unwrap_or(0);
    let stored: usize = report.results.iter().map(|r| r.events.len()).sum();
    println!(
        "{name}: {} cases in {:.1}s, {} confirmed, events stored: {stored} in all, {most} at most per case :: {}",
        report.results.len(),
        t.elapsed().as_secs_f64(),
        report.confirmation.cases,
        wsprobe::report::console::summary(&report)
    );
}
