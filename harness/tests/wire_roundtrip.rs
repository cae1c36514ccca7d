//! Property: whatever header the writer produces, the reader decodes back.

use proptest::prelude::*;
use wsprobe::wire::reader::{FrameReader, Limits, ReadEvent, Side};
use wsprobe::wire::{LengthForm, RawFrame};

fn form() -> impl Strategy<Value = LengthForm> {
    prop_oneof![
        Just(LengthForm::Minimal),
        Just(LengthForm::Len7),
        Just(LengthForm::Len16),
        Just(LengthForm::Len64)
    ]
}

proptest! {
    #[test]
    fn every_header_combination_round_trips(
        fin: bool,
        rsv in 0u8..8,
        opcode in 0u8..16,
        mask in proptest::option::of(any::<[u8; 4]>()),
        length_form in form(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        split in 0usize..400,
    ) {
        let frame = RawFrame { fin, rsv, opcode, mask, length_form, declared_len: None, payload: payload.clone() };
        let Ok(bytes) = frame.encode() else {
            // Only a payload too long for a forced 7-bit field is refused.
            prop_assert!(length_form == LengthForm::Len7 && payload.len() > 125);
            return Ok(());
        };
        let limits = Limits { preview: 1000, ..Limits::default() };
        let mut reader = FrameReader::new(Side::Server, limits);
        let mut out = Vec::new();
        let cut = split.min(bytes.len());
        reader.feed(&bytes[..cut], &mut out).unwrap();
        reader.feed(&bytes[cut..], &mut out).unwrap();
        let info = out.iter().find_map(|e| match e { ReadEvent::Frame(f) => Some(f.clone()), _ => None });
        let info = info.expect("one frame decoded");
        prop_assert_eq!(info.header.fin, fin);
        prop_assert_eq!(info.header.rsv, rsv);
        prop_assert_eq!(info.header.opcode, opcode);
        prop_assert_eq!(info.header.mask, mask);
        prop_assert_eq!(info.header.len, payload.len() as u64);
        prop_assert_eq!(info.header.header_len, frame.header_len());
        if opcode & 8 == 0 || payload.len() <= 125 {
            prop_assert_eq!(info.preview, payload);
        }
        prop_assert!(!reader.mid_frame());
    }
}
