//! The `scaling` step: how the server's answer time grows with one header
//! value's length. Each size is timed with the slow input and with a control
//! of the same length, interleaved on fresh connections, the fastest of
//! several runs kept: a busy machine slows some runs, never speeds one up,
//! and it slows the control as much as the slow input. The judge compares
//! the figures as ratios (judge/scaling.rs); no absolute time decides.

use std::time::Duration;

use tokio::time::Instant;

use super::conn::Conn;
use super::request::build_request;
use super::RunOptions;
use crate::case::{HandshakeStep, ScalingStep};
use crate::event::ScalingPoint;

/// The figures for each size, in order; a run the step's time ran out on
/// counts as the time it had, and stops the step (a server that slow has
/// shown what it does).
pub async fn measure(
    step: &ScalingStep,
    opts: &RunOptions,
    deadline: Instant,
) -> Vec<ScalingPoint> {
    let mut points = Vec::new();
    for &n in &step.sizes {
        let slow_value = format!("{}{}{}", step.prefix, step.unit.repeat(n), step.suffix);
        let control_value = format!("{}{}{}", step.prefix, step.control.repeat(n), step.suffix);
        let (mut slow, mut control) = (u64::MAX, u64::MAX);
        let mut timed_out = false;
        for _ in 0..step.runs {
            for (value, best) in [(&control_value, &mut control), (&slow_value, &mut slow)] {
                let (us, done) = answer_us(&step.header, value, opts, deadline).await;
                *best = (*best).min(us);
                timed_out |= !done;
            }
            if timed_out {
                break;
            }
        }
        points.push(ScalingPoint {
            size: n,
            value_bytes: slow_value.len(),
            slow_us: slow,
            control_us: control,
            timed_out,
        });
        if timed_out {
            break;
        }
    }
    points
}

/// Microseconds from the request's last byte to the server's first (or to
/// its closing the connection), and whether it came before `deadline`.
async fn answer_us(header: &str, value: &str, opts: &RunOptions, deadline: Instant) -> (u64, bool) {
    let hs = HandshakeStep {
        set: vec![(header.to_string(), value.to_string())],
        ..HandshakeStep::default()
    };
    let (req, _) = build_request(&hs, opts);
    let start = Instant::now();
    let Ok(conn) = Conn::connect(opts, deadline).await else {
        return (micros(start.elapsed()), false);
    };
    if conn.write_all(&req.encode()).await.is_err() {
        // Closed on us mid-request: an answer of a kind, at once.
        return (0, true);
    }
    let start = Instant::now();
    let mut buf = [0u8; 512];
    let done = tokio::time::timeout_at(deadline, conn.read(&mut buf))
        .await
        .is_ok();
    (micros(start.elapsed()), done)
}

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
}
