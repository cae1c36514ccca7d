//! Socket I/O for one case: the connection (TCP, or TLS over it), delivery
//! control and the reader task.
//!
//! The connection is shared (`Arc<Conn>`) between the step writer and the
//! reader task, so a large echo is read while it is still being written and
//! neither side can deadlock the other.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::case::{Cut, Delivery};
use crate::event::log::Log;
use crate::event::observed::Facts;
use crate::event::{Event, FrameLog, Recorded, Stamped};
use crate::wire::reader::{FrameReader, Limits, ReadEvent, Side};

/// The payload of wsprobe's barrier ping (see `close::send_barrier`).
pub const BARRIER: &[u8] = b"wsprobe barrier";

/// Events of one connection plus counters the steps wait on.
pub struct Shared {
    /// Extra connections a case keeps open until it ends.
    held: Mutex<Vec<Conn>>,
    t0: Instant,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
}

/// What the waiting steps look at.
#[derive(Default)]
pub struct State {
    /// The stored log (bounded).
    log: Log,
    /// The facts from every event, stored or not.
    facts: Facts,
    /// Frames the peer has sent.
    pub frames_received: usize,
    /// Data messages received.
    pub messages: usize,
    /// Pongs received.
    pub pongs: usize,
    /// The server's first close frame, if any (its code).
    pub server_close: Option<Option<u16>>,
    /// The server side is gone (EOF, reset, error, limit).
    pub ended: bool,
    /// wsprobe has sent a close frame.
    pub client_closed: bool,
    /// wsprobe stopped sending inside a frame (the peer had failed the connection).
    pub cut_mid_frame: bool,
    /// The bytes sent so far may end inside a frame (a short frame, a cut
    /// delivery, raw bytes).
    pub frame_open: bool,
    /// Messages and pongs that earlier expect steps waited for.
    claimed: (usize, usize),
    /// Barrier pings sent, and answered (each pong answers the oldest).
    barriers: (usize, usize),
}

impl State {
    /// The peer has answered every barrier ping sent (and one was).
    pub fn barrier_answered(&self) -> bool {
        self.barriers.0 > 0 && self.barriers.1 == self.barriers.0
    }

    /// A barrier ping is still unanswered: the peer does not answer pings
    /// (or not yet), so asking again would only wait in vain.
    pub fn barrier_unanswered(&self) -> bool {
        self.barriers.1 < self.barriers.0
    }
}

impl Shared {
    /// A fresh event log starting now.
    pub fn new() -> Arc<Shared> {
        Arc::new(Shared {
            held: Mutex::new(Vec::new()),
            t0: Instant::now(),
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
        })
    }

    /// Record an event.
    pub fn push(&self, event: Event) {
        let at_us = self.t0.elapsed().as_micros() as u64;
        {
            let mut s = self.state.lock().expect("state lock");
            match &event {
                Event::Message { .. } => s.messages += 1,
                Event::Pong { .. } => s.pongs += 1,
                Event::Close { code, .. } if s.server_close.is_none() => {
                    s.server_close = Some(*code)
                }
                Event::ClientClose { .. } => s.client_closed = true,
                Event::FrameReceived(_) => s.frames_received += 1,
                Event::SendingStopped { mid_frame } => s.cut_mid_frame |= *mid_frame,
                e if e.is_connection_end() => s.ended = true,
                _ => {}
            }
            let e = Stamped { at_us, event };
            s.facts.push(&e);
            s.log.push(e);
        }
        self.changed.send_modify(|v| *v += 1);
    }

