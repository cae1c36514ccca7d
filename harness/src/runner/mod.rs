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
pub mod conn;
pub mod serve;

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::case::{Case, HandshakeStep, Step};
use crate::event::{Event, Recorded};
use crate::handshake::{self, Offer, Request};
use crate::target::Target;
use crate::wire::codes::op;
use crate::wire::reader::{Limits, Role};
use crate::wire::RawFrame;
use conn::{deliver, Conn, Delivered, Shared};

/// Settings that apply to every case of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The server under test.
    pub target: Target,
    /// Budget for a whole case, unless the case sets its own.
    pub case_timeout: Duration,
    /// No case runs longer than this, whatever it sets (`--timeout` given).
    pub timeout_cap: Option<Duration>,
    /// How long an `expect` step waits unless it says otherwise.
    pub expect_timeout: Duration,
    /// How long to wait for the handshake response.
    pub handshake_timeout: Duration,
    /// How long to wait for each part of the closing (the server failing the
    /// connection, a close reply, the TCP close).
    pub close_timeout: Duration,
    /// Reader limits.
    pub limits: Limits,
    /// Largest handshake response header section accepted.
    pub max_response: usize,
    /// Extra request headers (authentication, cookies).
    pub headers: Vec<(String, String)>,
    /// Subprotocol to offer.
    pub protocol: Option<String>,
    /// Origin header to send.
    pub origin: Option<String>,
    /// The origins the server is meant to serve (RFC 6455 10.2), for the
    /// cases that check it refuses others.
    pub origin_allow: Vec<String>,
    /// TLS for `wss://` targets (system roots unless set otherwise).
    pub tls: Option<crate::tls::ClientTls>,
}

impl RunOptions {
    /// Defaults for `target`.
    pub fn new(target: Target) -> RunOptions {
        RunOptions {
            case_timeout: Duration::from_secs(10),
            timeout_cap: None,
            expect_timeout: Duration::from_secs(2),
            handshake_timeout: Duration::from_secs(3),
            close_timeout: Duration::from_secs(1),
            limits: Limits::default(),
            max_response: 16 * 1024,
            headers: Vec::new(),
            protocol: None,
            origin: None,
            origin_allow: Vec::new(),
            tls: (target.scheme == "wss")
                .then(|| crate::tls::client(&Default::default(), &target.host).ok())
                .flatten(),
            target,
        }
    }
}

impl RunOptions {
    /// The time budget of `case`: its own or the run's, never over the cap.
    pub fn budget(&self, case: &Case) -> Duration {
        let own = case.timeout.map_or(self.case_timeout, |d| d.0);
        self.timeout_cap.map_or(own, |cap| own.min(cap))
    }
}

