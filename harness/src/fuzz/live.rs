//! `wsprobe fuzz URL`: generated sequences against a running server, each
//! judged by the oracle's outcomes plus crash detection (the liveness probe
//! after a failing sequence) and hang detection (the final ping of a
//! sequence that leaves the connection open must be answered).
//!
//! ```text
//! seed ─► input bytes ─► Sequence ─► oracle::to_case ─► run_case ─► judge
//!              (random, or a catalogue case mutated)
//!                                                        │ fail / crash
//!                                   findings/<sig>.yaml ◄─ minimise ◄─ new signature?
//! ```
//! Input `i` of a run depends only on the seed, `i` and the catalogue cases
//! given as seeds, so `--seed S` with the same selection replays a run, and a finding's YAML file replays with `wsprobe run --case-file`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use tokio::task::JoinSet;

use super::oracle::{obligation, to_case};
use super::sequence::{Op, PayloadKind, Sequence, MAX_OPS};
use crate::case::Case;
use crate::event::Recorded;
use crate::judge::{judge, Judgement, Verdict};
use crate::run::{alive, Capabilities};
use crate::runner::{run_case, RunOptions};

/// How long and how wide to fuzz.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// Seed of the input stream.
    pub seed: u64,
    /// Stop after this many sequences.
    pub iterations: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Sequences in flight.
    pub jobs: usize,
    /// Where findings go (None: not written).
    pub findings_dir: Option<PathBuf>,
    /// Candidate runs allowed per minimisation.
    pub minimise_budget: usize,
    /// Catalogue cases as sequences (`mutate::seeds`): half the inputs are
    /// one of these mutated; none, and every input is random.
    pub seeds: Arc<Vec<Sequence>>,
}

impl FuzzOptions {
    /// Input `i` of this run.
    pub fn input(&self, i: u64) -> Sequence {
        generate_from(self.seed, i, &self.seeds)
    }
}

/// One distinct problem.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What kind of failure (dedup key).
    pub signature: String,
    /// The iteration that found it.
    pub iteration: u64,
    /// The minimised sequence.
    pub sequence: Sequence,
    /// Operations before and after minimising.
    pub ops_before: usize,
    /// Operations after minimising.
    pub ops_after: usize,
    /// The judgement of the minimised case.
    pub judgement: Judgement,
    /// The case file written, if any.
    pub file: Option<PathBuf>,
}

/// A finished fuzz run.
#[derive(Debug, Clone, Default)]
pub struct FuzzReport {
    /// Sequences run.
    pub iterations: u64,
    /// Distinct findings, in the order found.
    pub findings: Vec<Finding>,
    /// Failing sequences per signature (before dedup).
    pub hits: BTreeMap<String, u64>,
    /// Wall time.
    pub elapsed: Duration,
    /// The target went down and stayed down.
    pub target_down: bool,
    /// Failures that did not happen again when the sequence was rerun.
    pub unconfirmed: u64,
}

