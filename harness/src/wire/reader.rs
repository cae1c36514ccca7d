//! The incremental, lenient frame reader (RFC 6455 sections 5.2-5.5).
//!
//! It never trusts the peer. Payloads are streamed, not buffered: a data
//! message is hashed and UTF-8-checked as its bytes arrive, and only a
//! bounded preview is kept, so a frame announcing 2^63 bytes costs nothing
//! but the limit check. "Lenient" means it decodes what a strict reader
//! would refuse and reports each broken rule as a [`Violation`], so the judge
//! can name it, then keeps going.

use sha2::{Digest, Sha256};

use super::codes::{close_code_allowed, is_control, is_reserved_opcode, op};
use super::deflate::{InflateError, Inflater};
use super::mask::apply_mask;
use super::violation::Violation;
use super::writer::LengthForm;

/// Which side of the connection the reader sits on (named apart from
/// `case::Role`, which says which endpoint a case tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// We are the client, reading frames a server sent.
    Client,
    /// We are the server, reading frames a client sent.
    Server,
}

/// Bounds on what the peer can make the reader hold or wait for.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest frame payload accepted, in bytes.
    pub max_frame: u64,
    /// Largest message accepted, in bytes.
    pub max_message: u64,
    /// How many payload bytes of each frame and message are kept for logs.
    pub preview: usize,
    /// Most frames read on one connection: a peer flooding tiny frames is
    /// cut off here, so the case ends at once instead of at its timeout.
    pub max_frames: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame: 64 << 20,
            max_message: 64 << 20,
            preview: 256,
            max_frames: 100_000,
        }
    }
}

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN bit.
    pub fin: bool,
    /// RSV1..3 as a 3-bit number.
    pub rsv: u8,
    /// 4-bit opcode.
    pub opcode: u8,
    /// Masking key, if the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// Payload length.
    pub len: u64,
    /// The length field used.
    pub length_form: LengthForm,
    /// Bytes taken by the header.
    pub header_len: usize,
}

/// Parse a header from the start of `buf`; `None` until enough bytes are there.
pub fn parse_header(buf: &[u8]) -> Option<FrameHeader> {
    let b0 = *buf.first()?;
    let b1 = *buf.get(1)?;
    let masked = b1 & 0x80 != 0;
    let (len, length_form, mut pos) = match b1 & 0x7f {
        126 => (
            u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?) as u64,
            LengthForm::Len16,
            4,
        ),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?),
            LengthForm::Len64,
            10,
        ),
        n => (n as u64, LengthForm::Len7, 2),
    };
    let mask = if masked {
        let key: [u8; 4] = buf.get(pos..pos + 4)?.try_into().ok()?;
        pos += 4;
        Some(key)
    } else {
        None
    };
    Some(FrameHeader {
        fin: b0 & 0x80 != 0,
        rsv: (b0 >> 4) & 0x07,
        opcode: b0 & 0x0f,
        mask,
        len,
        length_form,
        header_len: pos,
    })
}

/// A complete frame, for the wire log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// The header.
    pub header: FrameHeader,
    /// The first `Limits::preview` bytes of the unmasked payload.
    pub preview: Vec<u8>,
}

/// A complete data message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataMessage {
    /// TEXT or BINARY (or the reserved opcode that started it).
    pub opcode: u8,
    /// Total payload length.
    pub len: u64,
    /// SHA-256 of the payload.
    pub sha256: [u8; 32],
    /// The first `Limits::preview` bytes.
    pub preview: Vec<u8>,
    /// Number of frames it arrived in.
    pub frames: u32,
    /// It was compressed (RSV1 on its first frame, permessage-deflate
    /// negotiated); `preview` and `sha256` are of the inflated payload.
    pub compressed: bool,
}

/// Something the reader finished decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadEvent {
    /// A whole frame went by.
    Frame(FrameInfo),
    /// A data message is complete.
    Message(DataMessage),
    /// A ping, with its payload (at most 125 bytes kept).
    Ping(Vec<u8>),
    /// A pong, with its payload (at most 125 bytes kept).
    Pong(Vec<u8>),
    /// A close frame.
    Close {
        /// The status code, if the body had one.
        code: Option<u16>,
        /// The reason bytes.
        reason: Vec<u8>,
    },
    /// A broken rule.
    Violation(Violation),
}