/// The handshake request a case sends, before delivery.
pub fn build_request(hs: &HandshakeStep, opts: &RunOptions) -> (Request, String) {
    let key = handshake::random_key();
    let t = &opts.target;
    let mut req = Request::standard(&t.authority(), &t.path, &key);
    if let Some(origin) = &opts.origin {
        req.set("Origin", origin.as_bytes());
    }
    if let Some(p) = &opts.protocol {
        req.set("Sec-WebSocket-Protocol", p.as_bytes());
    }
    for (k, v) in &opts.headers {
        req.add(k, v.as_bytes());
    }
    if let Some(m) = &hs.method {
        req.method = m.clone();
    }
    if let Some(p) = &hs.target {
        req.target = p.clone();
    }
    if let Some(v) = &hs.version {
        req.version = v.clone();
    }
    for (k, v) in &hs.set {
        req.set(k, v.as_bytes());
    }
    for (k, v) in &hs.add {
        req.add(k, v.as_bytes());
    }
    for k in &hs.remove {
        req.remove(k);
    }
    if let Some(g) = &hs.generate {
        let value = vec![b'a'; g.value_len];
        for i in 0..g.count {
            req.add(&format!("{}-{i}", g.name), &value);
        }
    }
    if let Some(eol) = &hs.line_end {
        req.line_end = eol.clone();
    }
    if let Some(raw) = &hs.raw {
        let filled = raw
            .replace("{host}", &t.authority())
            .replace("{path}", &t.path)
            .replace("{key}", &key);
        req.raw = Some(filled.into_bytes());
    }
    if !hs.raw_hex.is_empty() {
        req.raw = Some(hs.raw_hex.clone());
    }
    (req, key)
}

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
    let default_hs = HandshakeStep::default();
    let (hs, steps) = match case.steps.first() {
        Some(Step::Handshake(h)) => (h, &case.steps[1..]),
        _ => (&default_hs, &case.steps[..]),
    };
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
    shared.push(Event::RequestSent {
        bytes: bytes.clone(),
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

/// Read and check the response. Returns the bytes after it, whether the
/// connection was upgraded, and the permessage-deflate parameters if it
/// was negotiated; `None` when the handshake failed outright.
async fn read_response(
    stream: &Conn,
    opts: &RunOptions,
    offer: &Offer,
    shared: &Shared,
    until: Instant,
) -> Option<(Vec<u8>, bool, Option<crate::wire::deflate::Agreed>)> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 4096];
    loop {
        match handshake::response::parse(&buf, opts.max_response) {
            Ok(Some((resp, used))) => {
                let upgraded = resp.status == 101;
                let violations = if upgraded {
                    handshake::response::validate(&resp, offer)
                } else {
                    Vec::new()
                };
                let deflate = handshake::response::deflate_agreed(&resp, offer)
                    .ok()
                    .flatten();
                shared.push(Event::Response {
                    status: resp.status,
                    reason: resp.reason,
                    headers: resp.headers,
                });
                let ok = violations.is_empty();
                for v in violations {
                    shared.push(Event::Violation(v));
                }
                // A client MUST fail the connection on a bad 101 (section 4.1), so
                // nothing more is sent on it.
                return Some((buf[used..].to_vec(), upgraded && ok, deflate));
            }
            Ok(None) => {}
            // A TLS record (alert 0x15, handshake 0x16, version 3.x) where
            // HTTP should be: the most common wss setup mistake.
            Err(_) if opts.target.scheme == "ws" && matches!(buf[..], [0x15 | 0x16, 3, ..]) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: false,
                    timed_out: false,
                    message: "the server answered with TLS; use a wss:// URL".into(),
                });
                return None;
            }
            Err(e) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: false,
                    timed_out: false,
                    message: e.to_string(),
                });
                return None;
            }
        }
        let read = tokio::time::timeout_at(until, stream.read(&mut chunk)).await;
        match read {
            Ok(Ok(0)) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: true,
                    timed_out: false,
                    message: format!(
                        "the server closed the connection after {} bytes of response",
                        buf.len()
                    ),
                });
                return None;
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Ok(Err(e)) => {
                // A reset ends the connection as surely as a FIN does.
                let reset = matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                );
                let message = match conn::outside_tunnel(&e) {
                    // RFC 6455 4.2.2: "all further communication for the
                    // connection (including the server's handshake) MUST run
                    // through the encrypted tunnel".
                    Some(tls) => format!(
                        "after the TLS handshake the server sent bytes that are not TLS records (RFC 6455 4.2.2: its handshake must run through the encrypted tunnel): {tls}"
                    ),
                    None => format!("reading the handshake response failed: {e}"),
                };
                shared.push(Event::HandshakeFailed {
                    peer_closed: reset,
                    timed_out: false,
                    message,
                });
                return None;
            }
            Err(_) => {
                shared.push(Event::HandshakeFailed {
                    peer_closed: false,
                    timed_out: true,
                    message: format!(
                        "no complete handshake response within {:?} ({} bytes received)",
                        opts.handshake_timeout,
                        buf.len()
                    ),
                });
                return None;
            }
        }
    }
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

