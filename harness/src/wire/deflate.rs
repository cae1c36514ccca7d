//! permessage-deflate (RFC 7692): the extension parameters, the checks a
//! client makes of the server's response (section 7), and the codec.
//!
//! The codec is raw DEFLATE (flate2 on zlib-rs, which, unlike the default
//! miniz backend, honours window sizes below 2^15). A message is compressed
//! with a sync flush and sent without the final 0x00 0x00 0xff 0xff
//! (7.2.1); the receiver appends those four bytes before inflating the end
//! of the message (7.2.2).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The extension token.
pub const TOKEN: &str = "permessage-deflate";

/// The bytes a sync flush ends with, removed by the sender (7.2.1).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// One permessage-deflate element of an offer or a response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// `server_no_context_takeover`.
    pub server_no_context_takeover: bool,
    /// `client_no_context_takeover`.
    pub client_no_context_takeover: bool,
    /// `server_max_window_bits=N`.
    pub server_max_window_bits: Option<u8>,
    /// `client_max_window_bits` (`Some(None)`: without a value, offers only).
    pub client_max_window_bits: Option<Option<u8>>,
}

/// An extension parameter: its name and value, if it has one.
pub type Param = (String, Option<String>);

/// Split a `Sec-WebSocket-Extensions` value into elements: the extension
/// name and its parameters (quoted values unquoted, as RFC 7692 7.1 allows).
pub fn parse_header(value: &str) -> Vec<(String, Vec<Param>)> {
    value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|element| {
            let mut parts = element.split(';').map(str::trim);
            let name = parts.next().unwrap_or("").to_ascii_lowercase();
            let params = parts
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (
                        k.trim().to_ascii_lowercase(),
                        Some(v.trim().trim_matches('"').to_string()),
                    ),
                    None => (p.to_ascii_lowercase(), None),
                })
                .collect();
            (name, params)
        })
        .collect()
}

fn window_bits(name: &str, value: &str) -> Result<u8, String> {
    // 7.1.2.1: "The value MUST be a decimal integer without leading zeros in the range 8 to 15".
    let ok =
        !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) && !value.starts_with('0');
    match value.parse::<u8>() {
        Ok(n) if ok && (8..=15).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name}={value:?} is not a window size (a decimal 8 to 15, RFC 7692 7.1.2)"
        )),
    }
}

/// Read one element's parameters (7.1): every parameter known, none twice,
/// window sizes 8 to 15. `response` adds the rule that a response's
/// `client_max_window_bits` has a value.
pub fn parse_params(params: &[Param], response: bool) -> Result<Params, String> {
    let mut p = Params::default();
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in params {
        if !seen.insert(name.as_str()) {
            return Err(format!(
                "the parameter {name} appears twice (RFC 7692 7: the element MUST be declined)"
            ));
        }
        match (name.as_str(), value) {
            ("server_no_context_takeover", None) => p.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => p.client_no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => {
                p.server_max_window_bits = Some(window_bits(name, v)?)
            }
            ("client_max_window_bits", Some(v)) => {
                p.client_max_window_bits = Some(Some(window_bits(name, v)?))
            }
            ("client_max_window_bits", None) if !response => p.client_max_window_bits = Some(None),
            ("server_no_context_takeover" | "client_no_context_takeover", Some(v)) => {
                return Err(format!("{name} takes no value (got {v:?})"))
            }
            ("server_max_window_bits" | "client_max_window_bits", None) => {
                return Err(format!(
                    "{name} needs a value in a response (RFC 7692 7.1.2.2)"
                ))
            }
            (other, _) => return Err(format!("unknown parameter {other} (RFC 7692 7)")),
        }
    }
    Ok(p)
}

