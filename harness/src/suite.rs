//! wsprobe as a library: run the catalogue from a plain `#[tokio::test]`.
//!
//! ```
//! use futures_util::{SinkExt, StreamExt};
//! use wsprobe::Suite;
//!
//! /// The server under test: a tokio-tungstenite echo server.
//! async fn serve(listener: tokio::net::TcpListener) {
//!     while let Ok((tcp, _)) = listener.accept().await {
//!         tokio::spawn(async move {
//!             let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
//!             while let Some(Ok(msg)) = ws.next().await {
//!                 if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         });
//!     }
//! }
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! // In your crate: #[tokio::test(flavor = "multi_thread")] async fn conforms() { ... }
//! let outcome = Suite::embedded()
//!     .select(&["framing/**", "control/**"])
//!     .expect("valid globs")
//!     .run_server(serve) // on a listener wsprobe binds on 127.0.0.1 for it
//!     .await
//!     .expect("the server answered the probe");
//! outcome.assert_conforms(); // panics listing each failed case and why
//! // With known deviations, pin them in a committed baseline instead; only
//! // a change fails (WSPROBE_UPDATE_BASELINE=1 rewrites it):
//! // outcome.assert_baseline("tests/wsprobe-baseline.yaml");
//! # }
//! ```
//!
//! [`Suite`] is a selection of cases with run settings; running it gives an
//! [`Outcome`], which holds the [`RunReport`] (every case's verdicts and wire
//! events) and checks it against the RFC ([`Outcome::assert_conforms`]) or a
//! baseline ([`Outcome::assert_baseline`]). Nothing is read from disk unless
//! you ask: the catalogue is compiled into the library.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::baseline::{self, Baseline, Diff};
use crate::case::{load, Case, CatalogError};
use crate::judge::Verdict;
use crate::report::{RunMeta, RunSettings};
use crate::run::{self, CaseResult, ProbeError, RunReport};
use crate::runner::RunOptions;
use crate::target::Target;
use crate::tls::TlsSettings;

/// Cases to run and how: the catalogue (or part of it), parallelism,
/// timeouts, TLS.
#[derive(Debug, Clone)]
pub struct Suite {
    cases: Vec<Case>,
    known: BTreeSet<String>,
    fingerprint: String,
    jobs: usize,
    case_timeout: Option<Duration>,
    tls: TlsSettings,
    agent: String,
}

/// Why a suite could not be built or run.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A case file is broken (file, line and field in the message).
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A selection glob does not parse.
    #[error("bad glob {glob:?}: {reason}")]
    Glob {
        /// The pattern.
        glob: String,
        /// What globset said.
        reason: String,
    },
    /// The URL is not a `ws://` or `wss://` URL wsprobe can reach.
    #[error("{0}")]
    Target(String),
    /// The server did not answer the opening probe at all.
    #[error(transparent)]
    Unreachable(#[from] ProbeError),
    /// Binding the loopback listener for an in-process server failed.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
}

impl Suite {
    /// The whole catalogue compiled into wsprobe (798 cases today).
    pub fn embedded() -> Suite {
        let catalog =
            load::embedded().expect("the embedded catalogue is checked by wsprobe's tests");
        Suite::of(catalog)
    }

