//! Testing WebSocket clients: wsprobe listens, and each client connection
//! plays one client-under-test case (`cases/client/`).
//!
//! Two ways in, on one dispatcher:
//! - the Autobahn|Testsuite URL protocol, so existing client harnesses work
//!   unchanged: `/getCaseCount`, `/getCaseInfo?case=N`, `/runCase?case=N&agent=A`,
//!   `/getCaseStatus?case=N&agent=A`, `/updateReports?agent=A`
//!   (`wsprobe serve-cases`);
//! - a command per case: `wsprobe test-client -- CMD {url}` starts the
//!   client once per case with the case URL filled in, so it needs no
//!   special code beyond "connect to this URL and echo what you receive".

mod pki;
pub mod tls;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::case::{Case, RespondStep};
use crate::event::{Event, Recorded, Stamped};
use crate::run::{Capabilities, CaseResult, RunReport};
use crate::runner::conn::Conn;
use crate::runner::serve::{self, ClientRequest};
use crate::runner::RunOptions;
use crate::wire::codes::op;
use crate::wire::RawFrame;

/// A client connection waiting for its case, by case number.
type Waiting = Arc<Mutex<HashMap<usize, oneshot::Sender<(Conn, ClientRequest)>>>>;

/// Results by agent, then case number (the Autobahn protocol's reports).
type Results = Arc<Mutex<BTreeMap<String, BTreeMap<usize, CaseResult>>>>;

/// The listening side: cases, options, and what has been played.
#[derive(Clone)]
pub struct CaseServer {
    cases: Arc<Vec<Arc<Case>>>,
    opts: RunOptions,
    waiting: Waiting,
    results: Results,
    /// Where `/updateReports` writes, one directory per agent.
    report_root: Option<PathBuf>,
    meta: crate::report::RunMeta,
    files: Arc<Vec<crate::case::load::FileInfo>>,
    /// Cases being played: a client moves on as soon as its connection
    /// closes, while wsprobe may still be recording the end of it.
    playing: Arc<std::sync::atomic::AtomicUsize>,
    /// `wstest -m fuzzingserver`: Autobahn's report layout and exclusions.
    autobahn: Option<Arc<AutobahnLayout>>,
    /// Listen with TLS (`wstest -m fuzzingserver` with a wss:// url).
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// How `wstest -m fuzzingserver` differs from `serve-cases`.
#[derive(Debug, Clone, Default)]
pub struct AutobahnLayout {
    /// `/updateReports` writes Autobahn's layout for every agent here.
    pub outdir: PathBuf,
    /// Autobahn's whole case list, in order (gives the `case` field).
    pub numbers: Vec<String>,
    /// `exclude-agent-cases`: agent pattern, case patterns. A case excluded
    /// for the agent is closed at once and recorded for no one, as wstest
    /// does.
    pub exclude_agent: Vec<(String, Vec<String>)>,
}

impl CaseServer {
    /// A server for `cases` (numbered from 1, as Autobahn numbers them).
    pub fn new(
        cases: Vec<Case>,
        opts: RunOptions,
        report_root: Option<PathBuf>,
        meta: crate::report::RunMeta,
        files: Vec<crate::case::load::FileInfo>,
    ) -> CaseServer {
        CaseServer {
            cases: Arc::new(cases.into_iter().map(Arc::new).collect()),
            opts,
            waiting: Arc::default(),
            results: Arc::default(),
            report_root,
            meta,
            files: Arc::new(files),
            playing: Arc::default(),
            autobahn: None,
            tls: None,
        }
    }

    /// Write Autobahn's report layout (index.json with every agent, one
    /// file per case) instead of wsprobe's per-agent reports, and skip the
    /// cases the layout excludes for an agent.
    pub fn with_autobahn_layout(mut self, layout: AutobahnLayout) -> CaseServer {
        self.autobahn = Some(Arc::new(layout));
        self
    }