/// Whether `resp` is a valid acceptance of `offer` (RFC 7692 7.1.1, 7.1.2);
/// the reason when it is not.
pub fn accepts(offer: &Params, resp: &Params) -> Result<(), String> {
    if offer.server_no_context_takeover && !resp.server_no_context_takeover {
        return Err("the offer asked for server_no_context_takeover and the response does not include it (RFC 7692 7.1.1.1)".into());
    }
    match (offer.server_max_window_bits, resp.server_max_window_bits) {
        (Some(o), None) => {
            return Err(format!(
                "the offer limited server_max_window_bits to {o} and the response does not include it (RFC 7692 7.1.2.1)"
            ))
        }
        (Some(o), Some(r)) if r > o => {
            return Err(format!(
                "server_max_window_bits={r} is above the offered {o} (RFC 7692 7.1.2.1)"
            ))
        }
        _ => {}
    }
    match (offer.client_max_window_bits, resp.client_max_window_bits) {
        (None, Some(_)) => {
            return Err("client_max_window_bits in the response, but not in the offer (RFC 7692 7.1.2.2: MUST NOT)".into())
        }
        (Some(Some(o)), Some(Some(r))) if r > o => {
            return Err(format!(
                "client_max_window_bits={r} is above the offered {o} (RFC 7692 7.1.2.2)"
            ))
        }
        _ => {}
    }
    Ok(())
}

impl Params {
    /// The extension element, as a header value.
    pub fn render(&self) -> String {
        let mut s = TOKEN.to_string();
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if let Some(n) = self.server_max_window_bits {
            s.push_str(&format!("; server_max_window_bits={n}"));
        }
        match self.client_max_window_bits {
            Some(Some(n)) => s.push_str(&format!("; client_max_window_bits={n}")),
            Some(None) => s.push_str("; client_max_window_bits"),
            None => {}
        }
        s
    }

    /// A server's acceptance of this offer: what it asks of the server, granted.
    pub fn acceptance(&self) -> Params {
        Params {
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: false,
            server_max_window_bits: self.server_max_window_bits,
            client_max_window_bits: self.client_max_window_bits.flatten().map(Some),
        }
    }
}

/// What the two sides use once negotiated: window sizes and context takeover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreed {
    /// Window bits the client compresses with.
    pub client_window: u8,
    /// The client resets its compressor after every message.
    pub client_no_context: bool,
    /// Window bits the server may use (what the client must inflate).
    pub server_window: u8,
    /// The server resets its compressor after every message.
    pub server_no_context: bool,
}

impl Agreed {
    /// From the accepted response.
    pub fn from_response(resp: &Params) -> Agreed {
        Agreed {
            client_window: resp.client_max_window_bits.flatten().unwrap_or(15),
            client_no_context: resp.client_no_context_takeover,
            server_window: resp.server_max_window_bits.unwrap_or(15),
            server_no_context: resp.server_no_context_takeover,
        }
    }
}

/// Compresses messages for one direction.
pub struct Deflater {
    c: Compress,
    window: u8,
    no_context: bool,
}

// zlib does not do 8-bit raw windows; like most implementations, a window
// of 8 is inflated with 9 (RFC 7692 8.1.2.1 notes the same).
fn zlib_bits(window: u8) -> u8 {
    window.clamp(9, 15)
}

// A compressor for `window` bits. zlib cannot compress within 256 bytes, so
// an agreed window of 8 gets stored blocks: no back reference at all, which
// keeps within any window.
fn compressor(window: u8) -> Compress {
    let level = if window < 9 {
        Compression::none()
    } else {
        Compression::default()
    };
    Compress::new_with_window_bits(level, false, zlib_bits(window))
}

impl Deflater {
    /// A compressor with this window, resetting after each message when `no_context`.
    pub fn new(window: u8, no_context: bool) -> Deflater {
        Deflater {
            c: compressor(window),
            window,
            no_context,
        }
    }

    /// One message's payload, compressed, without the trailing 0x00 0x00 0xff 0xff.
    pub fn message(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut input = data;
        loop {
            out.reserve(4096);
            let before = self.c.total_in();
            let status = self
                .c
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .expect("deflate on owned buffers does not fail");
            input = &input[(self.c.total_in() - before) as usize..];
            // Done when all input is in and the flush fit (output room left over).
            if input.is_empty() && out.len() < out.capacity() && status != Status::BufError {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - 4);
        }
        if self.no_context {
            self.c = compressor(self.window);
        }
        out
    }
}

