//! Payload bytes as a case writes them (text, hex, patterns, generated
//! corpora, raw DEFLATE), and how they serialise back.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

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