    /// Accept every connection with TLS first.
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> CaseServer {
        self.tls = Some(config);
        self
    }

    /// Accept connections until the listener fails, each on its own task.
    pub async fn serve(self, listener: TcpListener) {
        while let Ok((tcp, _)) = listener.accept().await {
            let me = self.clone();
            tokio::spawn(async move { me.connection(tcp).await });
        }
    }

    async fn connection(&self, tcp: tokio::net::TcpStream) {
        let until = tokio::time::Instant::now() + self.opts.handshake_timeout;
        let conn = match &self.tls {
            None => Conn::accepted(tcp),
            Some(config) => match Conn::accept_tls(tcp, config.clone(), until).await {
                Ok((conn, _)) => conn,
                Err(_) => return,
            },
        };
        let Ok(req) = serve::read_request(&conn, until).await else {
            return;
        };
        let n = req.query("case").and_then(|c| c.parse::<usize>().ok());
        let agent = req.query("agent").unwrap_or_else(|| "wsprobe".into());
        match req.path() {
            "/runCase" => {
                let Some(n) = n.filter(|n| (1..=self.cases.len()).contains(n)) else {
                    return not_found(&conn).await;
                };
                if let Some(number) = self.excluded(n, &agent) {
                    eprintln!(
                        "wsprobe: skipping case {number} for agent {agent} (exclude-agent-cases)"
                    );
                    return answer_close(&conn, &req).await;
                }
                // test-client registered this case and waits for its client.
                let waiter = self.waiting.lock().expect("waiting lock").remove(&n);
                match waiter {
                    Some(tx) => {
                        let _ = tx.send((conn, req));
                    }
                    None => {
                        use std::sync::atomic::Ordering;
                        self.playing.fetch_add(1, Ordering::SeqCst);
                        let r = self.play(n, conn, req, Vec::new()).await;
                        self.results
                            .lock()
                            .expect("results lock")
                            .entry(agent)
                            .or_default()
                            .insert(n, r);
                        self.playing.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            }
            "/getCaseCount" => {
                answer_text(&conn, &req, &self.cases.len().to_string()).await;
            }
            "/getCaseInfo" => {
                let Some(case) = n.and_then(|n| self.cases.get(n.wrapping_sub(1))) else {
                    return not_found(&conn).await;
                };
                let info = serde_json::json!({
                    "id": case.id, "description": case.title, "rfc": case.citation()
                });
                answer_text(&conn, &req, &info.to_string()).await;
            }
            "/getCaseStatus" => {
                self.settle().await;
                let status = n.and_then(|n| {
                    let results = self.results.lock().expect("results lock");
                    results.get(&agent)?.get(&n).map(|r| autobahn_label(r))
                });
                let body = serde_json::json!({ "behavior": status.unwrap_or("UNKNOWN") });
                answer_text(&conn, &req, &body.to_string()).await;
            }
            "/updateReports" => {
                let written = async {
                    self.settle().await;
                    self.write_reports(&agent)
                };
                answer_after(&conn, &req, written).await;
            }
            _ => not_found(&conn).await,
        }
    }

    /// Case `n`'s Autobahn number, when the spec excludes it for `agent`.
    fn excluded(&self, n: usize, agent: &str) -> Option<String> {
        let layout = self.autobahn.as_ref()?;
        let number = self.cases.get(n - 1)?.autobahn.clone()?;
        crate::wstest::pattern::excluded_for_agent(&layout.exclude_agent, agent, &number)
            .then_some(number)
    }

    /// Wait (up to a case budget) for the cases still being recorded.
    async fn settle(&self) {
        let until = Instant::now() + self.opts.case_timeout;
        while self.playing.load(std::sync::atomic::Ordering::SeqCst) > 0 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Play case `n` (1-based) on a client's connection and judge it;
    /// `before`: what the connection saw before the request (TLS).
    pub async fn play(
        &self,
        n: usize,
        conn: Conn,
        req: ClientRequest,
        before: Vec<Event>,
    ) -> CaseResult {
        let case = self.cases[n - 1].clone();
        let t = Instant::now();
        let rec = serve::play_case(&case, conn, req, before, &self.opts).await;
        finish(case, rec, t)
    }

    /// Wait for the client of case `n` to connect (registered before the
    /// client starts, so it cannot arrive first).
    fn expect_client(&self, n: usize) -> oneshot::Receiver<(Conn, ClientRequest)> {
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().expect("waiting lock").insert(n, tx);
        rx
    }

    fn report_of(&self, agent: &str) -> RunReport {
        let results = self.results.lock().expect("results lock");
        let mut results: Vec<CaseResult> = results
            .get(agent)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        fail_repeated_keys(&mut results);
        RunReport {
            target: format!("client {agent}"),
            capabilities: Capabilities {
                echo: true,
                deflate: true,
            },
            results,
            elapsed_ms: 0.0,
            interrupted: false,
            jobs: 1,
            confirmation: Default::default(),
        }
    }

    /// `/updateReports`: the agent's results so far, in the usual report files.
    fn write_reports(&self, agent: &str) -> String {
        if let Some(layout) = &self.autobahn {
            return self.write_autobahn(&layout.outdir, &layout.numbers);
        }
        let Some(root) = &self.report_root else {
            return "no report directory (--report-dir)".into();
        };
        let safe: String = agent
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let dir = root.join(safe);
        let mut meta = self.meta.clone();
        meta.agent = agent.to_string();
        match crate::report::write_dir(&dir, &self.report_of(agent), &meta, &self.files, None) {
            Ok(_) => format!("reports written to {}", dir.display()),
            Err(e) => format!("cannot write reports to {}: {e}", dir.display()),
        }
    }
}

impl CaseServer {
    /// `/updateReports` under `wstest -m fuzzingserver`: every agent so far,
    /// as wstest writes them.
    fn write_autobahn(&self, outdir: &std::path::Path, numbers: &[String]) -> String {
        let agents: Vec<String> = self
            .results
            .lock()
            .expect("results lock")
            .keys()
            .cloned()
            .collect();
        let runs: Vec<(RunReport, crate::report::RunMeta)> = agents
            .iter()
            .map(|a| {
                let mut meta = self.meta.clone();
                meta.agent = a.clone();
                (self.report_of(a), meta)
            })
            .collect();
        let pairs: Vec<(&RunReport, &crate::report::RunMeta)> =
            runs.iter().map(|(r, m)| (r, m)).collect();
        let position = |n: &str| numbers.iter().position(|k| k == n).map_or(0, |i| i + 1);
        let written = crate::report::autobahn::render_agents(&pairs, &position)
            .into_iter()
            .try_for_each(|(name, text)| {
                crate::report::write_atomic(&outdir.join(name), text.as_bytes())
            });
        match written {
            Ok(()) => format!(
                "reports written to {} ({} agents)",
                outdir.display(),
                agents.len()
            ),
            Err(e) => format!("cannot write reports to {}: {e}", outdir.display()),
        }
    }
}

/// RFC 6455 4.1: "The nonce MUST be selected randomly for each connection."
/// A repeat shows only across connections, so it is checked once the cases
/// are in: every case whose request carried a key another case's request
/// carried fails, whichever ran first, so the verdicts do not depend on the
/// order the cases ran in.
pub fn fail_repeated_keys(results: &mut [CaseResult]) {
    let key_of = |r: &CaseResult| {
        r.events.iter().find_map(|e| match &e.event {
            Event::RequestReceived { headers, .. } => headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Sec-WebSocket-Key"))
                .map(|(_, v)| v.trim().to_string()),
            _ => None,
        })
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for key in results.iter().filter_map(key_of) {
        *seen.entry(key).or_default() += 1;
    }
    for r in results.iter_mut() {
        let Some(key) = key_of(r) else { continue };
        let others = seen[&key] - 1;
        if others == 0 {
            continue;
        }
        let v = crate::wire::Violation::HandshakeBadRequest {
            reason: format!(
                "carries the Sec-WebSocket-Key {key}, which {others} other connection(s) of this run carried too (\"The nonce MUST be selected randomly for each connection.\")"
            ),
        };
        let at_us = r.events.last().map_or(0, |e| e.at_us);
        r.events.push(Stamped {
            at_us,
            event: Event::Violation(v.clone()),
        });
        r.judgement = crate::judge::failed_by(r.judgement.clone(), "client", &v);
    }
}

fn finish(case: Arc<Case>, rec: Recorded, t: Instant) -> CaseResult {
    CaseResult::new(case, rec, t.elapsed().as_secs_f64() * 1000.0)
}

/// Autobahn's word for a verdict (its clients print these).
fn autobahn_label(r: &CaseResult) -> &'static str {
    use crate::judge::Verdict::*;
    match r.judgement.verdict {
        Pass => "OK",
        NonStrict => "NON-STRICT",
        Informational => "INFORMATIONAL",
        Unimplemented => "UNIMPLEMENTED",
        _ => "FAILED",
    }
}

async fn not_found(conn: &Conn) {
    let _ = conn
        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .await;
    let _ = conn.shutdown_write().await;
}

/// Upgrade, send one text message, close (the protocol's query URLs).
async fn answer_text(conn: &Conn, req: &ClientRequest, text: &str) {
    answer_after(conn, req, async { text.to_string() }).await
}

/// Upgrade and close at once (a case excluded for the agent).
async fn answer_close(conn: &Conn, req: &ClientRequest) {
    let (_, head) = serve::response(&RespondStep::default(), req);
    if conn.write_all(&head).await.is_ok() {
        close_and_go(conn, &[]).await;
    }
}

/// Accept the connection at once, then send what `text` gives and close: a
/// slow answer (`/updateReports` waits for the last cases and writes every
/// report) must not keep the client's opening handshake waiting, or the
/// client gives up on a handshake that a loaded machine took long to answer.
async fn answer_after(
    conn: &Conn,
    req: &ClientRequest,
    text: impl std::future::Future<Output = String>,
) {
    let (_, head) = serve::response(&RespondStep::default(), req);
    if conn.write_all(&head).await.is_err() {
        return;
    }
    let text = text.await;
    close_and_go(conn, &[RawFrame::new(op::TEXT, text.into_bytes())]).await;
}

/// Send `frames` and a close 1000, wait briefly for the reply, and go.
async fn close_and_go(conn: &Conn, frames: &[RawFrame]) {
    let close = RawFrame::new(op::CLOSE, 1000u16.to_be_bytes().to_vec());
    let mut bytes = Vec::new();
    for f in frames.iter().chain([&close]) {
        let f = RawFrame {
            mask: None,
            ..f.clone()
        };
        if let Ok(b) = f.encode() {
            bytes.extend_from_slice(&b);
        }
    }
    if conn.write_all(&bytes).await.is_err() {
        return;
    }
    // Wait briefly for the client's close reply before going.
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), conn.read(&mut buf)).await;
    let _ = conn.shutdown_write().await;
}

/// How `wsprobe test-client` starts the client under test.
#[derive(Debug, Clone)]
pub struct ClientCommand {
    /// Program and arguments; `{url}` in any of them is the case URL, and
    /// `{ca}` the PEM file of the run's test CA (for `wss://` cases).
    pub argv: Vec<String>,
    /// How long the client has to connect after it starts.
    pub connect_timeout: Duration,
}

/// What a client is given for one case.
#[derive(Debug, Clone)]
pub struct ClientCall {
    /// The case URL (`ws://127.0.0.1:PORT/...`, `wss://localhost:PORT/...`).
    pub url: String,
    /// The PEM file of the CA that signs wsprobe's `wss://` certificates.
    pub ca_file: PathBuf,
}

/// An in-process client: given the case URL, connects and runs to the end.
pub type ClientTask = Arc<
    dyn Fn(ClientCall) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// How each case's client is started.
#[derive(Clone)]
pub enum Launcher {
    /// A program, once per case.
    Command(ClientCommand),
    /// A task in this process (wsprobe's own tests, library users).
    Task(ClientTask, Duration),
}

impl Launcher {
    fn describe(&self) -> String {
        match self {
            Launcher::Command(c) => format!("client: {}", c.argv.join(" ")),
            Launcher::Task(..) => "client: in-process".into(),
        }
    }