/// The peer went past a limit; reading stops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// A frame announced more than `max_frame` bytes.
    #[error("frame announces {len} bytes, over the limit of {max}")]
    Frame {
        /// Announced length.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A message grew past `max_message` bytes.
    #[error("message reaches {len} bytes, over the limit of {max}")]
    Message {
        /// Length so far.
        len: u64,
        /// The limit.
        max: u64,
    },
}

/// Incremental UTF-8 validation across frame and read boundaries.
#[derive(Debug, Clone, Default)]
pub struct Utf8Stream {
    pending: [u8; 4],
    pending_len: usize,
    bad: bool,
}

impl Utf8Stream {
    /// Feed the next bytes; returns false once the stream can no longer be valid.
    pub fn feed(&mut self, mut data: &[u8]) -> bool {
        while self.pending_len > 0 && !data.is_empty() && !self.bad {
            self.pending[self.pending_len] = data[0];
            self.pending_len += 1;
            data = &data[1..];
            match std::str::from_utf8(&self.pending[..self.pending_len]) {
                Ok(_) => self.pending_len = 0,
                Err(e) if e.error_len().is_some() => self.bad = true,
                Err(_) => self.bad = self.pending_len == 4,
            }
        }
        if self.bad {
            return false;
        }
        if let Err(e) = std::str::from_utf8(data) {
            match e.error_len() {
                Some(_) => self.bad = true,
                None => {
                    let rest = &data[e.valid_up_to()..];
                    self.pending[..rest.len()].copy_from_slice(rest);
                    self.pending_len = rest.len();
                }
            }
        }
        !self.bad
    }

    /// Whether everything fed so far is complete, valid UTF-8.
    pub fn finish(&self) -> bool {
        !self.bad && self.pending_len == 0
    }
}

struct InFrame {
    header: FrameHeader,
    done: u64,
    preview: Vec<u8>,
    control: Vec<u8>,
}

struct InMessage {
    opcode: u8,
    len: u64,
    hasher: Sha256,
    preview: Vec<u8>,
    utf8: Utf8Stream,
    utf8_reported: bool,
    frames: u32,
    /// RSV1 on its first frame, with permessage-deflate negotiated.
    compressed: bool,
    /// Inflating failed; the rest of the message is not decoded.
    inflate_failed: bool,
}

/// Decodes a byte stream into frames, messages and violations.
pub struct FrameReader {
    role: Side,
    limits: Limits,
    /// Header bytes not yet complete (at most 14).
    head: Vec<u8>,
    frame: Option<InFrame>,
    message: Option<InMessage>,
    /// RSV bits a negotiated extension gave meaning to.
    allowed_rsv: u8,
    close_seen: bool,
    /// permessage-deflate, once negotiated.
    inflater: Option<Inflater>,
    /// The masking key of the last frame, and whether a repeat was reported.
    last_key: Option<[u8; 4]>,
    repeat_reported: bool,
}

impl FrameReader {
    /// A reader for frames sent to `role`.
    pub fn new(role: Side, limits: Limits) -> FrameReader {
        FrameReader {
            role,
            limits,
            head: Vec::with_capacity(14),
            frame: None,
            message: None,
            allowed_rsv: 0,
            close_seen: false,
            inflater: None,
            last_key: None,
            repeat_reported: false,
        }
    }

    /// permessage-deflate was negotiated: RSV1 on the first frame of a data
    /// message marks it compressed (RFC 7692 6), and such messages are
    /// hashed, checked and previewed as inflated.
    pub fn use_deflate(&mut self, inflater: Inflater) {
        self.inflater = Some(inflater);
    }

    /// Whether the peer has sent a Close frame.
    pub fn close_seen(&self) -> bool {
        self.close_seen
    }

    /// Whether the stream stopped in the middle of a frame.
    pub fn mid_frame(&self) -> bool {
        self.frame.is_some() || !self.head.is_empty()
    }

