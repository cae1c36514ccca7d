//! After the handshake, in either role: read frames with wsprobe's own
//! reader, and answer as the faults say.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

use super::{Fault, Faults};
use crate::wire::codes::{close_code_allowed, op};
use crate::wire::deflate::{Deflater, Inflater};
use crate::wire::reader::{FrameReader, LimitExceeded, Limits, ReadEvent, Side};
use crate::wire::{LengthForm, RawFrame, Violation};

/// After the handshake: read frames with wsprobe's reader in `role`, and
/// answer as the faults say.
pub(super) async fn session(
    mut stream: Box<dyn crate::servers::Io>,
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
    if faults.contains(&Fault::FragmentsKeptApart) {
        limits.max_frames = usize::MAX;
    }
    if faults.contains(&Fault::NoSizeLimit) {
        limits.max_frame = u64::MAX;
        limits.max_message = u64::MAX;
        // The reader keeps a frame's first `preview` bytes, which the echo
        // sends back: all of them, as a server that buffers whole frames.
        limits.preview = usize::MAX;
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
    // FragmentsKeptApart: a buffer per fragment of the open message.
    let mut held: Vec<Vec<u8>> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending = leftover;
    let mut closed = false;
    loop {
        // What came before a limit is handled first, in order: a server
        // reading everything in one chunk (under load) answers the same as
        // one reading frame by frame.
        let limit = reader.feed(&pending, &mut events).err();
        let over_limit = limit.is_some();
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
            if faults.contains(&Fault::FragmentsKeptApart) {
                match &ev {
                    ReadEvent::Frame(f) if !f.header.fin || f.header.opcode == op::CONTINUATION => {
                        // Its own object per fragment, as a server that
                        // joins them only at the end (written, so resident).
                        held.push(vec![1u8; 128]);
                    }
                    ReadEvent::Message(_) => held = Vec::new(),
                    _ => {}
                }
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
        if let Some(LimitExceeded::Frame { len, .. }) = limit {
            // Vec::with_capacity(len) that no allocator can give: the
            // process aborts (rust-websocket before 0.26.5).
            if len > 1 << 47 && faults.contains(&Fault::CrashOnHugeLength) {
                crash(&crashed).await;
                return;
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
            Err(e)
                if e.kind() == std::io::ErrorKind::ConnectionReset
                    && faults.contains(&Fault::CrashOnReset) =>
            {
                // Node reports the reset on a later tick, after the client
                // has moved on: the harness must still pin it on the case.
                tokio::time::sleep(std::time::Duration::from_millis(80)).await;
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
pub(super) async fn crash(crashed: &Notify) {
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

pub(super) async fn send(
    stream: &mut Box<dyn crate::servers::Io>,
    faults: &Faults,
    role: Side,
    opcode: u8,
    payload: Vec<u8>,
) -> std::io::Result<()> {
    send_frame(stream, faults, role, opcode, payload, false).await
}

/// One frame; `compressed` sets RSV1 (permessage-deflate).
async fn send_frame(
    stream: &mut Box<dyn crate::servers::Io>,
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