impl Deflater {
    /// One message as a DEFLATE stream of its own, ended by a block with
    /// BFINAL set and the empty stored block's header octet (RFC 7692
    /// 7.2.3.4: the way to flush where a sync flush is not available). It
    /// refers to nothing before the message, so it is valid in any
    /// context; a sender using it must use it for every message, since its
    /// own compressor does not see these.
    pub fn final_message(&self, data: &[u8]) -> Vec<u8> {
        let mut c = compressor(self.window);
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            out.reserve(4096);
            let before = c.total_in() as usize;
            let status = c
                .compress_vec(&data[before..], &mut out, FlushCompress::Finish)
                .expect("deflate on owned buffers does not fail");
            if status == Status::StreamEnd {
                break;
            }
        }
        out.push(0x00);
        out
    }
}

/// Inflating failed: the data is not DEFLATE, or it inflates past the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    /// Not a valid DEFLATE stream.
    #[error("invalid DEFLATE data: {0}")]
    Invalid(String),
    /// The message inflates to more than the limit.
    #[error("the message inflates to more than {0} bytes")]
    TooLarge(u64),
}

/// Inflates messages for one direction, streaming, with a bound on the
/// inflated size of each message (a zip bomb stops at the limit).
pub struct Inflater {
    d: Decompress,
    window: u8,
    no_context: bool,
    limit: u64,
    this_message: u64,
    scratch: Box<[u8]>,
    // The message's compressed bytes (at most the message limit): zlib
    // inflates with a 32 KiB window whatever it is told, so a reference
    // beyond an agreed smaller window is found by scanning them, as are the
    // padding bits after a final block, which zlib skips.
    scan: Vec<u8>,
    // The message's last four compressed bytes, to see whether the sender
    // removed the 0x00 0x00 0xff 0xff tail (RFC 7692 7.2.1 step 3).
    last4: [u8; 4],
    seen: u64,
    // The last 32 KiB inflated: a block with BFINAL set ends zlib's stream,
    // and the blocks after it (RFC 7692 7.2.1) go on in the same window.
    history: Vec<u8>,
    // A final block ended inside this message: its padding is checked.
    final_seen: bool,
}

const HISTORY: usize = 32 * 1024;

impl Inflater {
    /// An inflater for a peer compressing with up to `window` bits.
    pub fn new(window: u8, no_context: bool, limit: u64) -> Inflater {
        Inflater {
            d: Decompress::new_with_window_bits(false, zlib_bits(window)),
            window,
            no_context,
            limit,
            this_message: 0,
            scratch: vec![0; 32 * 1024].into_boxed_slice(),
            scan: Vec::new(),
            last4: [0; 4],
            seen: 0,
            history: Vec::new(),
            final_seen: false,
        }
    }

    /// Whether the message so far ends with 0x00 0x00 0xff 0xff: a sender
    /// that removed the tail (RFC 7692 7.2.1 step 3) leaves the header bits
    /// of an empty stored block (BTYPE 00) in the last octet, so a payload
    /// ending in 0xff never comes from the algorithm. Ask before `finish`.
    pub fn tail_kept(&self) -> bool {
        self.seen >= 4 && self.last4 == TAIL
    }

    /// The window the peer agreed to compress with.
    pub fn window(&self) -> u8 {
        self.window
    }

