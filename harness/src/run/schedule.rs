//! Which phase a case runs in, from its steps alone.

use crate::case::{Case, Step};

/// The KiB of payload a case sends, for the payload budget.
pub fn payload_kib(steps: &[Step]) -> u64 {
    steps
        .iter()
        .map(|s| match s {
            Step::Send(f) => f.payload.len() as u64,
            Step::SendMessage(m) => m.payload.len() as u64,
            Step::SendRaw(r) => r.len() as u64,
            Step::Repeat(r) => payload_kib(&r.steps) * 1024 * r.count as u64,
            _ => 0,
        })
        .sum::<u64>()
        / 1024
}

/// Timed cases place markers between pauses (fail-fast UTF-8): they run
/// first, while nothing heavy loads either side.
pub fn timed(c: &Case) -> bool {
    c.steps.iter().any(|s| matches!(s, Step::Mark(_)))
}

/// Cases that spend most of their time waiting (pauses, paced writes, idle
/// connections): started early in their phase, so the phase does not end
/// waiting for one that started last.
pub fn waits(c: &Case) -> bool {
    c.steps.iter().any(|s| match s {
        Step::Pause(_) => true,
        Step::Handshake(h) => h.delivery.delay.is_some(),
        Step::Send(f) => f.delivery.delay.is_some(),
        Step::SendMessage(m) => m.delivery.delay.is_some(),
        Step::SendRaw(r) => r.delivery.delay.is_some(),
        Step::Close(c) => c.delivery.delay.is_some(),
        _ => false,
    })
}

/// Heavy cases (1 MiB of payload or more, thousands of tiny frames, long
/// series) run after the light ones, so their CPU load cannot delay the
/// timed cases.
pub fn heavy(c: &Case) -> bool {
    payload_kib(&c.steps) >= 1024
        || c.steps.iter().any(|s| match s {
            Step::Repeat(r) => r.count >= 100,
            Step::SendMessage(m) => m
                .fragment_size
                .is_some_and(|n| n > 0 && m.payload.len() / n >= 1000),
            _ => false,
        })
}

/// Metric cases record the server's throughput or latency (the
/// `performance` tag: Autobahn's group 9 sizes, round-trip series), or
/// time its answers (a `scaling` step): they run one at a time with nothing
/// else in flight, so the figures describe the server and not wsprobe's
/// other cases. So do cases tagged `alone` (a CVE trigger that takes the
/// server down): with nothing else in flight the case that did it is the
/// one blamed. So do cases that bound the server's memory: the figure
/// must be the case's own.
pub fn metric(c: &Case) -> bool {
    c.records_metrics()
        || c.tags.iter().any(|t| t == "alone")
        || c.server_memory.is_some()
        || c.steps.iter().any(|s| matches!(s, Step::Scaling(_)))
}