    /// Look at the state.
    pub fn with<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.lock().expect("state lock"))
    }

    /// Wait until `cond` holds, or `until` passes (returns false).
    pub async fn wait(&self, until: Instant, cond: impl Fn(&State) -> bool) -> bool {
        let mut rx = self.changed.subscribe();
        loop {
            if self.with(&cond) {
                return true;
            }
            match tokio::time::timeout_at(until, rx.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return self.with(&cond),
            }
        }
    }

    /// wsprobe is sending its barrier ping, `frame`.
    pub fn barrier_sent(&self, frame: Event) {
        self.state.lock().expect("state lock").barriers.0 += 1;
        self.push(frame);
    }

    /// Whether a pong with `payload` answers the barrier ping (once).
    fn answers_barrier(&self, payload: &[u8]) -> bool {
        let mut s = self.state.lock().expect("state lock");
        let answers = s.barriers.1 < s.barriers.0 && payload == BARRIER;
        if answers {
            s.barriers.1 += 1;
        }
        answers
    }

    /// Whether what was sent so far may end inside a frame.
    pub fn set_frame_open(&self, open: bool) {
        self.state.lock().expect("state lock").frame_open = open;
    }

    /// What earlier expect steps have waited for, so far.
    pub fn claimed(&self) -> (usize, usize) {
        self.with(|s| s.claimed)
    }

    /// Record the counts an expect step waits for.
    pub fn claim(&self, messages: usize, pongs: usize) {
        let mut s = self.state.lock().expect("state lock");
        s.claimed = (s.claimed.0.max(messages), s.claimed.1.max(pongs));
    }

    /// Keep these connections open until the case ends.
    pub fn hold(&self, streams: Vec<Conn>) {
        self.held.lock().expect("held lock").extend(streams);
    }

    /// Take the recording out.
    pub fn take(&self) -> Recorded {
        self.held.lock().expect("held lock").clear();
        let mut s = self.state.lock().expect("state lock");
        Recorded {
            events: std::mem::take(&mut s.log).into_events(),
            observed: std::mem::take(&mut s.facts).finish(),
        }
    }
}

/// The TCP stream behind an `Arc`, as a byte stream TLS can sit on while
/// the socket itself stays reachable (SO_LINGER for a reset, half-close).
struct SharedTcp(Arc<TcpStream>);

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            match self.0.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return Poll::Ready(other),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(socket2::SockRef::from(&*self.0).shutdown(std::net::Shutdown::Write))
    }
}

// Either side: wsprobe connects to a `wss://` server, or serves `wss://`
// to a client under test.
type TlsStream = tokio_rustls::TlsStream<SharedTcp>;
/// The two halves of a TLS stream, each locked only while it is polled.
type TlsHalves = (
    tokio::sync::Mutex<tokio::io::ReadHalf<TlsStream>>,
    tokio::sync::Mutex<tokio::io::WriteHalf<TlsStream>>,
);

/// One connection to the target: plain TCP, or TLS over it. Reading and
/// writing go on at the same time from different tasks.
pub struct Conn {
    tcp: Arc<TcpStream>,
    tls: Option<TlsHalves>,
    /// wsprobe's side: a client (it connected) or a server (it accepted,
    /// testing a client).
    role: Side,
    /// The compressor, once permessage-deflate is negotiated.
    deflater: Mutex<Option<crate::wire::deflate::Deflater>>,
}

