//! Running one case on its own connection and recording what happens.
//!
//! ```text
//! connect ─► handshake ─► steps ─► closing phase ─► Vec<Stamped>
//!                 ▲          │
//!                 └ reader task records server frames concurrently
//! ```
//! The runner never judges; it only records typed events (including
//! timeouts), so the judge is a pure function over them.

pub mod build;
mod close;
pub mod conn;
mod options;
mod request;
mod response;
mod scaling;
pub mod serve;
mod steps;

use close::closing_phase;
pub(crate) use close::{barrier_wait, next_wait, send_barrier, send_own_close};
pub use options::RunOptions;
pub use request::build_request;
use response::read_response;
pub(crate) use steps::{flatten, run_steps};

use std::sync::Arc;

use tokio::time::Instant;

use crate::case::{Case, HandshakeStep, Step};
use crate::event::{Event, Recorded};
use crate::handshake::Offer;
use conn::{deliver, Conn, Delivered, Shared};

/// Run `case` against the target and return what happened.
pub async fn run_case(case: &Case, opts: &RunOptions) -> Recorded {
    recorded(case, opts, |shared, deadline| async move {
        run_inner(case, opts, &shared, deadline).await
    })
    .await
}

/// Play a case under its time budget and return its events; the reader
/// task `play` hands back is stopped once it is done.
pub(crate) async fn recorded<F, Fut>(case: &Case, opts: &RunOptions, play: F) -> Recorded
where
    F: FnOnce(Arc<Shared>, Instant) -> Fut,
    Fut: std::future::Future<Output = Option<tokio::task::JoinHandle<()>>>,
{
    let shared = Shared::new();
    let budget = opts.budget(case);
    let deadline = Instant::now() + budget;
    let reader = play(shared.clone(), deadline).await;
    if Instant::now() >= deadline {
        shared.push(Event::CaseTimeout);
    }
    if let Some(task) = reader {
        task.abort();
        let _ = task.await;
    }
    shared.take()
}

async fn run_inner(
    case: &Case,
    opts: &RunOptions,
    shared: &Arc<Shared>,
    deadline: Instant,
) -> Option<tokio::task::JoinHandle<()>> {
    let default_hs = HandshakeStep::default();
    let (hs, steps) = match case.steps.first() {
        Some(Step::Handshake(h)) => (h, &case.steps[1..]),
        _ => (&default_hs, &case.steps[..]),
    };
    // A case about the endpoint without TLS runs whole over plain TCP.
    let plain;
    let opts = match hs.transport {
        crate::case::Transport::Url => opts,
        crate::case::Transport::Plain => {
            plain = opts.plain();
            &plain
        }
    };
    let connect_by = deadline.min(Instant::now() + opts.handshake_timeout);
    let stream = match Conn::connect(opts, connect_by).await {
        Ok(s) => s,
        Err(message) => {
            shared.push(Event::HandshakeFailed {
                peer_closed: false,
                timed_out: false,
                message,
            });
            return None;
        }
    };
    shared.push(Event::Connected);
    let stream = Arc::new(stream);

    // The opening handshake.
    let mut flat = Vec::new();
    flatten(steps, &mut flat);
    let steps = flat;
    let (req, key) = build_request(hs, opts);
    let offer = Offer {
        key: req.get("Sec-WebSocket-Key").or(Some(key)),
        extensions: req
            .tokens("Sec-WebSocket-Extensions")
            .iter()
            .map(|e| e.split(';').next().unwrap_or("").trim().to_string())
            .collect(),
        protocols: req.tokens("Sec-WebSocket-Protocol"),
        deflate: Offer::deflate_offers(
            req.tokens("Sec-WebSocket-Extensions")
                .iter()
                .map(String::as_str),
        ),
    };
    let mut bytes = req.encode();
    // Reports are shared; the run's secrets are not.
    shared.push(Event::RequestSent {
        bytes: crate::handshake::credentials::redact(&bytes),
    });
    if !hs.append_hex.is_empty() {
        shared.push(Event::RawSent {
            bytes: hs.append_hex[..hs.append_hex.len().min(256)].to_vec(),
            len: hs.append_hex.len(),
        });
        bytes.extend_from_slice(&hs.append_hex);
    }
    // A request written slowly on purpose is bounded by the case budget; the
    // handshake timeout is for the server's answer, once the request is out
    // (under load, 150 one-byte writes can take longer than it).
    match deliver(&stream, &bytes, &hs.delivery, deadline, None).await {
        Ok(Delivered::Rst) => {
            // The case reset the connection in the middle of its own request.
            shared.push(Event::Abort);
            return None;
        }
        Ok(Delivered::Fin) => shared.push(Event::Shutdown),
        Ok(_) => {}
        Err(e) => shared.push(Event::WriteError {
            message: e.to_string(),
        }),
    }
    let hs_by = deadline.min(Instant::now() + opts.handshake_timeout);
    let (leftover, upgraded, deflate) =
        match read_response(&stream, opts, &offer, shared, hs_by).await {
            Some(x) => x,
            None => return None,
        };
    if !upgraded {
        // What follows a refusal is an HTTP body, not frames: only watch for
        // the close, so it is on record.
        let drain = tokio::spawn(conn::drain_loop(stream.clone(), shared.clone()));
        shared
            .wait(deadline.min(Instant::now() + opts.close_timeout), |s| {
                s.ended
            })
            .await;
        return Some(drain);
    }
    // wsprobe compresses as the client agreed to, and inflates the server's
    // messages with the window and context the server agreed to.
    let inflater = deflate.map(|d| {
        stream.set_deflater(crate::wire::deflate::Deflater::new(
            d.client_window,
            d.client_no_context,
        ));
        crate::wire::deflate::Inflater::new(
            d.server_window,
            d.server_no_context,
            opts.limits.max_message,
        )
    });
    // A flood is cut off at what the case could explain, so it costs a
    // moment instead of the case's whole budget.
    let mut limits = opts.limits;
    limits.max_frames = limits.max_frames.min(build::frames_allowed(&steps));
    let reader = tokio::spawn(conn::read_loop(
        stream.clone(),
        leftover,
        limits,
        inflater,
        shared.clone(),
    ));

    if run_steps(&steps, &stream, opts, shared, deadline).await {
        closing_phase(&stream, opts, shared, deadline).await;
    }
    Some(reader)
}

enum StepEnd {
    Continue,
    Stop,
    Aborted,
}
