//! A whole run: probe the target, run the selected cases concurrently, check
//! liveness after each, confirm what did not pass, and collect results.
//!
//! ```text
//! probe ─► timed+light cases ─► heavy cases ─► metric cases ─► confirmation ─► RunReport
//!          (window ≤ jobs, follows the server: load.rs)    (one at a time)  (less load, then alone)
//! each case: run_case ─► judge ─► liveness probe (latency sample, crash check)
//! ```
//! A verdict must not depend on wsprobe's own load: the window shrinks when
//! the probes show the server queueing, metric cases run with nothing else in
//! flight, and every case that did not pass runs again with less load (and
//! alone, where the two runs disagree) before it is reported.

pub mod load;
pub mod schedule;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinSet;

pub use load::Load;
pub use schedule::{heavy, metric, payload_kib, timed, waits};

use crate::case::{Case, Need};
use crate::event::Stamped;
use crate::judge::{best_possible, judge, Judgement, Verdict};
use crate::runner::{run_case, RunOptions};

/// What the target can do, found by probing once before the run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Capabilities {
    /// It echoes text and binary messages.
    pub echo: bool,
    /// It accepts `Sec-WebSocket-Extensions: permessage-deflate`.
    pub deflate: bool,
}

/// Why the target could not be tested at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProbeError {
    /// No WebSocket connection could be made.
    #[error("target {target} is unreachable: {reason}")]
    Unreachable {
        /// The URL.
        target: String,
        /// What went wrong.
        reason: String,
    },
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The case.
    pub case: Arc<Case>,
    /// Its grades.
    pub judgement: Judgement,
    /// Everything that happened on its connection.
    pub events: Vec<Stamped>,
    /// Wall time.
    pub duration_ms: f64,
    /// Whether the server stopped answering after it.
    pub crashed_server: bool,
    /// It ran again after the parallel phase (its verdict is the confirmed one).
    pub confirmed: bool,
    /// Its runs disagreed; `attempts` holds the earlier ones.
    pub flaky: bool,
    /// Earlier runs whose verdict differed from this one, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// The handshake status it saw (none: no response).
    #[serde(skip)]
    pub handshake_status: Option<u16>,
    /// It connected and sent its request, and the server closed without
    /// a response (as a server does that goes down on the request).
    #[serde(skip)]
    pub dropped_in_handshake: bool,
    /// Cases in flight (itself included) when it started.
    #[serde(skip)]
    pub in_flight: usize,
    /// A wait that ran out, or a marker between pauses, had a say in the
    /// verdict: a loaded server could have changed it.
    #[serde(skip)]
    pub timing_decided: bool,
    /// A wait ran out before the case's end: what the peer sent after it
    /// is not on record. Under load that can hide a late answer (a close
    /// frame that breaks the protocol, say) and make the verdict better
    /// than the server deserves, which confirmation alone does not undo.
    #[serde(skip)]
    pub cut_short: bool,
    /// Data messages the peer sent, counted as they came (the stored wire
    /// log of a long series is summarised): Autobahn's trafficStats.
    #[serde(skip)]
    pub messages_received: u64,
    /// What the server's processes used while it ran (`--spawn` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<crate::spawned::Usage>,
}

/// An earlier run of a case, replaced by a run with less load.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// Its verdict.
    pub verdict: Verdict,
    /// Why (behaviour, then close).
    pub reason: String,
    /// Cases in flight at most while it ran.
    pub in_flight: usize,
}

impl CaseResult {
    /// A result from a recording.
    pub fn new(case: Arc<Case>, rec: crate::event::Recorded, duration_ms: f64) -> CaseResult {
        let o = &rec.observed;
        CaseResult {
            judgement: judge(&case, o),
            handshake_status: o.status,
            dropped_in_handshake: o.closed_before_response,
            timing_decided: !o.timeouts.is_empty()
                || o.case_timeout
                || o.client_killed
                || o.handshake_failed.is_some()
                || timed(&case),
            cut_short: !o.timeouts.is_empty() || o.case_timeout,
            case,
            events: rec.events,
            duration_ms,
            crashed_server: false,
            confirmed: false,
            flaky: false,
            attempts: Vec::new(),
            in_flight: 1,
            messages_received: o.transfer.messages,
            server: o.server,
        }
    }

    pub(crate) fn attempt(&self) -> Attempt {
        let j = &self.judgement;
        let mut reason = j.behavior_reason.clone();
        if !j.close_reason.is_empty() {
            reason = format!("{reason}; close: {}", j.close_reason);
        }
        Attempt {
            verdict: j.verdict,
            reason,
            in_flight: self.in_flight,
        }
    }