impl Conn {
    /// Connect to the target, with TLS for `wss://`; the error is one line.
    pub async fn connect(opts: &super::RunOptions, until: Instant) -> Result<Conn, String> {
        let t = &opts.target;
        let tcp =
            match tokio::time::timeout_at(until, TcpStream::connect((t.host.as_str(), t.port)))
                .await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return Err(format!("cannot connect to {}: {e}", t.authority())),
                Err(_) => return Err(format!("connecting to {} timed out", t.authority())),
            };
        let _ = tcp.set_nodelay(true);
        let tcp = Arc::new(tcp);
        if t.scheme != "wss" {
            return Ok(Conn {
                tcp,
                tls: None,
                role: Side::Client,
                deflater: Mutex::new(None),
            });
        }
        let tls = opts
            .tls
            .as_ref()
            .ok_or_else(|| format!("no TLS configuration for {t}"))?;
        let connector = tokio_rustls::TlsConnector::from(tls.config.clone());
        let handshake = connector.connect(tls.name.clone(), SharedTcp(tcp.clone()));
        let stream = match tokio::time::timeout_at(until, handshake).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(crate::tls::describe_error(&e)),
            Err(_) => return Err(format!("TLS handshake with {} timed out", t.authority())),
        };
        Ok(Conn::over_tls(tcp, stream.into(), Side::Client))
    }

    fn over_tls(tcp: Arc<TcpStream>, stream: TlsStream, role: Side) -> Conn {
        let (r, w) = tokio::io::split(stream);
        Conn {
            tcp,
            tls: Some((tokio::sync::Mutex::new(r), tokio::sync::Mutex::new(w))),
            role,
            deflater: Mutex::new(None),
        }
    }

    /// A client under test connected to a `wss://` case: the TLS handshake
    /// as the server, until `until`. The error is rustls's (the alert the
    /// client sent, or what was wrong with its records).
    pub async fn accept_tls(
        tcp: TcpStream,
        config: Arc<rustls::ServerConfig>,
        until: Instant,
    ) -> io::Result<(Conn, TlsInfo)> {
        let _ = tcp.set_nodelay(true);
        let tcp = Arc::new(tcp);
        let accept = tokio_rustls::TlsAcceptor::from(config).accept(SharedTcp(tcp.clone()));
        let stream = tokio::time::timeout_at(until, accept)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out"))??;
        let (_, session) = stream.get_ref();
        let info = TlsInfo {
            server_name: session.server_name().map(str::to_string),
            version: session
                .protocol_version()
                .map_or("unknown".into(), |v| format!("{v:?}")),
        };
        Ok((Conn::over_tls(tcp, stream.into(), Side::Server), info))
    }

    /// A connection a client under test opened to wsprobe.
    pub fn accepted(tcp: TcpStream) -> Conn {
        let _ = tcp.set_nodelay(true);
        Conn {
            tcp: Arc::new(tcp),
            tls: None,
            role: Side::Server,
            deflater: Mutex::new(None),
        }
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// wsprobe's side of the connection.
    pub fn role(&self) -> Side {
        self.role
    }

    /// permessage-deflate was negotiated: compress with this from now on.
    pub fn set_deflater(&self, d: crate::wire::deflate::Deflater) {
        *self.deflater.lock().expect("deflater lock") = Some(d);
    }

    /// A message payload compressed, if permessage-deflate was negotiated.
    pub fn deflate(&self, payload: &[u8]) -> Option<Vec<u8>> {
        let mut d = self.deflater.lock().expect("deflater lock");
        d.as_mut().map(|d| d.message(payload))
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Write everything, waiting for the socket as needed; over TLS each
    /// call is flushed, so a delivery split stays a split on the wire.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        if let Some((_, w)) = &self.tls {
            let mut w = w.lock().await;
            w.write_all(buf).await?;
            return w.flush().await;
        }
        while !buf.is_empty() {
            self.tcp.writable().await?;
            match self.tcp.try_write(buf) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Read what is there (0: the server ended its side).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((r, _)) = &self.tls {
            return match r.lock().await.read(buf).await {
                // A TCP close without TLS close_notify: servers do it all the
                // time, and for WebSocket it is just the end of the connection.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                other => other,
            };
        }
        loop {
            self.tcp.readable().await?;
            match self.tcp.try_read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
        }
    }

    /// Close the write half (TLS close_notify first, then FIN).
    pub async fn shutdown_write(&self) -> io::Result<()> {
        match &self.tls {
            Some((_, w)) => w.lock().await.shutdown().await,
            None => socket2::SockRef::from(&*self.tcp).shutdown(std::net::Shutdown::Write),
        }
    }
}

/// What a TLS handshake with a client under test settled.
#[derive(Debug, Clone)]
pub struct TlsInfo {
    /// The server_name (SNI) of its ClientHello.
    pub server_name: Option<String>,
    /// The protocol version (`TLSv1_3`).
    pub version: String,
}

/// Whether a read error is the TLS layer finding bytes that are not its
/// records (plain text after the handshake, a record it cannot decrypt):
/// RFC 6455 4.1's "all further communication on this channel MUST run
/// through the encrypted tunnel", broken. An alert the peer sent is not.
pub fn outside_tunnel(e: &io::Error) -> Option<String> {
    let tls = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    matches!(
        tls,
        rustls::Error::InvalidMessage(_)
            | rustls::Error::DecryptError
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. }
    )
    .then(|| tls.to_string())
}

/// A read error as events: the violation it is, if any, then the error.
fn read_error(e: io::Error, ours: Side) -> Vec<Event> {
    if e.kind() == io::ErrorKind::ConnectionReset {
        return vec![Event::Reset];
    }
    let mut out: Vec<Event> = outside_tunnel(&e)
        .map(|message| {
            Event::Violation(crate::wire::Violation::TlsOutsideTunnel {
                message,
                server: ours == Side::Client,
            })
        })
        .into_iter()
        .collect();
    out.push(Event::ReadError {
        message: e.to_string(),
    });
    out
}

