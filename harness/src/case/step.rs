//! The steps of a case: what wsprobe does on the connection (as the client,
//! or as the server facing a client under test), down to single frame fields.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::{Dur, Payload};
use crate::wire::codes::parse_opcode;
use crate::wire::LengthForm;

/// One thing the client does.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// The opening handshake, with overrides. Without one, a case starts
    /// with a standard handshake.
    Handshake(HandshakeStep),
    /// One frame, every header field under control.
    Send(FrameStep),
    /// A whole message, optionally fragmented.
    SendMessage(MessageStep),
    /// Bytes as they are.
    SendRaw(RawStep),
    /// A close frame.
    Close(CloseStep),
    /// Wait, doing nothing.
    Pause(Dur),
    /// Record a marker in the event list (if the connection is still open),
    /// so an outcome can tell whether the server acted before or after it.
    Mark(String),
    /// Wait until the server has sent this much, or the timeout passes.
    Expect(ExpectStep),
    /// Close the write half of the TCP connection (FIN).
    Shutdown,
    /// Reset the TCP connection (RST, via SO_LINGER 0).
    Abort,
    /// Run the nested steps this many times (a round-trip series).
    Repeat(RepeatStep),
    /// Open more connections and leave them idle until the case ends.
    Idle(IdleStep),
    /// Time the server's answer to a handshake header value at two sizes,
    /// against a control value of the same length, on fresh connections:
    /// a parser whose time grows faster than the input (a ReDoS) fails.
    Scaling(ScalingStep),
    /// Client-under-test cases: wsprobe's answer to the client's opening
    /// handshake (first step; without one, a correct 101).
    Respond(RespondStep),
}

/// The handshake response wsprobe sends a client under test, correct unless
/// told otherwise.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RespondStep {
    /// Status code (default 101).
    #[serde(default)]
    pub status: Option<u16>,
    /// Reason phrase (default the status's usual one).
    #[serde(default)]
    pub reason: Option<String>,
    /// Sec-WebSocket-Accept: `correct` (default), `wrong`, `missing`.
    #[serde(default)]
    pub accept: AcceptChoice,
    /// Headers replacing those of the same name (or added).
    #[serde(default)]
    pub set: Vec<(String, String)>,
    /// Headers to leave out of the standard response.
    #[serde(default)]
    pub remove: Vec<String>,
    /// The whole response, as text (`{accept}` is filled in).
    #[serde(default)]
    pub raw: Option<String>,
    /// Bytes sent right after the response, in the same write (frames the
    /// client must read once upgraded).
    #[serde(default, with = "hex_bytes")]
    pub append_hex: Vec<u8>,
    /// How the bytes are written.
    #[serde(default)]
    pub delivery: Delivery,
    /// Accept the client's permessage-deflate offer (RFC 7692), adding the
    /// parameters given; without it, wsprobe declines every extension.
    #[serde(default)]
    pub deflate: Option<DeflateAnswer>,
}

/// How wsprobe accepts a client's permessage-deflate offer: the first offer
/// it can answer with these parameters added (a requested parameter is
/// always granted). A case whose client made no such offer is unimplemented.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeflateAnswer {
    /// Add server_no_context_takeover (RFC 7692 7.1.1.1: a server MAY).
    #[serde(default)]
    pub server_no_context_takeover: bool,
    /// Add client_no_context_takeover (7.1.1.2: a server MAY).
    #[serde(default)]
    pub client_no_context_takeover: bool,
    /// Grant this server_max_window_bits (7.1.2.1: a server MAY, at most
    /// what the offer asked for).
    #[serde(default)]
    pub server_max_window_bits: Option<u8>,
    /// Grant this client_max_window_bits (7.1.2.2: only if the offer has the
    /// parameter, and at most its value).
    #[serde(default)]
    pub client_max_window_bits: Option<u8>,
}

/// The Sec-WebSocket-Accept value wsprobe answers with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AcceptChoice {
    /// base64(SHA-1(key + GUID)).
    #[default]
    Correct,
    /// The value for another key.
    Wrong,
    /// No Sec-WebSocket-Accept header.
    Missing,
}

