//! The frame writer (RFC 6455 section 5.2), permissive on purpose.
//!
//! A library writer refuses to emit a reserved opcode or a non-minimal
//! length; ours must be able to produce every bit pattern a hostile or buggy
//! client could send, so nothing here validates against the RFC. The only
//! error is a request that cannot be expressed in the chosen length field.

use super::mask::apply_mask;

/// How the payload length is written in the frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LengthForm {
    /// The shortest form, as section 5.2 requires of a conforming sender.
    #[default]
    Minimal,
    /// The 7-bit field only (values 0-125).
    #[serde(rename = "7")]
    Len7,
    /// The 126 marker plus a 16-bit length, even for short payloads.
    #[serde(rename = "16")]
    Len16,
    /// The 127 marker plus a 64-bit length, even for short payloads.
    #[serde(rename = "64")]
    Len64,
}

impl LengthForm {
    /// The form a conforming sender uses for `len`.
    pub fn minimal_for(len: u64) -> LengthForm {
        match len {
            0..=125 => LengthForm::Len7,
            126..=0xffff => LengthForm::Len16,
            _ => LengthForm::Len64,
        }
    }
}

/// One frame exactly as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    /// The FIN bit.
    pub fin: bool,
    /// RSV1, RSV2, RSV3 as a 3-bit number (RSV1 = 4, RSV2 = 2, RSV3 = 1).
    pub rsv: u8,
    /// The 4-bit opcode, including the reserved ones.
    pub opcode: u8,
    /// The masking key; `None` sends the payload unmasked (and clears the MASK bit).
    pub mask: Option<[u8; 4]>,
    /// The length field encoding.
    pub length_form: LengthForm,
    /// The length written in the header, when it must differ from the payload.
    pub declared_len: Option<u64>,
    /// The unmasked payload.
    pub payload: Vec<u8>,
}

/// A frame that cannot be written as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The 7-bit field holds 0-125 only, the 16-bit field 0-65535.
    #[error("length {len} does not fit the {form:?} length field")]
    LengthDoesNotFit {
        /// The length asked for.
        len: u64,
        /// The field it was asked to fit.
        form: LengthForm,
    },
    /// Opcodes and RSV are 4 and 3 bits wide.
    #[error("opcode {opcode} or rsv {rsv} out of range")]
    FieldOutOfRange {
        /// The opcode asked for.
        opcode: u8,
        /// The RSV bits asked for.
        rsv: u8,
    },
}

impl RawFrame {
    /// A conforming, masked, final frame.
    pub fn new(opcode: u8, payload: impl Into<Vec<u8>>) -> RawFrame {
        RawFrame {
            fin: true,
            rsv: 0,
            opcode,
            mask: Some(rand::random()),
            length_form: LengthForm::Minimal,
            declared_len: None,
            payload: payload.into(),
        }
    }

    /// Length of the header this frame encodes to.
    pub fn header_len(&self) -> usize {
        let len = self.declared_len.unwrap_or(self.payload.len() as u64);
        let form = match self.length_form {
            LengthForm::Minimal => LengthForm::minimal_for(len),
            f => f,
        };
        let ext = match form {
            LengthForm::Len16 => 2,
            LengthForm::Len64 => 8,
            _ => 0,
        };
        2 + ext + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Append the frame's wire bytes to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.opcode > 0x0f || self.rsv > 7 {
            return Err(EncodeError::FieldOutOfRange {
                opcode: self.opcode,
                rsv: self.rsv,
            });
        }
        let len = self.declared_len.unwrap_or(self.payload.len() as u64);
        let form = match self.length_form {
            LengthForm::Minimal => LengthForm::minimal_for(len),
            f => f,
        };
        out.reserve(14 + self.payload.len());
        out.push(((self.fin as u8) << 7) | (self.rsv << 4) | self.opcode);
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        match form {
            LengthForm::Len7 | LengthForm::Minimal => {
                if len > 125 {
                    return Err(EncodeError::LengthDoesNotFit { len, form });
                }
                out.push(mask_bit | len as u8);
            }
            LengthForm::Len16 => {
                let l =
                    u16::try_from(len).map_err(|_| EncodeError::LengthDoesNotFit { len, form })?;
                out.push(mask_bit | 126);
                out.extend_from_slice(&l.to_be_bytes());
            }
            LengthForm::Len64 => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&len.to_be_bytes());
            }
        }
        let start = out.len();
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
            out.extend_from_slice(&self.payload);
            apply_mask(&mut out[start + 4..], key, 0);
        } else {
            out.extend_from_slice(&self.payload);
        }
        Ok(())
    }

    /// The frame's wire bytes.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unmasked(fin: bool, opcode: u8, payload: &[u8]) -> RawFrame {
        RawFrame {
            fin,
            mask: None,
            ..RawFrame::new(opcode, payload)
        }
    }

    // The byte examples of RFC 6455 section 5.7, exactly.
    #[test]
    fn rfc_5_7_examples() {
        assert_eq!(
            unmasked(true, 1, b"Hello").encode().unwrap(),
            [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        );
        let masked = RawFrame {
            mask: Some([0x37, 0xfa, 0x21, 0x3d]),
            ..RawFrame::new(1, &b"Hello"[..])
        };
        assert_eq!(
            masked.encode().unwrap(),
            [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
        assert_eq!(
            unmasked(false, 1, b"Hel").encode().unwrap(),
            [0x01, 0x03, 0x48, 0x65, 0x6c]
        );
        assert_eq!(
            unmasked(true, 0, b"lo").encode().unwrap(),
            [0x80, 0x02, 0x6c, 0x6f]
        );
        assert_eq!(
            unmasked(true, 9, b"Hello").encode().unwrap(),
            [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        );
        let pong = RawFrame {
            mask: Some([0x37, 0xfa, 0x21, 0x3d]),
            ..RawFrame::new(0xa, &b"Hello"[..])
        };
        assert_eq!(
            pong.encode().unwrap(),
            [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
        let b256 = unmasked(true, 2, &[0u8; 256]).encode().unwrap();
        assert_eq!(&b256[..4], [0x82, 0x7e, 0x01, 0x00]);
        assert_eq!(b256.len(), 4 + 256);
        let b64k = unmasked(true, 2, &vec![0u8; 65536]).encode().unwrap();
        assert_eq!(&b64k[..10], [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn forced_forms_and_lies() {
        let f = RawFrame {
            length_form: LengthForm::Len64,
            ..unmasked(true, 1, b"a")
        };
        assert_eq!(
            f.encode().unwrap(),
            [0x81, 127, 0, 0, 0, 0, 0, 0, 0, 1, b'a']
        );
        let lie = RawFrame {
            declared_len: Some(1 << 63),
            length_form: LengthForm::Len64,
            ..unmasked(true, 2, b"")
        };
        assert_eq!(
            lie.encode().unwrap(),
            [0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]
        );
        let bad = RawFrame {
            length_form: LengthForm::Len7,
            ..unmasked(true, 2, &[0u8; 126])
        };
        assert!(bad.encode().is_err());
        let rsv = RawFrame {
            rsv: 7,
            ..unmasked(true, 0xf, b"")
        };
        assert_eq!(rsv.encode().unwrap(), [0xff, 0]);
    }
}