    /// Why `wss://` cases cannot reach this client, if they cannot: the
    /// client must be told which CA to trust.
    fn no_ca(&self) -> Option<String> {
        match self {
            Launcher::Command(c) if !c.argv.iter().any(|a| a.contains("{ca}")) => Some(
                "a wss:// case: the client command has no `{ca}` (where the client takes a CA certificate file, PEM), so it cannot trust wsprobe's test certificate".into(),
            ),
            _ => None,
        }
    }

    fn connect_timeout(&self) -> Duration {
        match self {
            Launcher::Command(c) => c.connect_timeout,
            Launcher::Task(_, t) => *t,
        }
    }
}

/// Run `cases` against a client: one client per case, `jobs` at a time,
/// each given the URL of its case.
pub async fn test_client(
    cases: Vec<Case>,
    launcher: &Launcher,
    opts: &RunOptions,
    jobs: usize,
    confirm: bool,
    stop: tokio::sync::watch::Receiver<bool>,
    mut on_result: impl FnMut(&CaseResult),
) -> std::io::Result<RunReport> {
    let started = Instant::now();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let meta = crate::report::RunMeta::now(String::new(), "client".into(), Default::default());
    // Made whenever the client can be given it, so `{ca}` always names a file.
    let pki = if launcher.no_ca().is_none() {
        Some(Arc::new(pki::TestPki::new().map_err(io::Error::other)?))
    } else {
        None
    };
    let server = CaseServer::new(cases, opts.clone(), None, meta, Vec::new());
    let accept = tokio::spawn(server.clone().serve(listener));
    let run = Batch {
        server: &server,
        launcher,
        port,
        pki: pki.clone(),
        stop: &stop,
    };
    let count = server.cases.len();
    let mut slots: Vec<Option<CaseResult>> = vec![None; count];
    let all: Vec<usize> = (1..=count).collect();
    let (first, mut interrupted) = run.batch(&all, jobs, &mut on_result).await;
    for (n, r) in first {
        slots[n - 1] = Some(r);
    }
    // A verdict a wait decided may be the run's own load (a client
    // compressing a 1 MiB echo while dozens of others start): those cases
    // run again with half the parallelism, and alone where the two runs
    // disagree. The last run is the verdict; a disagreement marks it flaky.
    if confirm && !interrupted {
        let again: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&n| {
                slots[n - 1]
                    .as_ref()
                    .is_some_and(|r| crate::run::needs_confirming(r, false))
            })
            .collect();
        let width = (jobs / 2).max(1);
        let (second, stopped) = run.batch(&again, width, &mut |_| {}).await;
        interrupted |= stopped;
        let mut disagree = Vec::new();
        for (n, second) in second {
            let first = slots[n - 1].take().expect("a first run");
            slots[n - 1] = Some(if first.agrees(&second) {
                CaseResult {
                    confirmed: true,
                    ..first
                }
            } else {
                let mut second = CaseResult {
                    confirmed: true,
                    flaky: width == 1,
                    ..second
                };
                second.attempts.push(first.attempt());
                if width > 1 {
                    disagree.push(n);
                }
                second
            });
        }
        if !interrupted && !disagree.is_empty() {
            let (third, stopped) = run.batch(&disagree, 1, &mut |_| {}).await;
            interrupted |= stopped;
            for (n, third) in third {
                let second = slots[n - 1].take().expect("a second run");
                let mut attempts = second.attempts.clone();
                attempts.push(second.attempt());
                slots[n - 1] = Some(CaseResult {
                    confirmed: true,
                    flaky: true,
                    attempts,
                    ..third
                });
            }
        }
    }
    accept.abort();
    let mut results: Vec<CaseResult> = slots.into_iter().flatten().collect();
    fail_repeated_keys(&mut results);
    Ok(RunReport {
        target: launcher.describe(),
        capabilities: Capabilities {
            echo: true,
            deflate: true,
        },
        results,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        interrupted,
        jobs,
        confirmation: Default::default(),
    })
}

/// What every case of a run is played with.
struct Batch<'a> {
    server: &'a CaseServer,
    launcher: &'a Launcher,
    /// The plain listener's port.
    port: u16,
    /// The certificates of the `wss://` cases, when the client can be given the CA.
    pki: Option<Arc<pki::TestPki>>,
    stop: &'a tokio::sync::watch::Receiver<bool>,
}

