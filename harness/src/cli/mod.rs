//! The `wsprobe` command: a thin layer over the library.

pub mod args;
mod client;
pub mod error;
pub mod exit_code;
mod fuzz;
mod list;
mod progress;
mod requirements;
mod run_cmd;
mod serve;
mod show;
mod wstest;

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::case::{load, Case, Catalog, Dur};
use crate::report::{self, RunSettings};
use crate::runner::RunOptions;
use crate::servers;
use crate::target::Target;
use args::{CatalogArgs, Cli, ColorChoice, Command, Format, ReportCommand, SelectArgs};
use client::{client_cmd, serve_cases_cmd, test_client_cmd};
use error::{input, io, usage, CliError};
use fuzz::fuzz_cmd;
use run_cmd::{apply_tls, run_against};
use serve::{kind_name, serve_cmd, server_kind};

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
            let e = io(format!("cannot start the async runtime: {e}"));
            eprintln!("wsprobe: {e}");
            return e.exit_code();
        }
    };
    match rt.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wsprobe: {e}");
            e.exit_code()
        }
    }
}

type CliResult = Result<i32, CliError>;

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
            for o in &a.origin_allow {
                crate::handshake::origin::Origin::parse(o)
                    .map_err(|e| usage(format!("--origin-allow {e}")))?;
            }
            opts.origin_allow = a.origin_allow.clone();
            opts.plain_port = a.plain_port;
            apply_tls(&mut opts, &a.tls)?;
            let agent = agent_of(&opts.target);
            if let Some(cmd) = &a.spawn {
                let t = &opts.target;
                let server = crate::spawned::Server::start(cmd, &t.host, t.port, a.spawn_wait)
                    .await
                    .map_err(CliError::Unreachable)?;
                opts.server = Some(std::sync::Arc::new(server));
            }
            let server = opts.server.clone();
            let code = run_against(opts, &a.select, &a.output, &a.catalog, agent).await;
            if let Some(s) = server {
                s.stop();
            }
            code
        }
        Command::Demo(a) => {
            let kind = server_kind(&a.faults)?;
            let addr = servers::spawn(kind.clone(), "127.0.0.1:0")
                .await
                .map_err(io)?;
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
        Command::List(a) => list::list_cmd(a),
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
                .map_err(input)?;
            report::write_atomic(&a.output, report::matrix::render(&cols).as_bytes())
                .map_err(|e| io(format!("cannot write {}: {e}", a.output.display())))?;
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
        Command::Wstest(a) => wstest::wstest_cmd(a).await,
    }
}

/// The requirement matrix: a --catalog directory's own, else the built-in one.
fn load_matrix(a: &CatalogArgs) -> Result<crate::case::requirements::Matrix, CliError> {
    use crate::case::requirements::{embedded, parse, FILE};
    let own = a
        .catalog
        .as_ref()
        .map(|d| d.join(FILE))
        .filter(|p| p.exists());
    match own {
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| io(format!("cannot read {}: {e}", p.display())))?;
            parse(&p.display().to_string(), &text)
        }
        None => embedded(),
    }
    .map_err(|e| input(format!("requirement matrix error: {e}")))
}

fn load_catalog(a: &CatalogArgs) -> Result<Catalog, CliError> {
    let profile = a.profile.and_then(args::Profile::catalogue_name);
    if !a.case_files.is_empty() {
        let mut sources = Vec::new();
        for p in &a.case_files {
            let text = std::fs::read_to_string(p)
                .map_err(|e| io(format!("cannot read {}: {e}", p.display())))?;
            sources.push((p.display().to_string(), text));
        }
        return load::load_sources_in(sources, profile)
            .map_err(|e| input(format!("case file error: {e}")));
    }
    match &a.catalog {
        Some(dir) => load::load_dir_in(dir, profile),
        None => load::embedded_in(profile),
    }
    .map_err(|e| input(format!("catalogue error: {e}")))
}

fn globs(patterns: &[String]) -> Result<GlobSet, CliError> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| usage(format!("bad glob {p:?}: {e}")))?);
    }
    b.build().map_err(usage)
}

/// Cases matching the include globs (all when none) and no exclude glob.
/// A security case (`security/`) only with `security`, or when `include`
/// names it: the default run, and the baselines written from it, stay the
/// conformance catalogue.
pub fn select(cases: &[Case], include: &GlobSet, exclude: &GlobSet, security: bool) -> Vec<Case> {
    cases
        .iter()
        .filter(|c| {
            let included = if c.is_security() {
                security || include.is_match(&c.id)
            } else {
                include.is_empty() || include.is_match(&c.id)
            };
            included && !exclude.is_match(&c.id)
        })
        .cloned()
        .collect()
}

/// `--timeout`, when given, is every case's budget at most; without it a
/// case that declares a longer one (16 MiB messages) keeps it.
fn apply_timeout(opts: &mut RunOptions, sel: &SelectArgs) -> Result<(), CliError> {
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

/// The settings a report records for a run with `sel`, `jobs` and `opts`.
fn settings(sel: &SelectArgs, jobs: usize, opts: &RunOptions) -> RunSettings {
    RunSettings {
        jobs,
        case_timeout_ms: opts.case_timeout.as_millis() as u64,
        max_frame: sel.max_frame,
        max_message: sel.max_message,
        cases: sel.cases.clone(),
        exclude: sel.exclude.clone(),
        security: sel.security,
        headers: opts
            .headers
            .iter()
            .map(
                |(k, v)| match crate::handshake::credentials::is_credential(k) {
                    true => (k.clone(), format!("(withheld, {} bytes)", v.len())),
                    false => (k.clone(), v.clone()),
                },
            )
            .collect(),
        protocol: opts.protocol.clone(),
    }
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
