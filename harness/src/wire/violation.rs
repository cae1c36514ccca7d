//! What a peer did that RFC 6455 forbids.
//!
//! Violations are findings about the peer, named after the broken rule
//! (rustls' `PeerMisbehaved` style). They are kept apart from decode
//! failures and from wsprobe's own errors, so a harness problem never shows
//! up as a server failure.

use serde::Serialize;

/// A rule of RFC 6455 the peer broke, with what it sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "violation", rename_all = "kebab-case")]
pub enum Violation {
    /// 5.1: "A server MUST NOT mask any frames that it sends to the client."
    #[error("the server sent a masked frame")]
    MaskedFrameFromServer,
    /// 5.1: "a client MUST mask all frames that it sends to the server."
    #[error("the client sent an unmasked frame")]
    UnmaskedFrameFromClient,
    /// 5.2: "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values."
    #[error("RSV bits {rsv:#05b} set without a negotiated extension")]
    ReservedBitsWithoutExtension {
        /// The three RSV bits.
        rsv: u8,
    },
    /// 5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."
    #[error("reserved opcode {opcode:#x}")]
    ReservedOpcode {
        /// The opcode.
        opcode: u8,
    },
    /// 5.5: "All control frames MUST have a payload length of 125 bytes or less."
    #[error("control frame with a {len}-byte payload")]
    ControlFrameTooLong {
        /// The declared payload length.
        len: u64,
    },
    /// 5.5: "All control frames ... MUST NOT be fragmented."
    #[error("fragmented control frame (opcode {opcode:#x} without FIN)")]
    FragmentedControlFrame {
        /// The opcode.
        opcode: u8,
    },
    /// 5.2: "the minimal number of bytes MUST be used to encode the length".
    #[error("length {len} written in a longer field than needed")]
    NonMinimalLength {
        /// The length.
        len: u64,
    },
    /// 5.2: "the most significant bit MUST be 0" in the 64-bit length.
    #[error("64-bit length with the most significant bit set")]
    LengthMsbSet,
    /// 5.4: a continuation frame with no message to continue.
    #[error("continuation frame without a message in progress")]
    UnexpectedContinuation,
    /// 5.4: a new data frame while a fragmented message is unfinished.
    #[error("new data frame (opcode {opcode:#x}) in the middle of a fragmented message")]
    ExpectedContinuation {
        /// The opcode of the interrupting frame.
        opcode: u8,
    },
    /// 8.1: a text message whose payload is not valid UTF-8.
    #[error("text message is not valid UTF-8")]
    InvalidUtf8InText,
    /// 5.5.1: a close body, if present, starts with a 2-byte status code.
    #[error("close frame with a 1-byte payload")]
    ClosePayloadOneByte,
    /// 5.5.1: the close reason "is not guaranteed to be human readable" but MUST be UTF-8.
    #[error("close reason is not valid UTF-8")]
    InvalidUtf8InCloseReason,
    /// 7.4: a code that may not appear in a Close frame.
    #[error("close code {code} may not be sent")]
    CloseCodeNotAllowed {
        /// The code.
        code: u16,
    },
    /// 10.3: "Clients MUST choose a new masking key for each frame": two
    /// frames in a row carry the same key (for random keys, a chance of 2^-32).
    #[error("the client masked two frames in a row with the same key {key}")]
    RepeatedMaskingKey {
        /// The key, in hex.
        key: String,
    },
    /// 5.5.1: "After sending a Close frame, the endpoint MUST NOT send any more data frames."
    #[error("{opcode_name} frame after its own close frame")]
    FrameAfterClose {
        /// The opcode name.
        opcode_name: String,
    },
    /// 4.1: the 101 response must carry `Upgrade: websocket`.
    #[error("handshake response lacks `Upgrade: websocket`")]
    HandshakeMissingUpgrade,
    /// 4.1: the 101 response must carry `Connection: Upgrade`.
    #[error("handshake response lacks `Connection: Upgrade`")]
    HandshakeMissingConnection,
    /// 4.1: the response must carry the accept value derived from our key.
    #[error("Sec-WebSocket-Accept is {got:?}, expected {expected:?}")]
    HandshakeWrongAccept {
        /// What the key demands.
        expected: String,
        /// What the server sent, if anything.
        got: Option<String>,
    },
    /// 4.1: an extension the client did not offer.
    #[error("server selected extension {name:?} that was not offered")]
    HandshakeUnofferedExtension {
        /// The extension.
        name: String,
    },
    /// 4.1: a subprotocol the client did not offer.
    #[error("server selected subprotocol {name:?} that was not offered")]
    HandshakeUnofferedSubprotocol {
        /// The subprotocol.
        name: String,
    },
    /// 9.1: a `Sec-WebSocket-Extensions` value outside the grammar ("the
    /// recipient of such malformed data MUST immediately _Fail the WebSocket Connection_").
    #[error("Sec-WebSocket-Extensions is malformed: {reason}")]
    HandshakeMalformedExtensions {
        /// What breaks the grammar.
        reason: String,
    },
    /// 4.1: a client's opening handshake that breaks one of the section's rules.
    #[error("the client's opening handshake {reason}")]
    HandshakeBadRequest {
        /// Which rule, in words (`has no Sec-WebSocket-Key`).
        reason: String,
    },
    /// 4.1: "If /secure/ is true, the client MUST perform a TLS handshake
    /// over the connection after opening the connection and before sending
    /// the handshake data": the first bytes on a `wss://` connection were not
    /// a TLS record.
    #[error("the client sent {first:?} to a wss:// URL without a TLS handshake first")]
    TlsSkipped {
        /// The start of what it sent, as text.
        first: String,
    },
    /// 4.1: "Clients MUST use the Server Name Indication extension in the TLS handshake".
    #[error("the client's TLS handshake {}", match sent {
        None => "has no server_name (SNI) extension".to_string(),
        Some(n) => format!("names {n:?} in server_name (SNI), not the URL's host {host:?}"),
    })]
    TlsServerName {
        /// What the ClientHello named, if anything.
        sent: Option<String>,
        /// The host of the URL the client was given.
        host: String,
    },
    /// 4.1 (client), 4.2.2 (server): "all further communication on this
    /// channel MUST run through the encrypted tunnel": bytes that are not
    /// TLS records after the TLS handshake.
    #[error("the {} sent bytes that are not TLS records on its TLS connection ({message})", if *server { "server" } else { "client" })]
    TlsOutsideTunnel {
        /// What the TLS layer made of them.
        message: String,
        /// Whether the server sent them (wsprobe was the client).
        server: bool,
    },
    /// 4.1: "If this fails (e.g., the server's certificate could not be
    /// verified), then the client MUST _Fail the WebSocket Connection_ and
    /// abort the connection": the client went on to its opening handshake.
    #[error("the client sent its opening handshake over TLS with a certificate it cannot verify ({certificate})")]
    TlsUntrusted {
        /// What is wrong with the certificate.
        certificate: String,
    },
    /// RFC 7692 7: the permessage-deflate response is invalid or does not fit the offer.
    #[error("invalid permessage-deflate response: {reason}")]
    DeflateBadResponse {
        /// Which rule it breaks.
        reason: String,
    },
    /// RFC 7692 6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames and non-first fragments of a data message."
    #[error("RSV1 (per-message compressed) set on a {kind}")]
    DeflateBitMisplaced {
        /// `control frame` or `continuation frame`.
        kind: String,
    },
    /// RFC 7692 7.2.2: a compressed message that does not inflate.
    #[error("compressed message is not valid DEFLATE data: {reason}")]
    DeflateInvalidData {
        /// What the inflater said.
        reason: String,
    },
    /// RFC 7692 7.2.1, step 3 of compressing: "Remove 4 octets (that are
    /// 0x00 0x00 0xff 0xff) from the tail end." The message still ends with them.
    #[error(
        "compressed message still ends with 0x00 0x00 0xff 0xff, which the sender must remove"
    )]
    DeflateTailKept,
    /// A compressed message that inflates past the message limit (a zip bomb).
    #[error("compressed message inflates to more than {limit} bytes")]
    DeflateTooLarge {
        /// The limit.
        limit: u64,
    },
}