impl Batch<'_> {
    /// Play cases `ns`, `width` at a time; the results, and whether Ctrl-C
    /// stopped it (what finished is kept).
    async fn batch(
        &self,
        ns: &[usize],
        width: usize,
        on_result: &mut impl FnMut(&CaseResult),
    ) -> (Vec<(usize, CaseResult)>, bool) {
        let mut out = Vec::with_capacity(ns.len());
        let mut set = tokio::task::JoinSet::new();
        let mut todo = ns.iter().copied();
        let mut interrupted = false;
        loop {
            while set.len() < width.max(1) && !interrupted {
                let Some(n) = todo.next() else { break };
                let server = self.server.clone();
                let launcher = self.launcher.clone();
                let pki = self.pki.clone();
                let port = self.port;
                set.spawn(async move {
                    let case = server.cases[n - 1].clone();
                    let r = match case.tls {
                        None => {
                            let url =
                                format!("ws://127.0.0.1:{port}/runCase?case={n}&agent=wsprobe");
                            let ca = pki.as_ref().map(|p| p.ca_file().to_path_buf());
                            run_one(&server, n, &launcher, &url, ca.as_deref()).await
                        }
                        Some(kind) => match (&pki, launcher.no_ca()) {
                            (Some(pki), None) => run_tls(&server, n, &launcher, pki, kind).await,
                            (_, why) => crate::run::not_graded(
                                case,
                                why.unwrap_or_else(|| "no test CA".into()),
                                crate::judge::Verdict::Skipped,
                            ),
                        },
                    };
                    (n, r)
                });
            }
            if set.is_empty() {
                break;
            }
            let mut stop_rx = self.stop.clone();
            tokio::select! {
                joined = set.join_next() => match joined {
                    Some(Ok((n, r))) => {
                        on_result(&r);
                        out.push((n, r));
                    }
                    Some(Err(e)) => eprintln!("wsprobe: internal error in a case task: {e}"),
                    None => break,
                },
                _ = stop_rx.wait_for(|s| *s), if !interrupted => {
                    interrupted = true;
                    set.abort_all();
                }
            }
        }
        (out, interrupted)
    }
}

