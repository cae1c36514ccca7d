//! The judge: a pure function from (case, events) to verdicts.
//!
//! It never touches a socket. The behaviour verdict matches what the server
//! sent against the case's acceptable outcomes; the close verdict grades the
//! closing handshake separately (RFC 6455 section 7), like Autobahn's
//! `behavior` and `behaviorClose`.

mod cause;
mod close;
mod describe;
mod expect;
mod metrics;
mod scaling;
pub mod verdict;

use serde::Serialize;

use crate::case::{Case, Class, Closer, End, Level};
pub use crate::event::observed::{describe_obs, Obs, Observed, TcpEnd};
pub use cause::Cause;
pub use describe::{describe_outcome, describe_outcome_for};
pub use metrics::{metrics, Metrics};
pub use verdict::Verdict;

use close::judge_close;
use expect::outcome_matches;

/// The grades of one case.
#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    /// The worst of behaviour and close.
    pub verdict: Verdict,
    /// What the server did with the input.
    pub behavior: Verdict,
    /// Why.
    pub behavior_reason: String,
    /// How the connection was closed (absent when it never opened).
    pub close: Option<Verdict>,
    /// Why.
    pub close_reason: String,
    /// What was seen, in one line.
    pub observed: String,
    /// Index of the outcome that matched.
    pub matched: Option<usize>,
    /// Throughput, for cases that move a lot of data (informational).
    pub metrics: Option<Metrics>,
    /// What decided a verdict other than pass (reports group by it).
    pub cause: Option<Cause>,
}

/// The behaviour verdict and what it rests on.
struct Behavior {
    verdict: Verdict,
    reason: String,
    /// Index of the outcome that matched.
    matched: Option<usize>,
    /// Why it is not a pass (None for a pass).
    cause: Option<Cause>,
}

impl Behavior {
    fn new(verdict: Verdict, reason: String, cause: Cause) -> Behavior {
        Behavior {
            verdict,
            reason,
            matched: None,
            cause: Some(cause),
        }
    }
}

/// A judgement once a violation found outside the case's own connection is
/// added (a rule over the whole run, such as a client reusing its handshake
/// key): the behaviour fails, naming it before what was judged before.
pub fn failed_by(j: Judgement, peer: &str, v: &crate::wire::Violation) -> Judgement {
    let why = format!(
        "the {peer} broke the protocol: {v} (RFC {} {})",
        v.rfc(),
        v.rfc_section()
    );
    Judgement {
        verdict: Verdict::Fail,
        behavior: Verdict::Fail,
        behavior_reason: if j.behavior == Verdict::Fail {
            format!("{why}; {}", j.behavior_reason)
        } else {
            why
        },
        cause: Some(Cause::violation(v)),
        ..j
    }
}

/// Grade what was observed against `case` (for a list of events,
/// `judge(case, &Observed::from_events(&events))`).
pub fn judge(case: &Case, obs: &Observed) -> Judgement {
    // A case about permessage-deflate says nothing of a server without it
    // (Autobahn 12.x/13.x grade this UNIMPLEMENTED too), or of a client that
    // did not offer it the way the case needs. A server that compresses
    // anyway (RSV1 without the extension) is judged: RFC 7692 5, "To accept
    // the use of an offered PMCE, a server MUST include the extension name".
    let agreed = if obs.peer_is_client {
        negotiated_deflate(&obs.sent_headers)
    } else {
        negotiated_deflate(&obs.headers)
    };
    let compressed_anyway = obs.violations.iter().any(|v| {
        matches!(
            v,
            crate::wire::Violation::ReservedBitsWithoutExtension { .. }
        )
    });
    if case.needs.contains(&crate::case::Need::Deflate)
        && obs.status == Some(101)
        && !agreed
        && !compressed_anyway
    {
        let reason = if obs.peer_is_client {
            "the client did not offer permessage-deflate (RFC 7692) in a form this case can accept"
        } else {
            "the server did not negotiate permessage-deflate (RFC 7692), which this case tests"
        };
        return Judgement {
            verdict: Verdict::Unimplemented,
            behavior: Verdict::Unimplemented,
            behavior_reason: reason.into(),
            close: None,
            close_reason: String::new(),
            observed: obs.describe(),
            matched: None,
            metrics: None,
            cause: Some(Cause::fixed("unimplemented/permessage-deflate", reason)),
        };
    }
    let Behavior {
        verdict: behavior,
        reason: behavior_reason,
        matched,
        cause: behavior_cause,
    } = judge_behavior(case, obs);
    // An accepted answer wsprobe stopped reading: there was no close to judge.
    let read_cut = obs.limit.is_some() && case.class == Class::ImplementationDefined;
    let (close, close_reason) = match (&case.close, obs.status) {
        (Some(expect), Some(101))
            if obs.violations.iter().all(|v| !v.is_handshake()) && !read_cut =>
        {
            // An accepted outcome in which the server ends the connection (a
            // server refusing a message over its own size limit, say) makes
            // the server the expected closer for this run.
            let mut expect = expect.clone();
            // An outcome that names the codes it ends with (a refusal with
            // 1009, say) is the close expected for this run.
            if let Some(o) = matched.map(|i| &case.expect[i]) {
                if !o.close_codes.is_empty() {
                    expect.codes = o.close_codes.clone();
                }
            }
            match matched.map(|i| case.expect[i].end) {
                Some(End::Fail) => expect.by = Closer::Server,
                Some(End::Open) => expect.by = Closer::Client,
                Some(End::Any) => {
                    expect.by = if obs.server_initiated {
                        Closer::Server
                    } else {
                        Closer::Client
                    }
                }
                _ => {}
            }
            let (v, r) = judge_close(&expect, obs, case.level);
            (Some(v), r)
        }
        _ => (None, String::new()),
    };
    // The part that decided the verdict: the behaviour unless the close is worse.
    let cause = match close {
        Some(c) if c.severity() > behavior.severity() => Some(Cause::close(&close_reason)),
        _ => behavior_cause,
    };
    let mut j = Judgement {
        verdict: close.map_or(behavior, |c| behavior.worst(c)),
        behavior,
        behavior_reason,
        close,
        close_reason,
        observed: obs.describe(),
        matched,
        metrics: case
            .records_metrics()
            .then(|| metrics(&obs.transfer))
            .flatten(),
        cause,
    };
    if obs.peer_is_client {
        // The facts are worded for the endpoint under test as "the server";
        // here that endpoint is a client (and wsprobe the server).
        // The quoted requirement stays as the RFC words it.
        let quote = format!("{}: \"", case.citation());
        let cause_title = j.cause.as_mut().map(|c| &mut c.title);
        let texts = [&mut j.behavior_reason, &mut j.close_reason, &mut j.observed];
        for text in texts.into_iter().chain(cause_title) {
            let cut = text.find(&quote).unwrap_or(text.len());
            let (ours, rfc) = text.split_at(cut);
            *text = ours
                .replace("the server", "the client")
                .replace("The server", "The client")
                .replace("server close", "client close")
                + rfc;
        }
    }
    j
}