    /// Whether two runs of a case came to the same grades.
    pub(crate) fn agrees(&self, other: &CaseResult) -> bool {
        let (a, b) = (&self.judgement, &other.judgement);
        a.verdict == b.verdict && a.behavior == b.behavior && a.close == b.close
    }
}

/// What the confirmation phase did, for the summary.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ConfirmStats {
    /// Cases run again.
    pub cases: usize,
    /// Of those, cases whose runs disagreed.
    pub flaky: usize,
    /// Its wall time.
    pub elapsed_ms: f64,
    /// Times the window was halved because the server fell behind.
    pub load_cuts: usize,
    /// The smallest window the run went down to.
    pub lowest_jobs: usize,
    /// Metric cases, run one at a time with nothing else in flight.
    pub metric_cases: usize,
    /// Their phase's wall time.
    pub metric_ms: f64,
    /// Times wsprobe started the server again after it went down (`--spawn`).
    #[serde(skip_serializing_if = "is_zero")]
    pub server_restarts: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A finished (or interrupted) run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The URL tested.
    pub target: String,
    /// What the probe found.
    pub capabilities: Capabilities,
    /// Results in catalogue order.
    pub results: Vec<CaseResult>,
    /// Wall time of the run.
    pub elapsed_ms: f64,
    /// Stopped early (Ctrl-C); `results` holds what finished.
    pub interrupted: bool,
    /// Parallel cases.
    pub jobs: usize,
    /// The confirmation phase and the load window.
    pub confirmation: ConfirmStats,
}

impl RunReport {
    /// Number of cases per overall verdict.
    pub fn count(&self, v: Verdict) -> usize {
        self.results
            .iter()
            .filter(|r| r.judgement.verdict == v)
            .count()
    }

    /// Whether any case failed or errored.
    pub fn failed(&self) -> bool {
        self.interrupted
            || self
                .results
                .iter()
                .any(|r| r.judgement.verdict.is_failure())
    }
}

/// Payload bytes (in KiB) that may be in flight across all running cases;
/// large-message cases wait for room, so memory stays bounded whatever `--jobs` says.
pub const PAYLOAD_BUDGET_KIB: u32 = 48 * 1024;

/// Parallel cases by default: the work is I/O-bound waiting, so several per core.
pub fn default_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 16).clamp(16, 128)
}

/// Probe the target once: can we connect and upgrade, and does it echo?
pub async fn probe(opts: &RunOptions) -> Result<Capabilities, ProbeError> {
    let obs = run_case(&crate::case::liveness(true), opts).await.observed;
    if let Some(reason) = obs.handshake_failed.clone() {
        return Err(ProbeError::Unreachable {
            target: opts.target.to_string(),
            reason,
        });
    }
    match obs.status {
        // Handshake violations (a wrong accept key, say) are findings for the
        // cases to report, not a reason to refuse to test.
        Some(101) => {}
        Some(s) => {
            return Err(ProbeError::Unreachable {
                target: opts.target.to_string(),
                reason: format!("the server answered the WebSocket handshake with HTTP {s}"),
            })
        }
        None => {
            return Err(ProbeError::Unreachable {
                target: opts.target.to_string(),
                reason: "no handshake response".into(),
            })
        }
    }
    let echo = obs
        .items()
        .any(|i| matches!(i, crate::judge::Obs::Message { .. }));
    let deflate = negotiates_deflate(opts).await;
    Ok(Capabilities { echo, deflate })
}

/// The Server header of the target's handshake response, if it sends one
/// (Autobahn names an agent the spec leaves unnamed by it).
pub async fn server_header(opts: &RunOptions) -> Option<String> {
    let obs = run_case(&crate::case::liveness(false), opts).await.observed;
    obs.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("server"))
        .map(|(_, v)| v.clone())
}

/// Whether the server accepts a plain permessage-deflate offer: one
/// handshake, closed at once.
async fn negotiates_deflate(opts: &RunOptions) -> bool {
    let mut case = crate::case::liveness(false);
    case.id = "wsprobe/deflate-probe".into();
    case.steps = vec![
        crate::case::Step::Handshake(crate::case::HandshakeStep {
            set: vec![(
                "Sec-WebSocket-Extensions".into(),
                crate::wire::deflate::TOKEN.into(),
            )],
            ..Default::default()
        }),
        crate::case::Step::Close(crate::case::CloseStep {
            code: Some(1000),
            ..Default::default()
        }),
    ];
    let obs = run_case(&case, opts).await.observed;
    obs.status == Some(101) && crate::judge::negotiated_deflate(&obs.headers)
}