impl FuzzReport {
    /// Sequences per second.
    pub fn rate(&self) -> f64 {
        self.iterations as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// SplitMix64: a tiny, well-known generator; the input stream must stay the
/// same for a seed across releases, so it does not follow a crate's choice.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The bytes input `i` of seed `seed` is decoded from (64 to 1024 bytes).
pub fn input_bytes(seed: u64, i: u64) -> Vec<u8> {
    let mut state = splitmix(seed ^ splitmix(i));
    let len = 64 + (state % 961) as usize;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = splitmix(state);
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Input `i` of seed `seed` as a random sequence.
pub fn generate(seed: u64, i: u64) -> Sequence {
    generate_from(seed, i, &[])
}

/// Input `i` of seed `seed`: with seeds, half the time one of them mutated.
pub fn generate_from(seed: u64, i: u64, seeds: &[Sequence]) -> Sequence {
    let data = input_bytes(seed, i);
    let mut u = Unstructured::new(&data);
    // No draw without seeds, so random-only streams stay as they were.
    if !seeds.is_empty() && u.ratio(1, 2).unwrap_or(false) {
        if let Ok(k) = u.choose_index(seeds.len()) {
            return super::mutate::mutate(&seeds[k], &mut u).unwrap_or_else(|_| seeds[k].clone());
        }
    }
    let mut s = Sequence::arbitrary(&mut u).unwrap_or(Sequence {
        handshake: super::sequence::HandshakeKind::Standard,
        ops: Vec::new(),
    });
    s.ops.truncate(MAX_OPS);
    s
}

fn variant(debug: &str) -> &str {
    debug.split([' ', '{', '(']).next().unwrap_or(debug)
}

/// What kind of failure this is, independent of payload details, so two
/// inputs that hit the same bug share it.
pub fn signature(
    seq: &Sequence,
    obs: &crate::judge::Observed,
    j: &Judgement,
    crashed: bool,
) -> Option<String> {
    if crashed {
        return Some("crash".into());
    }
    if !j.verdict.is_failure() || j.verdict == Verdict::Error {
        return None;
    }
    if let Some(v) = obs.violations.first() {
        return Some(format!("server-sends-{}", variant(&format!("{v:?}"))));
    }
    let ob = obligation(seq);
    let server_ended = obs.server_initiated;
    let ponged = obs.items().any(|i| {
        matches!(i, crate::judge::Obs::Pong(p) if p.as_slice() == super::oracle::ALIVE.as_bytes())
    });
    // A reset sequence owes nothing; a fail-fast point owes only what came before it.
    let owed: &[(u8, Vec<u8>)] = if ob.reset && ob.decided_at.is_none() {
        &[]
    } else {
        &ob.echoes
    };
    let enough = ob
        .may_fail_after
        .map_or(owed.len(), |m| m.0.min(owed.len()));
    let echoes = echoes_owed(owed, enough, obs.items());
    let failure_close = matches!(obs.server_close, Some(Some(code)) if code != 1000);
    // The client's own malformed close step: the server answers it rather than failing first.
    let close_answer = ob
        .violation
        .as_ref()
        .is_some_and(|v| super::oracle::in_close_frame(v) && ob.close_step);
    // Whether the oracle lets the server end the connection first.
    let may_end = ob.open_ended
        || ob.reset
        || ob.may_fail_after.is_some()
        || (ob.violation.is_some() && !close_answer)
        || (ob.client_close.is_some() && !ob.close_step);
    let pongs = obs
        .items()
        .filter(|i| matches!(i, crate::judge::Obs::Pong(_)))
        .count();
    let sig = if ob.refuse {
        format!(
            "accepts-bad-handshake-{}",
            variant(&format!("{:?}", seq.handshake))
        )
    } else if ob.pongs > 0 && pongs > ob.pings + usize::from(ponged) {
        // More pongs than pings, and pongs sent: it answered a pong (5.5.3
        // expects no reply).
        "answers-pong".into()
    } else if echoes == Owed::Wrong {
        "wrong-echo".into()
    } else if (echoes == Owed::Short && (server_ended || failure_close))
        || (server_ended && !may_end)
    {
        // Failed on the valid data before whatever came next (perhaps after
        // wsprobe's close was already on its way, so not first: then its
        // close code says it failed). A server that merely answered wsprobe's
        // close before echoing was slow, not failing: that is a wrong echo.
        "fails-valid-data".into()
    } else if echoes == Owed::Short {
        "wrong-echo".into()
    } else if let Some(v) = ob.violation.as_ref().filter(|_| !close_answer) {
        // Echoed everything owed and then kept the connection open, or
        // processed the data it should have refused.
        format!("accepts-{}", variant(&format!("{v:?}")))
    } else if close_answer {
        // A malformed close of wsprobe's own: any reply or a drop will do, so
        // what failed is that none came.
        "bad-close-reply".into()
    } else if ob.client_close.is_some() {
        "bad-close-reply".into()
    } else if j.behavior == Verdict::Pass {
        "bad-close-handling".into()
    } else if server_ended {
        "fails-valid-data".into()
    } else if !ponged && !ob.open_ended && !ob.reset {
        "no-answer-to-ping".into()
    } else {
        "wrong-echo".into()
    };
    Some(sig)
}

#[derive(PartialEq, Eq)]
enum Owed {
    /// Every owed echo came, in order (maybe followed by more).
    Complete,
    /// The messages that came are the first owed ones, and fewer than `enough`.
    Short,
    /// A message came that was not owed at that point.
    Wrong,
}

fn echoes_owed<'a>(
    owed: &[(u8, Vec<u8>)],
    enough: usize,
    items: impl Iterator<Item = &'a crate::judge::Obs>,
) -> Owed {
    use sha2::{Digest, Sha256};
    let got = items.filter_map(|i| match i {
        crate::judge::Obs::Message { opcode, sha256, .. } => Some((*opcode, sha256.as_slice())),
        _ => None,
    });
    let mut n = 0;
    for ((opcode, sha), (want_op, want)) in got.zip(owed) {
        if opcode != *want_op || sha != Sha256::digest(want).as_slice() {
            return Owed::Wrong;
        }
        n += 1;
    }
    if n < enough {
        Owed::Short
    } else {
        Owed::Complete
    }
}

/// Run one sequence; returns the case, events, judgement and whether the
/// server stopped answering afterwards.
async fn run_one(
    seq: &Sequence,
    id: &str,
    opts: &RunOptions,
    caps: Capabilities,
) -> Option<(Case, Recorded, Judgement, bool)> {
    let case = to_case(seq, id);
    if case.needs.contains(&crate::case::Need::Echo) && !caps.echo {
        return None;
    }
    let events = run_case(&case, opts).await;
    let j = judge(&case, &events.observed);
    // The probe costs a connection; only failing sequences pay for it.
    let crashed = j.verdict != Verdict::Pass && alive(opts, caps.echo).await.is_err();
    Some((case, events, j, crashed))
}

async fn sig_of(seq: &Sequence, opts: &RunOptions, caps: Capabilities) -> Option<String> {
    let (_, events, j, crashed) = run_one(seq, "fuzz/minimise", opts, caps).await?;
    signature(seq, &events.observed, &j, crashed)
}

fn smaller_payload(p: &PayloadKind) -> Option<PayloadKind> {
    use super::sequence::Size;
    match p {
        PayloadKind::Empty => None,
        PayloadKind::Text(s) if s.len() > 1 => Some(PayloadKind::Text(
            s.chars().take(s.chars().count() / 2).collect(),
        )),
        PayloadKind::Bytes(b) if b.len() > 1 => Some(PayloadKind::Bytes(b[..b.len() / 2].to_vec())),
        PayloadKind::Fill(x, size) => match size {
            Size::Small(0) => Some(PayloadKind::Empty),
            Size::Small(n) => Some(PayloadKind::Fill(*x, Size::Small(n / 2))),
            _ => Some(PayloadKind::Fill(*x, Size::Small(125))),
        },
        _ => Some(PayloadKind::Empty),
    }
}

/// Shrink one operation's payload (or raw bytes) one step.
fn shrink_op(op: &Op) -> Option<Op> {
    let mut op = op.clone();
    match &mut op {
        Op::Frame(f) => f.payload = smaller_payload(&f.payload)?,
        Op::Message(m) => m.payload = smaller_payload(&m.payload)?,
        Op::Close(c) => c.reason = smaller_payload(&c.reason)?,
        Op::Ping(p) => *p = smaller_payload(p)?,
        Op::Raw(b) if b.len() > 1 => b.truncate(b.len() / 2),
        _ => return None,
    }
    Some(op)
}

/// Delta debugging: drop chunks of operations while the signature holds,
/// then shrink payloads; at most `budget` candidate runs.
pub async fn minimise(
    seq: &Sequence,
    sig: &str,
    opts: &RunOptions,
    caps: Capabilities,
    budget: usize,
) -> Sequence {
    let mut best = seq.clone();
    best.ops.truncate(MAX_OPS);
    let mut runs = 0;
    let mut n = 2usize;
    while best.ops.len() >= 2 && runs < budget {
        let chunk = best.ops.len().div_ceil(n);
        let mut reduced = false;
        for start in (0..best.ops.len()).step_by(chunk) {
            if runs >= budget {
                break;
            }
            let mut cand = best.clone();
            cand.ops.drain(start..(start + chunk).min(cand.ops.len()));
            runs += 1;
            if sig_of(&cand, opts, caps).await.as_deref() == Some(sig) {
                best = cand;
                n = (n - 1).max(2);
                reduced = true;
                break;
            }
        }
        if !reduced {
            if n >= best.ops.len() {
                break;
            }
            n = (n * 2).min(best.ops.len());
        }
    }
    if best.ops.len() == 1 && runs < budget {
        let mut cand = best.clone();
        cand.ops.clear();
        runs += 1;
        if sig_of(&cand, opts, caps).await.as_deref() == Some(sig) {
            best = cand;
        }
    }
    // Then bytes: halve each payload while the signature holds.
    let mut i = 0;
    while i < best.ops.len() && runs < budget {
        match shrink_op(&best.ops[i]) {
            Some(op) => {
                let mut cand = best.clone();
                cand.ops[i] = op;
                runs += 1;
                if sig_of(&cand, opts, caps).await.as_deref() == Some(sig) {
                    best = cand;
                    continue;
                }
                i += 1;
            }
            None => i += 1,
        }
    }
    best
}

/// File-name-safe form of a signature.
pub fn slug(sig: &str) -> String {
    sig.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Fuzz until the iteration or time budget is spent (or `stop` fires).
/// `progress` sees (iterations, findings) now and then.
pub async fn fuzz(
    opts: &RunOptions,
    caps: Capabilities,
    fo: &FuzzOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
    mut progress: impl FnMut(u64, usize),
) -> FuzzReport {
    let started = Instant::now();
    let opts = Arc::new(opts.clone());
    let mut report = FuzzReport::default();
    let mut set = JoinSet::new();
    let mut next = 0u64;
    let more = |next: u64| {
        fo.iterations.is_none_or(|n| next < n) && fo.duration.is_none_or(|d| started.elapsed() < d)
    };
    let mut stopped = false;
    // Sequences running now: when the server dies, any of them may be the culprit.
    let mut in_flight: BTreeMap<u64, Sequence> = BTreeMap::new();
    // ... or one that finished just before: a culprit that dropped its own
    // connection may well have passed (dropping is a valid way to fail).
    let mut recent: std::collections::VecDeque<(u64, Sequence)> = Default::default();
    loop {
        while !stopped && set.len() < fo.jobs.max(1) && more(next) {
            let i = next;
            next += 1;
            let seq = fo.input(i);
            in_flight.insert(i, seq.clone());
            let opts = opts.clone();
            let seed = fo.seed;
            set.spawn(async move {
                let out = run_one(&seq, &format!("fuzz/{seed}/{i}"), &opts, caps).await;
                let sig = out
                    .as_ref()
                    .and_then(|(_, ev, j, crashed)| signature(&seq, &ev.observed, j, *crashed));
                (i, seq, sig)
            });
        }
        let joined = tokio::select! {
            j = set.join_next() => j,
            _ = stop.wait_for(|s| *s), if !stopped => {
                stopped = true;
                continue;
            }
        };
        let Some(joined) = joined else { break };
        let Ok((i, seq, sig)) = joined else { continue };
        in_flight.remove(&i);
        recent.push_back((i, seq.clone()));
        if recent.len() > 2 * fo.jobs.max(1) {
            recent.pop_front();
        }
        report.iterations += 1;
        if let Some(sig) = sig {
            *report.hits.entry(sig.clone()).or_default() += 1;
            if !report.findings.iter().any(|f| f.signature == sig) {
                if sig == "crash" && alive(&opts, caps.echo).await.is_err() {
                    // Nothing left to minimise against: keep the input as it is.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    if alive(&opts, caps.echo).await.is_err() {
                        report.target_down = true;
                        stopped = true;
                    }
                }
                // A finding must reproduce: a failure that a second run does
                // not show (a timeout under load, say) is counted, not reported.
                if !report.target_down && sig != "crash" {
                    let again = sig_of(&seq, &opts, caps).await;
                    if again.as_deref() != Some(sig.as_str()) {
                        report.unconfirmed += 1;
                        progress(report.iterations, report.findings.len());
                        continue;
                    }
                }
                let small = if report.target_down {
                    seq.clone()
                } else {
                    minimise(&seq, &sig, &opts, caps, fo.minimise_budget).await
                };
                let id = format!("fuzz/{}", slug(&sig));
                let (case, _, judgement, _) = match run_one(&small, &id, &opts, caps).await {
                    Some(x) if !report.target_down => x,
                    _ => {
                        let case = to_case(&small, &id);
                        let j = judge(&case, &Default::default());
                        (case, Recorded::from_events(Vec::new()), j, true)
                    }
                };
                // A crash that took the server down cannot be replayed one by
                // one here: the file carries every sequence that was running.
                let mut cases = vec![case];
                if report.target_down {
                    let suspects = in_flight
                        .iter()
                        .map(|(j, q)| (*j, q))
                        .chain(recent.iter().map(|(j, q)| (*j, q)))
                        .filter(|(j, _)| *j != i);
                    for (j, other) in suspects {
                        cases.push(to_case(other, &format!("fuzz/crash/suspect-{j}")));
                    }
                }
                let file = fo.findings_dir.as_ref().and_then(|dir| {
                    let path = dir.join(format!("{}.yaml", slug(&sig)));
                    let text = finding_file(&cases, &sig, fo.seed, i);
                    crate::report::write_atomic(&path, text.as_bytes())
                        .ok()
                        .map(|_| path)
                });
                report.findings.push(Finding {
                    signature: sig,
                    iteration: i,
                    ops_before: seq.ops.len(),
                    ops_after: small.ops.len(),
                    sequence: small,
                    judgement,
                    file,
                });
            }
        }
        progress(report.iterations, report.findings.len());
    }
    report.elapsed = started.elapsed();
    report
}

/// The YAML case file of a finding, with how it was found as a comment.
pub fn finding_file(cases: &[Case], sig: &str, seed: u64, iteration: u64) -> String {
    let suspects = if cases.len() > 1 {
        format!(
            "# The server went down; the first of these {} cases noticed, the others ran at the same\n# time or just before. Replay them one by one to see which crashes it.\n",
            cases.len()
        )
    } else {
        String::new()
    };
    format!(
        "# wsprobe fuzz finding: {sig}\n# found by `wsprobe fuzz --seed {seed}` at iteration {iteration}, then minimised.\n{suspects}# Replay: wsprobe run URL --case-file THIS_FILE\n{}",
        crate::case::write::file("fuzz", &format!("fuzz finding: {sig}"), cases)
    )
}
