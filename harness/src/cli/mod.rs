//! The `wsprobe` command: a thin layer over the library.

pub mod args;
pub mod exit_code;
mod progress;
mod requirements;
mod show;

use std::collections::BTreeSet;
use std::io::Write;
use std::time::Duration;

use clap::Parser;
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::baseline::{self, Baseline};
use crate::case::{load, Case, Catalog, Dur};
use crate::judge::Verdict;
use crate::report::{self, RunMeta, RunSettings};
use crate::run::RunReport;
use crate::run::{self, default_jobs};
use crate::runner::RunOptions;
use crate::servers::{self, Fault, ServerKind};
use crate::target::Target;
use args::{CatalogArgs, Cli, ColorChoice, Command, Format, OutputArgs, ReportCommand, SelectArgs};

/// Entry point; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::OK
            };
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wsprobe: cannot start the async runtime: {e}");
            return exit_code::USAGE;
        }
    };
    match rt.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err((code, msg)) => {
            eprintln!("wsprobe: {msg}");
            code
        }
    }
}

type CliResult = Result<i32, (i32, String)>;

fn usage(msg: impl std::fmt::Display) -> (i32, String) {
    (exit_code::USAGE, msg.to_string())
}

async fn dispatch(cmd: Command) -> CliResult {
    match cmd {
        Command::Run(a) => {
            let target = Target::parse(&a.url).map_err(usage)?;
            let mut opts = RunOptions::new(target);
            for h in &a.headers {
                let (k, v) = h
                    .split_once(':')
                    .ok_or_else(|| usage(format!("--header {h:?} is not `Name: value`")))?;
                opts.headers
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
            opts.protocol = a.protocol.clone();
            opts.origin = a.origin.clone().or_else(|| a.origin_allow.first().cloned());
            opts.origin_allow = a.origin_allow.clone();
            apply_tls(&mut opts, &a.tls)?;
            let agent = agent_of(&opts.target);
            run_against(opts, &a.select, &a.output, &a.catalog, agent).await
        }
        Command::Demo(a) => {
            let kind = server_kind(&a.faults)?;
            let addr = servers::spawn(kind.clone(), "127.0.0.1:0")
                .await
                .map_err(usage)?;
            let target = Target::parse(&format!("ws://{addr}/")).map_err(usage)?;
            eprintln!(
                "wsprobe demo: embedded {} server on {target}",
                kind_name(&kind)
            );
            let agent = kind_name(&kind).replace(" ", "-");
            run_against(
                RunOptions::new(target),
                &a.select,
                &a.output,
                &a.catalog,
                agent,
            )
            .await
        }
        Command::List(a) => {
            let catalog = load_catalog(&a.catalog)?;
            let set = globs(a.glob.as_slice())?;
            let all = if a.clients {
                &catalog.client_cases
            } else {
                &catalog.cases
            };
            let cases: Vec<&Case> = all
                .iter()
                .filter(|c| set.is_empty() || set.is_match(&c.id))
                .collect();
            let mut out = std::io::stdout().lock();
            match a.format {
                Format::Human => {
                    for c in &cases {
                        let ab = c
                            .autobahn
                            .as_deref()
                            .map_or(String::new(), |a| format!(" [autobahn {a}]"));
                        let _ = writeln!(out, "{}  {}{}", c.id, c.title, ab);
                    }
                }
                Format::Json => {
                    let _ = writeln!(out, "{}", list_json(&cases));
                }
            }
            Ok(exit_code::OK)
        }
        Command::Show(a) => {
            let catalog = load_catalog(&a.catalog)?;
            let case =
                catalog.cases.iter().find(|c| c.id == a.id).ok_or_else(|| {
                    usage(format!("no case with id {:?} (see `wsprobe list`)", a.id))
                })?;
            print!("{}", show::render(case));
            Ok(exit_code::OK)
        }
        Command::Requirements(a) => {
            let catalog = load_catalog(&a.catalog)?;
            let matrix = load_matrix(&a.catalog)?;
            let ids: Vec<&str> = catalog
                .cases
                .iter()
                .chain(&catalog.client_cases)
                .map(|c| c.id.as_str())
                .collect();
            let out = match a.format {
                Format::Human => requirements::human(&matrix, &ids, a.missing),
                Format::Json => requirements::json(&matrix, &ids) + "\n",
            };
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            Ok(exit_code::OK)
        }
        Command::Report(ReportCommand::Matrix(a)) => {
            let cols = a
                .dirs
                .iter()
                .map(|d| report::matrix::read(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(usage)?;
            report::write_atomic(&a.output, report::matrix::render(&cols).as_bytes())
                .map_err(|e| usage(format!("cannot write {}: {e}", a.output.display())))?;
            eprintln!(
                "wsprobe: {} runs compared in {}",
                cols.len(),
                a.output.display()
            );
            Ok(exit_code::OK)
        }
        Command::Fuzz(a) => fuzz_cmd(a).await,
        Command::Serve(a) => serve_cmd(a).await,
        Command::TestClient(a) => test_client_cmd(a).await,
        Command::ServeCases(a) => serve_cases_cmd(a).await,
        Command::Client(a) => client_cmd(a).await,
    }
}

async fn serve_cmd(a: args::ServeArgs) -> CliResult {
    let kind = server_kind(&a.faults)?;
    let tls = if a.tls {
        let (pem, config) = crate::tls::self_signed(&["localhost", "127.0.0.1", "::1", &a.host])
            .map_err(|e| usage(format!("cannot make a certificate: {e}")))?;
        Some((pem, config))
    } else {
        None
    };
    let bind = match a.host.contains(':') {
        true => format!("[{}]:{}", a.host, a.port),
        false => format!("{}:{}", a.host, a.port),
    };
    let addr = servers::spawn_tls(kind.clone(), &bind, tls.as_ref().map(|t| t.1.clone()))
        .await
        .map_err(|e| usage(format!("cannot listen on {bind}: {e}")))?;
    let mut note = String::new();
    if let Some((pem, _)) = &tls {
        let path = a.cert_out.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("wsprobe-serve-{}.pem", addr.port()))
        });
        crate::report::write_atomic(&path, pem.as_bytes())
            .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
        note = format!(", certificate {} (pass it with --ca-cert)", path.display());
    }
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    eprintln!(
        "wsprobe serve: {} server on {scheme}://{addr}/{note} (Ctrl-C to stop)",
        kind_name(&kind)
    );
    let _ = tokio::signal::ctrl_c().await;
    Ok(exit_code::OK)
}

