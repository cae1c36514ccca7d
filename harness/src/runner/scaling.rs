//! The `scaling` step: how the server's answer time grows with one header
//! value's length. Each size is timed with the slow input and with a control
//! of the same length, on fresh connections, alternating which goes first,
//! the fastest of several runs kept: a busy machine slows some runs, never
//! speeds one up, and it slows the control as much as the slow input. The
//! judge compares the figures as ratios (judge/scaling.rs); no absolute time
//! decides.

use std::time::Duration;

use tokio::time::Instant;

use super::conn::Conn;
use super::request::build_request;
use super::RunOptions;
use crate::case::{HandshakeStep, ScalingStep};
use crate::event::ScalingPoint;

/// How one timed handshake went.
enum Answer {
    /// The first byte (or the close) came after this long.
    In(u64),
    /// Nothing by the deadline, after this long.
    TimedOut(u64),
    /// No connection or no request written: no figure (a connection limit
    /// or a reset says nothing about parsing time).
    Failed,
}

/// The figures for each size, in order. A value that ran out of time stops
/// the step (a server that slow has shown what it does); a control that ran
/// out of time stops it before the slow input is tried again.
pub async fn measure(
    step: &ScalingStep,
    opts: &RunOptions,
    deadline: Instant,
) -> Vec<ScalingPoint> {
    let mut points = Vec::new();
    for &n in &step.sizes {
        let slow_value = format!("{}{}{}", step.prefix, step.unit.repeat(n), step.suffix);
        let control_value = format!("{}{}{}", step.prefix, step.control.repeat(n), step.suffix);
        let mut p = ScalingPoint {
            size: n,
            value_bytes: slow_value.len(),
            slow_us: u64::MAX,
            control_us: u64::MAX,
            control_max_us: 0,
            slow_timed_out: false,
            control_timed_out: false,
        };
        for run in 0..step.runs {
            let order = if run % 2 == 0 {
                [false, true]
            } else {
                [true, false]
            };
            for slow in order {
                let value = if slow { &slow_value } else { &control_value };
                let (best, timed_out) = match slow {
                    true => (&mut p.slow_us, &mut p.slow_timed_out),
                    false => (&mut p.control_us, &mut p.control_timed_out),
                };
                match answer(&step.header, value, opts, deadline).await {
                    Answer::In(us) => {
                        *best = (*best).min(us);
                        if !slow {
                            p.control_max_us = p.control_max_us.max(us);
                        }
                    }
                    Answer::TimedOut(us) => {
                        *best = (*best).min(us);
                        *timed_out = true;
                    }
                    Answer::Failed => {}
                }
                if p.slow_timed_out || p.control_timed_out {
                    break;
                }
            }
            if p.slow_timed_out || p.control_timed_out {
                break;
            }
        }
        let stop = p.slow_timed_out || p.control_timed_out;
        points.push(p);
        if stop {
            break;
        }
    }
    points
}

/// The time from the request's last byte to the server's first (or to its
/// closing the connection).
async fn answer(header: &str, value: &str, opts: &RunOptions, deadline: Instant) -> Answer {
    let hs = HandshakeStep {
        set: vec![(header.to_string(), value.to_string())],
        ..HandshakeStep::default()
    };
    let (req, _) = build_request(&hs, opts);
    let Ok(conn) = Conn::connect(opts, deadline).await else {
        return Answer::Failed;
    };
    if conn.write_all(&req.encode()).await.is_err() {
        return Answer::Failed;
    }
    let start = Instant::now();
    let mut buf = [0u8; 512];
    match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
        Ok(_) => Answer::In(micros(start.elapsed())),
        Err(_) => Answer::TimedOut(micros(start.elapsed())),
    }
}

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
}
