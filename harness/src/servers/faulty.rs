//! A hand-written server with switchable faults, to prove each judging rule
//! can fail. Without faults it is a second, independent conforming echo
//! server. It is written at the byte level because tungstenite refuses to
//! misbehave; it reuses wsprobe's own reader in the server role, so each
//! fault is "ignore this violation" or "send this wrong thing".

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

use crate::wire::codes::{close_code_allowed, op};
use crate::wire::deflate::{Deflater, Inflater};
use crate::wire::reader::{FrameReader, Limits, ReadEvent, Side};
use crate::wire::{LengthForm, RawFrame, Violation};

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

type Faults = Arc<BTreeSet<Fault>>;

/// Accept connections until a crash fault fires.
pub async fn serve(listener: TcpListener, faults: BTreeSet<Fault>, tls: Option<TlsAcceptor>) {
    let faults: Faults = Arc::new(faults);
    let crashed = Arc::new(Notify::new());
    let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut accepted_count = 0usize;
    let mut hiccup_until: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    use std::sync::atomic::Ordering;
                    accepted_count += 1;
                    if faults.contains(&Fault::Hiccup) {
                        let now = tokio::time::Instant::now();
                        if accepted_count == 60 {
                            hiccup_until = Some(now + std::time::Duration::from_millis(1500));
                        }
                        if hiccup_until.is_some_and(|until| now < until) {
                            drop(stream);
                            continue;
                        }
                    }
                    if faults.contains(&Fault::MaxConnections) && open.load(Ordering::SeqCst) >= 100 {
                        drop(stream);
                        continue;
                    }
                    if faults.contains(&Fault::MaxConnectionsHang) && open.load(Ordering::SeqCst) >= 100 {
                        // Held, never read or answered, until the client goes.
                        tokio::spawn(async move {
                            let mut stream = stream;
                            let mut sink = [0u8; 1024];
                            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                        });
                        continue;
                    }
                    let busy = open.fetch_add(1, Ordering::SeqCst) >= 100;
                    let (faults, crashed, open) = (faults.clone(), crashed.clone(), open.clone());
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        if busy && faults.contains(&Fault::SlowUnderLoad) {
                            tokio::time::sleep(std::time::Duration::from_secs(4)).await;
                        }
                        // A second handle on the socket, to reset it whatever wraps it (TLS).
                        let resetter = faults
                            .contains(&Fault::ResetAfterClose)
                            .then(|| socket2::SockRef::from(&stream).try_clone().ok())
                            .flatten();
                        // tls-plaintext-response: a handle on the socket under the TLS session.
                        let raw = (tls.is_some() && faults.contains(&Fault::TlsPlaintextResponse))
                            .then(|| socket2::SockRef::from(&stream).try_clone().ok())
                            .flatten();
                        if let Some(stream) = super::accepted(stream, tls.as_ref()).await {
                            let stream: Box<dyn super::Io> = match raw {
                                Some(raw) => Box::new(FirstWriteRaw { inner: stream, raw: Some(raw) }),
                                None => stream,
                            };
                            handle(stream, faults, crashed, resetter).await;
                        }
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            }
            // Dropping the listener makes every later connect fail, like a dead process.
            _ = crashed.notified() => return,
        }
    }
}

/// The `tls-plaintext-response` fault: the first write, the handshake
/// response, goes to the TCP socket under the TLS session.
struct FirstWriteRaw {
    inner: Box<dyn super::Io>,
    raw: Option<socket2::Socket>,
}