enum StepEnd {
    Continue,
    Stop,
    Aborted,
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
            shared.push(Event::Shutdown);
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
    let as_server = stream.role() == Role::Server;
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
                len: r.hex.len(),
            });
            let end = send_bytes(&r.hex, &[], &r.delivery, stream, shared, deadline, true).await;
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
            shared.wait(until, over).await;
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
            // With the idle connections parked, a new client must still be served.
            let probe = crate::run::liveness_case(true);
            let rec = Box::pin(run_case(&probe, opts)).await;
            let o = &rec.observed;
            let served = o
                .items()
                .any(|i| matches!(i, crate::judge::Obs::Message { .. }));
            // An HTTP error or a closed connection is a server at its
            // connection limit saying so; silence until the timeout is a hang.
            let refused =
                !served && (o.status.is_some_and(|s| s != 101) || o.closed_before_response);
            shared.push(Event::FreshConnection { served, refused });
            StepEnd::Continue
        }
        Step::Shutdown => {
            match stream.shutdown_write().await {
                Ok(()) => shared.push(Event::Shutdown),
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

/// After the steps: let the server end the connection, answer its close,
/// or close ourselves when it does nothing (Autobahn's kill timer).
async fn closing_phase(stream: &Conn, opts: &RunOptions, shared: &Shared, deadline: Instant) {
    let step = opts.close_timeout;
    let mut until = deadline.min(Instant::now() + step);
    let mut killed = false;
    loop {
        let changed = shared
            .wait(until, |s| {
                s.ended || (s.server_close.is_some() && !s.client_closed)
            })
            .await;
        let (ended, server_close, client_closed, cut) =
            shared.with(|s| (s.ended, s.server_close, s.client_closed, s.cut_mid_frame));
        if ended {
            return;
        }
        if cut {
            // wsprobe stopped inside a frame when the server failed the
            // connection: a close frame now would be read as that frame's
            // payload. Give the server its chance to close TCP, then drop it.
            shared.wait(until, |s| s.ended).await;
            return;
        }
        if changed && server_close.is_some() && !client_closed {
            // Answer the server's close (section 5.5.1), then wait for its TCP close.
            send_own_close(stream, opts, shared, true).await;
            until = deadline.min(Instant::now() + step);
            continue;
        }
        if Instant::now() >= deadline {
            return;
        }
        // The wait ran out.
        match (server_close.is_some(), client_closed) {
            (false, false) if !killed && shared.with(|s| s.frame_open) => {
                // wsprobe's last frame announced more than it carried: a close
                // frame now would be read as its payload. End without one.
                shared.push(Event::Timeout {
                    waiting_for: "the server to end the connection".into(),
                });
                shared.push(Event::SendingStopped { mid_frame: true });
                return;
            }
            (false, false) if !killed => {
                shared.push(Event::Timeout {
                    waiting_for: "the server to end the connection".into(),
                });
                send_own_close(stream, opts, shared, false).await;
                killed = true;
                until = deadline.min(Instant::now() + step);
            }
            (false, true) => {
                shared.push(Event::Timeout {
                    waiting_for: "a close frame in reply".into(),
                });
                return;
            }
            _ => {
                shared.push(Event::Timeout {
                    waiting_for: "the server to close TCP".into(),
                });
                return;
            }
        }
    }
}

/// wsprobe's frames as a server carry no mask.
fn unmasked_if(server: bool, mut frames: Vec<RawFrame>) -> Vec<RawFrame> {
    if server {
        frames.iter_mut().for_each(|f| f.mask = None);
    }
    frames
}

/// wsprobe's own close 1000, as a reply or because the server did nothing.
pub(crate) async fn send_own_close(stream: &Conn, opts: &RunOptions, shared: &Shared, reply: bool) {
    let mut close = RawFrame::new(op::CLOSE, 1000u16.to_be_bytes().to_vec());
    if stream.role() == Role::Server {
        close.mask = None;
    }
    shared.push(Event::FrameSent(build::log(&close, opts.limits.preview)));
    shared.push(Event::ClientClose {
        code: Some(1000),
        reply,
    });
    if let Ok(bytes) = close.encode() {
        // A write error means the server is gone, which the reader records.
        let _ = stream.write_all(&bytes).await;
    }
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
