//! wsprobe's streaming frame reader on arbitrary bytes, in both roles and
//! with arbitrary read boundaries: it must not panic, must stay within its
//! limits, and every frame header it reads must re-encode, with its payload,
//! through the permissive writer to exactly the input bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsprobe::wire::reader::{parse_header, FrameReader, Limits, ReadEvent, Side};
use wsprobe::wire::writer::RawFrame;

const LIMITS: Limits = Limits {
    max_frame: 1 << 16,
    max_message: 1 << 18,
    preview: 64,
    // A connection-level cap (the runner's read loop); the reader ignores it.
    max_frames: usize::MAX,
};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, data)) = data.split_first() else {
        return;
    };
    let role = if ctl & 1 == 0 {
        Side::Server
    } else {
        Side::Client
    };
    let step = 1 + (ctl >> 1) as usize;

    // Fed in pieces of `step` bytes: the events must not depend on read boundaries.
    let mut whole = FrameReader::new(role, LIMITS);
    let mut all = Vec::new();
    let whole_result = whole.feed(data, &mut all);
    let mut pieces = FrameReader::new(role, LIMITS);
    let mut by_piece = Vec::new();
    let mut piece_result = Ok(());
    for chunk in data.chunks(step) {
        piece_result = pieces.feed(chunk, &mut by_piece);
        if piece_result.is_err() {
            break;
        }
    }
    assert_eq!(whole_result.is_err(), piece_result.is_err());
    if whole_result.is_ok() {
        assert_eq!(all, by_piece, "events depend on read boundaries");
    }
    for e in &all {
        if let ReadEvent::Message(m) = e {
            assert!(m.len <= LIMITS.max_message && m.preview.len() <= LIMITS.preview);
        }
    }

    // Every complete frame re-encodes to the same bytes.
    let mut pos = 0;
    while let Some(h) = parse_header(&data[pos..]) {
        // Lengths up to 2^64 - 1 are on the wire; add without overflowing.
        let Some(end) = (pos as u64 + h.header_len as u64).checked_add(h.len) else {
            break;
        };
        if end > data.len() as u64 {
            break;
        }
        let start = pos + h.header_len;
        let end = end as usize;
        let mut payload = data[start..end].to_vec();
        if let Some(key) = h.mask {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= key[i % 4];
            }
        }
        let frame = RawFrame {
            fin: h.fin,
            rsv: h.rsv,
            opcode: h.opcode,
            mask: h.mask,
            length_form: h.length_form,
            declared_len: None,
            payload,
        };
        match frame.encode() {
            Ok(bytes) => assert_eq!(
                bytes,
                &data[pos..end],
                "frame at {pos} re-encodes differently"
            ),
            // A length that does not fit its form (a 7-bit field cannot hold
            // a 16-bit length) cannot come out of parse_header.
            Err(e) => panic!("frame at {pos} does not re-encode: {e}"),
        }
        pos = end;
    }
});
