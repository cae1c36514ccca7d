//! A whole run: probe the target, run the selected cases concurrently, check
//! liveness after each, and collect results.
//!
//! ```text
//! probe ─► JoinSet (≤ jobs) ─► run_case ─► judge ─► liveness ─► CaseResult ─► report sinks
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinSet;

use crate::case::{
    Case, Class, CloseExpect, Closer, End, ExpectStep, Grade, Level, MessageStep, Need, Opcode,
    Outcome, Payload,
};
use crate::event::Stamped;
use crate::judge::{judge, Judgement, Observed, Verdict};
use crate::runner::{run_case, RunOptions};

/// What the target can do, found by probing once before the run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Capabilities {
    /// It echoes text and binary messages.
    pub echo: bool,
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

/// The KiB of payload a case sends, for the budget above.
pub fn payload_kib(steps: &[crate::case::Step]) -> u64 {
    use crate::case::Step;
    steps
        .iter()
        .map(|s| match s {
            Step::Send(f) => f.payload.len() as u64,
            Step::SendMessage(m) => m.payload.len() as u64,
            Step::SendRaw(r) => r.hex.len() as u64,
            Step::Repeat(r) => payload_kib(&r.steps) * 1024 * r.count as u64,
            _ => 0,
        })
        .sum::<u64>()
        / 1024
}

/// Parallel cases by default: the work is I/O-bound waiting, so several per core.
pub fn default_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 16).clamp(16, 128)
}

/// The built-in liveness check: a handshake and, on an echo server, an echo.
pub fn liveness_case(echo: bool) -> Case {
    use crate::case::Step;
    let text = Payload::Text("wsprobe liveness probe".into());
    let mut steps = Vec::new();
    let mut receive = Vec::new();
    if echo {
        steps.push(Step::SendMessage(MessageStep {
            opcode: Opcode(1),
            payload: text.clone(),
            fragments: Vec::new(),
            fragment_size: None,
            empty_final: false,
            compress: false,
            rsv: 0,
            delivery: Default::default(),
        }));
        steps.push(Step::Expect(ExpectStep {
            messages: 1,
            ..Default::default()
        }));
        receive.push(crate::case::Item::Text(text));
    }
    steps.push(Step::Close(crate::case::CloseStep {
        code: Some(1000),
        ..Default::default()
    }));
    Case {
        id: "wsprobe/liveness".into(),
        title: "liveness probe".into(),
        autobahn: None,
        rfc: vec!["4".into()],
        requirement: "the server keeps accepting connections".into(),
        level: Level::Must,
        class: Class::MustAccept,
        tags: Vec::new(),
        needs: Vec::new(),
        notes: None,
        steps,
        expect: vec![Outcome {
            grade: Grade::Pass,
            receive,
            end: End::Open,
            handshake: None,
            close_codes: Vec::new(),
            note: None,
        }],
        close: Some(CloseExpect {
            by: Closer::Client,
            codes: vec![1000],
            drop_ok: true,
            other_codes: Grade::Informational,
            other_codes_note: None,
            informational: false,
        }),
        timeout: None,
        role: Default::default(),
        source: Default::default(),
    }
}

/// Probe the target once: can we connect and upgrade, and does it echo?
pub async fn probe(opts: &RunOptions) -> Result<Capabilities, ProbeError> {
    let events = run_case(&liveness_case(true), opts).await;
    let obs = Observed::from_events(&events);
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
        .items
        .iter()
        .any(|i| matches!(i, crate::judge::Obs::Message { .. }));
    Ok(Capabilities { echo })
}