/// `--ca-cert`, `--insecure`, `--sni` for a wss:// target.
fn apply_tls(opts: &mut RunOptions, a: &args::TlsArgs) -> Result<(), (i32, String)> {
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

fn kind_name(kind: &ServerKind) -> String {
    match kind {
        ServerKind::Tungstenite => "tokio-tungstenite echo".into(),
        ServerKind::Faulty(f) if f.is_empty() => "hand-written echo".into(),
        ServerKind::Faulty(f) => {
            let names: Vec<&str> = f.iter().map(|f| f.name()).collect();
            format!("faulty ({})", names.join(", "))
        }
    }
}

fn server_kind(names: &[String]) -> Result<ServerKind, (i32, String)> {
    if names.is_empty() {
        return Ok(ServerKind::Tungstenite);
    }
    let mut set = BTreeSet::new();
    for n in names.iter().filter(|n| n.as_str() != "none") {
        let f = Fault::parse(n).ok_or_else(|| {
            let all: Vec<&str> = Fault::ALL.iter().map(|(_, n, _)| *n).collect();
            usage(format!(
                "unknown fault {n:?}; known: none, {}",
                all.join(", ")
            ))
        })?;
        set.insert(f);
    }
    Ok(ServerKind::Faulty(set))
}

/// The requirement matrix: a --catalog directory's own, else the built-in one.
fn load_matrix(a: &CatalogArgs) -> Result<crate::case::requirements::Matrix, (i32, String)> {
    use crate::case::requirements::{embedded, parse, FILE};
    let own = a
        .catalog
        .as_ref()
        .map(|d| d.join(FILE))
        .filter(|p| p.exists());
    match own {
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| usage(format!("cannot read {}: {e}", p.display())))?;
            parse(&p.display().to_string(), &text)
        }
        None => embedded(),
    }
    .map_err(|e| usage(format!("requirement matrix error: {e}")))
}

fn load_catalog(a: &CatalogArgs) -> Result<Catalog, (i32, String)> {
    if !a.case_files.is_empty() {
        let mut sources = Vec::new();
        for p in &a.case_files {
            let text = std::fs::read_to_string(p)
                .map_err(|e| usage(format!("cannot read {}: {e}", p.display())))?;
            sources.push((p.display().to_string(), text));
        }
        return load::load_sources(sources).map_err(|e| usage(format!("case file error: {e}")));
    }
    match &a.catalog {
        Some(dir) => load::load_dir(dir),
        None => load::embedded(),
    }
    .map_err(|e| usage(format!("catalogue error: {e}")))
}

fn globs(patterns: &[String]) -> Result<GlobSet, (i32, String)> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| usage(format!("bad glob {p:?}: {e}")))?);
    }
    b.build().map_err(usage)
}

