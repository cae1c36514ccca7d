//! `wsprobe run` and `wsprobe demo`: options to a run, the run, and what
//! follows it (output, report files, the baseline, the exit code).

use std::collections::BTreeSet;

use super::args::{self, CatalogArgs, Format, OutputArgs, SelectArgs};
use super::error::{input, io, usage, CliError};
use super::{
    apply_timeout, color_enabled, exit_code, globs, load_catalog, progress, select, settings,
    stop_on_ctrl_c, CliResult,
};
use crate::baseline::{self, Baseline};
use crate::judge::Verdict;
use crate::report::{self, RunMeta};
use crate::run::{self, default_jobs, RunReport};
use crate::runner::RunOptions;

/// `--ca-cert`, `--insecure`, `--sni` for a wss:// target.
pub(super) fn apply_tls(opts: &mut RunOptions, a: &args::TlsArgs) -> Result<(), CliError> {
    let set = !a.ca_certs.is_empty() || a.insecure || a.sni.is_some();
    if opts.target.scheme != "wss" {
        return match set {
            true => Err(usage(
                "--ca-cert, --insecure and --sni apply to wss:// targets only",
            )),
            false => Ok(()),
        };
    }
    let settings = crate::tls::TlsSettings {
        ca_certs: a.ca_certs.clone(),
        insecure: a.insecure,
        sni: a.sni.clone(),
    };
    opts.tls = Some(crate::tls::client(&settings, &opts.target.host).map_err(usage)?);
    Ok(())
}

pub(super) async fn run_against(
    mut opts: RunOptions,
    sel: &SelectArgs,
    out: &OutputArgs,
    cat: &CatalogArgs,
    agent: String,
) -> CliResult {
    let catalog = load_catalog(cat)?;
    let cases = select(
        &catalog.cases,
        &globs(&sel.cases)?,
        &globs(&sel.exclude)?,
        sel.security,
    );
    if cases.is_empty() {
        return Err(usage("no case matches the selection (see `wsprobe list`)"));
    }
    let baseline = read_baseline(out)?;
    apply_timeout(&mut opts, sel)?;
    opts.limits.max_frame = sel.max_frame;
    opts.limits.max_message = sel.max_message;
    let jobs = sel.jobs.unwrap_or_else(default_jobs).max(1);
    let sched = run::Schedule {
        confirm: !sel.no_confirm,
        ..run::Schedule::new(jobs)
    };
    let meta = RunMeta::now(
        catalog.fingerprint(),
        out.agent.clone().unwrap_or(agent),
        settings(sel, jobs, &opts),
    );
    let caps = run::probe(&opts)
        .await
        .map_err(|e| CliError::Unreachable(e.to_string()))?;
    let stop_rx = stop_on_ctrl_c();
    let mut bar = progress::bar(cases.len() as u64, out.format == Format::Human);
    let report = run::run(cases, &opts, caps, sched, stop_rx, |r| bar.step(r)).await;
    bar.finish();
    let known: BTreeSet<String> = catalog.cases.iter().map(|c| c.id.clone()).collect();
    finish_run(
        &report,
        &meta,
        &catalog.files,
        out,
        baseline.as_ref(),
        &known,
    )
}

/// The `--baseline` file; a broken one is a usage error before any traffic.
pub(super) fn read_baseline(out: &OutputArgs) -> Result<Option<Baseline>, CliError> {
    let Some(p) = &out.baseline else {
        return Ok(None);
    };
    let b = Baseline::read(p).map_err(input)?;
    if b.is_none() && !out.update_baseline {
        return Err(usage(format!(
            "baseline {} does not exist; write it with --update-baseline",
            p.display()
        )));
    }
    Ok(b)
}

/// After a run: console or JSON output, report files, baseline check or
/// update, and the exit code.
pub(super) fn finish_run(
    report: &RunReport,
    meta: &RunMeta,
    files: &[crate::case::load::FileInfo],
    out: &OutputArgs,
    baseline: Option<&Baseline>,
    known: &BTreeSet<String>,
) -> CliResult {
    let style = report::console::Style {
        color: color_enabled(out.color),
        verbose: out.verbose,
    };
    match out.format {
        Format::Human => print!("{}", report::console::render(report, files, style)),
        Format::Json => println!("{}", report::json::render(report, meta)),
    }
    if let Some(dir) = &out.report_dir {
        report::write_dir(dir, report, meta, files, baseline)
            .map_err(|e| io(format!("cannot write reports to {}: {e}", dir.display())))?;
        eprintln!(
            "wsprobe: reports in {}{}",
            dir.display(),
            if report.interrupted { " (partial)" } else { "" }
        );
    }
    let mut code = if report.interrupted {
        exit_code::INTERRUPTED
    } else if report.failed() || (out.strict && report.count(Verdict::NonStrict) > 0) {
        exit_code::CASES_FAILED
    } else {
        exit_code::OK
    };
    if let Some(path) = &out.baseline {
        let shown = path.display().to_string();
        if out.update_baseline {
            let b = Baseline::updated(baseline, report, known, &meta.catalogue, &meta.agent);
            report::write_atomic(path, b.render().as_bytes())
                .map_err(|e| io(format!("cannot write {shown}: {e}")))?;
            eprintln!(
                "wsprobe: baseline {shown} written ({} cases)",
                b.cases.len()
            );
            if !report.interrupted {
                code = exit_code::OK;
            }
        } else if let Some(b) = baseline {
            let diff = baseline::compare(b, report, known);
            // With --format json, stdout is the JSON document alone.
            let text = diff.render(&shown, out.strict_baseline);
            match out.format {
                Format::Human => print!("{text}"),
                Format::Json => eprint!("{text}"),
            }
            if !report.interrupted {
                code = if diff.matches(out.strict_baseline) {
                    exit_code::OK
                } else {
                    exit_code::CASES_FAILED
                };
            }
        }
    }
    Ok(code)
}