/// How a delivery ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivered {
    /// All bytes written, connection as before.
    All,
    /// Cut short and the write half closed (FIN).
    Fin,
    /// Cut short and the connection reset (RST).
    Rst,
    /// Cut short, nothing else done.
    Stopped,
    /// Stopped because the peer failed the connection (its close frame or
    /// its end of TCP arrived): sending on would only cost the time budget.
    Interrupted {
        /// Whether it stopped inside a frame (a close frame can no longer follow).
        mid_frame: bool,
    },
}

/// When to stop writing, and where the frames in the bytes end.
#[derive(Clone, Copy)]
pub struct Watch<'a> {
    /// The connection's state: stop once the peer has failed the connection.
    pub shared: &'a Shared,
    /// Offsets where frames end (a stop there leaves the stream well formed).
    pub frame_ends: &'a [usize],
}

impl Watch<'_> {
    fn peer_failed(s: &State) -> bool {
        s.ended || s.server_close.is_some()
    }
}

/// Larger writes are made in pieces of about this size, ending on frame
/// boundaries where there are any, so a stop between them is clean.
const PIECE: usize = 256 * 1024;

/// Write `bytes` as the delivery says: whole, in chunks, split at offsets,
/// with delays, and possibly cut short with FIN or RST. With a `watch`, the
/// writing stops as soon as the peer fails the connection.
pub async fn deliver(
    stream: &Conn,
    bytes: &[u8],
    d: &Delivery,
    until: Instant,
    watch: Option<Watch<'_>>,
) -> io::Result<Delivered> {
    let end = d.cut_after.map_or(bytes.len(), |n| n.min(bytes.len()));
    let bytes = &bytes[..end];
    let mut cuts: Vec<usize> = if !d.split_at.is_empty() {
        d.split_at
            .iter()
            .copied()
            .filter(|&o| o > 0 && o < bytes.len())
            .collect()
    } else if let Some(n) = d.chunk.filter(|&n| n > 0) {
        (1..bytes.len().div_ceil(n)).map(|i| i * n).collect()
    } else {
        Vec::new()
    };
    cuts.sort_unstable();
    cuts.dedup();
    cuts.push(bytes.len());
    let mut start = 0;
    for (i, &cut) in cuts.iter().enumerate() {
        if i > 0 {
            match d.delay {
                Some(delay) => {
                    tokio::time::sleep_until((Instant::now() + delay.0).min(until)).await
                }
                // A yield lets each piece leave as its own segment (TCP_NODELAY is on).
                None => tokio::task::yield_now().await,
            }
        }
        // Within one delivery piece, big writes go in smaller pieces (no
        // pause between them: the wire sees one stream), each a chance to stop.
        let mut at = start;
        while at < cut {
            let end = match watch {
                Some(w) if cut - at > PIECE => w
                    .frame_ends
                    .iter()
                    .copied()
                    .find(|&e| e >= at + PIECE && e < cut)
                    .unwrap_or((at + PIECE).min(cut)),
                _ => cut,
            };
            let out_of_time = || {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    "case time budget ran out while writing",
                )
            };
            let write = async {
                tokio::time::timeout_at(until, stream.write_all(&bytes[at..end]))
                    .await
                    .map_err(|_| out_of_time())?
            };
            let written = match watch {
                None => write.await,
                Some(w) => {
                    if w.shared.with(Watch::peer_failed) {
                        let mid_frame = if at == 0 {
                            // Nothing of this step went out: it depends on the last one.
                            w.shared.with(|s| s.frame_open)
                        } else {
                            !w.frame_ends.contains(&at)
                        };
                        return Ok(Delivered::Interrupted { mid_frame });
                    }
                    tokio::select! {
                        r = write => r,
                        _ = w.shared.wait(until, Watch::peer_failed) => {
                            if w.shared.with(Watch::peer_failed) {
                                // Cancelled in the middle of a write: how much of it
                                // left is unknown, so a frame may be open.
                                return Ok(Delivered::Interrupted { mid_frame: true });
                            }
                            // The wait only ends otherwise at the deadline.
                            Err(out_of_time())
                        }
                    }
                }
            };
            written?;
            at = end;
        }
        start = cut;
    }
    if d.cut_after.is_none() && d.cut.is_none() {
        return Ok(Delivered::All);
    }
    if let Some(wait) = d.cut_delay {
        tokio::time::sleep_until((Instant::now() + wait.0).min(until)).await;
    }
    Ok(match d.cut {
        Some(Cut::Fin) => {
            stream.shutdown_write().await?;
            Delivered::Fin
        }
        Some(Cut::Rst) => {
            reset(stream.tcp())?;
            Delivered::Rst
        }
        None => Delivered::Stopped,
    })
}