    /// The catalogue in a directory of YAML case files (your own cases).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Suite, SuiteError> {
        Ok(Suite::of(load::load_dir(dir.as_ref())?))
    }

    /// Without the security group (`security/`): its cases grade against
    /// the origins and credentials a deployment has (`wsprobe run
    /// --security --origin-allow --header`), which a suite does not set.
    fn of(catalog: load::Catalog) -> Suite {
        let fingerprint = catalog.fingerprint();
        let mut cases = catalog.cases;
        cases.retain(|c| !c.is_security());
        Suite {
            known: cases.iter().map(|c| c.id.clone()).collect(),
            fingerprint,
            cases,
            jobs: run::default_jobs(),
            case_timeout: None,
            tls: TlsSettings::default(),
            agent: "library".into(),
        }
    }

    /// Keep only the cases whose id matches one of the globs
    /// (`framing/**`, `utf8/*/invalid-*`).
    pub fn select(mut self, globs: &[&str]) -> Result<Suite, SuiteError> {
        let set = glob_set(globs)?;
        self.cases.retain(|c| set.is_match(&c.id));
        Ok(self)
    }

    /// Drop the cases whose id matches one of the globs.
    pub fn skip(mut self, globs: &[&str]) -> Result<Suite, SuiteError> {
        let set = glob_set(globs)?;
        self.cases.retain(|c| !set.is_match(&c.id));
        Ok(self)
    }

    /// How many cases run at once (default: wsprobe's, from the CPU count).
    pub fn jobs(mut self, jobs: usize) -> Suite {
        self.jobs = jobs.max(1);
        self
    }

    /// Time limit of a case that sets none itself.
    pub fn case_timeout(mut self, timeout: Duration) -> Suite {
        self.case_timeout = Some(timeout);
        self
    }

    /// TLS settings for `wss://` targets (extra roots, `insecure`, SNI).
    pub fn tls(mut self, tls: TlsSettings) -> Suite {
        self.tls = tls;
        self
    }

    /// The name a written baseline records for the server (the CLI's `--agent`).
    pub fn agent(mut self, agent: &str) -> Suite {
        self.agent = agent.to_string();
        self
    }

    /// The selected cases, in catalogue order.
    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// Run against a server already listening at `url` (`ws://` or `wss://`).
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), wsprobe::SuiteError> {
    /// let outcome = wsprobe::Suite::embedded()
    ///     .skip(&["limits/**"])?
    ///     .run("ws://127.0.0.1:9001/")
    ///     .await?;
    /// println!("{} failed", outcome.failures().len());
    /// # Ok(()) }
    /// ```
    pub async fn run(&self, url: &str) -> Result<Outcome, SuiteError> {
        let target = Target::parse(url).map_err(|e| SuiteError::Target(e.to_string()))?;
        let mut opts = RunOptions::new(target);
        if let Some(t) = self.case_timeout {
            opts.case_timeout = t;
        }
        if opts.target.scheme == "wss" {
            opts.tls =
                Some(crate::tls::client(&self.tls, &opts.target.host).map_err(SuiteError::Target)?);
        }
        let caps = run::probe(&opts).await?;
        // Never stopped early: a test wants every case.
        let (_keep, stop) = tokio::sync::watch::channel(false);
        let report = run::run(
            self.cases.clone(),
            &opts,
            caps,
            run::Schedule::new(self.jobs),
            stop,
            |_| {},
        )
        .await;
        Ok(Outcome {
            report,
            known: self.known.clone(),
            meta: RunMeta {
                wsprobe_version: env!("CARGO_PKG_VERSION").to_string(),
                started_at: String::new(),
                catalogue: self.fingerprint.clone(),
                agent: self.agent.clone(),
                options: RunSettings {
                    jobs: self.jobs,
                    case_timeout_ms: opts.case_timeout.as_millis() as u64,
                    max_frame: opts.limits.max_frame,
                    max_message: opts.limits.max_message,
                    ..RunSettings::default()
                },
            },
        })
    }

    /// Run against a server you start in-process: `serve` gets a listener
    /// bound to a free port on 127.0.0.1 and runs as a spawned task for as
    /// long as the run lasts (it is aborted after). The server must answer
    /// the WebSocket handshake on any path and, for the cases that need it,
    /// echo messages back.
    pub async fn run_server<F, Fut>(&self, serve: F) -> Result<Outcome, SuiteError>
    where
        F: FnOnce(tokio::net::TcpListener) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(SuiteError::Listen)?;
        let addr = listener.local_addr().map_err(SuiteError::Listen)?;
        let server = tokio::spawn(serve(listener));
        let outcome = self.run(&format!("ws://{addr}/")).await;
        server.abort();
        outcome
    }
}