/// A started client: a process (with its stderr collected) or a task.
enum Started {
    Process(tokio::process::Child, tokio::task::JoinHandle<Vec<u8>>),
    Task(tokio::task::JoinHandle<()>),
}

impl Started {
    fn start(launcher: &Launcher, url: &str, ca: Option<&Path>) -> Result<Started, String> {
        let ca = ca.map(Path::to_path_buf).unwrap_or_default();
        match launcher {
            Launcher::Task(f, _) => Ok(Started::Task(tokio::spawn(f(ClientCall {
                url: url.to_string(),
                ca_file: ca,
            })))),
            Launcher::Command(cmd) => {
                let ca = ca.to_string_lossy();
                let argv: Vec<String> = cmd
                    .argv
                    .iter()
                    .map(|a| a.replace("{url}", url).replace("{ca}", &ca))
                    .collect();
                let mut child = tokio::process::Command::new(&argv[0])
                    .args(&argv[1..])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .map_err(|e| format!("cannot start {:?}: {e}", argv[0]))?;
                // Keep the end of what the client says, for a failure message.
                let mut stderr = child.stderr.take();
                let tail = tokio::spawn(async move {
                    let mut all = Vec::new();
                    if let Some(e) = stderr.as_mut() {
                        let mut buf = [0u8; 4096];
                        while let Ok(k) = e.read(&mut buf).await {
                            if k == 0 {
                                break;
                            }
                            all.extend_from_slice(&buf[..k]);
                            if all.len() > 8192 {
                                all.drain(..all.len() - 4096);
                            }
                        }
                    }
                    all
                });
                Ok(Started::Process(child, tail))
            }
        }
    }

