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
use crate::case::{ControlIn, HandshakeStep, ScalingStep};
use crate::event::ScalingPoint;
use crate::wire::codes::op;
use crate::wire::writer::RawFrame;

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
            control_in_message: step.control_in == ControlIn::Message,
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
                let (best, timed_out) = match slow {
                    true => (&mut p.slow_us, &mut p.slow_timed_out),
                    false => (&mut p.control_us, &mut p.control_timed_out),
                };
                let answer = match (slow, step.control_in) {
                    (true, _) => answer(&step.header, &slow_value, opts, deadline).await,
                    (false, ControlIn::Header) => {
                        answer(&step.header, &control_value, opts, deadline).await
                    }
                    (false, ControlIn::Message) => {
                        echo(slow_value.as_bytes(), opts, deadline).await
                    }
                };
                match answer {
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

/// The time from the request's first byte to the server's first (or to its
/// closing the connection), reading while writing. From the first byte, not
/// the last: a server that reads a long head slowly keeps the write waiting,
/// and timing only what follows it would leave out all but the last socket
/// buffer's worth of its work (tungstenite 0.20.0 parsing a 2 MiB head grew
/// linearly that way, quadratically from the first byte). Reading while
/// writing: a server that answers 400 at its limit, early in a long
/// request, is timed when it answers, not when wsprobe's own write ends
/// (the write's cost is wsprobe's, and it does not grow linearly where the
/// request outgrows the socket buffers).
async fn answer(header: &str, value: &str, opts: &RunOptions, deadline: Instant) -> Answer {
    let hs = HandshakeStep {
        set: vec![(header.to_string(), value.to_string())],
        ..HandshakeStep::default()
    };
    let (req, _) = build_request(&hs, opts);
    let bytes = req.encode();
    let Ok(conn) = Conn::connect(opts, deadline).await else {
        return Answer::Failed;
    };
    let mut buf = [0u8; 512];
    let start = Instant::now();
    let first = first_read_while_writing(&conn, &bytes, &mut buf, deadline).await;
    let us = micros(start.elapsed());
    match first {
        // An answer (bytes, or the close), even one before the request was
        // all out: a refusal at the server's limit.
        Some((Ok(_), _)) => Answer::In(us),
        // An error once the request was out: the end of the connection.
        Some((Err(_), Some(true))) => Answer::In(us),
        // A reset while writing, with no answer.
        Some(_) => Answer::Failed,
        None => Answer::TimedOut(us),
    }
}

/// Write `bytes` while waiting for the first read, until `deadline`: the
/// read's result as soon as it comes, and how the write ended if it ended
/// first (`None`: still writing). `None` at the deadline.
async fn first_read_while_writing(
    conn: &Conn,
    bytes: &[u8],
    buf: &mut [u8],
    deadline: Instant,
) -> Option<(std::io::Result<usize>, Option<bool>)> {
    let read = conn.read(buf);
    let write = conn.write_all(bytes);
    tokio::pin!(read, write);
    let mut wrote = None;
    tokio::time::timeout_at(deadline, async {
        loop {
            tokio::select! {
                r = &mut read => return (r, wrote),
                w = &mut write, if wrote.is_none() => wrote = Some(w.is_ok()),
            }
        }
    })
    .await
    .ok()
}

/// After a plain handshake and its 101 (a client waits for the answer
/// before it sends frames, RFC 6455 4.1), the time from the first byte of
/// one binary message of `payload` to the first byte back (its echo),
/// reading while writing as `answer` does. A refusal, or a connection that
/// ends first, gives no figure.
async fn echo(payload: &[u8], opts: &RunOptions, deadline: Instant) -> Answer {
    let (req, _) = build_request(&HandshakeStep::default(), opts);
    let mut frame = Vec::new();
    RawFrame::new(op::BINARY, payload.to_vec())
        .encode_into(&mut frame)
        .expect("a minimal binary frame encodes");
    let Ok(conn) = Conn::connect(opts, deadline).await else {
        return Answer::Failed;
    };
    let mut buf = [0u8; 4096];
    let upgraded = tokio::time::timeout_at(deadline, async {
        conn.write_all(&req.encode()).await.ok()?;
        let mut head = Vec::new();
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            // A head past the run's limit is no answer to time against.
            if head.len() > opts.max_response {
                return None;
            }
            let n = conn.read(&mut buf).await.ok().filter(|&n| n > 0)?;
            head.extend_from_slice(&buf[..n]);
        }
        head.starts_with(b"HTTP/1.1 101").then_some(())
    })
    .await;
    if !matches!(upgraded, Ok(Some(()))) {
        return Answer::Failed;
    }
    let start = Instant::now();
    let first = first_read_while_writing(&conn, &frame, &mut buf, deadline).await;
    let us = micros(start.elapsed());
    match first {
        Some((Ok(n), wrote)) if n > 0 && wrote != Some(false) => Answer::In(us),
        Some(_) => Answer::Failed,
        None => Answer::TimedOut(us),
    }
}

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u64::MAX as u128) as u64
}
