//! Generated payload corpora for the compression cases (the equivalents of
//! Autobahn 12.x's data files, which are third-party files we do not ship):
//! each is 256 KiB, made deterministically here, with the compressibility of
//! the kind of data it stands for.
//!
//! A message of `len` bytes at `index` is the ring slice starting at
//! `index * len`, as Autobahn reads its files, so the messages of a series
//! differ and context takeover has real work to do.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Size of every corpus.
pub const SIZE: usize = 256 * 1024;

/// Which corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Corpus {
    /// JSON records, ASCII (Autobahn's data1.json).
    Json,
    /// HTML markup and prose, ASCII (data1.html).
    Html,
    /// German prose with umlauts and ß, sent as binary (Faust, pg2229.txt).
    Prose,
    /// A 24-bit bitmap: header, then smooth gradients with noise (lena512.bmp).
    Bitmap,
    /// Pseudo-random bytes, incompressible (the PDF's compressed streams).
    Random,
}

impl Corpus {
    /// The YAML spelling.
    pub fn name(self) -> &'static str {
        match self {
            Corpus::Json => "json",
            Corpus::Html => "html",
            Corpus::Prose => "prose",
            Corpus::Bitmap => "bitmap",
            Corpus::Random => "random",
        }
    }

    /// The corpus bytes.
    pub fn data(self) -> &'static [u8] {
        static CELLS: [OnceLock<Vec<u8>>; 5] = [const { OnceLock::new() }; 5];
        let i = self as usize;
        CELLS[i].get_or_init(|| generate(self))
    }

    /// Message `index` of `len` bytes: the ring slice at `index * len`.
    pub fn message(self, len: usize, index: usize) -> Vec<u8> {
        let data = self.data();
        let start = index.wrapping_mul(len) % data.len();
        data.iter().cycle().skip(start).take(len).copied().collect()
    }
}

/// xorshift64*: fixed forever, so the corpora never change under a baseline.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "socket",
    "frame",
    "message",
    "server",
    "client",
    "close",
    "ping",
    "pong",
    "text",
    "binary",
    "mask",
    "length",
    "payload",
    "extension",
    "deflate",
    "window",
    "context",
    "handshake",
    "upgrade",
    "protocol",
    "version",
    "origin",
    "header",
    "status",
    "reason",
    "code",
    "fragment",
    "opcode",
];

const GERMAN: &[&str] = &[
    "Habe",
    "nun",
    "ach",
    "Philosophie",
    "Juristerei",
    "und",
    "Medizin",
    "leider",
    "auch",
    "Theologie",
    "durchaus",
    "studiert",
    "mit",
    "heißem",
    "Bemühn",
    "Da",
    "steh",
    "ich",
    "armer",
    "Tor",
    "bin",
    "so",
    "klug",
    "als",
    "wie",
    "zuvor",
    "Geist",
    "Wälder",
    "Glück",
    "Größe",
    "Mühe",
    "Tür",
    "schön",
    "Straße",
    "Gefühl",
    "Blüte",
    "über",
    "Öde",
    "Ärger",
];