    /// Wait until the client exits; how it did, in words.
    async fn exited(&mut self) -> String {
        match self {
            Started::Task(h) => {
                let _ = h.await;
                "the client task ended".into()
            }
            Started::Process(child, _) => match child.wait().await {
                Ok(status) => format!("the client exited ({status})"),
                Err(e) => format!("waiting for the client failed: {e}"),
            },
        }
    }

    /// What the client wrote to stderr, last lines first trimmed.
    async fn said(self) -> String {
        match self {
            Started::Process(mut child, tail) => {
                let _ = child.kill().await;
                let said = String::from_utf8_lossy(&tail.await.unwrap_or_default())
                    .trim()
                    .to_string();
                stderr_note(&said)
            }
            Started::Task(h) => {
                h.abort();
                String::new()
            }
        }
    }

    /// The case is over: a moment to exit on its own, then it is stopped.
    async fn finish(mut self) {
        if tokio::time::timeout(Duration::from_secs(2), self.exited())
            .await
            .is_err()
        {
            let _ = self.said().await;
        }
    }
}

/// Start the client for case `n`, play the case on its connection, and
/// make sure the client is gone afterwards.
async fn run_one(
    server: &CaseServer,
    n: usize,
    launcher: &Launcher,
    url: &str,
    ca: Option<&Path>,
) -> CaseResult {
    let case = server.cases[n - 1].clone();
    let t = Instant::now();
    let connected = server.expect_client(n);
    let forget = || server.waiting.lock().expect("waiting lock").remove(&n);
    let mut client = match Started::start(launcher, url, ca) {
        Ok(c) => c,
        Err(message) => {
            forget();
            return no_client(case, message, t);
        }
    };
    let timeout = launcher.connect_timeout();
    let got = tokio::select! {
        got = tokio::time::timeout(timeout, connected) => got.ok().and_then(Result::ok),
        how = client.exited() => {
            forget();
            let said = client.said().await;
            return no_client(case, format!("{how} without connecting to {url}{said}"), t);
        }
    };
    match got {
        Some((conn, req)) => {
            let r = server.play(n, conn, req, Vec::new()).await;
            client.finish().await;
            r
        }
        None => {
            forget();
            let said = client.said().await;
            no_client(
                case,
                format!("the client did not connect to {url} within {timeout:?}{said}"),
                t,
            )
        }
    }
}