/// Extra connections held open (resource exhaustion, slowloris).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdleStep {
    /// How many (at most 1000).
    pub count: usize,
    /// What each sends before going quiet.
    #[serde(default)]
    pub send: IdleSend,
    /// Raw bytes each writes after its handshake (`send: handshake` only),
    /// without reading the answer: many connections each holding what one
    /// would (fragments of a message never finished, CVE-2026-62389).
    #[serde(default)]
    pub then: Vec<RawStep>,
}

/// A handshake header whose value is `prefix`, `unit` repeated n times,
/// `suffix` (the slow input), and the same with `control` (as long, the
/// input a linear parser takes as long over), for each n of `sizes`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingStep {
    /// The header.
    pub header: String,
    /// Before the repeated part.
    #[serde(default)]
    pub prefix: String,
    /// Repeated n times in the slow input.
    pub unit: String,
    /// Repeated n times in the control (as many bytes as `unit`); empty
    /// with `control_in: message`.
    #[serde(default)]
    pub control: String,
    /// Where the control's bytes go: in the same header (default), or, for
    /// a server slow on any long head (a parser that starts over on every
    /// read), where no header of the same length could answer sooner, as
    /// one binary message of the slow value's bytes after a plain
    /// handshake, timed to the first byte of its echo: the same bytes
    /// through the same connection, outside the head.
    #[serde(default)]
    pub control_in: ControlIn,
    /// After the repeated part.
    #[serde(default)]
    pub suffix: String,
    /// The two repeat counts, smaller first.
    pub sizes: [usize; 2],
    /// Handshakes per value and size; the fastest counts (a busy machine
    /// slows some, never speeds one up).
    #[serde(default = "five")]
    pub runs: usize,
}

/// Where a `scaling` step's control carries its bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlIn {
    /// The same header, `control` repeated.
    #[default]
    Header,
    /// A binary message after the handshake (the server echoes it).
    Message,
}

fn five() -> usize {
    5
}

/// What an idle connection sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdleSend {
    /// Nothing: a bare TCP connection.
    #[default]
    Nothing,
    /// A complete handshake (the response is never read).
    Handshake,
    /// A handshake without its final blank line (slowloris).
    PartialRequest,
}

/// Steps run several times in a row.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatStep {
    /// How many times.
    pub count: usize,
    /// The steps (no handshake, no nested repeat).
    pub steps: Vec<Step>,
}

/// Overrides for the opening handshake request.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HandshakeStep {
    /// Request method instead of GET.
    #[serde(default)]
    pub method: Option<String>,
    /// Request target instead of the URL's path.
    #[serde(default)]
    pub target: Option<String>,
    /// HTTP version instead of HTTP/1.1.
    #[serde(default)]
    pub version: Option<String>,
    /// Headers to replace (or add when missing), in order.
    #[serde(default)]
    pub set: Vec<(String, String)>,
    /// Headers to append even when present (duplicates).
    #[serde(default)]
    pub add: Vec<(String, String)>,
    /// Headers to remove.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Generated headers appended at the end, for oversized requests.
    #[serde(default)]
    pub generate: Option<GeneratedHeaders>,
    /// Line terminator instead of CRLF.
    #[serde(default)]
    pub line_end: Option<String>,
    /// The whole request; `{host}`, `{path}` and `{key}` are filled in.
    #[serde(default)]
    pub raw: Option<String>,
    /// The whole request as hex, for bytes a YAML string cannot hold
    /// (no placeholders are filled in).
    #[serde(default, with = "hex_bytes")]
    pub raw_hex: Vec<u8>,
    /// Bytes written right after the request, in the same write (frame data
    /// pipelined behind the handshake), in hex.
    #[serde(default, with = "hex_bytes")]
    pub append_hex: Vec<u8>,
    /// How the request bytes are written.
    #[serde(default)]
    pub delivery: Delivery,
    /// What becomes of the run's credential headers (`--header Cookie: ...`;
    /// the case needs `credentials`): sent as given when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialUse>,
    /// `plain`: the request goes in plain text to the same host (at the
    /// run's plain port), whatever the URL's scheme: does a `wss://`
    /// endpoint also upgrade without TLS? (The case needs `tls`.)
    #[serde(default, skip_serializing_if = "Transport::is_url")]
    pub transport: Transport,
}