fn glob_set(globs: &[&str]) -> Result<GlobSet, SuiteError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| SuiteError::Glob {
            glob: g.to_string(),
            reason: e.to_string(),
        })?);
    }
    b.build().map_err(|e| SuiteError::Glob {
        glob: globs.join(" "),
        reason: e.to_string(),
    })
}

/// A finished run: the report, and checks on it.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every case's verdicts, reasons and wire events.
    pub report: RunReport,
    known: BTreeSet<String>,
    meta: RunMeta,
}

impl Outcome {
    /// The results graded FAIL (or ERROR).
    pub fn failures(&self) -> Vec<&CaseResult> {
        self.report
            .results
            .iter()
            .filter(|r| r.judgement.verdict.is_failure())
            .collect()
    }

    /// The result of one case, by id.
    pub fn result(&self, id: &str) -> Option<&CaseResult> {
        self.report.results.iter().find(|r| r.case.id == id)
    }

    /// How many cases got this overall verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.report.count(verdict)
    }

    /// Panic, listing every failed case with its reasons, unless no case
    /// failed. Non-strict, informational and unimplemented do not fail.
    #[track_caller]
    pub fn assert_conforms(&self) {
        let failures = self.failures();
        if !failures.is_empty() {
            panic!(
                "{} of {} wsprobe cases failed against {}:\n{}",
                failures.len(),
                self.report.results.len(),
                self.report.target,
                describe(&failures)
            );
        }
    }

    /// How the run compares with `baseline`.
    ///
    /// ```no_run
    /// # async fn f(outcome: wsprobe::Outcome) {
    /// let pinned = wsprobe::baseline::Baseline::read("baseline.yaml".as_ref())
    ///     .expect("readable")
    ///     .expect("exists");
    /// let diff = outcome.compare(&pinned);
    /// for change in &diff.regressions {
    ///     eprintln!("{} got worse", change.id);
    /// }
    /// # }
    /// ```
    pub fn compare(&self, baseline: &Baseline) -> Diff {
        baseline::compare(baseline, &self.report, &self.known)
    }

    /// The baseline this run would write (for cases it did not run, the
    /// entries of `old` are kept).
    pub fn baseline(&self, old: Option<&Baseline>) -> Baseline {
        Baseline::updated(
            old,
            &self.report,
            &self.known,
            &self.meta.catalogue,
            &self.meta.agent,
        )
    }

    /// Panic unless the run matches the baseline file at `path`: a
    /// regression, an improvement or a changed close code fails, with the
    /// same lines the CLI prints. With `WSPROBE_UPDATE_BASELINE=1` in the
    /// environment (or no file yet) the file is written instead, as
    /// `--update-baseline` does; commit it.
    #[track_caller]
    pub fn assert_baseline(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let old = Baseline::read(path).unwrap_or_else(|e| panic!("{e}"));
        let update = std::env::var_os("WSPROBE_UPDATE_BASELINE").is_some_and(|v| v != "0");
        match old {
            Some(old) if !update => {
                let diff = self.compare(&old);
                if !diff.matches(false) {
                    panic!("{}", diff.render(&shown, false));
                }
            }
            old => {
                let b = self.baseline(old.as_ref());
                std::fs::write(path, b.render())
                    .unwrap_or_else(|e| panic!("cannot write baseline {shown}: {e}"));
            }
        }
    }
}

fn describe(results: &[&CaseResult]) -> String {
    results
        .iter()
        .map(|r| {
            let j = &r.judgement;
            format!(
                "  {} {}: {}{}",
                j.verdict.label(),
                r.case.id,
                j.behavior_reason,
                if j.close_reason.is_empty() {
                    String::new()
                } else {
                    format!(" / {}", j.close_reason)
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