    /// Decode `data`, appending what it completes to `out`.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<ReadEvent>) -> Result<(), LimitExceeded> {
        while !data.is_empty() {
            if self.frame.is_none() {
                let take = (14 - self.head.len()).min(data.len());
                self.head.extend_from_slice(&data[..take]);
                let Some(header) = parse_header(&self.head) else {
                    data = &data[take..];
                    continue;
                };
                // Bytes of `data` beyond the header belong to the payload.
                let used = header.header_len - (self.head.len() - take);
                data = &data[used..];
                self.head.clear();
                self.start_frame(header, out)?;
                if header.len == 0 {
                    self.end_frame(out)?;
                }
                continue;
            }
            let frame = self.frame.as_mut().expect("frame in progress");
            let want = frame.header.len - frame.done;
            let n = (want.min(data.len() as u64)) as usize;
            let mut chunk = data[..n].to_vec();
            if let Some(key) = frame.header.mask {
                apply_mask(&mut chunk, key, (frame.done % 4) as usize);
            }
            data = &data[n..];
            let room = self.limits.preview.saturating_sub(frame.preview.len());
            frame.preview.extend_from_slice(&chunk[..room.min(n)]);
            frame.done += n as u64;
            if is_control(frame.header.opcode) {
                let room = 125usize.saturating_sub(frame.control.len());
                frame.control.extend_from_slice(&chunk[..room.min(n)]);
            }
            let frame_done = frame.done == frame.header.len;
            if !is_control(frame.header.opcode) {
                if self.message.as_ref().is_some_and(|m| m.compressed) {
                    self.inflate(&chunk, false, out)?;
                } else if let Some(msg) = self.message.as_mut() {
                    absorb(msg, &chunk, &self.limits, out)?;
                }
            }
            if frame_done {
                self.end_frame(out)?;
            }
        }
        Ok(())
    }

    fn start_frame(
        &mut self,
        h: FrameHeader,
        out: &mut Vec<ReadEvent>,
    ) -> Result<(), LimitExceeded> {
        let v = |v: Violation| ReadEvent::Violation(v);
        match (self.role, h.mask.is_some()) {
            (Side::Client, true) => out.push(v(Violation::MaskedFrameFromServer)),
            (Side::Server, false) => out.push(v(Violation::UnmaskedFrameFromClient)),
            _ => {}
        }
        if let (Side::Server, Some(key)) = (self.role, h.mask) {
            // Once per connection: the finding is the client's key choice.
            if self.last_key == Some(key) && !self.repeat_reported {
                self.repeat_reported = true;
                out.push(v(Violation::RepeatedMaskingKey {
                    key: hex::encode(key),
                }));
            }
            self.last_key = Some(key);
        }
        // With permessage-deflate, RSV1 means "compressed" on the first frame
        // of a data message and is misplaced anywhere else (RFC 7692 6.1).
        let starts_message = matches!(h.opcode, op::TEXT | op::BINARY);
        let mut allowed = self.allowed_rsv;
        if self.inflater.is_some() {
            allowed |= 4;
            if h.rsv & 4 != 0 && !starts_message && !is_reserved_opcode(h.opcode) {
                let kind = if is_control(h.opcode) {
                    "control frame"
                } else {
                    "continuation frame"
                };
                out.push(v(Violation::DeflateBitMisplaced { kind: kind.into() }));
            }
        }
        if h.rsv & !allowed != 0 {
            out.push(v(Violation::ReservedBitsWithoutExtension { rsv: h.rsv }));
        }
        if h.length_form == LengthForm::Len64 && h.len >> 63 != 0 {
            out.push(v(Violation::LengthMsbSet));
        }
        if h.length_form != LengthForm::minimal_for(h.len) {
            out.push(v(Violation::NonMinimalLength { len: h.len }));
        }
        if is_reserved_opcode(h.opcode) {
            out.push(v(Violation::ReservedOpcode { opcode: h.opcode }));
        }
        if self.close_seen {
            out.push(v(Violation::FrameAfterClose {
                opcode_name: super::codes::opcode_name(h.opcode),
            }));
        }
        if is_control(h.opcode) {
            if h.len > 125 {
                out.push(v(Violation::ControlFrameTooLong { len: h.len }));
            }
            if !h.fin {
                out.push(v(Violation::FragmentedControlFrame { opcode: h.opcode }));
            }
        } else if h.opcode == op::CONTINUATION {
            if self.message.is_none() {
                out.push(v(Violation::UnexpectedContinuation));
            }
        } else if self.message.is_some() {
            out.push(v(Violation::ExpectedContinuation { opcode: h.opcode }));
        }
        if h.len > self.limits.max_frame {
            return Err(LimitExceeded::Frame {
                len: h.len,
                max: self.limits.max_frame,
            });
        }
        if !is_control(h.opcode) {
            // A stray continuation or an interrupting data frame starts a new
            // message, so everything that follows is still decoded and judged.
            if h.opcode != op::CONTINUATION || self.message.is_none() {
                self.message = Some(InMessage {
                    opcode: h.opcode,
                    len: 0,
                    hasher: Sha256::new(),
                    preview: Vec::new(),
                    utf8: Utf8Stream::default(),
                    utf8_reported: false,
                    frames: 0,
                    compressed: self.inflater.is_some() && starts_message && h.rsv & 4 != 0,
                    inflate_failed: false,
                });
            }
            if let Some(m) = self.message.as_mut() {
                m.frames += 1;
            }
        }
        self.frame = Some(InFrame {
            header: h,
            done: 0,
            preview: Vec::new(),
            control: Vec::new(),
        });
        Ok(())
    }

    fn end_frame(&mut self, out: &mut Vec<ReadEvent>) -> Result<(), LimitExceeded> {
        let frame = self.frame.take().expect("frame in progress");
        let h = frame.header;
        out.push(ReadEvent::Frame(FrameInfo {
            header: h,
            preview: frame.preview,
        }));
        match h.opcode {
            op::PING => out.push(ReadEvent::Ping(frame.control)),
            op::PONG => out.push(ReadEvent::Pong(frame.control)),
            op::CLOSE => {
                let body = frame.control;
                let (code, reason) = match body.len() {
                    0 => (None, Vec::new()),
                    1 => {
                        out.push(ReadEvent::Violation(Violation::ClosePayloadOneByte));
                        (None, body)
                    }
                    _ => (
                        Some(u16::from_be_bytes([body[0], body[1]])),
                        body[2..].to_vec(),
                    ),
                };
                if let Some(code) = code {
                    if !close_code_allowed(code) {
                        out.push(ReadEvent::Violation(Violation::CloseCodeNotAllowed {
                            code,
                        }));
                    }
                    if std::str::from_utf8(&reason).is_err() {
                        out.push(ReadEvent::Violation(Violation::InvalidUtf8InCloseReason));
                    }
                }
                self.close_seen = true;
                out.push(ReadEvent::Close { code, reason });
            }
            o if is_control(o) => {}
            _ if h.fin => {
                if self.message.as_ref().is_some_and(|m| m.compressed) {
                    self.inflate(&[], true, out)?;
                }
                let m = self.message.take().expect("message in progress");
                if m.opcode == op::TEXT && !m.utf8.finish() && !m.utf8_reported {
                    out.push(ReadEvent::Violation(Violation::InvalidUtf8InText));
                }
                out.push(ReadEvent::Message(DataMessage {
                    opcode: m.opcode,
                    len: m.len,
                    sha256: m.hasher.finalize().into(),
                    preview: m.preview,
                    frames: m.frames,
                    compressed: m.compressed,
                }));
            }
            _ => {}
        }
        Ok(())
    }
}

