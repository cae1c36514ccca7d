//! Client mode: `wsprobe test-client`, `wsprobe serve-cases` (Autobahn's URL
//! protocol) and `wsprobe client` (wsprobe's own clients, to try it out).

use std::collections::BTreeSet;

use super::args::{self, CatalogArgs, Format, SelectArgs};
use super::error::{io, usage, CliError};
use super::run_cmd::{finish_run, read_baseline};
use super::serve::server_kind;
use super::{
    apply_timeout, exit_code, globs, load_catalog, progress, select, settings, stop_on_ctrl_c,
    CliResult,
};
use crate::case::{Case, Dur};
use crate::report::{RunMeta, RunSettings};
use crate::run::default_jobs;
use crate::runner::RunOptions;
use crate::servers::{self, ServerKind};
use crate::target::Target;

/// `wsprobe test-client -- CMD {url}`: the client catalogue, one client
/// process per case.
pub(super) async fn test_client_cmd(a: args::TestClientArgs) -> CliResult {
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
        settings(&a.select, jobs, &opts),
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
    .map_err(|e| io(format!("cannot listen on 127.0.0.1: {e}")))?;
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
) -> Result<(crate::case::Catalog, Vec<Case>), CliError> {
    let catalog = load_catalog(cat)?;
    let cases = select(
        &catalog.client_cases,
        &globs(&sel.cases)?,
        &globs(&sel.exclude)?,
        false,
    );
    if cases.is_empty() {
        return Err(usage(
            "no client case matches the selection (see `wsprobe list --clients`)",
        ));
    }
    Ok((catalog, cases))
}

/// Run options for client mode: no target is dialled; timeouts and limits apply.
fn client_mode_options(sel: &SelectArgs) -> Result<RunOptions, CliError> {
    let mut opts = RunOptions::new(Target::parse("ws://127.0.0.1:1/").expect("a valid URL"));
    apply_timeout(&mut opts, sel)?;
    opts.limits.max_frame = sel.max_frame;
    opts.limits.max_message = sel.max_message;
    Ok(opts)
}

/// `wsprobe serve-cases`: the client catalogue behind Autobahn's URL protocol.
pub(super) async fn serve_cases_cmd(a: args::ServeCasesArgs) -> CliResult {
    let (catalog, mut cases) = client_cases(&a.catalog, &a.select)?;
    // The Autobahn protocol has one ws:// listener; the wss:// cases need a
    // listener and a certificate each (`wsprobe test-client` runs them).
    cases.retain(|c| c.tls.is_none());
    let opts = client_mode_options(&a.select)?;
    let listener = tokio::net::TcpListener::bind((a.host.as_str(), a.port))
        .await
        .map_err(|e| io(format!("cannot listen on {}:{}: {e}", a.host, a.port)))?;
    let addr = listener.local_addr().map_err(io)?;
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
pub(super) async fn client_cmd(a: args::ClientArgs) -> CliResult {
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
