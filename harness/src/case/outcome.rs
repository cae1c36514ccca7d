//! The answers a case accepts: each outcome with its grade, the items the
//! peer may send, how the connection may end, and how the close must go.

use serde::{Deserialize, Serialize};

use super::Payload;

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
    /// Any number of data messages, including none: what a server sends on
    /// its own (a greeting, a keepalive, an error message before it closes)
    /// where the case is about something else.
    AnyMessages,
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
    /// Any HTTP status but 101 (closing without a response is `status:
    /// [0]`, listed on its own).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refusal: bool,
    /// No HTTP answer at all: no connection, a reset, bytes that are not
    /// HTTP (a port that speaks only TLS). For a case asking whether the
    /// endpoint is there at all (`transport: plain`), where that is as
    /// good an answer as a refusal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreachable: bool,
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

fn normal_closure() -> Vec<u16> {
    vec![1000]
}
fn informational() -> Grade {
    Grade::Informational
}