impl FrameReader {
    /// Inflate compressed payload bytes (and, at the end, the removed tail)
    /// into the message in progress.
    fn inflate(
        &mut self,
        chunk: &[u8],
        last: bool,
        out: &mut Vec<ReadEvent>,
    ) -> Result<(), LimitExceeded> {
        let (Some(inf), Some(msg)) = (self.inflater.as_mut(), self.message.as_mut()) else {
            return Ok(());
        };
        if msg.inflate_failed {
            return Ok(());
        }
        if last && inf.tail_kept() {
            out.push(ReadEvent::Violation(Violation::DeflateTailKept));
        }
        // Absorbed a buffer at a time: a zip bomb never sits in memory whole.
        let mut over = None;
        let limits = &self.limits;
        let mut sink = |bytes: &[u8]| {
            if over.is_none() {
                over = absorb(msg, bytes, limits, out).err();
            }
        };
        let r = if last {
            inf.finish_into(&mut sink)
        } else {
            inf.feed_into(chunk, &mut sink)
        };
        if let Some(e) = over {
            return Err(e);
        }
        if let Err(e) = r {
            msg.inflate_failed = true;
            out.push(ReadEvent::Violation(match e {
                InflateError::Invalid(reason) => Violation::DeflateInvalidData { reason },
                InflateError::TooLarge(limit) => Violation::DeflateTooLarge { limit },
            }));
        }
        Ok(())
    }
}