/// A `wss://` case: its own listener and certificate, then as `run_one`.
async fn run_tls(
    server: &CaseServer,
    n: usize,
    launcher: &Launcher,
    pki: &pki::TestPki,
    kind: crate::case::CaseTls,
) -> CaseResult {
    let case = server.cases[n - 1].clone();
    let t = Instant::now();
    let listener = match tls::CaseListener::bind().await {
        Ok(l) => l,
        Err(e) => {
            return crate::run::not_graded(
                case,
                format!("wsprobe could not listen for the case: {e}"),
                crate::judge::Verdict::Error,
            )
        }
    };
    let url = listener.url(n);
    let mut client = match Started::start(launcher, &url, Some(pki.ca_file())) {
        Ok(c) => c,
        Err(message) => return no_client(case, message, t),
    };
    let timeout = launcher.connect_timeout();
    let tcp = tokio::select! {
        got = tokio::time::timeout(timeout, listener.accept()) => got.ok().and_then(Result::ok),
        how = client.exited() => {
            let said = client.said().await;
            return no_client(case, format!("{how} without connecting to {url}{said}"), t);
        }
    };
    let Some(tcp) = tcp else {
        let said = client.said().await;
        return no_client(
            case,
            format!("the client did not connect to {url} within {timeout:?}{said}"),
            t,
        );
    };
    drop(listener);
    let until = tokio::time::Instant::now() + server.opts.handshake_timeout;
    let r = match tls::arrive(tcp, kind, pki.config(kind), until).await {
        tls::Arrival::Request { conn, req, before } => server.play(n, *conn, req, before).await,
        tls::Arrival::NoRequest(events) => finish(case, Recorded::from_events(events), t),
    };
    client.finish().await;
    r
}