/// Whether the server still takes connections: a 101 and, on an echo server,
/// a message back. Protocol violations do not count here; the cases report them.
pub async fn alive(opts: &RunOptions, echo: bool) -> Result<(), String> {
    let case = liveness_case(echo);
    let mut last = String::new();
    // Two tries: a server that is merely busy gets a second chance.
    for _ in 0..2 {
        let obs = Observed::from_events(&run_case(&case, opts).await);
        let echoed = obs
            .items
            .iter()
            .any(|i| matches!(i, crate::judge::Obs::Message { .. }));
        if obs.status == Some(101) && (echoed || !echo) {
            return Ok(());
        }
        last = obs.describe();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(last)
}

fn mark_down(r: &mut CaseResult, culprit: Option<&str>) {
    r.crashed_server = false;
    r.judgement.verdict = Verdict::Error;
    r.judgement.behavior = Verdict::Error;
    r.judgement.close = None;
    r.judgement.behavior_reason = format!(
        "the server went down while this case ran (first noticed after case {})",
        culprit.unwrap_or("another case")
    );
}

fn skipped(case: Arc<Case>, reason: String, verdict: Verdict) -> CaseResult {
    CaseResult {
        case,
        judgement: Judgement {
            verdict,
            behavior: verdict,
            behavior_reason: reason,
            close: None,
            close_reason: String::new(),
            observed: String::new(),
            matched: None,
            metrics: None,
        },
        events: Vec::new(),
        duration_ms: 0.0,
        crashed_server: false,
    }
}

/// Run `cases` against the target. `on_result` sees each result as it
/// finishes (for progress output). `stop` ends the run early when it fires.
pub async fn run(
    cases: Vec<Case>,
    opts: &RunOptions,
    caps: Capabilities,
    jobs: usize,
    stop: tokio::sync::watch::Receiver<bool>,
    mut on_result: impl FnMut(&CaseResult),
) -> RunReport {
    let started = Instant::now();
    let opts = Arc::new(opts.clone());
    let cases: Vec<Arc<Case>> = cases.into_iter().map(Arc::new).collect();
    let mut slots: Vec<Option<CaseResult>> = vec![None; cases.len()];
    let mut set = JoinSet::new();
    let budget = Arc::new(tokio::sync::Semaphore::new(PAYLOAD_BUDGET_KIB as usize));
    // Heavy cases (1 MiB of payload or more) run after all the others, so
    // their CPU load cannot delay the timed cases (fail-fast pauses) and their
    // throughput figures are not disturbed either.
    // Round-trip series count as heavy too: they are latency-bound, and a
    // runtime busy with hundreds of light cases would stretch every trip.
    let heavy = |c: &Case| {
        use crate::case::Step;
        payload_kib(&c.steps) >= 1024
            || c.steps.iter().any(|s| match s {
                Step::Repeat(r) => r.count >= 100,
                // Thousands of tiny frames cost CPU on both sides.
                Step::SendMessage(m) => m
                    .fragment_size
                    .is_some_and(|n| n > 0 && m.payload.len() / n >= 1000),
                _ => false,
            })
    };
    // Timed cases (those that place markers between pauses, like fail-fast
    // UTF-8) run first, and heavy ones wait until the last of them is done;
    // every other case runs alongside either.
    let timed = |c: &Case| {
        c.steps
            .iter()
            .any(|s| matches!(s, crate::case::Step::Mark(_)))
    };
    let order: Vec<usize> = (0..cases.len())
        .filter(|&i| timed(&cases[i]) && !heavy(&cases[i]))
        .chain((0..cases.len()).filter(|&i| !timed(&cases[i]) && !heavy(&cases[i])))
        .chain((0..cases.len()).filter(|&i| heavy(&cases[i])))
        .collect();
    let mut light_running = 0usize;
    let mut next = 0;
    let mut down: Option<String> = None;
    let mut interrupted = false;
    loop {
        while set.len() < jobs.max(1) && next < order.len() && down.is_none() && !interrupted {
            let i = order[next];
            let case = cases[i].clone();
            if heavy(&case) && light_running > 0 {
                break;
            }
            next += 1;
            let unmet = if case.needs.contains(&Need::Echo) && !caps.echo {
                Some("needs an echo endpoint; the target did not echo the probe message")
            } else if case.needs.contains(&Need::Subprotocol) && opts.protocol.is_none() {
                Some("needs a subprotocol; give one with --protocol")
            } else {
                None
            };
            if let Some(reason) = unmet {
                let r = skipped(case, reason.into(), Verdict::Skipped);
                on_result(&r);
                slots[i] = Some(r);
                continue;
            }
            if timed(&case) {
                light_running += 1;
            }
            let opts = opts.clone();
            let budget = budget.clone();
            set.spawn(async move {
                let weight = payload_kib(&case.steps).min(PAYLOAD_BUDGET_KIB as u64) as u32;
                let _room = budget.acquire_many_owned(weight).await;
                let t = Instant::now();
                let events = run_case(&case, &opts).await;
                let mut judgement = judge(&case, &events);
                let duration_ms = t.elapsed().as_secs_f64() * 1000.0;
                let mut crashed_server = false;
                // When wsprobe dropped a connection the server had not closed, the
                // server is still reacting to that as the probe starts; a moment's
                // wait pins a crash on the case that caused it.
                if Observed::from_events(&events).tcp_end.is_none() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                if let Err(reason) = alive(&opts, caps.echo).await {
                    crashed_server = true;
                    judgement.verdict = Verdict::Fail;
                    judgement.behavior = Verdict::Fail;
                    judgement.behavior_reason = format!(
                        "the server stopped answering after this case (crash or wedge): liveness probe: {reason}; the case itself: {}",
                        judgement.behavior_reason
                    );
                }
                (
                    i,
                    CaseResult {
                        case,
                        judgement,
                        events,
                        duration_ms,
                        crashed_server,
                    },
                )
            });
        }
        if set.is_empty() {
            if next < order.len() && down.is_none() && !interrupted {
                // Only a panicked task (never counted down) can leave this
                // above zero with nothing running.
                light_running = 0;
                continue;
            }
            break;
        }
        let mut stop_rx = stop.clone();
        tokio::select! {
            joined = set.join_next() => {
                let Some(joined) = joined else { break };
                match joined {
                    Ok((i, mut r)) => {
                        if timed(&r.case) {
                            light_running -= 1;
                        }
                        if r.crashed_server {
                            let reached = Observed::from_events(&r.events).status == Some(101);
                            if down.is_none() && reached {
                                down = Some(r.case.id.clone());
                            } else {
                                // The server was already gone when this case ran, or died
                                // under another case: this one cannot be graded.
                                mark_down(&mut r, down.as_deref());
                                down.get_or_insert_with(|| "an earlier case".into());
                            }
                        } else if let Some(culprit) = &down {
                            if Observed::from_events(&r.events).status.is_none() {
                                mark_down(&mut r, Some(culprit));
                            }
                        }
                        on_result(&r);
                        slots[i] = Some(r);
                    }
                    Err(e) => {
                        // A panic in a case task is wsprobe's bug; keep the run going.
                        eprintln!("wsprobe: internal error in a case task: {e}");
                    }
                }
            }
            _ = stop_rx.wait_for(|s| *s), if !interrupted => {
                interrupted = true;
                set.abort_all();
            }
        }
    }
    if let Some(culprit) = &down {
        for &i in &order[next..] {
            let slot = &mut slots[i];
            if slot.is_none() {
                let r = skipped(
                    cases[i].clone(),
                    format!("not run: the server stopped answering after case {culprit}"),
                    Verdict::Error,
                );
                on_result(&r);
                *slot = Some(r);
            }
        }
    }
    RunReport {
        target: opts.target.to_string(),
        capabilities: caps,
        results: slots.into_iter().flatten().collect(),
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        interrupted,
        jobs,
    }
}