fn generate(corpus: Corpus) -> Vec<u8> {
    let mut rng = Rng(0x5eed_0000 + corpus as u64);
    let mut out = Vec::with_capacity(SIZE + 512);
    match corpus {
        Corpus::Json => {
            out.push(b'[');
            let mut id = 0u64;
            while out.len() < SIZE {
                let w = |r: &mut Rng| WORDS[r.below(WORDS.len())];
                let rec = format!(
                    "{{\"id\":{id},\"name\":\"{} {}\",\"score\":{},\"active\":{},\"tags\":[\"{}\",\"{}\"]}},\n",
                    w(&mut rng),
                    w(&mut rng),
                    rng.below(100_000),
                    rng.below(2) == 1,
                    w(&mut rng),
                    w(&mut rng)
                );
                out.extend_from_slice(rec.as_bytes());
                id += 1;
            }
        }
        Corpus::Html => {
            out.extend_from_slice(
                b"<!DOCTYPE html>\n<html><head><title>wsprobe corpus</title></head><body>\n",
            );
            while out.len() < SIZE {
                let n = 8 + rng.below(40);
                let words: Vec<&str> = (0..n).map(|_| WORDS[rng.below(WORDS.len())]).collect();
                let tag = ["p", "li", "td", "h2"][rng.below(4)];
                let line = format!(
                    "<{tag} class=\"c{}\"><a href=\"/doc/{}\">{}</a> {}.</{tag}>\n",
                    rng.below(16),
                    rng.below(1000),
                    words[0],
                    words[1..].join(" ")
                );
                out.extend_from_slice(line.as_bytes());
            }
        }
        Corpus::Prose => {
            while out.len() < SIZE {
                let n = 5 + rng.below(15);
                let words: Vec<&str> = (0..n).map(|_| GERMAN[rng.below(GERMAN.len())]).collect();
                out.extend_from_slice(words.join(" ").as_bytes());
                out.extend_from_slice(if rng.below(4) == 0 { b"!\n" } else { b",\n" });
            }
        }
        Corpus::Bitmap => {
            // A BMP header for 512 × 170 pixels, 24 bits, then the rows.
            out.extend_from_slice(b"BM");
            out.extend_from_slice(&(SIZE as u32).to_le_bytes());
            out.extend_from_slice(&[0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0]);
            out.extend_from_slice(&512u32.to_le_bytes());
            out.extend_from_slice(&170u32.to_le_bytes());
            out.extend_from_slice(&[1, 0, 24, 0]);
            out.resize(54, 0);
            let mut i = 0usize;
            while out.len() < SIZE {
                let (x, y) = (i % 512, i / 512);
                let noise = rng.below(9) as i32 - 4;
                let px = |v: usize| (v as i32 + noise).clamp(0, 255) as u8;
                out.extend_from_slice(&[px(x / 2), px((x + y) / 3), px(y * 3 / 2 % 256)]);
                i += 1;
            }
        }
        Corpus::Random => {
            while out.len() < SIZE {
                out.extend_from_slice(&rng.next().to_le_bytes());
            }
        }
    }
    // Cut anywhere, a text corpus must stay valid UTF-8: only the ASCII
    // ones (json, html) are sent as text; prose goes as binary, as in Autobahn.
    out.truncate(SIZE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::deflate::Deflater;

    #[test]
    fn corpora_are_fixed_sized_and_as_compressible_as_their_kind() {
        let ratio = |c: Corpus| {
            let d = c.data();
            assert_eq!(d.len(), SIZE);
            Deflater::new(15, true).message(d).len() as f64 / d.len() as f64
        };
        assert!(ratio(Corpus::Json) < 0.35, "{}", ratio(Corpus::Json));
        assert!(ratio(Corpus::Html) < 0.35, "{}", ratio(Corpus::Html));
        assert!(ratio(Corpus::Prose) < 0.5, "{}", ratio(Corpus::Prose));
        assert!(ratio(Corpus::Bitmap) < 0.9, "{}", ratio(Corpus::Bitmap));
        assert!(ratio(Corpus::Random) > 0.99, "{}", ratio(Corpus::Random));
        assert!(Corpus::Json.data().is_ascii() && Corpus::Html.data().is_ascii());
        assert!(!Corpus::Prose.data().is_ascii());
    }

    #[test]
    fn messages_are_ring_slices() {
        let m = Corpus::Json.message(1000, 3);
        assert_eq!(m, &Corpus::Json.data()[3000..4000]);
        // Message 2 of 100000 bytes starts at 200000 and wraps to the start.
        let (wrap, data) = (Corpus::Random.message(100_000, 2), Corpus::Random.data());
        let tail = SIZE - 200_000;
        assert_eq!(wrap.len(), 100_000);
        assert_eq!(&wrap[..tail], &data[200_000..]);
        assert_eq!(&wrap[tail..], &data[..100_000 - tail]);
        assert_ne!(Corpus::Json.message(64, 0), Corpus::Json.message(64, 1));
    }
}