fn stderr_note(said: &str) -> String {
    if said.is_empty() {
        String::new()
    } else {
        let last: Vec<&str> = said.lines().rev().take(3).collect();
        format!(
            "; its stderr ends: {}",
            last.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )
    }
}

fn no_client(case: Arc<Case>, message: String, t: Instant) -> CaseResult {
    let events = vec![Stamped {
        at_us: 0,
        event: Event::HandshakeFailed {
            message,
            peer_closed: false,
            timed_out: false,
        },
    }];
    finish(case, Recorded::from_events(events), t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Read from `s` until `want` bytes came or the peer stopped; the
    /// timeout only keeps a hang from stalling the test.
    async fn read_at_least(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>, want: usize) {
        let until = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut chunk = [0u8; 1024];
        while buf.len() < want {
            match tokio::time::timeout_at(until, s.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        }
    }

    /// `/updateReports` waits for the last cases and writes every report
    /// before it answers; the 101 must not wait with it, or a client on a
    /// loaded machine gives up on its opening handshake. The answer here is
    /// held back until the test has read the 101, so an answer that waits
    /// for its text before accepting never sends one.
    #[tokio::test]
    async fn a_slow_answer_accepts_the_connection_before_it_is_ready() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let conn = Conn::accepted(listener.accept().await.unwrap().0);
        client
            .write_all(
                b"GET /updateReports?agent=a HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
                  Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                  Sec-WebSocket-Version: 13\r\n\r\n",
            )
            .await
            .unwrap();
        let until = tokio::time::Instant::now() + Duration::from_secs(5);
        let req = serve::read_request(&conn, until).await.unwrap();
        let (ready, wait) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let text = async {
                let _ = wait.await;
                "written".to_string()
            };
            answer_after(&conn, &req, text).await;
        });

        let mut got = Vec::new();
        let head_end = loop {
            let before = got.len();
            read_at_least(&mut client, &mut got, before + 1).await;
            if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(
                got.len() > before,
                "no 101 while the answer was pending: {got:?}"
            );
        };
        let head = String::from_utf8_lossy(&got[..head_end]).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        assert!(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{head}");
        assert_eq!(
            &got[head_end..],
            b"",
            "nothing but the 101 before the answer is ready"
        );

        ready.send(()).unwrap();
        // The text, then a close 1000, both unmasked.
        let want = head_end + 2 + "written".len() + 4;
        read_at_least(&mut client, &mut got, want).await;
        assert_eq!(&got[head_end..head_end + 9], b"\x81\x07written");
        assert_eq!(&got[head_end + 9..want], b"\x88\x02\x03\xe8");
        drop(client);
        server.await.unwrap();
    }
}
