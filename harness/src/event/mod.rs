//! What happened on a connection, as typed, timestamped events.
//!
//! The runner only records these; the judge only reads them. Both depend on
//! this module and never on each other. The judge reads the facts folded
//! from every event ([`observed`]); reports read the stored log ([`log`]),
//! which is bounded whatever the peer sends.

pub mod log;
pub mod observed;

use serde::Serialize;

use crate::wire::Violation;

/// An event with its time since the case started.
#[derive(Debug, Clone, Serialize)]
pub struct Stamped {
    /// Microseconds since the case started.
    pub at_us: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// One observed or performed thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// TCP connection established.
    Connected,
    /// Client-under-test cases over `wss://`: the client completed the TLS
    /// handshake with wsprobe's certificate.
    TlsAccepted {
        /// The server_name (SNI) the ClientHello carried.
        server_name: Option<String>,
        /// The protocol version agreed (`TLSv1_3`).
        version: String,
    },
    /// Client-under-test cases over `wss://`: the client sent no opening
    /// handshake (it aborted the TLS handshake, or closed, or went silent).
    TlsRefused {
        /// How, in words (the TLS alert it sent, if any).
        message: String,
        /// It kept the connection open without a request until wsprobe
        /// gave up: it did not abort.
        silent: bool,
    },
    /// The opening handshake request was written.
    RequestSent {
        /// Request bytes as text (lossy).
        #[serde(serialize_with = "lossy")]
        bytes: Vec<u8>,
    },
    /// Client-under-test cases: the client's opening handshake request.
    RequestReceived {
        /// Method, target and version, as the request line has them.
        line: String,
        /// Headers in order.
        headers: Vec<(String, String)>,
    },
    /// Client-under-test cases: the handshake response wsprobe wrote.
    ResponseSent {
        /// Its status code.
        status: u16,
        /// Response bytes as text (lossy).
        #[serde(serialize_with = "lossy")]
        bytes: Vec<u8>,
    },
    /// The server's handshake response.
    Response {
        /// Status code.
        status: u16,
        /// Reason phrase.
        reason: String,
        /// Headers in order.
        headers: Vec<(String, String)>,
    },
    /// No usable handshake response.
    HandshakeFailed {
        /// Why.
        message: String,
        /// The server closed TCP before a complete response: for a request it
        /// must refuse, a rude but unmistakable refusal.
        peer_closed: bool,
        /// Nothing complete arrived within the handshake timeout and the
        /// connection stayed open: the server is still waiting for something.
        #[serde(default)]
        timed_out: bool,
    },
    /// A frame wsprobe wrote (wire log).
    FrameSent(FrameLog),
    /// More frames of one step, summarised rather than logged one by one.
    FramesSent {
        /// How many.
        count: usize,
        /// Their payload bytes.
        bytes: u64,
    },
    /// Raw bytes wsprobe wrote that are not described as a frame.
    RawSent {
        /// The bytes (first 256).
        #[serde(serialize_with = "hex_ser")]
        bytes: Vec<u8>,
        /// Total length.
        len: usize,
    },
    /// wsprobe sent its first close frame.
    ClientClose {
        /// The code it carried.
        code: Option<u16>,
        /// Whether it answered the server's close.
        reply: bool,
    },
    /// The peer answered wsprobe's barrier ping (sent after a silence): it
    /// had read every frame before the ping and not failed the connection.
    BarrierAnswered,
    /// After the steps, the peer answered the barrier ping and did nothing
    /// more: wsprobe closes (the kill timer, on evidence rather than a wait).
    QuietAfterBarrier,
    /// A frame the server sent (wire log).
    FrameReceived(FrameLog),
    /// A complete data message from the server.
    Message {
        /// Opcode of its first frame.
        opcode: u8,
        /// Payload length.
        len: u64,
        /// SHA-256 of the payload.
        #[serde(serialize_with = "hex_ser")]
        sha256: Vec<u8>,
        /// The first bytes of the payload.
        #[serde(serialize_with = "hex_ser")]
        preview: Vec<u8>,
        /// Frames it arrived in.
        frames: u32,
    },
    /// A ping from the server.
    Ping {
        /// Its payload.
        #[serde(serialize_with = "hex_ser")]
        payload: Vec<u8>,
    },
    /// A pong from the server.
    Pong {
        /// Its payload.
        #[serde(serialize_with = "hex_ser")]
        payload: Vec<u8>,
    },
    /// A close frame from the server.
    Close {
        /// Its status code.
        code: Option<u16>,
        /// Its reason, lossy.
        #[serde(serialize_with = "lossy")]
        reason: Vec<u8>,
    },
    /// Something the server did that RFC 6455 forbids.
    Violation(Violation),
    /// A marker step ran while the connection was open.
    Mark {
        /// Marker name.
        name: String,
    },
    /// A wait ran out.
    Timeout {
        /// What wsprobe was waiting for.
        waiting_for: String,
    },
    /// The whole case ran out of time.
    CaseTimeout,
    /// The server closed TCP (FIN).
    Eof {
        /// Whether it stopped in the middle of a frame.
        mid_frame: bool,
    },
    /// The server reset TCP.
    Reset,
    /// Reading failed otherwise.
    ReadError {
        /// The I/O error.
        message: String,
    },
    /// Writing failed (usually: the server already closed).
    WriteError {
        /// The I/O error.
        message: String,
    },
    /// The server went past wsprobe's size limits.
    LimitExceeded {
        /// Which limit.
        message: String,
    },
    /// Extra idle connections opened.
    IdleOpened {
        /// How many the case asked for.
        requested: usize,
        /// How many connected.
        opened: usize,
    },
    /// The `scaling` step's figures.
    Scaling {
        /// One per size, in order.
        points: Vec<ScalingPoint>,
    },
    /// A new connection opened while idle ones were parked: was it served?
    FreshConnection {
        /// It completed a handshake and an echo.
        served: bool,
        /// Not served, but refused at once (an HTTP error, or the connection
        /// closed): a connection limit, not a hang.
        #[serde(default)]
        refused: bool,
    },
    /// wsprobe closed its write half (FIN).
    Shutdown,
    /// Before its FIN, wsprobe sent TLS close_notify: an alert record, so
    /// bytes the server may not have read when it closes (and Linux resets
    /// a socket closed with unread bytes).
    TlsCloseNotify,
    /// wsprobe reset the connection (RST).
    Abort,
    /// Steps not run because the connection had ended.
    StepsSkipped {
        /// How many.
        count: usize,
    },
    /// wsprobe stopped sending a step because the peer had failed the
    /// connection (its close frame or TCP end arrived).
    SendingStopped {
        /// In the middle of a frame: no close frame could follow.
        mid_frame: bool,
    },
    /// Events counted but not stored (a flood, a long series), by kind.
    Omitted {
        /// (kind, how many), e.g. ("pings", 799000).
        counts: Vec<(String, u64)>,
    },
}

