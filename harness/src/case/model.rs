//! The case model: what a YAML case says, as plain data.
//!
//! A case is a script of client steps plus the set of answers RFC 6455
//! allows, each with a grade. Unknown fields are rejected everywhere so a
//! typo is an error, never a silently ignored expectation.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::wire::codes::parse_opcode;
use crate::wire::LengthForm;

/// One test case, after matrix expansion.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable, topic-based id such as `frames/reserved-bits/rsv1-on-text`.
    pub id: String,
    /// One line saying what the case does.
    pub title: String,
    /// The Autobahn|Testsuite case this one is the equivalent of.
    #[serde(default)]
    pub autobahn: Option<String>,
    /// RFC 6455 sections the case checks.
    pub rfc: Vec<String>,
    /// The RFC sentence the case checks, quoted.
    pub requirement: String,
    /// MUST, SHOULD or MAY.
    pub level: Level,
    /// Whether the server must fail, must accept, or may choose.
    pub class: Class,
    /// Free-form tags for selection.
    #[serde(default)]
    pub tags: Vec<String>,
    /// What the case needs from the server beyond a handshake.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// Where wsprobe grades differently from Autobahn, and why.
    #[serde(default)]
    pub notes: Option<String>,
    /// What the client does, in order.
    // YAML writes enums as `- send: {...}` maps; yaml_serde needs this to read them.
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    pub steps: Vec<Step>,
    /// The acceptable outcomes, each with a grade.
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    pub expect: Vec<Outcome>,
    /// How the connection must end; absent for cases that end at the handshake.
    #[serde(default)]
    pub close: Option<CloseExpect>,
    /// Time budget for the whole case (default from the run options).
    #[serde(default)]
    pub timeout: Option<Dur>,
    /// Which endpoint is under test: a server (wsprobe connects, the
    /// default) or a client (wsprobe accepts, `wsprobe test-client`).
    #[serde(default, skip_serializing_if = "Role::is_server")]
    pub role: Role,
    /// Client-under-test cases served over `wss://`, with this certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<CaseTls>,
    /// Where the case was loaded from.
    #[serde(skip_deserializing, default)]
    pub source: Source,
}

impl Case {
    /// Whether it measures the server (throughput, latency: the
    /// `performance` tag). Only these record figures, and they run with
    /// nothing else in flight so the figures describe the server.
    pub fn records_metrics(&self) -> bool {
        self.tags.iter().any(|t| t == "performance")
    }

    /// The sections it cites, as `RFC 7692 6.1, RFC 6455 5.2, 5.4`: entries
    /// without an RFC number are RFC 6455's, and a run of one RFC names it once.
    pub fn citation(&self) -> String {
        let mut out = String::new();
        let mut last = "";
        for r in &self.rfc {
            let (rfc, section) = match r.strip_prefix("RFC ").and_then(|t| t.split_once(' ')) {
                Some((n, s)) => (n, s),
                None => ("6455", r.as_str()),
            };
            if !out.is_empty() {
                out.push_str(", ");
            }
            if rfc != last {
                out.push_str(&format!("RFC {rfc} "));
                last = rfc;
            }
            out.push_str(section);
        }
        out
    }
}

/// File and line a case came from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Source {
    /// Catalogue file.
    pub file: String,
    /// 1-based line of the case entry.
    pub line: usize,
}

/// RFC 2119 requirement level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Level {
    /// An absolute requirement.
    #[serde(rename = "MUST")]
    Must,
    /// A recommendation.
    #[serde(rename = "SHOULD")]
    Should,
    /// Truly optional.
    #[serde(rename = "MAY")]
    May,
}

/// JSONTestSuite's three classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The server must fail the connection (or refuse the handshake).
    MustFail,
    /// The server must accept and process the input.
    MustAccept,
    /// Either is allowed; the answer is recorded.
    ImplementationDefined,
}