impl Violation {
    /// The RFC 6455 section that states the rule.
    pub fn rfc_section(&self) -> &'static str {
        use Violation::*;
        match self {
            MaskedFrameFromServer | UnmaskedFrameFromClient => "5.1",
            RepeatedMaskingKey { .. } => "10.3",
            ReservedBitsWithoutExtension { .. } | ReservedOpcode { .. } => "5.2",
            NonMinimalLength { .. } | LengthMsbSet => "5.2",
            ControlFrameTooLong { .. } | FragmentedControlFrame { .. } => "5.5",
            UnexpectedContinuation | ExpectedContinuation { .. } => "5.4",
            InvalidUtf8InText => "8.1",
            ClosePayloadOneByte | InvalidUtf8InCloseReason | FrameAfterClose { .. } => "5.5.1",
            CloseCodeNotAllowed { .. } => "7.4",
            HandshakeMissingUpgrade
            | HandshakeMissingConnection
            | HandshakeWrongAccept { .. }
            | HandshakeUnofferedExtension { .. }
            | HandshakeUnofferedSubprotocol { .. }
            | HandshakeBadRequest { .. }
            | TlsSkipped { .. }
            | TlsServerName { .. }
            | TlsOutsideTunnel { server: false, .. }
            | TlsUntrusted { .. } => "4.1",
            TlsOutsideTunnel { server: true, .. } => "4.2.2",
            HandshakeMalformedExtensions { .. } => "9.1",
            DeflateBadResponse { .. } => "7",
            DeflateBitMisplaced { .. } => "6.1",
            DeflateInvalidData { .. } => "7.2.2",
            DeflateTailKept => "7.2.1",
            DeflateTooLarge { .. } => "10.4",
        }
    }

    /// The RFC `rfc_section` belongs to: 6455, or 7692 (permessage-deflate).
    pub fn rfc(&self) -> u16 {
        use Violation::*;
        match self {
            DeflateBadResponse { .. }
            | DeflateBitMisplaced { .. }
            | DeflateInvalidData { .. }
            | DeflateTailKept => 7692,
            _ => 6455,
        }
    }

    /// Whether it concerns the opening handshake (after which a client
    /// fails the connection at once, so no close is graded).
    pub fn is_handshake(&self) -> bool {
        self.rfc_section() == "4.1"
            || matches!(
                self,
                Violation::DeflateBadResponse { .. }
                    | Violation::HandshakeMalformedExtensions { .. }
            )
    }

    /// The close code an endpoint that detects this violation should send
    /// when it fails the connection (sections 7.4.1 and 8.1).
    pub fn close_code(&self) -> u16 {
        match self {
            Violation::InvalidUtf8InText | Violation::InvalidUtf8InCloseReason => 1007,
            Violation::DeflateTooLarge { .. } => 1009,
            _ => 1002,
        }
    }
}