/// Cases matching the include globs (all when none) and no exclude glob.
pub fn select(cases: &[Case], include: &GlobSet, exclude: &GlobSet) -> Vec<Case> {
    cases
        .iter()
        .filter(|c| (include.is_empty() || include.is_match(&c.id)) && !exclude.is_match(&c.id))
        .cloned()
        .collect()
}

async fn run_against(
    mut opts: RunOptions,
    sel: &SelectArgs,
    out: &OutputArgs,
    cat: &CatalogArgs,
    agent: String,
) -> CliResult {
    let catalog = load_catalog(cat)?;
    let cases = select(&catalog.cases, &globs(&sel.cases)?, &globs(&sel.exclude)?);
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
        RunSettings {
            jobs,
            case_timeout_ms: opts.case_timeout.as_millis() as u64,
            max_frame: sel.max_frame,
            max_message: sel.max_message,
            cases: sel.cases.clone(),
            exclude: sel.exclude.clone(),
            headers: opts.headers.clone(),
            protocol: opts.protocol.clone(),
        },
    );
    let caps = run::probe(&opts)
        .await
        .map_err(|e| (exit_code::UNREACHABLE, e.to_string()))?;
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
fn read_baseline(out: &OutputArgs) -> Result<Option<Baseline>, (i32, String)> {
    let Some(p) = &out.baseline else {
        return Ok(None);
    };
    let b = Baseline::read(p).map_err(usage)?;
    if b.is_none() && !out.update_baseline {
        return Err(usage(format!(
            "baseline {} does not exist; write it with --update-baseline",
            p.display()
        )));
    }
    Ok(b)
}

/// `wsprobe test-client -- CMD {url}`: the client catalogue, one client
/// process per case.
async fn test_client_cmd(a: args::TestClientArgs) -> CliResult {
    let (catalog, cases) = client_cases(&a.catalog, &a.select)?;
    let baseline = read_baseline(&a.output)?;
    let mut argv = a.command.clone();
    if !argv.iter().any(|x| x.contains("{url}")) {
        argv.push("{url}".into());
    }
    let connect_timeout = Dur::parse(&a.connect_timeout)
        .map_err(|e| usage(format!("--connect-timeout: {e}")))?
        .0;
    let opts = client_mode_options(&a.select)?;
    let jobs = a.select.jobs.unwrap_or_else(default_jobs).max(1);
    let meta = RunMeta::now(
        catalog.client_fingerprint(),
        a.output.agent.clone().unwrap_or_else(|| argv[0].clone()),
        RunSettings {
            jobs,
            case_timeout_ms: opts.case_timeout.as_millis() as u64,
            max_frame: a.select.max_frame,
            max_message: a.select.max_message,
            cases: a.select.cases.clone(),
            exclude: a.select.exclude.clone(),
            ..RunSettings::default()
        },
    );
    let launcher = crate::clients::Launcher::Command(crate::clients::ClientCommand {
        argv,
        connect_timeout,
    });
    let mut bar = progress::bar(cases.len() as u64, a.output.format == Format::Human);
    let report = crate::clients::test_client(
        cases,
        &launcher,
        &opts,
        jobs,
        !a.select.no_confirm,
        stop_on_ctrl_c(),
        |r| bar.step(r),
    )
    .await
    .map_err(|e| usage(format!("cannot listen on 127.0.0.1: {e}")))?;
    bar.finish();
    let known: BTreeSet<String> = catalog.client_cases.iter().map(|c| c.id.clone()).collect();
    finish_run(
        &report,
        &meta,
        &catalog.files,
        &a.output,
        baseline.as_ref(),
        &known,
    )
}

/// The catalogue and its selected client-under-test cases.
fn client_cases(
    cat: &CatalogArgs,
    sel: &SelectArgs,
) -> Result<(crate::case::Catalog, Vec<Case>), (i32, String)> {
    let catalog = load_catalog(cat)?;
    let cases = select(
        &catalog.client_cases,
        &globs(&sel.cases)?,
        &globs(&sel.exclude)?,
    );
    if cases.is_empty() {
        return Err(usage(
            "no client case matches the selection (see `wsprobe list --clients`)",
        ));
    }
    Ok((catalog, cases))
}

/// Run options for client mode: no target is dialled; timeouts and limits apply.
fn client_mode_options(sel: &SelectArgs) -> Result<RunOptions, (i32, String)> {
    let mut opts = RunOptions::new(Target::parse("ws://127.0.0.1:1/").expect("a valid URL"));
    apply_timeout(&mut opts, sel)?;
    opts.limits.max_frame = sel.max_frame;
    opts.limits.max_message = sel.max_message;
    Ok(opts)
}