/// The certificate a `wss://` client-under-test case presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseTls {
    /// Signed by the run's test CA, for the URL's host: the client must go on.
    Trusted,
    /// Valid for the host, from a CA the client was not given.
    UnknownIssuer,
    /// Signed by the test CA for another name.
    WrongName,
    /// Signed by the test CA for the host, expired years ago.
    Expired,
}

impl CaseTls {
    /// Whether a client must refuse it (RFC 6455 4.1).
    pub fn must_refuse(self) -> bool {
        self != CaseTls::Trusted
    }

    /// What is wrong with it, in words.
    pub fn describe(self) -> &'static str {
        match self {
            CaseTls::Trusted => "signed by the test CA for the URL's host",
            CaseTls::UnknownIssuer => "signed by a CA the client was not given",
            CaseTls::WrongName => "issued for another name than the URL's host",
            CaseTls::Expired => "expired",
        }
    }
}

/// A capability the case relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The server echoes text and binary messages.
    Echo,
    /// The server requires a subprotocol, and one was given with `--protocol`.
    Subprotocol,
    /// The server negotiates permessage-deflate (RFC 7692); without it the
    /// case is graded unimplemented.
    Deflate,
    /// The server negotiates a plain permessage-deflate offer (seen once,
    /// before the cases); without that the case is graded unimplemented.
    /// For cases whose own offer a server that has permessage-deflate
    /// should accept, so a decline there is judged rather than read as the
    /// extension missing.
    DeflateServer,
    /// The origins the server is meant for were given (`--origin-allow`):
    /// without them a foreign Origin cannot be told from an allowed one,
    /// and the case is skipped.
    OriginAllow,
    /// A `wss://` target: the case checks the TLS layer itself (skipped
    /// over `ws://`).
    Tls,
}

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
    /// How the bytes are written.
    #[serde(default)]
    pub delivery: Delivery,
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

/// One acceptable answer from the server.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// What this answer earns.
    pub grade: Grade,
    /// What the server sends, in order, before the connection ends.
    #[serde(default)]
    pub receive: Vec<Item>,
    /// Who ends the connection.
    pub end: End,
    /// For handshake cases: the response the server gives.
    #[serde(default)]
    pub handshake: Option<HandshakeOutcome>,
    /// The server's close frame must carry one of these codes (any when empty).
    #[serde(default)]
    pub close_codes: Vec<u16>,
    /// Why this answer gets this grade.
    #[serde(default)]
    pub note: Option<String>,
}

/// Grades an outcome can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grade {
    /// Conforms.
    Pass,
    /// Conforms to the MUSTs but misses a SHOULD or a canonical behaviour.
    NonStrict,
    /// The RFC leaves it open; recorded, not judged.
    Informational,
    /// Breaks the RFC.
    Fail,
}

/// One thing the server sends.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Item {
    /// A text message with this payload.
    Text(Payload),
    /// A binary message with this payload.
    Binary(Payload),
    /// A pong with this payload.
    Pong(Payload),
    /// A marker the client recorded.
    Mark(String),
    /// Any number of pongs, including none (section 5.5.3 lets a server
    /// answer only the most recent of several pings).
    AnyPongs,
    /// Anything at all, including nothing: for generated cases whose client
    /// resets the connection, where what the server managed to send is luck.
    Anything,
    /// The same item several times in a row.
    Repeat(RepeatItem),
    /// Some of these items, none to all, each at most once and in this
    /// order (pongs for a run of pings, 5.5.3: the server may skip answers,
    /// but each pong carries one ping's data, and in order).
    SomeOf(Vec<Item>),
}

impl Item {
    /// The item of round `i` of a repeat (see [`Payload::at`]).
    pub fn at(&self, i: usize) -> Item {
        match self {
            Item::Text(p) => Item::Text(p.at(i)),
            Item::Binary(p) => Item::Binary(p.at(i)),
            Item::Pong(p) => Item::Pong(p.at(i)),
            other => other.clone(),
        }
    }
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

/// An expected item repeated.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatItem {
    /// How many times.
    pub count: usize,
    /// The item.
    pub item: Box<Item>,
}