/// The best verdict any server could get on `case`: its best outcome's
/// grade, and informational at best where the close is recorded only. A
/// run that got it has nothing to gain from running again.
pub fn best_possible(case: &Case) -> Verdict {
    let behavior = case
        .expect
        .iter()
        .map(|o| Verdict::from(o.grade))
        .min_by_key(|v| v.severity())
        .unwrap_or(Verdict::Pass);
    match &case.close {
        Some(c) if c.informational => behavior.worst(Verdict::Informational),
        _ => behavior,
    }
}

/// Whether these response headers accept permessage-deflate.
pub fn negotiated_deflate(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("Sec-WebSocket-Extensions")
            && crate::wire::deflate::parse_header(v)
                .iter()
                .any(|(name, _)| name == crate::wire::deflate::TOKEN)
    })
}

fn judge_behavior(case: &Case, obs: &Observed) -> Behavior {
    if obs.case_timeout {
        return Behavior::new(
            Verdict::Error,
            format!(
                "the case did not finish within its time budget; seen so far: {}",
                obs.describe()
            ),
            Cause::fixed(
                "error/budget",
                "the case did not finish within its time budget",
            ),
        );
    }
    let wants_handshake_answer = case.expect.iter().any(|o| o.handshake.is_some());
    if let Some(msg) = &obs.handshake_failed {
        // Closing without a response is matched against the outcomes of a
        // handshake case (status 0); anything else is a failed handshake.
        let silence_expected = obs.handshake_silent
            && case
                .expect
                .iter()
                .any(|o| o.handshake.as_ref().is_some_and(|h| h.silent));
        let answered = wants_handshake_answer && obs.closed_before_response;
        let unreachable_expected = case
            .expect
            .iter()
            .any(|o| o.handshake.as_ref().is_some_and(|h| h.unreachable));
        if !(answered || silence_expected || unreachable_expected) {
            return Behavior::new(
                Verdict::Fail,
                format!("the opening handshake failed: {msg}"),
                Cause::handshake(msg),
            );
        }
    }
    if !obs.violations.is_empty() {
        let list: Vec<String> = obs
            .violations
            .iter()
            .map(|v| format!("{v} (RFC {} {})", v.rfc(), v.rfc_section()))
            .chain(
                (obs.violations_dropped > 0)
                    .then(|| format!("and {} other violations", obs.violations_dropped)),
            )
            .collect();
        return Behavior::new(
            Verdict::Fail,
            format!("the server broke the protocol: {}", list.join("; ")),
            Cause::violation(&obs.violations[0]),
        );
    }
    if let Some(why) = scaling::superlinear(&obs.scaling) {
        return Behavior::new(
            Verdict::Fail,
            why,
            Cause::fixed(
                "scaling/superlinear",
                "the answer time grows faster than the header value (a ReDoS or a quadratic parser)",
            ),
        );
    }
    if let Some(why) = memory_over(case, obs) {
        return Behavior::new(
            Verdict::Fail,
            why,
            Cause::fixed(
                "server/memory-grew",
                "the server's memory grew past the case's bound (it keeps what a client sends without a limit)",
            ),
        );
    }
    if obs.fresh_refused {
        let why = "with the idle connections open, a new connection was not served (handshake and echo) and not refused either: it hung";
        return Behavior::new(Verdict::Fail, why.into(), Cause::fixed("fresh/hung", why));
    }
    if obs.fresh_declined {
        // A connection limit is the server protecting itself (10.4); saying
        // so at once, rather than hanging, is all that can be asked.
        return Behavior::new(
            Verdict::Informational,
            format!(
                "with the idle connections open, a new connection was refused at once (a connection limit): {}",
                obs.describe()
            ),
            Cause::fixed(
                "fresh/refused",
                "with the idle connections open, a new connection was refused at once (a connection limit)",
            ),
        );
    }
    if let Some(limit) = &obs.limit {
        // wsprobe's own limit (--max-message, --max-frame), not one the RFC
        // sets. Where the case leaves the answer to the server (an
        // inflated bomb echoed whole), going past it is the server's choice.
        if case.class == Class::ImplementationDefined {
            return Behavior::new(
                Verdict::Informational,
                format!("the server accepted it and sent back more than wsprobe reads ({limit}; wsprobe's own limit, --max-message and --max-frame)"),
                Cause::fixed("limit/accepted", "the server accepted it and sent back more than wsprobe reads (--max-message, --max-frame)"),
            );
        }
        return Behavior::new(
            Verdict::Fail,
            format!("the server sent more than wsprobe reads, which no answer to this case needs ({limit}; wsprobe's own limit, --max-message and --max-frame)"),
            Cause::fixed("limit/unasked", "the server sent more than wsprobe reads, which no answer to the case needs (--max-message, --max-frame)"),
        );
    }
    let mut order: Vec<usize> = (0..case.expect.len()).collect();
    order.sort_by_key(|&i| verdict::Verdict::from(case.expect[i].grade).severity());
    for i in order {
        if outcome_matches(&case.expect[i], obs) {
            let o = &case.expect[i];
            let described = describe_outcome(o);
            let mut reason = format!("{described}: {}", obs.describe());
            if let Some(note) = &o.note {
                reason = format!("{reason} ({note})");
            }
            let verdict: Verdict = o.grade.into();
            return Behavior {
                verdict,
                reason,
                matched: Some(i),
                cause: (verdict != Verdict::Pass).then(|| Cause::outcome(case, o, &described)),
            };
        }
    }
    let expected: Vec<String> = case
        .expect
        .iter()
        .map(|o| {
            format!(
                "{}: {}",
                Verdict::from(o.grade).label().to_lowercase(),
                describe_outcome(o)
            )
        })
        .collect();
    let must_refuse = case.expect.iter().all(|o| {
        o.handshake
            .as_ref()
            .is_some_and(|h| !h.status.contains(&101))
    });
    let got = if must_refuse && obs.status == Some(101) {
        format!(
            "the server accepted the handshake (HTTP 101): {}",
            obs.describe()
        )
    } else {
        obs.describe()
    };
    let mut reason = format!(
        "expected {}; got {}. {}: \"{}\"",
        expected.join(" | "),
        got,
        case.citation(),
        case.requirement.trim()
    );
    if !obs.timeouts.is_empty() {
        reason.push_str(&format!(
            " (timed out waiting for {})",
            obs.timeouts.join("; ")
        ));
    }
    // Missing a SHOULD is a non-strict finding, never a failure (h2spec's "strict" cases).
    let verdict = if case.level == Level::Must {
        Verdict::Fail
    } else {
        Verdict::NonStrict
    };
    // Every outcome accepts (an outcome without a handshake part is an
    // accepted connection).
    let must_accept = case
        .expect
        .iter()
        .all(|o| o.handshake.as_ref().is_none_or(|h| h.status.contains(&101)));
    // Every outcome keeps the connection open (the server echoes and waits).
    let must_stay_open = !case.expect.is_empty() && case.expect.iter().all(|o| o.end == End::Open);
    let cause = if wants_handshake_answer && must_refuse && obs.status == Some(101) {
        Cause::handshake_answer(case, None)
    } else if must_accept && obs.status != Some(101) {
        Cause::handshake_answer(case, Some(obs.status))
    } else if must_accept && must_stay_open && obs.server_initiated {
        Cause::ended(case, obs.server_close)
    } else {
        Cause::rule(case)
    };
    Behavior::new(verdict, reason, cause)
}

#[cfg(test)]
mod tests;

/// Where wsprobe started the server and the case bounds its memory: why
/// the growth it measured is too much. A figure from a case that ran with
/// others in flight is theirs together, and never fails a case alone.
fn memory_over(case: &Case, obs: &Observed) -> Option<String> {
    let (bound, used) = (case.server_memory?, obs.server?);
    let mib = |kib: u64| kib as f64 / 1024.0;
    (used.growth_kib() > bound.max_growth_mib << 10 && used.in_flight == 1).then(|| {
        format!(
            "the server's resident memory grew by {:.0} MiB during the case ({:.0} to {:.0} MiB), over the case's bound of {} MiB",
            mib(used.growth_kib()),
            mib(used.rss_before_kib),
            mib(used.rss_peak_kib),
            bound.max_growth_mib
        )
    })
}