/// How the case's connection is made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// As the URL says (TLS for `wss://`).
    #[default]
    Url,
    /// Plain TCP to the URL's host at the run's plain port.
    Plain,
}

impl Transport {
    fn is_url(&self) -> bool {
        *self == Transport::Url
    }
}

/// A handshake without the run's credentials, or with wrong ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialUse {
    /// Left out.
    Omit,
    /// A wrong value of the same shape (`handshake::credentials::spoil`).
    Wrong,
}

/// `count` headers named `<name>-<i>`, each with a value of `value_len` bytes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratedHeaders {
    /// Name prefix.
    pub name: String,
    /// How many header lines.
    pub count: usize,
    /// Length of each value (filled with `a`).
    pub value_len: usize,
    /// Header lines written after the generated ones (with `remove`, a
    /// handshake header moved past them: a server that keeps only the first
    /// N lines then loses it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub then: Vec<(String, String)>,
}

/// One frame with every header field under the case's control.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrameStep {
    /// Opcode by name (`text`, `ping`) or number (0-15).
    pub opcode: Opcode,
    /// FIN bit (default set).
    #[serde(default = "yes")]
    pub fin: bool,
    /// RSV bits as a number 0-7 (RSV1 = 4, RSV2 = 2, RSV3 = 1).
    #[serde(default)]
    pub rsv: u8,
    /// `random` (default), `none`, or a 4-byte key in hex.
    #[serde(default)]
    pub mask: MaskSpec,
    /// Length field form: minimal (default), 7, 16 or 64.
    #[serde(default)]
    pub length: LengthForm,
    /// Length to write in the header instead of the payload's.
    #[serde(default)]
    pub declared_len: Option<u64>,
    /// The payload.
    #[serde(default)]
    pub payload: Payload,
    /// How the bytes are written.
    #[serde(default)]
    pub delivery: Delivery,
}

/// A whole message, fragmented or not.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessageStep {
    /// `text` or `binary` (or any opcode).
    pub opcode: Opcode,
    /// The payload.
    #[serde(default)]
    pub payload: Payload,
    /// Sizes of the leading fragments; the rest goes in the final one.
    #[serde(default)]
    pub fragments: Vec<usize>,
    /// Cut into fragments of this size (0: not fragmented, so a matrix can
    /// switch fragmentation off).
    #[serde(default)]
    pub fragment_size: Option<usize>,
    /// Append an empty final continuation frame (Autobahn's fragmenter does
    /// this when the payload is an exact multiple of the fragment size).
    #[serde(default)]
    pub empty_final: bool,
    /// Compress with permessage-deflate when the server negotiated it (RSV1
    /// on the first frame; fragments cut from the compressed bytes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compress: bool,
    /// RSV bits of the first frame (4 with a payload that is DEFLATE data
    /// already, such as `deflated_zeros`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rsv: u8,
    /// How the bytes are written.
    #[serde(default)]
    pub delivery: Delivery,
}

/// Raw bytes, the escape hatch for what the structured steps cannot say.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// The bytes, in hex.
    #[serde(with = "hex_bytes")]
    pub hex: Vec<u8>,
    /// How many times the bytes are written, back to back (default once):
    /// a million tiny frames, or the payload of a frame announced with
    /// `declared_len`, without the case spelling them out or a `repeat`
    /// making a step of each.
    #[serde(default = "once", skip_serializing_if = "is_once")]
    pub times: usize,
    /// How the bytes are written.
    #[serde(default)]
    pub delivery: Delivery,
}

impl RawStep {
    /// How many bytes it writes.
    pub fn len(&self) -> usize {
        self.hex.len().saturating_mul(self.times)
    }

    /// Whether it writes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes it writes.
    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        if self.times == 1 {
            return std::borrow::Cow::Borrowed(&self.hex);
        }
        std::borrow::Cow::Owned(self.hex.repeat(self.times))
    }
}

fn once() -> usize {
    1
}

fn is_once(n: &usize) -> bool {
    *n == 1
}

/// A close frame from the client.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloseStep {
    /// Status code; absent sends an empty body.
    #[serde(default)]
    pub code: Option<u16>,
    /// Reason (after the code).
    #[serde(default)]
    pub reason: Payload,
    /// `random` (default) or a 4-byte key in hex: a fixed key makes the
    /// bytes the same on every run, where a server reads them as something
    /// else (the payload of a frame left open), so its answer cannot
    /// depend on the key drawn.
    #[serde(default)]
    pub mask: MaskSpec,
    /// How the bytes are written.
    #[serde(default)]
    pub delivery: Delivery,
}