/// Make the next close send RST instead of FIN (SO_LINGER 0), and shut both
/// halves now so the peer sees it even while the reader still holds the stream.
pub fn reset(stream: &TcpStream) -> io::Result<()> {
    let sock = socket2::SockRef::from(stream);
    sock.set_linger(Some(Duration::ZERO))?;
    // shutdown(Read) does not send anything; the RST goes out when the last
    // handle closes, which the runner does right after.
    let _ = sock.shutdown(std::net::Shutdown::Read);
    Ok(())
}

/// Read until the server side ends, recording what arrives.
pub async fn read_loop(
    stream: Arc<Conn>,
    leftover: Vec<u8>,
    limits: Limits,
    inflater: Option<crate::wire::deflate::Inflater>,
    shared: Arc<Shared>,
) {
    let mut reader = FrameReader::new(stream.role(), limits);
    if let Some(inflater) = inflater {
        reader.use_deflate(inflater);
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending = leftover;
    loop {
        if !pending.is_empty() {
            let result = reader.feed(&pending, &mut out);
            pending.clear();
            let mut limited = false;
            for ev in out.drain(..) {
                let ev = match ev {
                    // Not the peer's doing but the answer to wsprobe's
                    // question, so kept out of what the case judges.
                    ReadEvent::Pong(p) if shared.answers_barrier(&p) => Event::BarrierAnswered,
                    ev => convert(ev),
                };
                limited |= matches!(ev, Event::LimitExceeded { .. });
                shared.push(ev);
            }
            // wsprobe reads no further than its limits.
            if limited {
                return;
            }
            if let Err(e) = result {
                shared.push(Event::LimitExceeded {
                    message: e.to_string(),
                });
                return;
            }
            // What is stored of a flood is bounded separately, by the log.
            if shared.with(|s| s.frames_received) > limits.max_frames {
                shared.push(Event::LimitExceeded {
                    message: format!(
                        "the server sent more than {} frames in one case",
                        limits.max_frames
                    ),
                });
                return;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) => {
                shared.push(Event::Eof {
                    mid_frame: reader.mid_frame(),
                });
                return;
            }
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) => {
                for ev in read_error(e, stream.role()) {
                    shared.push(ev);
                }
                return;
            }
        }
    }
}

/// After a refused handshake: discard the response body and record how the
/// server ends the connection.
pub async fn drain_loop(stream: Arc<Conn>, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return shared.push(Event::Eof { mid_frame: false }),
            Ok(_) => {}
            Err(e) => {
                for ev in read_error(e, stream.role()) {
                    shared.push(ev);
                }
                return;
            }
        }
    }
}

fn convert(ev: ReadEvent) -> Event {
    match ev {
        ReadEvent::Frame(f) => Event::FrameReceived(FrameLog {
            fin: f.header.fin,
            rsv: f.header.rsv,
            opcode: f.header.opcode,
            masked: f.header.mask.is_some(),
            len: f.header.len,
            preview: f.preview,
        }),
        ReadEvent::Message(m) => Event::Message {
            opcode: m.opcode,
            len: m.len,
            sha256: m.sha256.to_vec(),
            preview: m.preview,
            frames: m.frames,
        },
        ReadEvent::Ping(p) => Event::Ping { payload: p },
        ReadEvent::Pong(p) => Event::Pong { payload: p },
        ReadEvent::Close { code, reason } => Event::Close { code, reason },
        // Inflating past --max-message is wsprobe's own limit, not a rule
        // the server broke: a server may send a message of any size.
        ReadEvent::Violation(crate::wire::Violation::DeflateTooLarge { limit }) => {
            Event::LimitExceeded {
                message: format!("a compressed message inflates to more than {limit} bytes"),
            }
        }
        ReadEvent::Violation(v) => Event::Violation(v),
    }
}