/// What one case left: the bounded wire log and the facts from every event.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The stored log, for reports.
    pub events: Vec<Stamped>,
    /// The facts, for the judge.
    pub observed: observed::Observed,
}

impl Recorded {
    /// A recording made of these events only (nothing omitted).
    pub fn from_events(events: Vec<Stamped>) -> Recorded {
        Recorded {
            observed: observed::Observed::from_events(&events),
            events,
        }
    }
}

/// A frame header for the wire log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameLog {
    /// FIN.
    pub fin: bool,
    /// RSV bits.
    pub rsv: u8,
    /// Opcode.
    pub opcode: u8,
    /// Whether it was masked.
    pub masked: bool,
    /// Payload length (as declared).
    pub len: u64,
    /// Payload preview (unmasked).
    #[serde(serialize_with = "hex_ser")]
    pub preview: Vec<u8>,
}

impl Event {
    /// Whether this event means the server side of the connection is gone.
    pub fn is_connection_end(&self) -> bool {
        matches!(
            self,
            Event::Eof { .. }
                | Event::Reset
                | Event::ReadError { .. }
                | Event::LimitExceeded { .. }
        )
    }
}

fn hex_ser<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

fn lossy<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(b))
}

/// One size of a `scaling` step: the fastest answer to the slow input and
/// to the control of the same length (in the header, or in a message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalingPoint {
    /// Repeats of the unit.
    pub size: usize,
    /// Bytes of the header value.
    pub value_bytes: usize,
    /// The control carried the value's bytes as a message after the
    /// handshake (`control_in: message`), not in the header.
    pub control_in_message: bool,
    /// Fastest answer to the slow input, microseconds (`u64::MAX`: no
    /// figure, every connection failed).
    pub slow_us: u64,
    /// Fastest answer to the control, microseconds (`u64::MAX`: none).
    pub control_us: u64,
    /// Slowest answer to the control, microseconds (0: none): how much the
    /// machine and the server's other work delayed a run this time.
    pub control_max_us: u64,
    /// A run of the slow input waited until the step's time ran out.
    pub slow_timed_out: bool,
    /// A run of the control did.
    pub control_timed_out: bool,
}