/// How long a liveness check may keep retrying before the server counts as
/// down: a server that is only slow (a single-threaded one queueing
/// wsprobe's connections) answers within this.
pub const PROBE_PATIENCE: Duration = Duration::from_secs(5);

/// Whether the server still takes connections: a 101 and, on an echo server,
/// a message back. Protocol violations do not count here; the cases report
/// them. Retries with backoff for up to [`PROBE_PATIENCE`]; `Ok` carries the
/// time it took in ms (backoff included), a sample of how loaded the server is.
pub async fn alive(opts: &RunOptions, echo: bool) -> Result<f64, String> {
    checked(opts, echo).await.map(|a| a.ms)
}

/// A liveness check that succeeded.
#[derive(Debug, Clone, Copy)]
pub struct Alive {
    /// Time it took, backoff included.
    pub ms: f64,
    /// Attempts that failed before it answered: the server was unreachable
    /// for a moment (an overloaded accept queue, a restart).
    pub retries: usize,
}

/// [`alive`], saying how many attempts failed first.
pub async fn checked(opts: &RunOptions, echo: bool) -> Result<Alive, String> {
    let case = crate::case::liveness(echo);
    // The probe needs a handful of frames; a flooding server must not make
    // it read a hundred thousand (it would read as a slow server).
    let mut probe_opts = opts.clone();
    probe_opts.limits.max_frames = 1000;
    let opts = &probe_opts;
    let t = Instant::now();
    let mut backoff = Duration::from_millis(100);
    let mut retries = 0;
    loop {
        let obs = run_case(&case, opts).await.observed;
        let echoed = obs
            .items()
            .any(|i| matches!(i, crate::judge::Obs::Message { .. }));
        if obs.status == Some(101) && (echoed || !echo) {
            return Ok(Alive {
                ms: t.elapsed().as_secs_f64() * 1000.0,
                retries,
            });
        }
        retries += 1;
        if t.elapsed() + backoff > PROBE_PATIENCE {
            return Err(obs.describe());
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

/// How a run is scheduled.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Most cases in flight.
    pub jobs: usize,
    /// Run the cases that did not pass again with less load (`--no-confirm`
    /// turns it off and reports the first run as it came).
    pub confirm: bool,
}

impl Schedule {
    /// At most `jobs` cases at once, with confirmation.
    pub fn new(jobs: usize) -> Schedule {
        Schedule {
            jobs: jobs.max(1),
            confirm: true,
        }
    }
}

/// How many cases a batch may have in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Width {
    /// The load window, which follows the server.
    Window,
    /// At most this many.
    Fixed(usize),
}

/// One finished case task.
struct Done {
    i: usize,
    result: CaseResult,
    /// The liveness probe after it: its time in ms, or why it failed.
    probe: Result<Alive, String>,
    in_flight: usize,
}

async fn execute(
    i: usize,
    case: Arc<Case>,
    opts: Arc<RunOptions>,
    echo: bool,
    budget: Arc<tokio::sync::Semaphore>,
    in_flight: usize,
) -> Done {
    let weight = payload_kib(&case.steps).min(PAYLOAD_BUDGET_KIB as u64) as u32;
    let _room = budget.acquire_many_owned(weight).await;
    // The case's time counts from here: waiting for the payload budget is
    // wsprobe's business and must not eat into the case's own budget.
    let t = Instant::now();
    let mark = opts.server.as_ref().map(|s| s.watch.mark());
    let mut rec = run_case(&case, &opts).await;
    if let (Some(server), Some(mark)) = (&opts.server, mark) {
        rec.observed.server = Some(server.watch.since(mark));
    }
    let ended = rec.observed.tcp_end.is_some();
    let result = CaseResult::new(case, rec, t.elapsed().as_secs_f64() * 1000.0);
    // When wsprobe dropped a connection the server had not closed, the
    // server is still reacting to that as the probe starts; a moment's
    // wait pins a crash on the case that caused it.
    if let Some(wait) = settle(&result.case, ended) {
        tokio::time::sleep(wait).await;
    }
    let mut probe = checked(&opts, echo).await;
    // A server wsprobe started that has exited is down, whatever the probe
    // got from it on its way out.
    if let (Ok(_), Some(ended)) = (&probe, opts.server.as_ref().and_then(|s| s.ended())) {
        probe = Err(format!("the server process {ended} as the probe ended"));
    }
    Done {
        i,
        result,
        probe,
        in_flight,
    }
}

/// How long to wait after a case before the liveness probe. When wsprobe
/// dropped a connection the server had not closed, the server is still
/// reacting to that as the probe starts; a moment's wait pins a crash on
/// the case that caused it. A case tagged `alone` (a trigger that takes a
/// server down, run with nothing else in flight) waits a second: Node
/// reports an error on a socket without a listener some 50 to 100 ms after
/// the reset that caused it (engine.io, CVE-2022-41940), and a probe that
/// came first would pass a server about to go down. The wait can only
/// miss a crash, never make one.
fn settle(case: &Case, ended: bool) -> Option<Duration> {
    if case.tags.iter().any(|t| t == "alone") {
        Some(Duration::from_secs(1))
    } else {
        (!ended).then_some(Duration::from_millis(100))
    }
}

/// A result without a run: why the case could not be run or graded.
pub(crate) fn not_graded(case: Arc<Case>, reason: String, verdict: Verdict) -> CaseResult {
    CaseResult {
        case,
        judgement: Judgement {
            verdict,
            behavior: verdict,
            close: None,
            close_reason: String::new(),
            observed: String::new(),
            matched: None,
            metrics: None,
            cause: Some(crate::judge::Cause::not_graded(&reason)),
            behavior_reason: reason,
        },
        events: Vec::new(),
        duration_ms: 0.0,
        crashed_server: false,
        confirmed: false,
        flaky: false,
        attempts: Vec::new(),
        handshake_status: None,
        dropped_in_handshake: false,
        timing_decided: false,
        cut_short: false,
        in_flight: 0,
        messages_received: 0,
        server: None,
    }
}

/// Whether a case that must see an origin refused sends one the user
/// allowed (`--origin-allow https://app --origin-allow http://app` makes
/// the other-scheme look-alike an allowed origin): then it proves nothing.
fn look_alike_is_allowed(case: &Case, allowed: &[String]) -> bool {
    use crate::handshake::origin::{fill, Origin};
    let Some(first) = allowed.first().and_then(|o| Origin::parse(o).ok()) else {
        return false;
    };
    let norm = |o: &str| Origin::parse(o).map(|o| fill("{origin}", &o)).ok();
    let allowed: Vec<String> = allowed.iter().filter_map(|o| norm(o)).collect();
    case.class == crate::case::Class::MustFail
        && case.steps.iter().any(|s| match s {
            crate::case::Step::Handshake(h) => h.set.iter().chain(&h.add).any(|(k, v)| {
                k.eq_ignore_ascii_case("Origin")
                    && norm(&fill(v, &first)).is_some_and(|o| allowed.contains(&o))
            }),
            _ => false,
        })
}

fn mark_crashed(r: &mut CaseResult, probe: &str) {
    r.crashed_server = true;
    r.judgement.verdict = Verdict::Fail;
    r.judgement.behavior = Verdict::Fail;
    r.judgement.behavior_reason = format!(
        "the server stopped answering after this case (crash or wedge): liveness probe: {probe}; the case itself: {}",
        r.judgement.behavior_reason
    );
}

fn mark_down(r: &mut CaseResult, culprit: Option<&str>) {
    r.judgement.verdict = Verdict::Error;
    r.judgement.behavior = Verdict::Error;
    r.judgement.close = None;
    r.judgement.behavior_reason = match culprit {
        Some(c) => {
            format!("the server went down while this case ran (first noticed after case {c})")
        }
        None => "the server went down while this case ran, and no case in flight can be named for it (a crash may come a moment after what caused it)".into(),
    };
}

/// Errors always run again; any other verdict short of a pass only where
/// time had a say in it (a wait that ran out, a marker between pauses, a
/// handshake that got no answer). The rest are facts of the bytes the
/// server sent (a violation, a wrong echo, a refusal), which load does not change.
pub(crate) fn needs_confirming(r: &CaseResult, loaded: bool) -> bool {
    if loaded && r.cut_short && !r.crashed_server && r.judgement.verdict != Verdict::Fail {
        // The run found the server (or the machine) loaded, and this case
        // stopped waiting before it ended: a late answer may be missing,
        // and a missing answer can only have made the verdict better.
        return true;
    }
    match r.judgement.verdict {
        Verdict::Error => !r.crashed_server,
        // A case already at the best verdict it allows (recorded only, say)
        // cannot come out better with less load.
        Verdict::Fail | Verdict::NonStrict | Verdict::Informational => {
            r.timing_decided && !r.crashed_server && r.judgement.verdict != best_possible(&r.case)
        }
        Verdict::Pass | Verdict::Unimplemented | Verdict::Skipped => false,
    }
}

/// How many times a run starts a `--spawn` server again after it went down.
pub const MAX_RESTARTS: usize = 20;

/// The run's state across its phases.
struct Engine<'a, F> {
    cases: Vec<Arc<Case>>,
    opts: Arc<RunOptions>,
    caps: Capabilities,
    sched: Schedule,
    load: Load,
    budget: Arc<tokio::sync::Semaphore>,
    slots: Vec<Option<CaseResult>>,
    stop: tokio::sync::watch::Receiver<bool>,
    interrupted: bool,
    /// The case after which the server was found down, for good.
    down: Option<String>,
    /// Cases run while the server looked down but was not: run them again.
    rerun: Vec<usize>,
    /// Times the spawned server was started again after going down.
    restarts: usize,
    on_result: &'a mut F,
}