/// How the connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum End {
    /// The server fails the connection: it sends a close frame first or
    /// drops TCP, before the client starts closing.
    Fail,
    /// The server keeps the connection open until the client closes it.
    Open,
    /// Either.
    Any,
}

/// The handshake response an outcome expects.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HandshakeOutcome {
    /// Acceptable status codes (0: the server closed without a response).
    #[serde(default)]
    pub status: Vec<u16>,
    /// The server sends nothing and keeps the connection open until the
    /// handshake timeout (it waits for more of a request it cannot finish).
    #[serde(default)]
    pub silent: bool,
    /// Headers the response must carry, with a value containing the text.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Headers the response must not carry (an unsupported subprotocol or
    /// extension that was offered must not be selected).
    #[serde(default)]
    pub absent: Vec<String>,
    /// Headers whose value must not contain the text (a parameter the
    /// response must leave out, while the header itself may be there).
    #[serde(default)]
    pub lacking: Vec<(String, String)>,
}

/// How the close must go (RFC 6455 section 7).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloseExpect {
    /// Who must send the first close frame (or drop TCP).
    pub by: Closer,
    /// Codes the server's close frame may carry. A close frame without a
    /// code is always accepted.
    #[serde(default = "normal_closure")]
    pub codes: Vec<u16>,
    /// Whether dropping TCP without a close frame is fine (the server is
    /// failing the connection, section 7.1.7).
    #[serde(default)]
    pub drop_ok: bool,
    /// Grade for a code that is allowed on the wire but not in `codes`.
    #[serde(default = "informational")]
    pub other_codes: Grade,
    /// Why other codes get that grade.
    #[serde(default)]
    pub other_codes_note: Option<String>,
    /// Record the close without judging it.
    #[serde(default)]
    pub informational: bool,
}

/// The endpoint that starts the closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Closer {
    /// wsprobe (`wsprobe` reads better in client-under-test cases).
    #[serde(alias = "wsprobe")]
    Client,
    /// The endpoint under test (`peer` reads better in client-under-test cases).
    #[serde(alias = "peer")]
    Server,
}

/// The endpoint a case tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum Role {
    /// A server: wsprobe is the client.
    #[default]
    #[serde(rename = "server-under-test")]
    Server,
    /// A client: wsprobe is the server, playing the server side of the case.
    #[serde(rename = "client-under-test")]
    Client,
}

impl Role {
    /// Whether this is the default, a server under test.
    pub fn is_server(&self) -> bool {
        *self == Role::Server
    }
}

fn yes() -> bool {
    true
}
fn normal_closure() -> Vec<u16> {
    vec![1000]
}
fn informational() -> Grade {
    Grade::Informational
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

/// Payload bytes, written as text, hex, or a repeated pattern.
///
/// YAML: `payload: "Hello"`, `payload: {hex: "00ff"}`,
/// `payload: {fill: "*", len: 125}`, `payload: {fill_hex: "fe", len: 125}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Payload {
    /// No bytes.
    #[default]
    Empty,
    /// UTF-8 text.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// `pattern` repeated and cut to `len` bytes.
    Fill {
        /// The repeated bytes.
        pattern: Vec<u8>,
        /// Total length.
        len: usize,
    },
    /// Message `index` of a generated corpus: `{corpus: json, len: 8192}`
    /// (in a repeat, each round takes the next slice).
    Corpus {
        /// Which corpus.
        corpus: super::corpus::Corpus,
        /// Message length.
        len: usize,
        /// Which message of the series.
        index: usize,
    },
    /// Raw DEFLATE data that inflates to `len` zero bytes, about 1 KiB per
    /// MiB: `{deflated_zeros: 268435456}`, a zip bomb sent with RSV1.
    DeflatedZeros {
        /// The inflated length.
        len: u64,
    },
}

