//! The faults: each one deliberate deviation from RFC 6455, with its CLI
//! name and what it breaks.

/// One deliberate deviation from RFC 6455.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// Echoes text messages without checking UTF-8 (8.1).
    EchoInvalidUtf8,
    /// Processes frames with RSV bits set (5.2).
    IgnoreRsv,
    /// Accepts frames the client did not mask (5.1).
    AcceptUnmasked,
    /// Never answers a close frame (5.5.1).
    NoCloseReply,
    /// Answers every close with 1005, a code that may not be sent (7.4.1).
    WrongCloseCode,
    /// Echoes the client's close code even when it is invalid (7.4).
    EchoCloseCode,
    /// Sends a wrong Sec-WebSocket-Accept (4.2.2).
    BadAccept,
    /// Stops accepting connections after a reserved opcode (crash).
    CrashOnReservedOpcode,
    /// Masks the frames it sends (5.1).
    MaskFrames,
    /// As a client, masks every frame with the same key (RFC 6455 10.3
    /// requires a new one per frame). No effect as a server.
    FixedMaskKey,
    /// Silently drops frames with reserved opcodes (5.2).
    IgnoreReservedOpcodes,
    /// Accepts broken fragmentation: stray continuations, interleaved data frames (5.4).
    LenientFragmentation,
    /// Accepts control frames over 125 bytes or fragmented (5.5).
    LenientControl,
    /// Never answers pings (5.5.2).
    NoPong,
    /// Keeps TCP open after the close handshake (7.1.1).
    LingerAfterClose,
    /// Resets TCP (SO_LINGER 0) right after its close reply, instead of
    /// closing it cleanly (7.1.1).
    ResetAfterClose,
    /// Sets RSV1 on the frames it sends (5.2).
    RsvOnEcho,
    /// Writes every length in the 64-bit form (5.2).
    NonMinimalLength,
    /// Upgrades any request, however broken (4.2.1).
    AcceptAnyHandshake,
    /// Echoes at most 65535 bytes of a message.
    TruncateLargeMessages,
    /// Echoes every message as text.
    EchoBinaryAsText,
    /// Discards frame bytes that arrive with the handshake request.
    DropPipelined,
    /// Accepts only `Connection: Upgrade` exactly, not a token list (4.2.1).
    StrictConnectionHeader,
    /// Keeps answering frames after its close reply (5.5.1).
    ProcessAfterClose,
    /// Trusts any length, waiting silently for 2^63 bytes (5.2).
    TrustLength,
    /// Fails every fragmented message (5.4).
    NoFragmentation,
    /// Answers pongs with pongs (5.5.3).
    EchoPong,
    /// Keeps the connection open after the client's FIN (7.1.1).
    IgnoreEof,
    /// Stops accepting connections when a client vanishes in the middle of a frame (crash).
    CrashOnTruncatedFrame,
    /// Compares `websocket` and `Upgrade` case-sensitively (4.2.1).
    CaseSensitiveTokens,
    /// Selects whatever subprotocol and extension the client offers (4.2.2).
    EchoOffers,
    /// Drops new connections while 100 are open (10.4): a clean refusal.
    MaxConnections,
    /// While 100 are open, takes new connections and never answers them (a
    /// wedged accept loop): a hang, not a refusal.
    MaxConnectionsHang,
    /// While 100 are open, answers new connections only after 4 s: slow,
    /// not wrong (10.4 asks a server to protect itself, not to be fast).
    SlowUnderLoad,
    /// Grants server_no_context_takeover but keeps its compression context (RFC 7692 7.1.1.1).
    DeflateKeepsContext,
    /// Accepts permessage-deflate offers it must decline (RFC 7692 7).
    DeflateAcceptsBadOffers,
    /// Resets its inflater after every message although the client keeps
    /// its context (client_no_context_takeover not agreed, RFC 7692 7.1.1.2).
    DeflateDropsClientContext,
    /// Declines client_no_context_takeover but inflates as if granted when
    /// the offer carried it (RFC 7692 7.2.2: only the agreed parameters count).
    DeflateTrustsHint,
    /// Grants server_max_window_bits but compresses with a 32 KiB window (RFC 7692 7.1.2.1).
    DeflateWideWindow,
    /// Sends compressed echoes that are not DEFLATE data (RFC 7692 7.2.2).
    DeflateCorruptEchoes,
    /// Answers each data message with a compressed one inflating to 128 MiB of zeros.
    DeflateBombEchoes,
    /// Compresses with permessage-deflate without naming it in its response
    /// (RFC 7692 5); as a client, compresses although the response did not
    /// accept its offer.
    DeflateUnannounced,
    /// Compresses without removing the 0x00 0x00 0xff 0xff tail (RFC 7692 7.2.1).
    DeflateKeepsTail,
    /// As a client, fails the connection on a response with parameters its
    /// offer did not ask for (RFC 7692 7.1.1.1, 7.1.1.2, 7.1.2.1). No effect
    /// as a server.
    DeflateRejectsUnasked,
    /// Inflates messages sent without RSV1 too (RFC 7692 6.2: those are
    /// uncompressed).
    DeflateInflatesAll,
    /// Reads only the first Sec-WebSocket-Extensions line of a request
    /// (RFC 6455 9.1: the lines are one list).
    ExtensionsFirstLineOnly,
    /// Reads only the last Sec-WebSocket-Extensions line of a request.
    ExtensionsLastLineOnly,
    /// Not a fault: ends every compressed message with a block with BFINAL
    /// set, then the empty stored block's header octet (RFC 7692 7.2.3.4),
    /// which a receiver must take like a sync flush.
    DeflateFinalBlocks,
    /// Ends every compressed message with a block with BFINAL set padded
    /// with 1 bits instead of 0 (RFC 7692 7.2.1).
    DeflateDirtyPadding,
    /// Asks the client for an 8-bit window (client_max_window_bits=8)
    /// whenever its offer allows one (RFC 7692 7.3 recommends 1,024 bytes
    /// or more).
    DeflateSmallWindow,
    /// As a client, sends the same Sec-WebSocket-Key on every connection
    /// (RFC 6455 4.1: a random nonce for each). No effect as a server.
    FixedHandshakeKey,
    /// As a client, fails the connection with 1010 and no reason when the
    /// response declines its permessage-deflate offer (RFC 6455 7.4.1 asks
    /// for the needed extensions in the reason). No effect as a server.
    NeedsDeflate,
    /// As a client, offers x-webkit-deflate-frame too, a token not in the
    /// IANA registry (RFC 6455 9.1). No effect as a server.
    OffersUnregisteredExtension,
    /// As a client, inflates with a 1 KiB window without limiting
    /// server_max_window_bits in its offer (RFC 7692 5, 7.2.2). No effect as
    /// a server.
    DeflateNarrowWindow,
    /// Not a fault: serves only pages of https://app.wsprobe.test, refusing
    /// another Origin with 403 (RFC 6455 10.2). Without it the server
    /// accepts any origin, which for a server meant for certain sites is
    /// the fault.
    OriginRestricted,
    /// Serves pages whose Origin starts with https://app.wsprobe.test (a
    /// prefix check, as `startsWith` makes it): look-alike hosts pass.
    OriginPrefixMatch,
    /// Serves https://app.wsprobe.test and `Origin: null` too.
    OriginAllowsNull,
    /// Not a fault: refuses with 401 a handshake without
    /// `Cookie: session=wsprobe-test-session` (RFC 6455 4.2.2).
    AuthRequired,
    /// Asks for a `session` cookie but lets any value in.
    AuthPresenceOnly,
    /// With origin-restricted or auth-required: makes those checks after
    /// the upgrade, answering 101 and then closing with 1008.
    ChecksAfterUpgrade,
    /// Goes down on a request of more than 1000 header lines (ws before
    /// 8.17.1, CVE-2024-37890).
    CrashOnManyHeaders,
    /// Splits Sec-WebSocket-Protocol in time quadratic in a run of spaces
    /// (ws before 7.4.6, CVE-2021-32640).
    QuadraticHeaders,
    /// Reads a request head of any size whole into memory before parsing
    /// it: no limit on its size.
    UnboundedHead,
    /// Goes down, some 80 ms later, when a client resets its connection:
    /// a Node server with no error listener on an upgraded socket
    /// (engine.io before 6.2.1, CVE-2022-41940).
    CrashOnReset,
    /// Allocates a frame's announced length before reading it, and goes
    /// down when no allocator can give it (more than 2^47 bytes):
    /// rust-websocket before 0.26.5 (CVE-2022-35922).
    CrashOnHugeLength,
    /// Reads a request head of any size and parses it again from its first
    /// byte after every read of at most 4096 bytes: time quadratic in the
    /// head's length (tungstenite before 0.20.1, CVE-2023-43669).
    ReparseHead,
    /// Goes down when an invalid frame arrives with its upgrade request,
    /// before it has set up the connection (engine.io before 6.1.1,
    /// CVE-2022-21676).
    CrashOnPipelinedFrame,
    /// Over TLS, writes its handshake response on the TCP socket under the
    /// TLS session (RFC 6455 4.2.2: through the tunnel). No effect over
    /// plain TCP.
    TlsPlaintextResponse,
    /// As a client, speaks plain HTTP to a wss:// URL (RFC 6455 4.1: a TLS
    /// handshake first). No effect as a server.
    TlsPlaintext,
    /// As a client, leaves server_name (SNI) out of its TLS ClientHello
    /// (RFC 6455 4.1). No effect as a server.
    TlsNoSni,
    /// As a client, accepts any TLS certificate (RFC 6455 4.1: fail the
    /// connection when it cannot be verified). No effect as a server.
    TlsAnyCertificate,
    /// As a client, completes the TLS handshake, then writes its opening
    /// handshake on the TCP socket under it (RFC 6455 4.1: all through the
    /// tunnel). No effect as a server.
    TlsPlaintextAfterHandshake,
    /// Conforming, but single-threaded and slow: one thread serves every
    /// connection and blocks for a moment on each handshake and message, so
    /// 32 cases at once queue behind each other (a load test for wsprobe).
    Slow,
    /// Hostile: floods ping frames after the handshake, reading nothing.
    PingFlood,
    /// Hostile: floods close frames after the handshake.
    CloseFlood,
    /// Hostile: starts a text message and sends continuation frames forever.
    ContinuationFlood,
    /// Conforming, with a 1 MiB message limit enforced the way Python
    /// websockets enforces `max_size`: a close with 1009 as soon as a frame
    /// announces more (or a message grows past it), then TCP closed without
    /// reading the rest. The client must stop sending and be judged at once.
    SizeLimit,
    /// No size limit: reads every frame and message whole into memory,
    /// however large, before echoing it (ws before 1.1.1, CVE-2016-10542).
    NoSizeLimit,
    /// No limit on a message's fragments, and a 128-byte buffer kept for
    /// each until the message ends (ws before 8.21.0, GHSA-96hv-2xvq-fx4p).
    FragmentsKeptApart,
    /// Conforming, but once, after its 60th connection, it drops every new
    /// connection for 1.5 s (a restart or an overloaded accept queue): slow,
    /// not down, so no case may be reported as having crashed it.
    Hiccup,
    /// Conforming, but every close frame it sends leaves 1.5 s late (a
    /// server busy, or sharing a loaded machine): slower than a wait sized
    /// for a fast server, well inside a case's budget.
    SlowClose,
}