impl tokio::io::AsyncRead for FirstWriteRaw {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for FirstWriteRaw {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if let Some(raw) = self.raw.take() {
            // A response is a few hundred bytes: the socket buffer takes it at once.
            return std::task::Poll::Ready(std::io::Write::write(&mut &raw, buf));
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn handle(
    mut stream: Box<dyn super::Io>,
    faults: Faults,
    crashed: Arc<Notify>,
    resetter: Option<socket2::Socket>,
) {
    let opts = super::http::Options {
        lenient: faults.contains(&Fault::AcceptAnyHandshake),
        bad_accept: faults.contains(&Fault::BadAccept),
        strict_connection: faults.contains(&Fault::StrictConnectionHeader),
        case_sensitive: faults.contains(&Fault::CaseSensitiveTokens),
        echo_offers: faults.contains(&Fault::EchoOffers),
        deflate: true,
        deflate_lenient: faults.contains(&Fault::DeflateAcceptsBadOffers),
        deflate_trusts_hint: faults.contains(&Fault::DeflateTrustsHint),
        deflate_unannounced: faults.contains(&Fault::DeflateUnannounced),
        deflate_small_window: faults.contains(&Fault::DeflateSmallWindow),
        extension_lines: if faults.contains(&Fault::ExtensionsFirstLineOnly) {
            super::http::Lines::First
        } else if faults.contains(&Fault::ExtensionsLastLineOnly) {
            super::http::Lines::Last
        } else {
            super::http::Lines::All
        },
        origins: faults
            .contains(&Fault::OriginRestricted)
            .then_some(&[super::http::TEST_ORIGIN][..]),
    };
    let Some((mut leftover, deflate)) = super::http::handshake(&mut stream, opts).await else {
        return;
    };
    if faults.contains(&Fault::Slow) {
        // Blocks the one thread: every other connection waits too.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    if let Some((first, chunk)) = flood_bytes(&faults) {
        // Hostile, but it answers: a data message that arrives within 50 ms
        // is echoed (so the liveness probe finds the server up), then the
        // flood runs until the client goes away, reading nothing more.
        let until = tokio::time::Instant::now() + std::time::Duration::from_millis(50);
        let limits = Limits {
            preview: 1 << 20,
            ..Limits::default()
        };
        let mut reader = FrameReader::new(Side::Server, limits);
        let (mut events, mut buf, mut pending) = (Vec::new(), vec![0u8; 16 * 1024], leftover);
        'first: loop {
            let _ = reader.feed(&pending, &mut events);
            pending.clear();
            for ev in events.drain(..) {
                if let ReadEvent::Message(m) = ev {
                    let _ = send(&mut stream, &faults, Side::Server, m.opcode, m.preview).await;
                    break 'first;
                }
            }
            match tokio::time::timeout_at(until, stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => pending.extend_from_slice(&buf[..n]),
                Ok(_) => return,
                Err(_) => break,
            }
        }
        let _ = stream.write_all(&first).await;
        while stream.write_all(&chunk).await.is_ok() {}
        return;
    }
    if faults.contains(&Fault::DropPipelined) {
        leftover.clear();
    }
    session(
        stream,
        leftover,
        deflate,
        faults,
        crashed,
        Side::Server,
        resetter,
    )
    .await;
}

/// A flood fault's first bytes and the bytes it repeats, 16 KiB at a time.
fn flood_bytes(faults: &Faults) -> Option<(Vec<u8>, Vec<u8>)> {
    let (first, frame): (&[u8], &[u8]) = if faults.contains(&Fault::PingFlood) {
        (&[], &[0x89, 0x04, b'f', b'l', b'o', b'o'])
    } else if faults.contains(&Fault::CloseFlood) {
        (&[], &[0x88, 0x02, 0x03, 0xe8])
    } else if faults.contains(&Fault::ContinuationFlood) {
        (&[0x01, 0x01, b'a'], &[0x00, 0x01, b'a'])
    } else {
        return None;
    };
    Some((first.to_vec(), frame.repeat(16 * 1024 / frame.len())))
}

/// The same endpoint as a client (for `wsprobe test-client`'s tests): open
/// the handshake to `url`, check the response as section 4.1 says (unless
/// `bad-accept` or `accept-any-handshake` let a bad one pass), then echo.
/// The faults mean the same with the roles swapped: `mask-frames` sends
/// unmasked frames, `accept-unmasked` accepts masked ones.
pub async fn connect(url: &str, ca: &std::path::Path, faults: BTreeSet<Fault>) {
    let Ok(target) = crate::target::Target::parse(url) else {
        return;
    };
    let Ok(tcp) = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    let key = if faults.contains(&Fault::FixedHandshakeKey) {
        // The sample nonce of RFC 6455 4.1.
        "dGhlIHNhbXBsZSBub25jZQ==".to_string()
    } else {
        crate::handshake::accept::random_key()
    };
    // Offered as Python websockets and Node ws offer it by default.
    let extensions = if faults.contains(&Fault::OffersUnregisteredExtension) {
        "permessage-deflate; client_max_window_bits, x-webkit-deflate-frame"
    } else {
        "permessage-deflate; client_max_window_bits"
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n",
        target.path,
        target.authority()
    );
    let mut stream: Box<dyn super::Io> = if target.scheme == "wss"
        && !faults.contains(&Fault::TlsPlaintext)
    {
        let how = crate::tls::TestClientTls {
            any_certificate: faults.contains(&Fault::TlsAnyCertificate),
            no_sni: faults.contains(&Fault::TlsNoSni),
        };
        let Ok(mut tls) = crate::tls::test_client_connect(tcp, &target.host, ca, how).await else {
            return;
        };
        if faults.contains(&Fault::TlsPlaintextAfterHandshake) {
            // Under the session, on the TCP socket itself.
            let tcp = tls.get_mut().0;
            if tcp.write_all(request.as_bytes()).await.is_ok() {
                let mut sink = [0u8; 4096];
                while matches!(tcp.read(&mut sink).await, Ok(n) if n > 0) {}
            }
            return;
        }
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (resp, used) = loop {
        match crate::handshake::response::parse(&buf, 64 * 1024) {
            Ok(Some(x)) => break x,
            Ok(None) => {}
            Err(_) => return,
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let offer = crate::handshake::Offer {
        key: Some(key),
        extensions: extensions
            .split(',')
            .map(|e| e.split(';').next().unwrap_or("").trim().to_string())
            .collect(),
        protocols: Vec::new(),
        deflate: crate::handshake::Offer::deflate_offers(std::iter::once(extensions)),
    };
    let violations = crate::handshake::response::validate(&resp, &offer);
    let lenient = faults.contains(&Fault::AcceptAnyHandshake);
    let tolerated = |v: &Violation| {
        lenient
            || (faults.contains(&Fault::BadAccept)
                && matches!(v, Violation::HandshakeWrongAccept { .. }))
            || (faults.contains(&Fault::DeflateAcceptsBadOffers)
                && matches!(v, Violation::DeflateBadResponse { .. }))
    };
    if (resp.status != 101 && !lenient) || !violations.iter().all(tolerated) {
        // Failing a connection that never opened: close TCP.
        return;
    }
    let mut deflate =
        crate::handshake::response::deflate_agreed(&resp, &offer).unwrap_or_else(|_| {
            Some(crate::wire::deflate::Agreed::from_response(
                &Default::default(),
            ))
        });
    if faults.contains(&Fault::DeflateRejectsUnasked) && deflate.is_some() {
        let unasked = resp
            .values("Sec-WebSocket-Extensions")
            .flat_map(crate::wire::deflate::parse_header)
            .flat_map(|(_, params)| params)
            .any(|(name, _)| name != "client_max_window_bits");
        if unasked {
            return;
        }
    }
    if faults.contains(&Fault::NeedsDeflate) && deflate.is_none() {
        // Fail the connection: 1010 with nothing in the reason, then wait for
        // the server to close.
        let faults: Faults = Arc::new(faults);
        let code = 1010u16.to_be_bytes().to_vec();
        if send(&mut stream, &faults, Side::Client, op::CLOSE, code)
            .await
            .is_ok()
        {
            let mut buf = [0u8; 4096];
            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
        }
        return;
    }
    if faults.contains(&Fault::DeflateUnannounced) && deflate.is_none() {
        deflate = Some(crate::wire::deflate::Agreed::from_response(
            &Default::default(),
        ));
    }
    let leftover = buf[used..].to_vec();
    let crashed = Arc::new(Notify::new());
    session(
        stream,
        leftover,
        deflate,
        Arc::new(faults),
        crashed,
        Side::Client,
        None,
    )
    .await;
}

/// After the handshake: read frames with wsprobe's reader in `role`, and
/// answer as the faults say.
async fn session(
    mut stream: Box<dyn super::Io>,
    leftover: Vec<u8>,
    deflate: Option<crate::wire::deflate::Agreed>,
    faults: Faults,
    crashed: Arc<Notify>,
    role: Side,
    resetter: Option<socket2::Socket>,
) {
    let mut limits = Limits {
        preview: 64 << 20,
        ..Limits::default()
    };
    if faults.contains(&Fault::SizeLimit) {
        limits.max_frame = 1 << 20;
        limits.max_message = 1 << 20;
    }
    let mut reader = FrameReader::new(role, limits);
    // permessage-deflate: inflate what the peer compressed, compress every
    // echo, each direction with the window and context agreed for it.
    let mut deflater = deflate.map(|d| {
        let (mine, theirs) = match role {
            Side::Server => (
                (d.server_window, d.server_no_context),
                (d.client_window, d.client_no_context),
            ),
            Side::Client => (
                (d.client_window, d.client_no_context),
                (d.server_window, d.server_no_context),
            ),
        };
        let inflate_window = if faults.contains(&Fault::DeflateNarrowWindow) {
            10
        } else {
            theirs.0
        };
        reader.use_deflate(Inflater::new(
            inflate_window,
            theirs.1 || faults.contains(&Fault::DeflateDropsClientContext),
            limits.max_message,
        ));
        let keep = faults.contains(&Fault::DeflateKeepsContext);
        let window = if faults.contains(&Fault::DeflateWideWindow) {
            15
        } else {
            mine.0
        };
        Deflater::new(window, mine.1 && !keep)
    });
    let mut events = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending = leftover;
    let mut closed = false;
    loop {
        // What came before a limit is handled first, in order: a server
        // reading everything in one chunk (under load) answers the same as
        // one reading frame by frame.
        let over_limit = reader.feed(&pending, &mut events).is_err();
        pending.clear();
        for ev in events.drain(..) {
            if faults.contains(&Fault::Slow)
                && matches!(
                    ev,
                    ReadEvent::Message(_)
                        | ReadEvent::Ping(_)
                        | ReadEvent::Pong(_)
                        | ReadEvent::Close { .. }
                )
            {
                std::thread::sleep(std::time::Duration::from_micros(300));
            }
            let ev = match ev {
                ReadEvent::Message(m)
                    if deflater.is_some()
                        && !m.compressed
                        && faults.contains(&Fault::DeflateInflatesAll) =>
                {
                    inflate_anyway(m)
                }
                ev => ev,
            };
            match act(ev, &faults, &mut closed) {
                Act::Nothing => {}
                Act::Send(opcode, payload) => {
                    let (payload, compressed) = match deflater.as_mut() {
                        Some(_)
                            if faults.contains(&Fault::DeflateBombEchoes)
                                && matches!(opcode, op::TEXT | op::BINARY) =>
                        {
                            (crate::wire::deflate::zeros(128 << 20), true)
                        }
                        Some(d) if matches!(opcode, op::TEXT | op::BINARY) => {
                            let finals = faults.contains(&Fault::DeflateFinalBlocks)
                                || faults.contains(&Fault::DeflateDirtyPadding);
                            let mut wire = if finals {
                                d.final_message(&payload)
                            } else {
                                d.message(&payload)
                            };
                            if faults.contains(&Fault::DeflateDirtyPadding) {
                                let end =
                                    crate::wire::deflate_window::scan_message(&wire).final_end;
                                if let Some((at, bit)) = end.filter(|e| e.1 != 0) {
                                    wire[at] |= 0xff << bit;
                                }
                            }
                            if faults.contains(&Fault::DeflateCorruptEchoes) {
                                // BTYPE 11: a reserved block type, never valid.
                                wire[0] |= 0b110;
                            }
                            if faults.contains(&Fault::DeflateKeepsTail) {
                                wire.extend_from_slice(&crate::wire::deflate::TAIL);
                            }
                            (wire, true)
                        }
                        _ => (payload, false),
                    };
                    if send_frame(&mut stream, &faults, role, opcode, payload, compressed)
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Act::Fail(code) => {
                    let _ = send(
                        &mut stream,
                        &faults,
                        role,
                        op::CLOSE,
                        code.to_be_bytes().to_vec(),
                    )
                    .await;
                    let _ = stream.shutdown().await;
                    return;
                }
                Act::CloseReply(payload) => {
                    if send(&mut stream, &faults, role, op::CLOSE, payload)
                        .await
                        .is_err()
                    {
                        return;
                    }
                    if let Some(socket) = resetter {
                        // SO_LINGER 0: the last close sends RST instead of FIN,
                        // and drops what is still unsent, so give the close
                        // frame a moment to leave (on loopback it goes at once).
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        let _ = socket.set_linger(Some(std::time::Duration::ZERO));
                        return;
                    }
                    if !faults.contains(&Fault::LingerAfterClose)
                        && !faults.contains(&Fault::ProcessAfterClose)
                    {
                        let _ = stream.shutdown().await;
                        return;
                    }
                }
                Act::Crash => {
                    crash(&crashed).await;
                    return;
                }
            }
        }
        if over_limit {
            if faults.contains(&Fault::TrustLength) {
                // Wait for the announced bytes that will never come.
                while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
                return;
            }
            let _ = send(
                &mut stream,
                &faults,
                role,
                op::CLOSE,
                1009u16.to_be_bytes().to_vec(),
            )
            .await;
            if faults.contains(&Fault::SizeLimit) {
                // Close our side, then discard what is still coming, slowly
                // (16 KiB per 10 ms), for a moment: a reset would lose the
                // close frame on the way, and a client that keeps sending
                // megabytes after the close is seen to do so.
                let _ = stream.shutdown().await;
                let until = tokio::time::Instant::now() + std::time::Duration::from_secs(1);
                let mut sip = [0u8; 16 * 1024];
                while let Ok(Ok(n)) = tokio::time::timeout_at(until, stream.read(&mut sip)).await {
                    if n == 0 {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
            return;
        }
        match stream.read(&mut buf).await {
            Ok(0) if faults.contains(&Fault::IgnoreEof) => {
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                return;
            }
            Ok(0) | Err(_)
                if reader.mid_frame() && faults.contains(&Fault::CrashOnTruncatedFrame) =>
            {
                crash(&crashed).await;
                return;
            }
            Ok(0) | Err(_) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
}

/// Die like a process: the listener goes first, then this connection, so no
/// client can see the connection end while the server still accepts.
async fn crash(crashed: &Notify) {
    crashed.notify_one();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
}

enum Act {
    Nothing,
    Send(u8, Vec<u8>),
    Fail(u16),
    CloseReply(Vec<u8>),
    Crash,
}

fn tolerated(v: &Violation, faults: &Faults) -> bool {
    let f = |x| faults.contains(&x);
    match v {
        Violation::UnmaskedFrameFromClient | Violation::MaskedFrameFromServer => {
            f(Fault::AcceptUnmasked)
        }
        Violation::ReservedBitsWithoutExtension { .. } => f(Fault::IgnoreRsv),
        Violation::ReservedOpcode { .. } => f(Fault::IgnoreReservedOpcodes),
        Violation::UnexpectedContinuation | Violation::ExpectedContinuation { .. } => {
            f(Fault::LenientFragmentation)
        }
        Violation::ControlFrameTooLong { .. } | Violation::FragmentedControlFrame { .. } => {
            f(Fault::LenientControl)
        }
        Violation::InvalidUtf8InText => f(Fault::EchoInvalidUtf8),
        Violation::ClosePayloadOneByte
        | Violation::CloseCodeNotAllowed { .. }
        | Violation::InvalidUtf8InCloseReason => {
            f(Fault::EchoCloseCode) || f(Fault::WrongCloseCode) || f(Fault::NoCloseReply)
        }
        Violation::LengthMsbSet => f(Fault::TrustLength),
        Violation::FrameAfterClose { .. } => f(Fault::ProcessAfterClose),
        // A client's key choice; nothing obliges a server to fail on it (and
        // wsprobe's own cases use fixed keys on purpose).
        Violation::RepeatedMaskingKey { .. } => true,
        // The tail left on inflates to nothing; a receiver has no rule to fail on.
        Violation::DeflateTailKept => true,
        // After our own close reply we stop reading, so this cannot arise; be strict anyway.
        _ => false,
    }
}

/// `deflate-inflates-all`: a message sent uncompressed, inflated anyway (as
/// an endpoint that ignores RSV1 would); data that is not DEFLATE is a
/// violation the endpoint fails on.
fn inflate_anyway(mut m: crate::wire::reader::DataMessage) -> ReadEvent {
    let mut out = Vec::new();
    let mut inflater = Inflater::new(15, true, 64 << 20);
    let done = inflater
        .feed(&m.preview, &mut out)
        .and_then(|()| inflater.finish(&mut out));
    match done {
        Ok(()) => {
            m.preview = out;
            ReadEvent::Message(m)
        }
        Err(e) => ReadEvent::Violation(Violation::DeflateInvalidData {
            reason: e.to_string(),
        }),
    }
}

fn act(ev: ReadEvent, faults: &Faults, closed: &mut bool) -> Act {
    if *closed {
        // "After sending a Close frame, the endpoint MUST NOT send any more data frames."
        return Act::Nothing;
    }
    match ev {
        ReadEvent::Violation(Violation::ReservedOpcode { .. })
            if faults.contains(&Fault::CrashOnReservedOpcode) =>
        {
            Act::Crash
        }
        ReadEvent::Violation(v) if !tolerated(&v, faults) => Act::Fail(v.close_code()),
        ReadEvent::Frame(f)
            if faults.contains(&Fault::NoFragmentation)
                && (!f.header.fin || f.header.opcode == op::CONTINUATION) =>
        {
            Act::Fail(1003)
        }
        ReadEvent::Pong(p) if faults.contains(&Fault::EchoPong) => Act::Send(op::PONG, p),
        ReadEvent::Violation(_) | ReadEvent::Frame(_) | ReadEvent::Pong(_) => Act::Nothing,
        ReadEvent::Message(mut m) if m.opcode == op::TEXT || m.opcode == op::BINARY => {
            if faults.contains(&Fault::TruncateLargeMessages) {
                m.preview.truncate(65535);
            }
            if faults.contains(&Fault::EchoBinaryAsText) {
                m.opcode = op::TEXT;
            }
            Act::Send(m.opcode, m.preview)
        }
        ReadEvent::Message(_) => Act::Nothing,
        ReadEvent::Ping(p) if faults.contains(&Fault::NoPong) => {
            let _ = p;
            Act::Nothing
        }
        ReadEvent::Ping(p) => Act::Send(op::PONG, p),
        ReadEvent::Close { code, .. } => {
            if faults.contains(&Fault::NoCloseReply) {
                return Act::Nothing;
            }
            *closed = !faults.contains(&Fault::ProcessAfterClose);
            let reply = if faults.contains(&Fault::WrongCloseCode) {
                Some(1005)
            } else if faults.contains(&Fault::EchoCloseCode) {
                code
            } else {
                // Echo a valid code, as section 5.5.1 suggests; else answer 1000.
                code.filter(|c| close_code_allowed(*c))
                    .or(code.map(|_| 1000))
            };
            Act::CloseReply(reply.map(|c| c.to_be_bytes().to_vec()).unwrap_or_default())
        }
    }
}

async fn send(
    stream: &mut Box<dyn super::Io>,
    faults: &Faults,
    role: Side,
    opcode: u8,
    payload: Vec<u8>,
) -> std::io::Result<()> {
    send_frame(stream, faults, role, opcode, payload, false).await
}

/// One frame; `compressed` sets RSV1 (permessage-deflate).
async fn send_frame(
    stream: &mut Box<dyn super::Io>,
    faults: &Faults,
    role: Side,
    opcode: u8,
    payload: Vec<u8>,
    compressed: bool,
) -> std::io::Result<()> {
    let frame = RawFrame {
        fin: true,
        rsv: if faults.contains(&Fault::RsvOnEcho) || compressed {
            4
        } else {
            0
        },
        opcode,
        // A client masks and a server does not (5.1); the fault swaps that.
        mask: ((role == Side::Client) != faults.contains(&Fault::MaskFrames)).then(|| {
            if faults.contains(&Fault::FixedMaskKey) {
                [0x5a, 0x5a, 0x5a, 0x5a]
            } else {
                rand::random()
            }
        }),
        length_form: if faults.contains(&Fault::NonMinimalLength) {
            LengthForm::Len64
        } else {
            LengthForm::Minimal
        },
        declared_len: None,
        payload,
    };
    if opcode == op::CLOSE && faults.contains(&Fault::SlowClose) {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    }
    stream
        .write_all(&frame.encode().map_err(std::io::Error::other)?)
        .await
}
