//! Playing a case's steps on the connection: frames, messages, raw bytes,
//! pauses, expectations, idle connections.

use tokio::time::Instant;

use super::conn::{self, deliver, Conn, Delivered, Shared};
use super::{barrier_wait, build, build_request, run_case, send_barrier, RunOptions, StepEnd};
use crate::case::{HandshakeStep, Step};
use crate::event::Event;
use crate::wire::codes::op;
use crate::wire::reader::Side;
use crate::wire::RawFrame;

/// Run the steps in order until they end, the peer ends the connection or
/// time runs out; false when a step aborted the connection (RST).
pub(crate) async fn run_steps(
    steps: &[Step],
    stream: &Conn,
    opts: &RunOptions,
    shared: &Shared,
    deadline: Instant,
) -> bool {
    for (i, step) in steps.iter().enumerate() {
        if Instant::now() >= deadline {
            return false;
        }
        if shared.with(|s| s.ended) {
            shared.push(Event::StepsSkipped {
                count: steps.len() - i,
            });
            break;
        }
        match run_step(step, stream, opts, shared, deadline).await {
            StepEnd::Continue => {}
            StepEnd::Stop => {
                shared.push(Event::StepsSkipped {
                    count: steps.len() - i - 1,
                });
                break;
            }
            StepEnd::Aborted => return false,
        }
    }
    true
}

/// The steps in the order they run, repeats unrolled.
/// Repeats unrolled; round `i` of a repeat takes payload slice `i` of a corpus.
pub(crate) fn flatten(steps: &[Step], out: &mut Vec<Step>) {
    for step in steps {
        match step {
            Step::Repeat(r) => {
                for i in 0..r.count {
                    out.extend(r.steps.iter().map(|s| s.at(i)));
                }
            }
            other => out.push(other.clone()),
        }
    }
}

async fn send_frames(
    frames: &[RawFrame],
    delivery: &crate::case::Delivery,
    stream: &Conn,
    opts: &RunOptions,
    shared: &Shared,
    deadline: Instant,
) -> StepEnd {
    let bytes = match build::encode_all(frames) {
        Ok(b) => b,
        Err(message) => {
            shared.push(Event::WriteError { message });
            return StepEnd::Stop;
        }
    };
    // A flood of tiny frames is logged by its first frames and a summary, so
    // the wire log (and memory) stays bounded.
    const LOGGED: usize = 64;
    for (i, f) in frames.iter().enumerate() {
        if i < LOGGED {
            shared.push(Event::FrameSent(build::log(f, opts.limits.preview)));
        }
        // Only a well-formed close starts the closing handshake; a malformed
        // one (RSV set, fragmented, over 125 bytes) is just a bad frame.
        let well_formed = f.rsv == 0 && f.fin && f.declared_len.is_none() && f.payload.len() <= 125;
        if f.opcode == op::CLOSE && well_formed && !shared.with(|s| s.client_closed) {
            let code =
                (f.payload.len() >= 2).then(|| u16::from_be_bytes([f.payload[0], f.payload[1]]));
            shared.push(Event::ClientClose { code, reply: false });
        }
    }
    if frames.len() > LOGGED {
        let rest = &frames[LOGGED..];
        shared.push(Event::FramesSent {
            count: rest.len(),
            bytes: rest.iter().map(|f| f.payload.len() as u64).sum(),
        });
    }
    let frame_ends: Vec<usize> = frames
        .iter()
        .scan(0, |end, f| {
            *end += f.header_len() + f.payload.len();
            Some(*end)
        })
        .collect();
    // A close frame is sent whatever the server did (it is the reply to the
    // server's close, or the end of wsprobe's side): no stopping before it.
    let watch = !frames.iter().any(|f| f.opcode == op::CLOSE);
    let end = send_bytes(
        &bytes,
        &frame_ends,
        delivery,
        stream,
        shared,
        deadline,
        watch,
    )
    .await;
    // A frame that announced more than it carried, or a cut delivery, leaves
    // the stream inside a frame: nothing well formed can follow it.
    let open = delivery.cut_after.is_some()
        || frames
            .last()
            .is_some_and(|f| f.declared_len.is_some_and(|d| d > f.payload.len() as u64));
    shared.set_frame_open(open);
    end
}