impl Payload {
    /// The bytes this payload stands for.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Payload::Empty => Vec::new(),
            Payload::Text(s) => s.as_bytes().to_vec(),
            Payload::Bytes(b) => b.clone(),
            Payload::Fill { pattern, len } => pattern.iter().copied().cycle().take(*len).collect(),
            Payload::Corpus { corpus, len, index } => corpus.message(*len, *index),
            Payload::DeflatedZeros { len } => crate::wire::deflate::zeros(*len),
        }
    }

    /// The payload of round `i` of a repeat: the next slice of a corpus,
    /// anything else unchanged.
    pub fn at(&self, i: usize) -> Payload {
        match self {
            Payload::Corpus { corpus, len, .. } => Payload::Corpus {
                corpus: *corpus,
                len: *len,
                index: i,
            },
            other => other.clone(),
        }
    }

    /// SHA-256 of the bytes, without building a large fill in memory.
    pub fn sha256(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        match self {
            Payload::Fill { pattern, len } if !pattern.is_empty() => {
                // Hash whole blocks of the pattern, then the tail.
                let block: Vec<u8> = pattern
                    .iter()
                    .copied()
                    .cycle()
                    .take(pattern.len() * (65536 / pattern.len()).max(1))
                    .collect();
                let mut left = *len;
                while left >= block.len() {
                    h.update(&block);
                    left -= block.len();
                }
                h.update(&block[..left]);
            }
            other => h.update(other.bytes()),
        }
        h.finalize().into()
    }

    /// Payload length without building it.
    pub fn len(&self) -> usize {
        match self {
            Payload::Empty => 0,
            Payload::Text(s) => s.len(),
            Payload::Bytes(b) => b.len(),
            Payload::Fill { len, .. } | Payload::Corpus { len, .. } => *len,
            Payload::DeflatedZeros { .. } => self.bytes().len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A short human description: `"Hello"`, `125 × 0x2a`, `hex 00ff…`.
    pub fn describe(&self) -> String {
        match self {
            Payload::Empty => "empty".into(),
            Payload::Text(s) if s.len() <= 40 => format!("{s:?}"),
            Payload::Text(s) => {
                format!("{:?}… ({} bytes)", &s[..s.floor_char_boundary(40)], s.len())
            }
            Payload::Bytes(b) if b.len() <= 24 => format!("hex {}", hex::encode(b)),
            Payload::Bytes(b) => format!("hex {}… ({} bytes)", hex::encode(&b[..24]), b.len()),
            Payload::Fill { pattern, len } => match std::str::from_utf8(pattern) {
                Ok(s) => format!("{len} bytes of {s:?} repeated"),
                Err(_) => format!("{len} bytes of hex {} repeated", hex::encode(pattern)),
            },
            Payload::Corpus { corpus, len, index } => {
                format!(
                    "{len} bytes of the {} corpus (message {index})",
                    corpus.name()
                )
            }
            Payload::DeflatedZeros { len } => {
                format!(
                    "{} bytes of DEFLATE data inflating to {len} zero bytes",
                    self.len()
                )
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayloadMap {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    hex: Option<String>,
    #[serde(default)]
    fill: Option<String>,
    #[serde(default)]
    fill_hex: Option<String>,
    #[serde(default)]
    len: Option<usize>,
    #[serde(default)]
    corpus: Option<super::corpus::Corpus>,
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    deflated_zeros: Option<u64>,
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Payload;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a text payload, or a map with one of text, hex, fill or fill_hex (and len)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Payload, E> {
                Ok(if v.is_empty() {
                    Payload::Empty
                } else {
                    Payload::Text(v.into())
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Payload, E> {
                Ok(Payload::Empty)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Payload, A::Error> {
                let m = PayloadMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let decode = |h: &str| hex::decode(h.replace(' ', "")).map_err(de::Error::custom);
                if let Some(len) = m.deflated_zeros {
                    return match (m.text, m.hex, m.fill, m.fill_hex, m.len, m.corpus) {
                        // 4 GiB inflate from 4 MiB; more would only cost wsprobe memory.
                        (None, None, None, None, None, None) if len <= 1 << 32 => {
                            Ok(Payload::DeflatedZeros { len })
                        }
                        (None, None, None, None, None, None) => Err(de::Error::custom(
                            "`deflated_zeros` is at most 4294967296 (4 GiB)",
                        )),
                        _ => Err(de::Error::custom("`deflated_zeros` stands alone")),
                    };
                }
                if let Some(corpus) = m.corpus {
                    return match (m.text, m.hex, m.fill, m.fill_hex, m.len) {
                        (None, None, None, None, Some(len)) => Ok(Payload::Corpus {
                            corpus,
                            len,
                            index: m.index.unwrap_or(0),
                        }),
                        _ => Err(de::Error::custom(
                            "a corpus payload takes `len` (and `index`) only",
                        )),
                    };
                }
                match (m.text, m.hex, m.fill, m.fill_hex, m.len) {
                    (Some(t), None, None, None, None) => Ok(Payload::Text(t)),
                    (None, Some(h), None, None, None) => Ok(Payload::Bytes(decode(&h)?)),
                    (None, None, Some(f), None, Some(len)) if !f.is_empty() => Ok(Payload::Fill {
                        pattern: f.into_bytes(),
                        len,
                    }),
                    (None, None, None, Some(h), Some(len)) if !h.is_empty() => Ok(Payload::Fill {
                        pattern: decode(&h)?,
                        len,
                    }),
                    _ => Err(de::Error::custom(
                        "a payload map needs exactly one of `text`, `hex`, `fill` + `len`, `fill_hex` + `len`, `corpus` + `len`, `deflated_zeros`",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Payload::Empty => s.serialize_str(""),
            Payload::Text(t) => s.serialize_str(t),
            Payload::Bytes(b) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("hex", &hex::encode(b))?;
                m.end()
            }
            Payload::Fill { pattern, len } => {
                let mut m = s.serialize_map(Some(2))?;
                match std::str::from_utf8(pattern) {
                    Ok(t) => m.serialize_entry("fill", t)?,
                    Err(_) => m.serialize_entry("fill_hex", &hex::encode(pattern))?,
                }
                m.serialize_entry("len", len)?;
                m.end()
            }
            Payload::Corpus { corpus, len, index } => {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("corpus", corpus)?;
                m.serialize_entry("len", len)?;
                if *index != 0 {
                    m.serialize_entry("index", index)?;
                }
                m.end()
            }
            Payload::DeflatedZeros { len } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("deflated_zeros", len)?;
                m.end()
            }
        }
    }
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

/// A duration written as `500ms`, `2s` or `1.5s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur(pub Duration);

impl Dur {
    /// Parse `500ms`, `2s`, `1.5s`.
    pub fn parse(s: &str) -> Result<Dur, String> {
        let s = s.trim();
        let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
            (n, 0.001)
        } else if let Some(n) = s.strip_suffix('s') {
            (n, 1.0)
        } else {
            return Err(format!("duration {s:?} needs a unit: ms or s"));
        };
        let v: f64 = num
            .trim()
            .parse()
            .map_err(|_| format!("duration {s:?} is not a number followed by ms or s"))?;
        if !(0.0..=86_400.0).contains(&v) {
            return Err(format!("duration {s:?} is out of range"));
        }
        Ok(Dur(Duration::from_secs_f64(v * scale)))
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Dur::parse(&s).map_err(de::Error::custom)
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn citations_name_each_rfc_once_per_run() {
        let text = "section: \"7\"\ntitle: t\ncases:\n  - id: a/b\n    title: t\n    rfc: [\"RFC 7692 6.1\", \"RFC 7692 7\", \"5.2\", \"5.4\"]\n    requirement: r\n    level: MUST\n    class: must-fail\n    steps: [{send: {opcode: ping}}]\n    expect: [{grade: pass, end: fail}]\n    close: {by: server}\n";
        let case = crate::case::load::load_file("t.yaml", text)
            .unwrap()
            .1
            .remove(0);
        assert_eq!(case.citation(), "RFC 7692 6.1, 7, RFC 6455 5.2, 5.4");
    }
}
