//! `wsprobe wstest -m fuzzingclient -s SPEC`: Autobahn|Testsuite's command,
//! so a CI script changes one word. The spec picks the servers and the
//! Autobahn case numbers; every wsprobe case with such a number runs; the
//! spec's outdir gets Autobahn's layout (index.json with every agent, one
//! file per case) and wsprobe's HTML report.

use std::path::{Path, PathBuf};

use super::args::{self, CatalogArgs, ColorChoice};
use super::args::{WstestArgs, WstestMode};
use super::error::{input, io, usage, CliError};
use super::run_cmd::apply_tls;
use super::{
    apply_timeout, color_enabled, exit_code, globs, load_catalog, progress, select, settings,
    stop_on_ctrl_c, CliResult,
};
use crate::case::{Case, Catalog};
use crate::report::{self, RunMeta, RunSettings};
use crate::run::{self, default_jobs, RunReport};
use crate::runner::RunOptions;
use crate::target::Target;
use crate::wstest::{pattern, spec};

/// One server of the spec, run.
struct AgentRun {
    report: RunReport,
    meta: RunMeta,
}

pub(super) async fn wstest_cmd(a: WstestArgs) -> CliResult {
    if a.mode == WstestMode::FuzzingServer {
        return fuzzing_server(a).await;
    }
    let path = a
        .spec
        .clone()
        .unwrap_or_else(|| PathBuf::from("fuzzingclient.json"));
    let (shown, text) = read_spec(&path)?;
    let spec = spec::parse_client(&text, a.wsuri.as_deref())
        .map_err(|e| input(format!("spec {shown}: {e}")))?;
    tell_keys(&shown, &spec.unknown, &spec.ignored);
    // Autobahn's counts unless told otherwise, so results and timings compare.
    let catalog = autobahn_catalog(&a)?;
    let known = numbers(&catalog.cases);
    let chosen = selection(&spec.cases, &spec.exclude, &known, &shown)?;
    let narrowed = select(
        &catalog.cases,
        &globs(&a.select.cases)?,
        &globs(&a.select.exclude)?,
        false,
    );
    let outdir = PathBuf::from(&spec.outdir);
    // Every url checked before the first server runs: a bad one later in
    // the list must not throw away the results of the ones before it.
    let targets = spec
        .servers
        .iter()
        .map(|s| Target::parse(&s.url).map_err(|e| usage(format!("spec {shown}: {}: {e}", s.url))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut runs: Vec<AgentRun> = Vec::new();
    let mut unreachable = false;
    let mut interrupted = false;
    // One watch for the whole spec: a Ctrl-C between two servers (while the
    // next is probed) stops the run and still writes what finished.
    let mut stop = stop_on_ctrl_c();
    for (server, target) in spec.servers.iter().zip(targets) {
        if *stop.borrow() {
            interrupted = true;
            break;
        }
        let mut opts = RunOptions::new(target);
        opts.origin = server.origin.clone();
        opts.protocol = server.protocols.first().cloned();
        if server.hostname.is_some() {
            let tls = args::TlsArgs {
                ca_certs: Vec::new(),
                insecure: false,
                sni: server.hostname.clone(),
            };
            apply_tls(&mut opts, &tls)?;
        }
        apply_timeout(&mut opts, &a.select)?;
        opts.limits.max_frame = a.select.max_frame;
        opts.limits.max_message = a.select.max_message;
        // wstest names an unnamed agent by the Server header of its first
        // answer (else UnknownServer); the probe's answer stands in.
        let probed = tokio::select! {
            probed = run::probe(&opts) => probed,
            _ = stop.wait_for(|stopped| *stopped) => {
                interrupted = true;
                break;
            }
        };
        let caps = match probed {
            Ok(caps) => caps,
            Err(e) => {
                // As wstest: the rest of this server's cases are not run,
                // the next server is.
                eprintln!("wsprobe wstest: {e}; its cases are left out");
                unreachable = true;
                continue;
            }
        };
        let agent = match &server.agent {
            Some(a) => a.clone(),
            None => run::server_header(&opts)
                .await
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "UnknownServer".to_string()),
        };
        let cases: Vec<Case> = narrowed
            .iter()
            .filter(|c| {
                c.autobahn.as_deref().is_some_and(|n| {
                    chosen.ids.iter().any(|id| id == n)
                        && !pattern::excluded_for_agent(&spec.exclude_agent, &agent, n)
                })
            })
            .cloned()
            .collect();
        eprintln!(
            "wsprobe wstest: {} cases for agent {agent} at {}",
            cases.len(),
            server.url
        );
        let run = run_agent(cases, &opts, caps, &a, agent, &catalog, stop.clone()).await;
        interrupted |= run.report.interrupted;
        let style = report::console::Style {
            color: color_enabled(ColorChoice::Auto),
            verbose: u8::from(a.debug),
        };
        print!(
            "{}",
            report::console::render(&run.report, &catalog.files, style)
        );
        runs.push(run);
        if interrupted {
            break;
        }
    }
    write_outdir(&outdir, &runs, &known, &catalog.files)
        .map_err(|e| io(format!("cannot write reports to {}: {e}", outdir.display())))?;
    eprintln!(
        "wsprobe wstest: reports in {}{}",
        outdir.display(),
        if interrupted { " (partial)" } else { "" }
    );
    let failed = runs.iter().any(|r| {
        r.report.results.iter().any(|c| {
            c.case.autobahn.is_some() && report::autobahn::behavior(c.judgement.verdict) == "FAILED"
        })
    });
    Ok(if interrupted {
        exit_code::INTERRUPTED
    } else if a.exit_zero {
        exit_code::OK
    } else if unreachable {
        exit_code::UNREACHABLE
    } else if failed {
        exit_code::CASES_FAILED
    } else {
        exit_code::OK
    })
}

/// The spec file's name as shown, and its text.
/// A spec is a page of JSON; a larger file is refused, not read whole.
fn read_spec(path: &Path) -> Result<(String, String), CliError> {
    const MAX: u64 = 1 << 20;
    let shown = path.display().to_string();
    let cannot = |e: std::io::Error| input(format!("cannot read spec {shown}: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX + 1), &mut text)
        .map_err(cannot)?;
    if text.len() as u64 > MAX {
        return Err(input(format!(
            "spec {shown}: larger than 1 MiB, not a wstest spec"
        )));
    }
    Ok((shown, text))
}

/// Keys wstest does not read, and keys read with no effect here: named,
/// never dropped in silence.
fn tell_keys(shown: &str, unknown: &[String], ignored: &[String]) {
    for key in unknown {
        eprintln!("wsprobe wstest: spec {shown}: {key}: not a key wstest reads, ignored");
    }
    for note in ignored {
        eprintln!("wsprobe wstest: spec {shown}: {note} (read, no effect)");
    }
}

/// The catalogue with Autobahn's counts unless told otherwise, so results
/// and timings compare.
fn autobahn_catalog(a: &WstestArgs) -> Result<Catalog, CliError> {
    load_catalog(&CatalogArgs {
        profile: a.catalog.profile.or(Some(args::Profile::Autobahn)),
        ..a.catalog.clone()
    })
}

/// Every Autobahn number the cases carry, in Autobahn's order.
fn numbers(cases: &[Case]) -> Vec<String> {
    let mut known: Vec<String> = cases.iter().filter_map(|c| c.autobahn.clone()).collect();
    known.sort_by_key(|n| pattern::sort_key(n));
    known.dedup();
    known
}

/// What the spec's patterns select; a number no case has is an error.
fn selection(
    cases: &[String],
    exclude: &[String],
    known: &[String],
    shown: &str,
) -> Result<pattern::Selection, CliError> {
    let chosen = pattern::select(cases, exclude, known);
    if !chosen.unknown.is_empty() {
        return Err(usage(format!(
            "spec {shown}: cases: {} is not an Autobahn case number (see `wsprobe list`)",
            chosen.unknown.join(", ")
        )));
    }
    Ok(chosen)
}

/// `-m fuzzingserver`: the client cases with the selected Autobahn
/// numbers, served in Autobahn's order (so `/runCase?case=N` is the same
/// case as in wstest) at the spec's url until Ctrl-C; `/updateReports`
/// writes Autobahn's layout into the spec's outdir.
async fn fuzzing_server(a: WstestArgs) -> CliResult {
    let path = a
        .spec
        .clone()
        .unwrap_or_else(|| PathBuf::from("fuzzingserver.json"));
    let (shown, text) = read_spec(&path)?;
    let spec = spec::parse_server(&text).map_err(|e| input(format!("spec {shown}: {e}")))?;
    tell_keys(&shown, &spec.unknown, &spec.ignored);
    let target = Target::parse(&spec.url).map_err(|e| usage(format!("spec {shown}: url: {e}")))?;
    let tls = match &spec.tls {
        None => None,
        Some(files) => Some(
            crate::tls::server_from_files(Path::new(&files.cert), Path::new(&files.key))
                .map_err(|e| input(format!("spec {shown}: {e}")))?,
        ),
    };
    let catalog = autobahn_catalog(&a)?;
    let known = numbers(&catalog.client_cases);
    let chosen = selection(&spec.cases, &spec.exclude, &known, &shown)?;
    let narrowed = select(
        &catalog.client_cases,
        &globs(&a.select.cases)?,
        &globs(&a.select.exclude)?,
        false,
    );
    let mut cases: Vec<Case> = narrowed
        .into_iter()
        .filter(|c| {
            c.tls.is_none()
                && c.autobahn
                    .as_deref()
                    .is_some_and(|n| chosen.ids.iter().any(|id| id == n))
        })
        .collect();
    cases.sort_by_key(|c| pattern::sort_key(c.autobahn.as_deref().unwrap_or_default()));
    let mut opts = RunOptions::new(Target::parse("ws://127.0.0.1:1/").expect("a valid URL"));
    apply_timeout(&mut opts, &a.select)?;
    opts.limits.max_frame = a.select.max_frame;
    opts.limits.max_message = a.select.max_message;
    // The url's own host: wstest listens on every interface, which a test
    // harness should not do unasked.
    let listener = tokio::net::TcpListener::bind((target.host.as_str(), target.port))
        .await
        .map_err(|e| {
            io(format!(
                "cannot listen on {}:{}: {e}",
                target.host, target.port
            ))
        })?;
    eprintln!(
        "wsprobe wstest: {} client cases on {} (getCaseCount, runCase?case=N&agent=A, updateReports?agent=A; reports in {}; Ctrl-C to stop)",
        cases.len(),
        spec.url,
        spec.outdir
    );
    let meta = RunMeta::now(
        catalog.client_fingerprint(),
        String::new(),
        RunSettings::default(),
    );
    let layout = crate::clients::AutobahnLayout {
        outdir: PathBuf::from(&spec.outdir),
        numbers: known,
        exclude_agent: spec.exclude_agent.clone(),
    };
    let mut server =
        crate::clients::CaseServer::new(cases, opts, None, meta, catalog.files.clone())
            .with_autobahn_layout(layout);
    if let Some(config) = tls {
        server = server.with_tls(config);
    }
    tokio::select! {
        _ = server.serve(listener) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(exit_code::OK)
}

async fn run_agent(
    cases: Vec<Case>,
    opts: &RunOptions,
    caps: run::Capabilities,
    a: &WstestArgs,
    agent: String,
    catalog: &Catalog,
    stop: tokio::sync::watch::Receiver<bool>,
) -> AgentRun {
    let jobs = a.select.jobs.unwrap_or_else(default_jobs).max(1);
    let sched = run::Schedule {
        confirm: !a.select.no_confirm,
        ..run::Schedule::new(jobs)
    };
    let meta = RunMeta::now(
        catalog.fingerprint(),
        agent,
        settings(&a.select, jobs, opts),
    );
    let mut bar = progress::bar(cases.len() as u64, true);
    let report = run::run(cases, opts, caps, sched, stop, |r| bar.step(r)).await;
    bar.finish();
    AgentRun { report, meta }
}

/// index.json, the case files and index.html (wsprobe's report; one per
/// agent beside it when the spec has several servers).
fn write_outdir(
    dir: &Path,
    runs: &[AgentRun],
    known: &[String],
    files: &[crate::case::load::FileInfo],
) -> std::io::Result<()> {
    let pairs: Vec<(&RunReport, &RunMeta)> = runs.iter().map(|r| (&r.report, &r.meta)).collect();
    let position = |n: &str| known.iter().position(|k| k == n).map_or(0, |i| i + 1);
    for (name, text) in report::autobahn::render_agents(&pairs, &position) {
        report::write_atomic(&dir.join(name), text.as_bytes())?;
    }
    match runs {
        [one] => report::write_atomic(
            &dir.join("index.html"),
            report::html::render(&one.report, &one.meta, files).as_bytes(),
        ),
        many => {
            let mut links = String::new();
            for r in many {
                let name = format!("wsprobe-{}.html", file_safe(&r.meta.agent));
                report::write_atomic(
                    &dir.join(&name),
                    report::html::render(&r.report, &r.meta, files).as_bytes(),
                )?;
                let failed = r
                    .report
                    .results
                    .iter()
                    .filter(|c| c.judgement.verdict.is_failure())
                    .count();
                links.push_str(&format!(
                    "<li><a href=\"{name}\">{}</a>: {} cases, {failed} failed</li>\n",
                    html_escape(&r.meta.agent),
                    r.report.results.len()
                ));
            }
            let page = format!(
                "<!doctype html>\n<meta charset=\"utf-8\">\n<title>wsprobe wstest</title>\n<h1>wsprobe: {} agents</h1>\n<ul>\n{links}</ul>\n<p>Autobahn's layout: <a href=\"index.json\">index.json</a>.</p>\n",
                many.len()
            );
            report::write_atomic(&dir.join("index.html"), page.as_bytes())
        }
    }
}

fn file_safe(agent: &str) -> String {
    agent
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