/// Payload bytes of a data message (inflated, if it was compressed).
fn absorb(
    msg: &mut InMessage,
    bytes: &[u8],
    limits: &Limits,
    out: &mut Vec<ReadEvent>,
) -> Result<(), LimitExceeded> {
    msg.len += bytes.len() as u64;
    if msg.len > limits.max_message {
        return Err(LimitExceeded::Message {
            len: msg.len,
            max: limits.max_message,
        });
    }
    msg.hasher.update(bytes);
    let room = limits.preview.saturating_sub(msg.preview.len());
    msg.preview
        .extend_from_slice(&bytes[..room.min(bytes.len())]);
    if msg.opcode == op::TEXT && !msg.utf8.feed(bytes) && !msg.utf8_reported {
        // Reported as soon as it is certain, like a fail-fast server would.
        msg.utf8_reported = true;
        out.push(ReadEvent::Violation(Violation::InvalidUtf8InText));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::writer::RawFrame;

    fn read(role: Side, bytes: &[u8]) -> Vec<ReadEvent> {
        let mut r = FrameReader::new(role, Limits::default());
        let mut out = Vec::new();
        r.feed(bytes, &mut out).unwrap();
        out
    }

    fn violations(events: &[ReadEvent]) -> Vec<Violation> {
        events
            .iter()
            .filter_map(|e| match e {
                ReadEvent::Violation(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    }

    fn deflate_reader() -> FrameReader {
        let mut r = FrameReader::new(Side::Client, Limits::default());
        r.use_deflate(crate::wire::deflate::Inflater::new(15, false, 1 << 20));
        r
    }

    fn frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = RawFrame::new(opcode, payload.to_vec());
        f.fin = fin;
        f.rsv = rsv;
        f.mask = None;
        f.encode().unwrap()
    }

    #[test]
    fn compressed_messages_are_judged_inflated() {
        let text = "Hello, permessage-deflate! ".repeat(50);
        let wire = crate::wire::deflate::Deflater::new(15, false).message(text.as_bytes());
        let (a, b) = wire.split_at(wire.len() / 2);
        // RSV1 on the first fragment only, then a ping in between, byte by byte.
        let mut bytes = frame(false, 4, op::TEXT, a);
        bytes.extend(frame(true, 0, op::PING, b"p"));
        bytes.extend(frame(true, 0, op::CONTINUATION, b));
        let mut r = deflate_reader();
        let mut out = Vec::new();
        for b in &bytes {
            r.feed(std::slice::from_ref(b), &mut out).unwrap();
        }
        assert_eq!(violations(&out), []);
        let m = out
            .iter()
            .find_map(|e| match e {
                ReadEvent::Message(m) => Some(m.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(m.len, text.len() as u64);
        assert_eq!(m.sha256, <[u8; 32]>::from(Sha256::digest(text.as_bytes())));
        // An uncompressed message still reads as it is.
        let mut out = Vec::new();
        r.feed(&frame(true, 0, op::BINARY, b"plain"), &mut out)
            .unwrap();
        assert!(matches!(&out[1], ReadEvent::Message(m) if m.len == 5));
    }

    #[test]
    fn misplaced_compression_bits_and_bad_data_are_violations() {
        let misplaced = |kind: &str| Violation::DeflateBitMisplaced { kind: kind.into() };
        let mut r = deflate_reader();
        let mut out = Vec::new();
        r.feed(&frame(true, 4, op::PING, b""), &mut out).unwrap();
        assert_eq!(violations(&out), [misplaced("control frame")]);
        let mut out = Vec::new();
        let first = crate::wire::deflate::Deflater::new(15, false).message(b"abc");
        r.feed(&frame(false, 4, op::TEXT, &first), &mut out)
            .unwrap();
        r.feed(&frame(true, 4, op::CONTINUATION, b""), &mut out)
            .unwrap();
        assert_eq!(violations(&out), [misplaced("continuation frame")]);
        let mut r = deflate_reader();
        let mut out = Vec::new();
        r.feed(&frame(true, 4, op::BINARY, &[0xff; 8]), &mut out)
            .unwrap();
        assert!(
            matches!(
                &violations(&out)[..],
                [Violation::DeflateInvalidData { .. }]
            ),
            "{out:?}"
        );
        // RSV2 stays reserved; RSV1 without the extension is the plain violation.
        let mut out = Vec::new();
        deflate_reader()
            .feed(&frame(true, 2, op::TEXT, b"x"), &mut out)
            .unwrap();
        assert_eq!(
            violations(&out),
            [Violation::ReservedBitsWithoutExtension { rsv: 2 }]
        );
        assert_eq!(
            violations(&read(Side::Client, &frame(true, 4, op::TEXT, b"x"))),
            [Violation::ReservedBitsWithoutExtension { rsv: 4 }]
        );
    }

    #[test]
    fn rfc_5_7_fragmented_text_one_byte_at_a_time() {
        let bytes = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
        let mut r = FrameReader::new(Side::Client, Limits::default());
        let mut out = Vec::new();
        for b in bytes {
            r.feed(&[b], &mut out).unwrap();
        }
        let msg = out.iter().find_map(|e| match e {
            ReadEvent::Message(m) => Some(m.clone()),
            _ => None,
        });
        let msg = msg.expect("a message");
        assert_eq!(msg.preview, b"Hello");
        assert_eq!(msg.frames, 2);
        assert_eq!(msg.sha256, <[u8; 32]>::from(Sha256::digest(b"Hello")));
        assert!(violations(&out).is_empty());
    }

    #[test]
    fn rfc_5_7_masked_from_server_is_reported_and_decoded() {
        let out = read(
            Side::Client,
            &[
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
            ],
        );
        assert_eq!(violations(&out), [Violation::MaskedFrameFromServer]);
        assert!(out
            .iter()
            .any(|e| matches!(e, ReadEvent::Message(m) if m.preview == b"Hello")));
    }

    #[test]
    fn each_rule_is_reported() {
        let cases: Vec<(Vec<u8>, Violation)> = vec![
            (
                vec![0xc1, 0x00],
                Violation::ReservedBitsWithoutExtension { rsv: 4 },
            ),
            (vec![0x83, 0x00], Violation::ReservedOpcode { opcode: 3 }),
            (
                vec![0x09, 0x00],
                Violation::FragmentedControlFrame { opcode: 9 },
            ),
            (vec![0x80, 0x00], Violation::UnexpectedContinuation),
            (
                vec![0x81, 0x7e, 0x00, 0x05, 1, 2, 3, 4, 5],
                Violation::NonMinimalLength { len: 5 },
            ),
            (vec![0x81, 0x01, 0xff], Violation::InvalidUtf8InText),
            (vec![0x88, 0x01, 0x03], Violation::ClosePayloadOneByte),
            (
                vec![0x88, 0x02, 0x03, 0xed],
                Violation::CloseCodeNotAllowed { code: 1005 },
            ),
            (
                vec![0x88, 0x03, 0x03, 0xe8, 0xff],
                Violation::InvalidUtf8InCloseReason,
            ),
            (
                vec![0x01, 0x00, 0x81, 0x00],
                Violation::ExpectedContinuation { opcode: 1 },
            ),
            (
                vec![0x88, 0x00, 0x81, 0x00],
                Violation::FrameAfterClose {
                    opcode_name: "TEXT".into(),
                },
            ),
        ];
        for (bytes, expected) in cases {
            let v = violations(&read(Side::Client, &bytes));
            assert!(v.contains(&expected), "{bytes:02x?}: {v:?}");
        }
        let mut long_ping = vec![0x89, 0x7e, 0x00, 0x7e];
        long_ping.extend([0u8; 126]);
        assert_eq!(
            violations(&read(Side::Client, &long_ping)),
            [Violation::ControlFrameTooLong { len: 126 }]
        );
        assert_eq!(
            violations(&read(Side::Server, &[0x81, 0x00])),
            [Violation::UnmaskedFrameFromClient]
        );
    }

    #[test]
    fn huge_declared_length_hits_the_limit_without_allocating() {
        let mut r = FrameReader::new(Side::Client, Limits::default());
        let mut out = Vec::new();
        let err = r.feed(
            &[0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &mut out,
        );
        assert!(matches!(err, Err(LimitExceeded::Frame { .. })));
    }

    #[test]
    fn utf8_stream_fails_fast_and_across_splits() {
        let mut s = Utf8Stream::default();
        assert!(s.feed(&[0xce]));
        assert!(s.feed(&[0xba, 0xf4]));
        assert!(!s.feed(&[0x90]), "0xf4 0x90 is above U+10FFFF");
        let mut s = Utf8Stream::default();
        assert!(s.feed(&[0xf0, 0x90]));
        assert!(!s.finish());
        assert!(s.feed(&[0x80, 0x80]));
        assert!(s.finish());
    }

    #[test]
    fn writer_output_reads_back() {
        let f = RawFrame::new(2, vec![7u8; 70000]);
        let out = read(Side::Server, &f.encode().unwrap());
        assert!(violations(&out).is_empty());
        assert!(matches!(&out[1], ReadEvent::Message(m) if m.len == 70000));
    }
}