    /// Inflate more of the current message into `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), InflateError> {
        self.feed_into(data, &mut |b| out.extend_from_slice(b))
    }

    /// End the message into `out`: see [`Inflater::finish_into`].
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), InflateError> {
        self.finish_into(&mut |b| out.extend_from_slice(b))
    }

    /// Inflate more of the current message, handing the output to `sink`
    /// a buffer at a time (at most 32 KiB is held, however large the message).
    pub fn feed_into(
        &mut self,
        mut data: &[u8],
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<(), InflateError> {
        self.scan.extend_from_slice(data);
        self.seen += data.len() as u64;
        if data.len() >= 4 {
            self.last4.copy_from_slice(&data[data.len() - 4..]);
        } else {
            self.last4.rotate_left(data.len());
            self.last4[4 - data.len()..].copy_from_slice(data);
        }
        // Through a fixed scratch buffer, so a bomb overshoots the limit by
        // at most one buffer before it is caught.
        loop {
            let (was_in, was_out) = (self.d.total_in(), self.d.total_out());
            let status = match self
                .d
                .decompress(data, &mut self.scratch, FlushDecompress::Sync)
            {
                Ok(s) => s,
                Err(e) => return Err(self.explain(e)),
            };
            let used = (self.d.total_in() - was_in) as usize;
            let produced = (self.d.total_out() - was_out) as usize;
            data = &data[used..];
            self.this_message += produced as u64;
            if self.this_message > self.limit {
                return Err(InflateError::TooLarge(self.limit));
            }
            let out = &self.scratch[..produced];
            if out.len() >= HISTORY {
                self.history.clear();
                self.history.extend_from_slice(&out[out.len() - HISTORY..]);
            } else {
                let drop = (self.history.len() + out.len()).saturating_sub(HISTORY);
                self.history.drain(..drop);
                self.history.extend_from_slice(out);
            }
            sink(out);
            if status == Status::StreamEnd {
                // A block with BFINAL set: the next block follows in the
                // same window (RFC 7692 7.2.1, 7.2.3.4).
                self.final_seen = true;
                self.d = Decompress::new_with_window_bits(false, zlib_bits(self.window));
                self.d
                    .set_dictionary(&self.history)
                    .map_err(|e| InflateError::Invalid(e.to_string()))?;
                if data.is_empty() {
                    return Ok(());
                }
                continue;
            }
            // A full buffer may mean more output is pending.
            if (data.is_empty() || (used == 0 && produced == 0)) && produced < self.scratch.len() {
                return Ok(());
            }
        }
    }

    // What a zlib error means here: a reference before the message's first
    // byte, when the peer agreed to drop its context, is that peer keeping
    // it; anything else is reported as zlib words it.
    fn explain(&self, e: flate2::DecompressError) -> InflateError {
        if self.no_context {
            let reach = super::deflate_window::scan_message(&self.scan);
            if let Some((distance, at)) = reach.before_start {
                return InflateError::Invalid(format!(
                    "a back reference {distance} bytes back, into the previous message, after {at} bytes of this one: the sender kept its LZ77 window although it agreed to no context takeover (RFC 7692 7.1.1)"
                ));
            }
        }
        InflateError::Invalid(e.to_string())
    }

    /// End the message: inflate the removed tail, and reset if the peer
    /// does not keep its context.
    pub fn finish_into(&mut self, sink: &mut dyn FnMut(&[u8])) -> Result<(), InflateError> {
        let mut r = self.feed_into(&TAIL, sink);
        self.this_message = 0;
        self.seen = 0;
        if r.is_ok() && (self.window < 15 || self.final_seen) {
            let reach = super::deflate_window::scan_message(&self.scan);
            let window = 1u32 << zlib_bits(self.window);
            if reach.farthest > window {
                r = Err(InflateError::Invalid(format!(
                    "a back reference {} bytes back, beyond the agreed window of {window} bytes (max_window_bits={}, RFC 7692 7.1.2)",
                    reach.farthest, self.window
                )));
            } else if reach.dirty_padding {
                r = Err(InflateError::Invalid(
                    "a DEFLATE block with BFINAL set is padded to the byte boundary with bits that are not 0 (RFC 7692 7.2.1)".into(),
                ));
            }
        }
        self.scan.clear();
        self.final_seen = false;
        if self.no_context {
            self.d = Decompress::new_with_window_bits(false, zlib_bits(self.window));
            self.history.clear();
        }
        r
    }
}