impl Fault {
    /// Every fault with its CLI name and what it breaks.
    pub const ALL: &'static [(Fault, &'static str, &'static str)] = &[
        (
            Fault::EchoInvalidUtf8,
            "echo-invalid-utf8",
            "echoes text without validating UTF-8 (RFC 6455 8.1)",
        ),
        (
            Fault::IgnoreRsv,
            "ignore-rsv",
            "processes frames with reserved bits set (5.2)",
        ),
        (
            Fault::AcceptUnmasked,
            "accept-unmasked",
            "accepts unmasked client frames (5.1)",
        ),
        (
            Fault::NoCloseReply,
            "no-close-reply",
            "never answers a close frame (5.5.1)",
        ),
        (
            Fault::WrongCloseCode,
            "wrong-close-code",
            "answers every close with 1005, which may not be sent (7.4.1)",
        ),
        (
            Fault::EchoCloseCode,
            "echo-close-code",
            "echoes the client's close code even when invalid (7.4)",
        ),
        (
            Fault::BadAccept,
            "bad-accept",
            "sends a wrong Sec-WebSocket-Accept (4.2.2)",
        ),
        (
            Fault::CrashOnReservedOpcode,
            "crash-on-reserved-opcode",
            "stops accepting connections after a reserved opcode",
        ),
        (
            Fault::MaskFrames,
            "mask-frames",
            "masks the frames it sends (5.1)",
        ),
        (
            Fault::FixedMaskKey,
            "fixed-mask-key",
            "as a client, masks every frame with the same key (10.3: a new key for each frame)",
        ),
        (
            Fault::IgnoreReservedOpcodes,
            "ignore-reserved-opcodes",
            "silently drops frames with reserved opcodes (5.2)",
        ),
        (
            Fault::LenientFragmentation,
            "lenient-fragmentation",
            "accepts stray continuations and interleaved messages (5.4)",
        ),
        (
            Fault::LenientControl,
            "lenient-control",
            "accepts control frames over 125 bytes or fragmented (5.5)",
        ),
        (Fault::NoPong, "no-pong", "never answers pings (5.5.2)"),
        (
            Fault::LingerAfterClose,
            "linger-after-close",
            "keeps TCP open after the close handshake (7.1.1)",
        ),
        (
            Fault::ResetAfterClose,
            "reset-after-close",
            "resets TCP right after answering a close frame instead of closing it cleanly (7.1.1)",
        ),
        (
            Fault::RsvOnEcho,
            "rsv-on-echo",
            "sets RSV1 on the frames it sends (5.2)",
        ),
        (
            Fault::NonMinimalLength,
            "non-minimal-length",
            "writes every length in the 64-bit form (5.2)",
        ),
        (
            Fault::AcceptAnyHandshake,
            "accept-any-handshake",
            "upgrades any request, however broken (4.2.1)",
        ),
        (
            Fault::TruncateLargeMessages,
            "truncate-large-messages",
            "echoes at most 65535 bytes of a message",
        ),
        (
            Fault::EchoBinaryAsText,
            "echo-binary-as-text",
            "echoes every message as text",
        ),
        (
            Fault::DropPipelined,
            "drop-pipelined",
            "discards frame bytes that arrive with the handshake",
        ),
        (
            Fault::StrictConnectionHeader,
            "strict-connection-header",
            "accepts only `Connection: Upgrade`, not a token list (4.2.1)",
        ),
        (
            Fault::ProcessAfterClose,
            "process-after-close",
            "keeps answering frames after its close reply (5.5.1)",
        ),
        (
            Fault::TrustLength,
            "trust-length",
            "trusts any length and waits silently for the bytes (5.2)",
        ),
        (
            Fault::NoFragmentation,
            "no-fragmentation",
            "fails every fragmented message (5.4)",
        ),
        (
            Fault::EchoPong,
            "echo-pong",
            "answers pongs with pongs (5.5.3)",
        ),
        (
            Fault::IgnoreEof,
            "ignore-eof",
            "keeps the connection open after the client's FIN (7.1.1)",
        ),
        (
            Fault::CrashOnTruncatedFrame,
            "crash-on-truncated-frame",
            "stops accepting connections when a client vanishes mid-frame",
        ),
        (
            Fault::CaseSensitiveTokens,
            "case-sensitive-tokens",
            "compares `websocket` and `Upgrade` case-sensitively (4.2.1)",
        ),
        (
            Fault::EchoOffers,
            "echo-offers",
            "selects whatever subprotocol and extension the client offers (4.2.2)",
        ),
        (
            Fault::MaxConnections,
            "max-connections",
            "drops new connections while 100 are open (10.4)",
        ),
        (
            Fault::MaxConnectionsHang,
            "max-connections-hang",
            "while 100 connections are open, takes new ones and never answers them (10.4)",
        ),
        (
            Fault::SlowUnderLoad,
            "slow-under-load",
            "while 100 connections are open, answers new ones only after 4 s (correct: 10.4 asks for no speed)",
        ),
        (
            Fault::DeflateKeepsContext,
            "deflate-keeps-context",
            "grants server_no_context_takeover but keeps its compression context (RFC 7692 7.1.1.1)",
        ),
        (
            Fault::DeflateAcceptsBadOffers,
            "deflate-accepts-bad-offers",
            "accepts permessage-deflate offers it must decline (RFC 7692 7)",
        ),
        (
            Fault::DeflateDropsClientContext,
            "deflate-drops-client-context",
            "inflates each message afresh although client_no_context_takeover was not agreed (RFC 7692 7.1.1.2)",
        ),
        (
            Fault::DeflateTrustsHint,
            "deflate-trusts-hint",
            "inflates without context when the offer hinted client_no_context_takeover, though it did not grant it (RFC 7692 7.2.2)",
        ),
        (
            Fault::DeflateWideWindow,
            "deflate-wide-window",
            "grants server_max_window_bits but compresses with a 32 KiB window (RFC 7692 7.1.2.1)",
        ),
        (
            Fault::DeflateCorruptEchoes,
            "deflate-corrupt-echoes",
            "sends compressed echoes that are not DEFLATE data (RFC 7692 7.2.2)",
        ),
        (
            Fault::DeflateBombEchoes,
            "deflate-bomb-echoes",
            "answers each data message with a compressed one inflating to 128 MiB of zeros (a zip bomb)",
        ),
        (
            Fault::DeflateUnannounced,
            "deflate-unannounced",
            "compresses without permessage-deflate in its response; as a client, after a response that declined it (RFC 7692 5)",
        ),
        (
            Fault::DeflateKeepsTail,
            "deflate-keeps-tail",
            "leaves the 0x00 0x00 0xff 0xff tail on compressed messages (RFC 7692 7.2.1)",
        ),
        (
            Fault::DeflateRejectsUnasked,
            "deflate-rejects-unasked",
            "as a client, fails the connection on permessage-deflate parameters its offer did not ask for (RFC 7692 7.1)",
        ),
        (
            Fault::DeflateInflatesAll,
            "deflate-inflates-all",
            "inflates messages sent without RSV1 too (RFC 7692 6.2)",
        ),
        (
            Fault::ExtensionsFirstLineOnly,
            "extensions-first-line-only",
            "reads only the first Sec-WebSocket-Extensions line of a request (RFC 6455 9.1)",
        ),
        (
            Fault::ExtensionsLastLineOnly,
            "extensions-last-line-only",
            "reads only the last Sec-WebSocket-Extensions line of a request (RFC 6455 9.1)",
        ),
        (
            Fault::DeflateFinalBlocks,
            "deflate-final-blocks",
            "not a fault: ends each compressed message with a BFINAL block, padded with 0 (RFC 7692 7.2.3.4)",
        ),
        (
            Fault::DeflateDirtyPadding,
            "deflate-dirty-padding",
            "ends each compressed message with a BFINAL block padded with 1 bits (RFC 7692 7.2.1)",
        ),
        (
            Fault::DeflateSmallWindow,
            "deflate-small-window",
            "grants the client an 8-bit window whenever its offer has client_max_window_bits (RFC 7692 7.3)",
        ),
        (
            Fault::FixedHandshakeKey,
            "fixed-handshake-key",
            "as a client, sends the same Sec-WebSocket-Key on every connection (4.1: a new random nonce for each)",
        ),
        (
            Fault::NeedsDeflate,
            "needs-deflate",
            "as a client, fails the connection with 1010 and an empty reason when permessage-deflate is declined (7.4.1)",
        ),
        (
            Fault::OffersUnregisteredExtension,
            "offers-unregistered-extension",
            "as a client, offers x-webkit-deflate-frame, an extension token the IANA registry does not hold (RFC 6455 9.1)",
        ),
        (
            Fault::DeflateNarrowWindow,
            "deflate-narrow-window",
            "as a client, inflates with a 1 KiB window without saying so in its offer (RFC 7692 5, 7.2.2)",
        ),
        (
            Fault::OriginRestricted,
            "origin-restricted",
            "not a fault: serves only pages of https://app.wsprobe.test, other Origins get 403 (10.2)",
        ),
        (
            Fault::OriginPrefixMatch,
            "origin-prefix-match",
            "serves pages whose Origin starts with https://app.wsprobe.test, as a startsWith check does: https://app.wsprobe.test.evil.invalid passes (10.2)",
        ),
        (
            Fault::OriginAllowsNull,
            "origin-allows-null",
            "serves https://app.wsprobe.test and `Origin: null`, which any sandboxed frame can send (10.2)",
        ),
        (
            Fault::AuthRequired,
            "auth-required",
            "not a fault: refuses with 401 a handshake without `Cookie: session=wsprobe-test-session` (4.2.2)",
        ),
        (
            Fault::AuthPresenceOnly,
            "auth-presence-only",
            "asks for a `session` cookie, but lets any value in (4.2.2)",
        ),
        (
            Fault::ChecksAfterUpgrade,
            "checks-after-upgrade",
            "with origin-restricted or auth-required: makes those checks after the upgrade, answering 101 and then closing with 1008",
        ),
        (
            Fault::CrashOnManyHeaders,
            "crash-on-many-headers",
            "goes down on a request of more than 1000 header lines, as ws before 8.17.1 did (CVE-2024-37890)",
        ),
        (
            Fault::QuadraticHeaders,
            "quadratic-headers",
            "splits Sec-WebSocket-Protocol in time quadratic in a run of spaces, as ws before 7.4.6 did (CVE-2021-32640)",
        ),
        (
            Fault::UnboundedHead,
            "unbounded-head",
            "reads a request head of any size whole into memory before parsing it: no header size limit",
        ),
        (
            Fault::CrashOnHugeLength,
            "crash-on-huge-length",
            "allocates a frame's announced length up front and goes down when it cannot (over 2^47 bytes), as rust-websocket before 0.26.5 did (CVE-2022-35922)",
        ),
        (
            Fault::ReparseHead,
            "reparse-head",
            "parses a request head of any size again from its start after every read of 4096 bytes, as tungstenite before 0.20.1 did (CVE-2023-43669): quadratic time",
        ),
        (
            Fault::CrashOnReset,
            "crash-on-reset",
            "goes down some 80 ms after a client resets its connection, as engine.io before 6.2.1 did (CVE-2022-41940)",
        ),
        (
            Fault::CrashOnPipelinedFrame,
            "crash-on-pipelined-frame",
            "goes down when an invalid frame comes with the upgrade request, as engine.io before 6.1.1 did (CVE-2022-21676)",
        ),
        (
            Fault::TlsPlaintextResponse,
            "tls-plaintext-response",
            "over TLS, writes its handshake response outside the TLS records (4.2.2)",
        ),
        (
            Fault::TlsPlaintext,
            "tls-plaintext",
            "as a client, sends its opening handshake to a wss:// URL in plain text, without TLS (4.1)",
        ),
        (
            Fault::TlsNoSni,
            "tls-no-sni",
            "as a client, sends no server_name (SNI) in its TLS handshake (4.1)",
        ),
        (
            Fault::TlsAnyCertificate,
            "tls-any-certificate",
            "as a client, accepts any TLS certificate: unknown CA, another name, expired (4.1)",
        ),
        (
            Fault::TlsPlaintextAfterHandshake,
            "tls-plaintext-after-handshake",
            "as a client, completes the TLS handshake, then sends its opening handshake outside the TLS records (4.1)",
        ),
        (
            Fault::Slow,
            "slow",
            "conforms, but one thread serves everything and blocks 1 ms per handshake, 300 us per message or control frame",
        ),
        (
            Fault::PingFlood,
            "ping-flood",
            "hostile: answers the handshake, then sends ping frames without end",
        ),
        (
            Fault::CloseFlood,
            "close-flood",
            "hostile: answers the handshake, then sends close frames without end",
        ),
        (
            Fault::ContinuationFlood,
            "continuation-flood",
            "hostile: answers the handshake, then one text message that never ends",
        ),
        (
            Fault::SizeLimit,
            "size-limit",
            "conforms, refusing messages over 1 MiB with 1009 at the first frame header that exceeds it, then closing TCP unread",
        ),
        (
            Fault::NoSizeLimit,
            "no-size-limit",
            "keeps every frame and message whole in memory, however large, before echoing it (CVE-2016-10542's kind)",
        ),
        (
            Fault::FragmentsKeptApart,
            "fragments-kept-apart",
            "takes any number of fragments and keeps a 128-byte buffer for each until the message ends (GHSA-96hv-2xvq-fx4p's kind)",
        ),
        (
            Fault::Hiccup,
            "hiccup",
            "conforms, but after its 60th connection drops every new connection for 1.5 s, once",
        ),
        (
            Fault::SlowClose,
            "slow-close",
            "conforms, but sends every close frame 1.5 s late",
        ),
    ];

    /// Look a fault up by its CLI name.
    pub fn parse(name: &str) -> Option<Fault> {
        Fault::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(f, _, _)| *f)
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        Fault::ALL
            .iter()
            .find(|(f, _, _)| *f == self)
            .map_or("?", |(_, n, _)| n)
    }
}