impl<F: FnMut(&CaseResult)> Engine<'_, F> {
    fn over(&self) -> bool {
        self.down.is_some() || self.interrupted
    }

    /// Run `order` (indices into the cases) with at most `width` in flight;
    /// returns the results in the order they finished. Liveness failures
    /// stop new starts until the server is checked again with patience: a
    /// server that answers then was slow, not down.
    async fn batch(&mut self, order: &[usize], width: Width) -> Vec<(usize, CaseResult)> {
        let mut out = Vec::new();
        let mut set = JoinSet::new();
        // Cases not started yet, in order.
        let mut pending: std::collections::VecDeque<usize> = order.iter().copied().collect();
        let mut timed_pending = pending.iter().filter(|&&i| timed(&self.cases[i])).count();
        // Results whose probe failed, while that is being looked into.
        let mut suspects: Vec<(usize, CaseResult, String)> = Vec::new();
        // Heavy cases wait until no timed case is in flight or to come: their
        // CPU load would shift the markers of a fail-fast case.
        let mut timed_in_flight = 0usize;
        // Which case each task runs, so a task that panics still has a result.
        let mut running: std::collections::HashMap<tokio::task::Id, usize> = Default::default();
        loop {
            let limit = match width {
                Width::Window => self.load.limit(),
                Width::Fixed(n) => n.max(1),
            };
            // Timed cases mostly sleep between their markers: while light
            // cases wait they get half the window, and the light cases fill
            // the rest (their probes are what grows the window).
            let light_pending = pending
                .iter()
                .any(|&i| !timed(&self.cases[i]) && !heavy(&self.cases[i]));
            let timed_cap = if light_pending {
                (limit / 2).max(1)
            } else {
                limit
            };
            while set.len() < limit && suspects.is_empty() && !self.over() {
                let admissible = |i: usize| {
                    let c = &self.cases[i];
                    if timed(c) {
                        timed_in_flight < timed_cap
                    } else {
                        !heavy(c) || (timed_in_flight == 0 && timed_pending == 0)
                    }
                };
                let Some(at) = pending.iter().position(|&i| admissible(i)) else {
                    break;
                };
                let i = pending.remove(at).expect("a pending case");
                let case = self.cases[i].clone();
                if timed(&case) {
                    timed_pending -= 1;
                }
                let unmet = if case.needs.contains(&Need::Echo) && !self.caps.echo {
                    Some("needs an echo endpoint; the target did not echo the probe message")
                } else if case.needs.contains(&Need::Subprotocol) && self.opts.protocol.is_none() {
                    Some("needs a subprotocol; give one with --protocol")
                } else if case.needs.contains(&Need::Tls) && self.opts.target.scheme != "wss" {
                    Some("checks TLS: needs a wss:// target")
                } else if case.needs.contains(&Need::OriginAllow)
                    && self.opts.origin_allow.is_empty()
                {
                    Some("needs the origins the server is meant for (RFC 6455 10.2); give them with --origin-allow")
                } else if look_alike_is_allowed(&case, &self.opts.origin_allow) {
                    Some("the look-alike origin this case sends is one of the --origin-allow origins")
                } else if case.needs.contains(&Need::Credentials)
                    && !self
                        .opts
                        .headers
                        .iter()
                        .any(|(k, _)| crate::handshake::credentials::is_credential(k))
                {
                    Some("needs the credentials the endpoint requires; give them with --header (Cookie, Authorization, or a name with token, auth, session or api-key in it)")
                } else if case.needs.contains(&Need::ServerUsage) && self.opts.server.is_none() {
                    Some("judged by the server's memory and CPU, which wsprobe reads only from a server it started: give the server's command with --spawn")
                } else {
                    None
                };
                if let Some(reason) = unmet {
                    out.push((i, not_graded(case, reason.into(), Verdict::Skipped)));
                    continue;
                }
                if case.needs.contains(&Need::DeflateServer) && !self.caps.deflate {
                    let reason = "the server did not negotiate permessage-deflate (RFC 7692) when offered it on its own, before the cases";
                    out.push((i, not_graded(case, reason.into(), Verdict::Unimplemented)));
                    continue;
                }
                if timed(&case) {
                    timed_in_flight += 1;
                }
                let task = set.spawn(execute(
                    i,
                    case,
                    self.opts.clone(),
                    self.caps.echo,
                    self.budget.clone(),
                    set.len() + 1,
                ));
                running.insert(task.id(), i);
            }
            if set.is_empty() {
                if !suspects.is_empty() {
                    self.settle(&mut suspects, &mut out).await;
                    continue;
                }
                break;
            }
            let mut stop_rx = self.stop.clone();
            tokio::select! {
                joined = set.join_next() => {
                    let Some(joined) = joined else { break };
                    let mut d = match joined {
                        Ok(d) => d,
                        // Aborted by Ctrl-C: the run reports what finished.
                        Err(e) if e.is_cancelled() => continue,
                        Err(e) => {
                            // A panic in a case task is wsprobe's bug: the case is an
                            // error, and the run goes on.
                            if let Some(i) = running.remove(&e.id()) {
                                if timed(&self.cases[i]) {
                                    timed_in_flight = timed_in_flight.saturating_sub(1);
                                }
                                let reason = format!("wsprobe failed internally while running this case: {e}");
                                out.push((i, not_graded(self.cases[i].clone(), reason, Verdict::Error)));
                            }
                            continue;
                        }
                    };
                    running.retain(|_, i| *i != d.i);
                    if timed(&d.result.case) {
                        timed_in_flight = timed_in_flight.saturating_sub(1);
                    }
                    if width == Width::Window {
                        self.load.sample(d.probe.as_ref().ok().map(|a| a.ms));
                    }
                    d.result.in_flight = d.in_flight;
                    match d.probe {
                        Ok(a) => {
                            // The server was unreachable for a moment around
                            // this case and the case never got an answer: it
                            // did not test the server; run it again.
                            if a.retries > 0 && d.result.handshake_status.is_none() {
                                self.rerun.push(d.i);
                            }
                            out.push((d.i, d.result))
                        }
                        Err(probe) => suspects.push((d.i, d.result, probe)),
                    }
                }
                Ok(_) = stop_rx.wait_for(|s| *s), if !self.interrupted => {
                    self.interrupted = true;
                    set.abort_all();
                }
            }
        }
        if let Some(culprit) = self.down.clone() {
            for i in pending {
                out.push((
                    i,
                    not_graded(
                        self.cases[i].clone(),
                        format!("not run: the server stopped answering after case {culprit}"),
                        Verdict::Error,
                    ),
                ));
            }
        }
        out
    }

    /// Nothing is in flight and some probes failed: look again, patiently.
    async fn settle(
        &mut self,
        suspects: &mut Vec<(usize, CaseResult, String)>,
        out: &mut Vec<(usize, CaseResult)>,
    ) {
        if self.interrupted {
            // Stopping: report the cases as they came, with no verdict on the server.
            out.extend(suspects.drain(..).map(|(i, r, _)| (i, r)));
            return;
        }
        // A spawned server whose process has ended is down: no patience.
        let exited = self
            .opts
            .server
            .as_ref()
            .is_some_and(|s| s.ended().is_some());
        let recovered = !exited && alive(&self.opts, self.caps.echo).await.is_ok();
        let mut culprit: Option<String> = None;
        // The first suspect that got past the handshake; failing that, the
        // only suspect, when the server dropped its request unanswered (a
        // request that takes the server down in its handshake,
        // CVE-2024-37890's kind) or when it ran with nothing else in flight
        // and the server took its connection (up when it began, down after
        // it: a reset that takes the server down, CVE-2022-41940's kind).
        // With others in flight there is no telling which.
        let sole_culprit = |r: &CaseResult| {
            r.dropped_in_handshake
                || (r.in_flight == 1
                    && r.events
                        .iter()
                        .any(|e| matches!(e.event, crate::event::Event::Connected)))
        };
        let blamed = (0..suspects.len())
            .find(|&k| suspects[k].1.handshake_status == Some(101))
            .or_else(|| (suspects.len() == 1 && sole_culprit(&suspects[0].1)).then_some(0));
        // A server wsprobe started says how it ended (a signal, an exit
        // status): the symptom an advisory names. Then it is started again,
        // and the run goes on: the cases in flight with the culprit run again.
        let ended = match recovered {
            false => self.opts.server.as_ref().and_then(|s| s.ended()),
            true => None,
        };
        let restarted = !recovered && self.restart().await;
        if restarted && suspects.len() > 1 {
            // With several in flight there is no telling which took it
            // down: each runs again alone on the fresh server, where the
            // one that does it again is the only suspect.
            let order: Vec<usize> = suspects.drain(..).map(|(i, _, _)| i).collect();
            let again = Box::pin(self.batch(&order, Width::Fixed(1))).await;
            out.extend(again);
            return;
        }
        for (k, (i, mut r, probe)) in suspects.drain(..).enumerate() {
            if recovered {
                // Slow, not down: the case keeps its own verdict; one that
                // could not even connect is run again.
                if r.handshake_status.is_none() {
                    self.rerun.push(i);
                }
            } else if culprit.is_none() && blamed == Some(k) {
                let mut probe = match &ended {
                    Some(ended) => format!("{probe}; the server process {ended}"),
                    None => probe,
                };
                if restarted {
                    probe.push_str("; wsprobe started it again (--spawn) and the run went on");
                }
                mark_crashed(&mut r, &probe);
                culprit = Some(r.case.id.clone());
            } else if restarted {
                // In flight when the server went down: not a verdict on it.
                self.rerun.push(i);
            } else {
                mark_down(&mut r, culprit.as_deref());
            }
            out.push((i, r));
        }
        if !recovered && !restarted {
            self.down = Some(culprit.unwrap_or_else(|| "an earlier case".into()));
        }
    }

    /// Start a server wsprobe started (`--spawn`) again after it went down,
    /// at most [`MAX_RESTARTS`] times in a run (a server that goes down on
    /// everything ends the run as any other would).
    async fn restart(&mut self) -> bool {
        let Some(server) = self.opts.server.clone() else {
            return false;
        };
        if self.restarts >= MAX_RESTARTS {
            return false;
        }
        self.restarts += 1;
        server.restart().await.is_ok() && alive(&self.opts, self.caps.echo).await.is_ok()
    }

    fn record(&mut self, results: Vec<(usize, CaseResult)>) {
        for (i, r) in results {
            (self.on_result)(&r);
            self.slots[i] = Some(r);
        }
    }

    /// Run the cases that did not pass again: first with half the window
    /// the server kept up with, then alone where the two runs disagree. The last run is the verdict; disagreement marks it flaky.
    async fn confirm(&mut self) -> ConfirmStats {
        let t = Instant::now();
        let mut stats = ConfirmStats::default();
        // The window was cut: probes came back much slower than the fastest.
        let loaded = self.load.cuts > 0;
        let mut again: Vec<usize> = (0..self.slots.len())
            .filter(|&i| {
                self.slots[i]
                    .as_ref()
                    .is_some_and(|r| needs_confirming(r, loaded))
            })
            .collect();
        // Cases the server seemed too slow for are run again whatever.
        let mut rerun = std::mem::take(&mut self.rerun);
        if !self.sched.confirm {
            again.retain(|i| rerun.contains(i));
        }
        // Their first run never reached the server: the second run is their
        // first real one, and a difference is not flakiness.
        let unreached: std::collections::HashSet<usize> = rerun.iter().copied().collect();
        rerun.retain(|i| !again.contains(i));
        again.extend(rerun);
        again.sort_unstable();
        if again.is_empty() || self.over() {
            return stats;
        }
        stats.cases = again.len();
        let width = (self.load.limit() / 2).max(1);
        let mut disagree = Vec::new();
        // Metric cases (figures of the server's, a memory bound) run again
        // as they ran first: with nothing else in flight.
        let (alone, rest): (Vec<usize>, Vec<usize>) =
            again.iter().partition(|&&i| metric(&self.cases[i]));
        let mut seconds = self.batch(&rest, Width::Fixed(width)).await;
        seconds.extend(self.batch(&alone, Width::Fixed(1)).await);
        for (i, second) in seconds {
            let first = self.slots[i].take().expect("a first run");
            if unreached.contains(&i) {
                let mut second = CaseResult {
                    confirmed: true,
                    ..second
                };
                second.attempts.push(first.attempt());
                self.slots[i] = Some(second);
            } else if first.agrees(&second) {
                self.slots[i] = Some(CaseResult {
                    confirmed: true,
                    ..first
                });
            } else {
                let mut second = CaseResult {
                    confirmed: true,
                    ..second
                };
                second.attempts.push(first.attempt());
                if width > 1 {
                    disagree.push(i);
                } else {
                    second.flaky = true;
                }
                self.slots[i] = Some(second);
            }
        }
        if !disagree.is_empty() && !self.over() {
            for (i, third) in self.batch(&disagree, Width::Fixed(1)).await {
                let second = self.slots[i].take().expect("a second run");
                let mut attempts = second.attempts.clone();
                attempts.push(second.attempt());
                // Alone, after two runs that disagreed: this is the verdict,
                // and the case is flaky whichever of the two it agrees with.
                self.slots[i] = Some(CaseResult {
                    confirmed: true,
                    flaky: true,
                    attempts,
                    ..third
                });
            }
        }
        stats.flaky = self.slots.iter().flatten().filter(|r| r.flaky).count();
        stats.elapsed_ms = t.elapsed().as_secs_f64() * 1000.0;
        stats
    }
}