/// Raw DEFLATE data (without the 0x00 0x00 0xff 0xff tail) that inflates to
/// `len` zero bytes, built without holding them: a compressed block of 1 MiB
/// of zeros, repeated. Each block refers only to itself, so the repeats are
/// valid in any context. About 1 KiB per MiB: a zip bomb.
pub fn zeros(len: u64) -> Vec<u8> {
    const CHUNK: u64 = 1 << 20;
    let block = |n: u64| {
        let mut d = Deflater::new(15, true);
        let mut b = d.message(&vec![0u8; n as usize]);
        b.extend_from_slice(&TAIL);
        b
    };
    let full = block(CHUNK);
    let mut out = Vec::with_capacity((len / CHUNK + 1) as usize * full.len());
    for _ in 0..len / CHUNK {
        out.extend_from_slice(&full);
    }
    if !len.is_multiple_of(CHUNK) || len == 0 {
        out.extend_from_slice(&block(len % CHUNK));
    }
    out.truncate(out.len() - TAIL.len());
    out
}

/// 16 KiB: the same 4 KiB of noise four times, so only a window of 4 KiB
/// or more finds the repeats (tests of window handling).
#[cfg(test)]
pub(crate) fn repeats_4_kib_apart() -> Vec<u8> {
    let mut x = 0x2545_f491_u32;
    let unit: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    unit.repeat(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &str) -> Vec<Param> {
        parse_header(s).remove(0).1
    }

    #[test]
    fn a_kept_tail_is_seen_whatever_the_chunks() {
        let mut trimmed = Deflater::new(15, false).message(b"Hello, Hello, Hello");
        let mut kept = trimmed.clone();
        kept.extend_from_slice(&TAIL);
        for (data, want) in [(&mut trimmed, false), (&mut kept, true)] {
            for split in 0..data.len() {
                let mut inf = Inflater::new(15, false, 1 << 20);
                let mut out = Vec::new();
                inf.feed(&data[..split], &mut out).unwrap();
                for b in &data[split..] {
                    inf.feed(std::slice::from_ref(b), &mut out).unwrap();
                }
                assert_eq!(inf.tail_kept(), want, "split at {split}");
                inf.finish(&mut out).unwrap();
                assert_eq!(out, b"Hello, Hello, Hello");
                // The next message starts afresh.
                assert!(!inf.tail_kept());
            }
        }
        // The RFC's empty message (7.2.3.6) is the single byte 0x00.
        let mut inf = Inflater::new(15, false, 1 << 20);
        inf.feed(&[0x00], &mut Vec::new()).unwrap();
        assert!(!inf.tail_kept());
    }

    #[test]
    fn a_window_of_8_bits_is_compressed_without_references() {
        let data = b"abcabcabcabcabcabcabcabcabcabc".repeat(20);
        let wire = Deflater::new(8, false).message(&data);
        assert_eq!(super::super::deflate_window::farthest_reference(&wire), 0);
        let mut out = Vec::new();
        let mut inf = Inflater::new(8, false, 1 << 20);
        inf.feed(&wire, &mut out).unwrap();
        inf.finish(&mut out).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn headers_parse_into_elements() {
        let e = parse_header(
            "permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=\"10\"",
        );
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].1, [("client_max_window_bits".to_string(), None)]);
        assert_eq!(
            e[1].1,
            [("server_max_window_bits".to_string(), Some("10".to_string()))]
        );
    }

    #[test]
    fn parameters_follow_section_7() {
        let ok = parse_params(
            &params("permessage-deflate; server_no_context_takeover; server_max_window_bits=10"),
            true,
        )
        .unwrap();
        assert!(ok.server_no_context_takeover);
        assert_eq!(ok.server_max_window_bits, Some(10));
        for bad in [
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; x_unknown",
        ] {
            assert!(parse_params(&params(bad), true).is_err(), "{bad}");
        }
        // An offer may carry client_max_window_bits without a value.
        assert_eq!(
            parse_params(&params("permessage-deflate; client_max_window_bits"), false)
                .unwrap()
                .client_max_window_bits,
            Some(None)
        );
    }

    #[test]
    fn responses_must_fit_the_offer() {
        let p = |s: &str, response| parse_params(&params(s), response).unwrap();
        let offer = p(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            false,
        );
        assert!(accepts(
            &offer,
            &p(
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
                true
            )
        )
        .is_ok());
        assert!(accepts(
            &offer,
            &p("permessage-deflate; server_max_window_bits=10", true)
        )
        .is_err());
        assert!(accepts(
            &offer,
            &p("permessage-deflate; server_no_context_takeover", true)
        )
        .is_err());
        assert!(accepts(
            &offer,
            &p(
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
                true
            )
        )
        .is_err());
        let plain = Params::default();
        assert!(accepts(
            &plain,
            &p("permessage-deflate; client_max_window_bits=10", true)
        )
        .is_err());
        assert!(accepts(
            &plain,
            &p(
                "permessage-deflate; client_no_context_takeover; server_max_window_bits=12",
                true
            )
        )
        .is_ok());
        let client = p("permessage-deflate; client_max_window_bits=12", false);
        assert!(accepts(
            &client,
            &p("permessage-deflate; client_max_window_bits=13", true)
        )
        .is_err());
        assert!(accepts(
            &client,
            &p("permessage-deflate; client_max_window_bits=12", true)
        )
        .is_ok());
    }

    #[test]
    fn messages_round_trip_with_and_without_context() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{{\"id\":{i},\"name\":\"item {}\"}},", i % 97).into_bytes())
            .collect();
        for (window, no_context) in [(15, false), (15, true), (9, false), (8, true)] {
            let mut tx = Deflater::new(window, no_context);
            let mut rx = Inflater::new(window, no_context, 64 << 20);
            let mut sizes = Vec::new();
            for _ in 0..3 {
                let wire = tx.message(&text);
                assert!(!wire.ends_with(&TAIL));
                sizes.push(wire.len());
                let mut out = Vec::new();
                // Fed in pieces, as frames arrive.
                for piece in wire.chunks(777) {
                    rx.feed(piece, &mut out).unwrap();
                }
                rx.finish(&mut out).unwrap();
                assert_eq!(out, text, "window {window}, no_context {no_context}");
            }
            // With context takeover the second message refers back to the first.
            assert_eq!(sizes[1] < sizes[0], !no_context, "{sizes:?}");
        }
        // The empty message compresses to a single 0x00 byte (RFC 7692 7.2.3.6).
        assert_eq!(Deflater::new(15, false).message(b""), [0x00]);
    }

    #[test]
    fn a_peer_exceeding_its_agreed_window_is_caught() {
        // Repeats 4 KiB apart: a 15-bit window refers back to them, a 9-bit one cannot.
        let data = repeats_4_kib_apart();
        let wide = Deflater::new(15, false).message(&data);
        let mut out = Vec::new();
        let mut rx = Inflater::new(9, false, 1 << 20);
        let e = rx.feed(&wide, &mut out).and_then(|_| rx.finish(&mut out));
        assert!(
            matches!(&e, Err(InflateError::Invalid(m)) if m.contains("bytes back, beyond the agreed window of 512 bytes")),
            "{e:?}"
        );
        // The same data compressed within the agreed window inflates.
        for (agreed, used) in [(9, 9), (8, 8), (12, 9)] {
            let mut out = Vec::new();
            let mut rx = Inflater::new(agreed, false, 1 << 20);
            rx.feed(&Deflater::new(used, false).message(&data), &mut out)
                .and_then(|_| rx.finish(&mut out))
                .unwrap();
            assert_eq!(out, data);
        }
    }

    #[test]
    fn messages_ending_in_a_final_block_inflate_one_after_another() {
        // RFC 7692 7.2.3.4: "Hello" in a block with BFINAL set, then an
        // empty stored block; the tail is removed as usual.
        let bfinal = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        // And the RFC's 7.2.3.2 second "Hello", referring back 5 bytes.
        let back = [0xf2, 0x00, 0x11, 0x00, 0x00];
        let mut rx = Inflater::new(15, false, 1 << 20);
        for (wire, want) in [
            (&bfinal[..], "Hello"),
            (&bfinal[..], "Hello"),
            (&back[..], "Hello"),
        ] {
            let mut out = Vec::new();
            rx.feed(wire, &mut out)
                .and_then(|_| rx.finish(&mut out))
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out), want);
        }
    }

    #[test]
    fn final_block_messages_inflate_and_dirty_padding_is_caught() {
        let tx = Deflater::new(15, false);
        let mut rx = Inflater::new(15, false, 1 << 20);
        for text in ["Hello", "Hello, Hello, Hello", ""] {
            let wire = tx.final_message(text.as_bytes());
            let mut out = Vec::new();
            rx.feed(&wire, &mut out)
                .and_then(|_| rx.finish(&mut out))
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out), text);
        }
        let mut wire = tx.final_message(b"Hello");
        let (pos, bit) = super::super::deflate_window::scan_message(&wire)
            .final_end
            .unwrap();
        assert_ne!(bit, 0, "this block does not end on a byte boundary");
        wire[pos] |= 0xff << bit;
        let mut out = Vec::new();
        let e = rx.feed(&wire, &mut out).and_then(|_| rx.finish(&mut out));
        assert!(
            matches!(&e, Err(InflateError::Invalid(m)) if m.contains("padded")),
            "{e:?}"
        );
        // zlib itself takes the message: only the scan sees the padding.
        assert_eq!(out, b"Hello");
    }

    #[test]
    fn a_peer_keeping_a_context_it_agreed_to_drop_is_named() {
        let mut tx = Deflater::new(15, false);
        let mut rx = Inflater::new(15, true, 1 << 20);
        let mut out = Vec::new();
        rx.feed(&tx.message(b"Hello, Hello, Hello"), &mut out)
            .and_then(|_| rx.finish(&mut out))
            .unwrap();
        let e = rx
            .feed(&tx.message(b"Hello, Hello, Hello"), &mut out)
            .and_then(|_| rx.finish(&mut out));
        assert!(
            matches!(&e, Err(InflateError::Invalid(m)) if m.contains("into the previous message, after 0 bytes of this one")),
            "{e:?}"
        );
        // Garbage without context takeover is still reported as zlib says.
        let mut rx = Inflater::new(15, true, 1 << 20);
        let e = rx.feed(&[0xff, 0xff, 0xff, 0xff], &mut Vec::new());
        assert!(
            matches!(&e, Err(InflateError::Invalid(m)) if !m.contains("previous")),
            "{e:?}"
        );
    }

    #[test]
    fn zeros_inflate_to_their_length_in_any_context() {
        for len in [0u64, 5, 1 << 20, (3 << 20) + 17] {
            let wire = zeros(len);
            assert!(wire.len() as u64 <= len / 500 + 16, "{len}: {}", wire.len());
            let mut rx = Inflater::new(15, false, 1 << 30);
            // After another message, as the second message of a connection.
            let mut out = Vec::new();
            rx.feed(&Deflater::new(15, false).message(b"Hello"), &mut out)
                .and_then(|_| rx.finish(&mut out))
                .unwrap();
            let mut out = Vec::new();
            rx.feed(&wire, &mut out)
                .and_then(|_| rx.finish(&mut out))
                .unwrap();
            assert_eq!(out.len() as u64, len);
            assert!(out.iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        let zeros = vec![0u8; 10 << 20];
        let wire = Deflater::new(15, false).message(&zeros);
        let mut rx = Inflater::new(15, false, 1 << 20);
        let mut out = Vec::new();
        let e = rx.feed(&wire, &mut out).and_then(|_| rx.finish(&mut out));
        assert_eq!(e, Err(InflateError::TooLarge(1 << 20)));
        assert!(out.len() <= (1 << 20) + (32 << 10), "{}", out.len());
        let mut rx = Inflater::new(15, false, 1 << 20);
        let e = rx.feed(&[0xff, 0xff, 0xff, 0xff], &mut Vec::new());
        assert!(matches!(e, Err(InflateError::Invalid(_))), "{e:?}");
    }
}
