//! `wsprobe fuzz`: live network fuzzing with minimised findings.

use std::time::Duration;

use globset::GlobSet;

use super::error::{usage, CliError};
use super::run_cmd::apply_tls;
use super::{args, exit_code, globs, load_catalog, select, CliResult};
use crate::case::Dur;
use crate::run::{self, default_jobs};
use crate::runner::RunOptions;
use crate::target::Target;

pub(super) async fn fuzz_cmd(a: args::FuzzArgs) -> CliResult {
    use crate::fuzz::live::{fuzz, FuzzOptions};
    let target = Target::parse(&a.url).map_err(usage)?;
    let mut opts = RunOptions::new(target);
    apply_tls(&mut opts, &a.tls)?;
    opts.case_timeout = Dur::parse(&a.timeout)
        .map_err(|e| usage(format!("--timeout: {e}")))?
        .0;
    let duration = match (&a.duration, a.iterations) {
        (Some(d), _) => Some(
            Dur::parse(d)
                .map_err(|e| usage(format!("--duration: {e}")))?
                .0,
        ),
        (None, None) => Some(Duration::from_secs(60)),
        (None, Some(_)) => None,
    };
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    // Seeds for mutation: the selected catalogue cases a sequence can express.
    let seeds = if a.random_only {
        Vec::new()
    } else {
        let catalog = load_catalog(&a.catalog)?;
        let cases = select(&catalog.cases, &globs(&a.cases)?, &GlobSet::empty(), false);
        crate::fuzz::mutate::seeds(&cases)
    };
    let caps = run::probe(&opts)
        .await
        .map_err(|e| CliError::Unreachable(e.to_string()))?;
    let fo = FuzzOptions {
        seed,
        iterations: a.iterations,
        duration,
        jobs: a.jobs.unwrap_or_else(default_jobs).max(1),
        findings_dir: Some(a.findings.clone()),
        minimise_budget: a.minimise_budget,
        seeds: std::sync::Arc::new(seeds),
    };
    eprintln!(
        "wsprobe fuzz: seed {seed}, {} jobs, {} catalogue seeds, target {} (echo: {})",
        fo.jobs,
        fo.seeds.len(),
        opts.target,
        caps.echo
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });
    let started = std::time::Instant::now();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last = std::time::Instant::now();
    let report = fuzz(&opts, caps, &fo, stop_rx, |n, f| {
        if last.elapsed() >= Duration::from_secs(1) {
            last = std::time::Instant::now();
            let line = format!(
                "{n} sequences, {f} findings, {:.0}/s",
                n as f64 / started.elapsed().as_secs_f64()
            );
            if tty {
                eprint!("\r\x1b[K{line}");
            } else {
                eprintln!("{line}");
            }
        }
    })
    .await;
    if tty {
        eprint!("\r\x1b[K");
    }
    println!(
        "{} sequences in {:.1}s ({:.0}/s), seed {seed}: {} distinct findings",
        report.iterations,
        report.elapsed.as_secs_f64(),
        report.rate(),
        report.findings.len()
    );
    for f in &report.findings {
        println!(
            "  {}  (first at iteration {}, {} hits; minimised from {} to {} operations){}",
            f.signature,
            f.iteration,
            report.hits.get(&f.signature).copied().unwrap_or(0),
            f.ops_before,
            f.ops_after,
            f.file
                .as_ref()
                .map_or(String::new(), |p| format!("\n    -> {}", p.display()))
        );
    }
    if report.unconfirmed > 0 {
        println!(
            "{} failing sequences did not fail again when rerun (timing or load); not reported",
            report.unconfirmed
        );
    }
    if report.target_down {
        println!("the target stopped answering; fuzzing stopped");
    }
    Ok(if report.findings.is_empty() {
        exit_code::OK
    } else {
        exit_code::CASES_FAILED
    })
}