async fn send_bytes(
    bytes: &[u8],
    frame_ends: &[usize],
    delivery: &crate::case::Delivery,
    stream: &Conn,
    shared: &Shared,
    deadline: Instant,
    watch: bool,
) -> StepEnd {
    let watch = watch.then_some(conn::Watch { shared, frame_ends });
    match deliver(stream, bytes, delivery, deadline, watch).await {
        Ok(Delivered::All) | Ok(Delivered::Stopped) => StepEnd::Continue,
        Ok(Delivered::Interrupted { mid_frame }) => {
            shared.push(Event::SendingStopped { mid_frame });
            StepEnd::Stop
        }
        Ok(Delivered::Fin) => {
            push_shutdown(stream, shared);
            StepEnd::Continue
        }
        Ok(Delivered::Rst) => {
            shared.push(Event::Abort);
            StepEnd::Aborted
        }
        Err(e) => {
            shared.push(Event::WriteError {
                message: e.to_string(),
            });
            StepEnd::Stop
        }
    }
}

async fn run_step(
    step: &Step,
    stream: &Conn,
    opts: &RunOptions,
    shared: &Shared,
    deadline: Instant,
) -> StepEnd {
    // Testing a client, wsprobe is the server: its frames go unmasked
    // (section 5.1) unless a step gives a key.
    let as_server = stream.role() == Side::Server;
    match step {
        // Gone by now: the handshake (or response) ran first, repeats were flattened.
        Step::Handshake(_) | Step::Respond(_) | Step::Repeat(_) => StepEnd::Continue,
        Step::Send(f) => {
            let mut frame = build::frame(f);
            if as_server && f.mask == crate::case::MaskSpec::Auto {
                frame.mask = None;
            }
            send_frames(&[frame], &f.delivery, stream, opts, shared, deadline).await
        }
        Step::SendMessage(m) => {
            let frames = match m.compress.then(|| stream.deflate(&m.payload.bytes())) {
                // RSV1 on the first frame marks the message compressed (RFC 7692 6).
                Some(Some(wire)) => {
                    let mut frames = build::fragment(m, wire);
                    frames[0].rsv |= 4;
                    frames
                }
                _ => build::message_frames(m),
            };
            let frames = unmasked_if(as_server, frames);
            send_frames(&frames, &m.delivery, stream, opts, shared, deadline).await
        }
        Step::Close(c) => {
            send_frames(
                &unmasked_if(as_server, vec![build::close_frame(c)]),
                &c.delivery,
                stream,
                opts,
                shared,
                deadline,
            )
            .await
        }
        Step::SendRaw(r) => {
            shared.push(Event::RawSent {
                bytes: r.hex[..r.hex.len().min(256)].to_vec(),
                len: r.len(),
            });
            let bytes = r.bytes();
            let end = send_bytes(&bytes, &[], &r.delivery, stream, shared, deadline, true).await;
            // Raw bytes may end anywhere: assume inside a frame.
            shared.set_frame_open(true);
            end
        }
        Step::Pause(d) => {
            tokio::time::sleep_until((Instant::now() + d.0).min(deadline)).await;
            StepEnd::Continue
        }
        Step::Mark(name) => {
            if !shared.with(|s| s.ended || s.server_close.is_some()) {
                shared.push(Event::Mark { name: name.clone() });
            }
            StepEnd::Continue
        }
        Step::Expect(e) => {
            let wait = e.timeout.map_or(opts.expect_timeout, |d| d.0);
            let until = deadline.min(Instant::now() + wait);
            // Relative counts start where the previous expect's target ended,
            // not at what has arrived by now: an echo that overtakes this
            // step (it often does) must count for it.
            let (m0, p0) = if e.relative { shared.claimed() } else { (0, 0) };
            let (want_m, want_p) = (m0 + e.messages, p0 + e.pongs);
            shared.claim(want_m, want_p);
            let met = |s: &conn::State| {
                s.messages >= want_m && s.pongs >= want_p && (!e.close || s.server_close.is_some())
            };
            // Nothing more can come once the server has closed (or sent its close).
            let over = |s: &conn::State| met(s) || s.ended || s.server_close.is_some();
            let unaskable =
                |s: &conn::State| s.frame_open || s.client_closed || s.barrier_unanswered();
            if !shared.wait(until, over).await && e.pongs == 0 && !shared.with(unaskable) {
                // The wait is the case's estimate. Before taking silence
                // for the server's answer, ask whether it has read what was
                // sent: one about to fail the connection, only slowly, is
                // then waited for (see `close::send_barrier`). Not where
                // pongs are awaited: a server that ignores pings is what
                // such a step finds, and would be asked in vain.
                send_barrier(stream, opts, shared).await;
                let ask = barrier_wait(deadline, opts.close_timeout);
                shared.wait(ask, |s| over(s) || s.barrier_answered()).await;
            }
            if !shared.with(over) {
                shared.push(Event::Timeout {
                    waiting_for: describe_expect(e),
                });
            }
            StepEnd::Continue
        }
        Step::Idle(idle) => {
            let opened = open_idle(idle, opts, shared, deadline).await;
            shared.push(Event::IdleOpened {
                requested: idle.count,
                opened,
            });
            // With the idle connections parked, a new client must still be
            // served. How fast is not the question (10.4 asks only that the
            // server protect itself), so the probe may take all the time the
            // case has left but what its own echo and close need: a server
            // slowed by the idle load, or by a busy machine, is not a hang.
            let probe = crate::case::liveness(true);
            let reserve = opts.expect_timeout + opts.close_timeout;
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = left.saturating_sub(reserve).max(opts.handshake_timeout);
            let probe_opts = RunOptions {
                case_timeout: wait,
                timeout_cap: None,
                handshake_timeout: wait,
                expect_timeout: wait,
                ..opts.clone()
            };
            let rec = Box::pin(run_case(&probe, &probe_opts)).await;
            let o = &rec.observed;
            let served = o
                .items()
                .any(|i| matches!(i, crate::event::observed::Obs::Message { .. }));
            // An HTTP error or a closed connection is a server at its
            // connection limit saying so; silence until the timeout is a hang.
            let refused =
                !served && (o.status.is_some_and(|s| s != 101) || o.closed_before_response);
            shared.push(Event::FreshConnection { served, refused });
            StepEnd::Continue
        }
        Step::Scaling(sc) => {
            // What the case has left but its own close.
            let until = deadline
                .checked_sub(opts.close_timeout)
                .unwrap_or(deadline)
                .max(Instant::now());
            let points = super::scaling::measure(sc, opts, until).await;
            shared.push(Event::Scaling { points });
            StepEnd::Continue
        }
        Step::Shutdown => {
            match stream.shutdown_write().await {
                Ok(()) => push_shutdown(stream, shared),
                Err(e) => shared.push(Event::WriteError {
                    message: e.to_string(),
                }),
            }
            StepEnd::Continue
        }
        Step::Abort => {
            if let Err(e) = conn::reset(stream.tcp()) {
                shared.push(Event::WriteError {
                    message: e.to_string(),
                });
            }
            shared.push(Event::Abort);
            StepEnd::Aborted
        }
    }
}