/// Run `cases` against the target. `on_result` sees each result as it
/// first finishes (for progress output); confirmation may replace it before
/// the report. `stop` ends the run early when it fires.
pub async fn run(
    cases: Vec<Case>,
    opts: &RunOptions,
    caps: Capabilities,
    sched: Schedule,
    stop: tokio::sync::watch::Receiver<bool>,
    mut on_result: impl FnMut(&CaseResult),
) -> RunReport {
    let started = Instant::now();
    let cases: Vec<Arc<Case>> = cases.into_iter().map(Arc::new).collect();
    let n = cases.len();
    let mut engine = Engine {
        slots: vec![None; n],
        opts: Arc::new(opts.clone()),
        caps,
        sched,
        load: Load::new(sched.jobs),
        budget: Arc::new(tokio::sync::Semaphore::new(PAYLOAD_BUDGET_KIB as usize)),
        stop,
        interrupted: false,
        down: None,
        rerun: Vec::new(),
        restarts: 0,
        on_result: &mut on_result,
        cases,
    };
    let c = engine.cases.clone();
    let pick = |f: &dyn Fn(&Case) -> bool| -> Vec<usize> { (0..n).filter(|&i| f(&c[i])).collect() };
    // Timed cases first, then the other light ones, then the heavy ones;
    // metric cases last, one at a time.
    let mut first = pick(&|c| timed(c) && !heavy(c) && !metric(c));
    first.extend(pick(&|c| !timed(c) && waits(c) && !heavy(c) && !metric(c)));
    first.extend(pick(&|c| !timed(c) && !waits(c) && !heavy(c) && !metric(c)));
    first.extend(pick(&|c| heavy(c) && !metric(c)));
    let metric_cases = pick(&|c| metric(c));
    let metric_count = metric_cases.len();
    let mut metric_ms = 0.0;
    for (order, width) in [(first, Width::Window), (metric_cases, Width::Fixed(1))] {
        if engine.over() && engine.down.is_none() {
            break;
        }
        let t = Instant::now();
        let done = engine.batch(&order, width).await;
        engine.record(done);
        if width == Width::Fixed(1) && metric_count > 0 {
            metric_ms = t.elapsed().as_secs_f64() * 1000.0;
        }
    }
    let mut confirmation = engine.confirm().await;
    confirmation.metric_cases = metric_count;
    confirmation.metric_ms = metric_ms;
    confirmation.load_cuts = engine.load.cuts;
    confirmation.lowest_jobs = engine.load.lowest.min(engine.load.limit());
    confirmation.server_restarts = engine.restarts;
    RunReport {
        target: opts.target.to_string(),
        capabilities: caps,
        results: engine.slots.into_iter().flatten().collect(),
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        interrupted: engine.interrupted,
        jobs: sched.jobs,
        confirmation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recorded-only case whose wait ran out: already at its best verdict,
    /// so an idle run keeps it, but a loaded one may have lost a late answer
    /// that would make it fail (a close frame breaking the protocol).
    #[test]
    fn a_wait_cut_short_is_confirmed_only_when_the_run_was_loaded() {
        let catalog = crate::case::load::embedded().expect("catalogue loads");
        let case = catalog
            .cases
            .into_iter()
            .find(|c| c.id == "wire/length/declared-longer-than-data")
            .expect("the case");
        let mut r = not_graded(Arc::new(case), "timed out".into(), Verdict::Informational);
        r.timing_decided = true;
        r.cut_short = true;
        assert!(!needs_confirming(&r, false), "at its best verdict");
        assert!(needs_confirming(&r, true), "a late answer may be missing");
        r.judgement.verdict = Verdict::Fail;
        assert!(
            needs_confirming(&r, true),
            "a failure a wait decided, as before"
        );
        r.timing_decided = false;
        assert!(
            !needs_confirming(&r, true),
            "a failure on bytes: more time adds none"
        );
        r.judgement.verdict = Verdict::Pass;
        r.cut_short = false;
        assert!(!needs_confirming(&r, true), "nothing was cut short");
        r.cut_short = true;
        r.crashed_server = true;
        assert!(!needs_confirming(&r, true), "the server is gone");
    }
}