/// `--timeout`, when given, is every case's budget at most; without it a
/// case that declares a longer one (16 MiB messages) keeps it.
fn apply_timeout(opts: &mut RunOptions, sel: &SelectArgs) -> Result<(), (i32, String)> {
    if let Some(t) = &sel.timeout {
        let d = Dur::parse(t)
            .map_err(|e| usage(format!("--timeout: {e}")))?
            .0
            .max(Duration::from_millis(100));
        opts.case_timeout = d;
        opts.timeout_cap = Some(d);
    }
    Ok(())
}

/// `wsprobe serve-cases`: the client catalogue behind Autobahn's URL protocol.
async fn serve_cases_cmd(a: args::ServeCasesArgs) -> CliResult {
    let (catalog, mut cases) = client_cases(&a.catalog, &a.select)?;
    // The Autobahn protocol has one ws:// listener; the wss:// cases need a
    // listener and a certificate each (`wsprobe test-client` runs them).
    cases.retain(|c| c.tls.is_none());
    let opts = client_mode_options(&a.select)?;
    let listener = tokio::net::TcpListener::bind((a.host.as_str(), a.port))
        .await
        .map_err(|e| usage(format!("cannot listen on {}:{}: {e}", a.host, a.port)))?;
    let addr = listener.local_addr().map_err(usage)?;
    let meta = RunMeta::now(
        catalog.client_fingerprint(),
        String::new(),
        RunSettings::default(),
    );
    eprintln!(
        "wsprobe serve-cases: {} client cases on ws://{addr}/ (getCaseCount, runCase?case=N&agent=A, updateReports?agent=A; reports in {}; Ctrl-C to stop)",
        cases.len(),
        a.report_dir.display()
    );
    let server = crate::clients::CaseServer::new(
        cases,
        opts,
        Some(a.report_dir.clone()),
        meta,
        catalog.files.clone(),
    );
    tokio::select! {
        _ = server.serve(listener) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(exit_code::OK)
}

/// `wsprobe client URL`: an embedded client, for trying test-client out.
async fn client_cmd(a: args::ClientArgs) -> CliResult {
    let ca = a.ca_cert.unwrap_or_default();
    if a.tungstenite {
        servers::echo::client(&a.url, &ca).await;
        return Ok(exit_code::OK);
    }
    let faults = match server_kind(&a.faults)? {
        ServerKind::Faulty(f) => f,
        ServerKind::Tungstenite => Default::default(),
    };
    servers::faulty::connect(&a.url, &ca, faults).await;
    Ok(exit_code::OK)
}

/// A receiver that fires on Ctrl-C, so a run stops and still reports.
fn stop_on_ctrl_c() -> tokio::sync::watch::Receiver<bool> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });
    stop_rx
}

/// After a run: console or JSON output, report files, baseline check or
/// update, and the exit code.
fn finish_run(
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
            .map_err(|e| usage(format!("cannot write reports to {}: {e}", dir.display())))?;
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
            let b = Baseline::updated(baseline, report, known, meta);
            report::write_atomic(path, b.render().as_bytes())
                .map_err(|e| usage(format!("cannot write {shown}: {e}")))?;
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

async fn fuzz_cmd(a: args::FuzzArgs) -> CliResult {
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
        let cases = select(&catalog.cases, &globs(&a.cases)?, &GlobSet::empty());
        crate::fuzz::mutate::seeds(&cases)
    };
    let caps = run::probe(&opts)
        .await
        .map_err(|e| (exit_code::UNREACHABLE, e.to_string()))?;
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

/// `--color`: auto means a terminal on stdout and no NO_COLOR (https://no-color.org).
fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
        }
    }
}

/// The agent name for a URL: host and port.
fn agent_of(target: &Target) -> String {
    format!("{}:{}", target.host, target.port)
}

/// The case list as JSON, with counts per group (the first segment of the
/// id) and per Autobahn group (the first number of the Autobahn case).
fn list_json(cases: &[&Case]) -> String {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
    let mut autobahn: BTreeMap<u32, usize> = BTreeMap::new();
    for c in cases {
        *groups
            .entry(c.id.split('/').next().unwrap_or(""))
            .or_default() += 1;
        if let Some(g) = c
            .autobahn
            .as_deref()
            .and_then(|a| a.split('.').next()?.parse().ok())
        {
            *autobahn.entry(g).or_default() += 1;
        }
    }
    let list: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id, "title": c.title, "autobahn": c.autobahn, "rfc": c.rfc,
                "level": c.level, "class": c.class, "tags": c.tags, "file": c.source.file,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "total": cases.len(),
        "groups": groups,
        "autobahn_groups": autobahn,
        "cases": list,
    }))
    .expect("serializable")
}