fn describe_expect(e: &crate::case::ExpectStep) -> String {
    let mut parts = Vec::new();
    if e.messages > 0 {
        parts.push(format!("{} message(s)", e.messages));
    }
    if e.pongs > 0 {
        parts.push(format!("{} pong(s)", e.pongs));
    }
    if e.close {
        parts.push("a close frame".to_string());
    }
    parts.join(" and ")
}

/// wsprobe's frames as a server carry no mask.
fn unmasked_if(server: bool, mut frames: Vec<RawFrame>) -> Vec<RawFrame> {
    if server {
        frames.iter_mut().for_each(|f| f.mask = None);
    }
    frames
}

/// Open `idle.count` extra connections and park them in `shared` until the
/// case ends; returns how many opened.
async fn open_idle(
    idle: &crate::case::IdleStep,
    opts: &RunOptions,
    shared: &Shared,
    deadline: Instant,
) -> usize {
    use crate::case::IdleSend;
    let until = deadline.min(Instant::now() + opts.handshake_timeout);
    let one = || async {
        let s = Conn::connect(opts, until).await.ok()?;
        let (req, _) = build_request(&HandshakeStep::default(), opts);
        let bytes = req.encode();
        let send = match idle.send {
            IdleSend::Nothing => &bytes[..0],
            IdleSend::Handshake => &bytes[..],
            // Everything but the final blank line: the server waits for more.
            IdleSend::PartialRequest => &bytes[..bytes.len() - 2],
        };
        s.write_all(send).await.ok()?;
        for raw in &idle.then {
            // A server that refuses part way (a close, a reset) still
            // had the connection: it counts as opened.
            if s.write_all(&raw.bytes()).await.is_err() {
                break;
            }
        }
        Some(s)
    };
    // In batches: hundreds of simultaneous SYNs overflow a small accept
    // backlog, and the dropped ones are retried only after a second.
    let mut streams: Vec<Conn> = Vec::new();
    let mut left = idle.count;
    while left > 0 {
        let n = left.min(32);
        left -= n;
        let batch = futures_util::future::join_all((0..n).map(|_| one()));
        match tokio::time::timeout_at(until, batch).await {
            Ok(v) => streams.extend(v.into_iter().flatten()),
            Err(_) => break,
        }
    }
    let n = streams.len();
    shared.hold(streams);
    n
}

/// wsprobe's write half is closed: over TLS, after a close_notify record.
fn push_shutdown(stream: &Conn, shared: &Shared) {
    if stream.is_tls() {
        shared.push(Event::TlsCloseNotify);
    }
    shared.push(Event::Shutdown);
}