/// Wait for the server.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectStep {
    /// Until at least this many data messages have arrived in the case.
    #[serde(default)]
    pub messages: usize,
    /// Until at least this many pongs have arrived in the case.
    #[serde(default)]
    pub pongs: usize,
    /// Until the server's close frame has arrived.
    #[serde(default)]
    pub close: bool,
    /// How long to wait at most (default from the run options).
    #[serde(default)]
    pub timeout: Option<Dur>,
    /// Counts add up: wait for this many more than the earlier expect steps
    /// waited for (for repeated steps), not for this many after now.
    #[serde(default)]
    pub relative: bool,
}

/// How a step's bytes are handed to the socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Write in pieces of this many bytes (1 = byte by byte).
    #[serde(default)]
    pub chunk: Option<usize>,
    /// Write in pieces split at these offsets.
    #[serde(default)]
    pub split_at: Vec<usize>,
    /// Pause between pieces.
    #[serde(default)]
    pub delay: Option<Dur>,
    /// Write only the first N bytes of the step, then `cut`.
    #[serde(default)]
    pub cut_after: Option<usize>,
    /// What happens at the cut (default: nothing more is written).
    #[serde(default)]
    pub cut: Option<Cut>,
    /// Wait this long after the last byte before the cut (a reset that comes
    /// while the server is still deciding what to do with the request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_delay: Option<Dur>,
}

/// Ending the TCP connection from the client side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cut {
    /// Close the write half (FIN).
    Fin,
    /// Reset (RST).
    Rst,
}

impl Step {
    /// The step of round `i` of a repeat: its payload takes the next
    /// corpus slice (see [`Payload::at`]).
    pub fn at(&self, i: usize) -> Step {
        let mut s = self.clone();
        match &mut s {
            Step::Send(f) => f.payload = f.payload.at(i),
            Step::SendMessage(m) => m.payload = m.payload.at(i),
            _ => {}
        }
        s
    }
}

fn yes() -> bool {
    true
}

/// An opcode given by name or number in YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Opcode(pub u8);

impl<'de> Deserialize<'de> for Opcode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Opcode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an opcode name (continuation, text, binary, close, ping, pong) or a number 0-15")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Opcode, E> {
                u8::try_from(v)
                    .ok()
                    .filter(|v| *v <= 15)
                    .map(Opcode)
                    .ok_or_else(|| E::custom(format!("opcode {v} is out of range 0-15")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Opcode, E> {
                self.visit_u64(u64::try_from(v).map_err(|_| E::custom("negative opcode"))?)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Opcode, E> {
                parse_opcode(v)
                    .map(Opcode)
                    .ok_or_else(|| E::custom(format!("unknown opcode {v:?}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A masking choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaskSpec {
    /// What wsprobe's role requires (section 5.1): a fresh random key as a
    /// client, no mask as a server (in client-under-test cases).
    #[default]
    Auto,
    /// A fresh random key per frame, in either role.
    Random,
    /// No mask (MASK bit clear).
    None,
    /// This key.
    Key([u8; 4]),
}

impl Serialize for MaskSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MaskSpec::Auto => s.serialize_str("auto"),
            MaskSpec::Random => s.serialize_str("random"),
            MaskSpec::None => s.serialize_str("none"),
            MaskSpec::Key(k) => s.serialize_str(&hex::encode(k)),
        }
    }
}

impl<'de> Deserialize<'de> for MaskSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "auto" => Ok(MaskSpec::Auto),
            "random" => Ok(MaskSpec::Random),
            "none" => Ok(MaskSpec::None),
            key => {
                let bytes = hex::decode(key).map_err(de::Error::custom)?;
                let key: [u8; 4] = bytes
                    .try_into()
                    .map_err(|_| de::Error::custom("a masking key is 4 bytes (8 hex digits)"))?;
                Ok(MaskSpec::Key(key))
            }
        }
    }
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s.replace([' ', '\n'], "")).map_err(serde::de::Error::custom)
    }
}
