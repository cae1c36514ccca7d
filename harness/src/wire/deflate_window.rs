//! The farthest back reference in raw DEFLATE data (RFC 1951), to check a
//! peer against the window it agreed to (RFC 7692 7.1.2). zlib cannot: it
//! inflates with a 32 KiB window whatever window size it is given, so data
//! compressed with a larger window than agreed inflates without complaint.
//!
//! Only the symbols are decoded, nothing is written out. Errors are left to
//! the inflater, which sees the same bytes: the scan stops quietly at the end
//! of the data or at anything it cannot decode.

/// The largest distance of any back reference in `data`, 0 if none.
pub fn farthest_reference(data: &[u8]) -> u32 {
    scan_message(data).farthest
}

/// What the references of one message's DEFLATE data reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    /// The largest distance of any back reference, 0 if none.
    pub farthest: u32,
    /// The first reference reaching before the message's first byte:
    /// (its distance, the bytes of the message before it). Only a peer
    /// keeping its context across messages may make one.
    pub before_start: Option<(u32, u64)>,
    /// Where the first block with BFINAL set ends: (byte, bit) of the bit
    /// after its end-of-block code.
    pub final_end: Option<(usize, u8)>,
    /// A block with BFINAL set is padded with bits that are not 0.
    pub dirty_padding: bool,
}

/// Scan one message's DEFLATE data (the blocks after a final one too: RFC
/// 7692 7.2.1 lets blocks follow a BFINAL block).
pub fn scan_message(data: &[u8]) -> Reach {
    let mut bits = Bits {
        data,
        pos: 0,
        bit: 0,
    };
    let mut reach = Walk::default();
    let _ = scan(&mut bits, &mut reach);
    Reach {
        farthest: reach.farthest,
        before_start: reach.before_start,
        final_end: reach.final_end,
        dirty_padding: reach.dirty_padding,
    }
}

/// The walk so far: output produced and what the references reached.
#[derive(Default)]
struct Walk {
    out: u64,
    farthest: u32,
    before_start: Option<(u32, u64)>,
    final_end: Option<(usize, u8)>,
    dirty_padding: bool,
}

impl Walk {
    fn reference(&mut self, distance: u32, len: u32) {
        self.farthest = self.farthest.max(distance);
        if u64::from(distance) > self.out && self.before_start.is_none() {
            self.before_start = Some((distance, self.out));
        }
        self.out += u64::from(len);
    }
}

/// Ran out of data, or the data is not DEFLATE.
struct Stop;

fn scan(bits: &mut Bits, walk: &mut Walk) -> Result<(), Stop> {
    loop {
        let last = bits.take(1)? == 1;
        match bits.take(2)? {
            0 => {
                bits.align();
                let len = bits.take(16)? as usize;
                bits.take(16)?;
                bits.skip_bytes(len)?;
                walk.out += len as u64;
            }
            1 => {
                let (lit, dist) = fixed_tables();
                block(bits, &lit, &dist, walk)?;
            }
            2 => {
                let (lit, dist) = dynamic_tables(bits)?;
                block(bits, &lit, &dist, walk)?;
            }
            _ => return Err(Stop),
        }
        if last {
            // Padded with 0 to the byte boundary (RFC 7692 7.2.1); the next
            // block, if any, starts at the next byte.
            walk.final_end.get_or_insert((bits.pos, bits.bit));
            if bits.bit != 0 {
                let byte = bits.data.get(bits.pos).copied().unwrap_or(0);
                walk.dirty_padding |= byte >> bits.bit != 0;
            }
            bits.align();
        }
    }
}

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

fn block(bits: &mut Bits, lit: &Huffman, dist: &Huffman, walk: &mut Walk) -> Result<(), Stop> {
    loop {
        let sym = lit.decode(bits)? as usize;
        match sym {
            0..=255 => walk.out += 1,
            256 => return Ok(()),
            257..=285 => {
                let i = sym - 257;
                let len = LEN_BASE[i] as u32 + bits.take(LEN_EXTRA[i])?;
                let d = dist.decode(bits)? as usize;
                if d >= 30 {
                    return Err(Stop);
                }
                walk.reference(DIST_BASE[d] + bits.take(DIST_EXTRA[d])?, len);
            }
            _ => return Err(Stop),
        }
    }
}

fn fixed_tables() -> (Huffman, Huffman) {
    let mut lengths = [0u8; 288];
    lengths[..144].fill(8);
    lengths[144..256].fill(9);
    lengths[256..280].fill(7);
    lengths[280..].fill(8);
    (Huffman::new(&lengths), Huffman::new(&[5; 30]))
}

fn dynamic_tables(bits: &mut Bits) -> Result<(Huffman, Huffman), Stop> {
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let nlen = bits.take(5)? as usize + 257;
    let ndist = bits.take(5)? as usize + 1;
    let ncode = bits.take(4)? as usize + 4;
    let mut code_lengths = [0u8; 19];
    for &i in &ORDER[..ncode] {
        code_lengths[i] = bits.take(3)? as u8;
    }
    let codes = Huffman::new(&code_lengths);
    let mut lengths = vec![0u8; nlen + ndist];
    let mut i = 0;
    while i < lengths.len() {
        let sym = codes.decode(bits)?;
        let (value, repeat) = match sym {
            0..=15 => (sym as u8, 1),
            16 if i > 0 => (lengths[i - 1], 3 + bits.take(2)?),
            17 => (0, 3 + bits.take(3)?),
            18 => (0, 11 + bits.take(7)?),
            _ => return Err(Stop),
        };
        let end = i + repeat as usize;
        if end > lengths.len() {
            return Err(Stop);
        }
        lengths[i..end].fill(value);
        i = end;
    }
    Ok((
        Huffman::new(&lengths[..nlen]),
        Huffman::new(&lengths[nlen..]),
    ))
}

/// A canonical Huffman code, decoded a bit at a time: how many codes have
/// each length, and the symbols in code order.
struct Huffman {
    count: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Huffman {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let mut offset = [0u16; 16];
        for l in 1..15 {
            offset[l + 1] = offset[l] + count[l];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[offset[l as usize] as usize] = sym as u16;
                offset[l as usize] += 1;
            }
        }
        Huffman { count, symbols }
    }

    fn decode(&self, bits: &mut Bits) -> Result<u16, Stop> {
        // Codes of one length are consecutive; `first` is the first code of
        // the current length, `index` the position of its symbol.
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= bits.take(1)? as i32;
            let count = self.count[len] as i32;
            if code - first < count {
                return self
                    .symbols
                    .get((index + code - first) as usize)
                    .copied()
                    .ok_or(Stop);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(Stop)
    }
}

/// Bits least significant first, as DEFLATE packs them.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    bit: u8,
}

impl Bits<'_> {
    fn take(&mut self, n: u8) -> Result<u32, Stop> {
        let mut v = 0u32;
        for i in 0..n {
            let byte = *self.data.get(self.pos).ok_or(Stop)?;
            v |= (((byte >> self.bit) & 1) as u32) << i;
            self.bit += 1;
            if self.bit == 8 {
                self.bit = 0;
                self.pos += 1;
            }
        }
        Ok(v)
    }

    fn align(&mut self) {
        if self.bit != 0 {
            self.bit = 0;
            self.pos += 1;
        }
    }

    fn skip_bytes(&mut self, n: usize) -> Result<(), Stop> {
        if self.pos + n > self.data.len() {
            return Err(Stop);
        }
        self.pos += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::deflate::Deflater;

    #[test]
    fn finds_the_farthest_reference_of_each_block_type() {
        // RFC 7692 7.2.3.2: the second "Hello" refers 5 bytes back into the first.
        assert_eq!(farthest_reference(&[0xf2, 0x00, 0x11, 0x00, 0x00]), 5);
        // Fixed Huffman without references, and a stored block.
        assert_eq!(
            farthest_reference(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
            0
        );
        assert_eq!(
            farthest_reference(&[0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00]),
            0
        );
        // Dynamic Huffman from zlib, repeats 4 KiB apart.
        let data = crate::wire::deflate::repeats_4_kib_apart();
        let far = farthest_reference(&Deflater::new(15, false).message(&data));
        assert!(far >= 4096 && far.is_multiple_of(4096), "{far}");
        let narrow = farthest_reference(&Deflater::new(9, false).message(&data));
        assert!(narrow <= 512, "{narrow}");
        // zlib's output for every window stays inside it: no false alarms.
        let json: Vec<u8> = (0..3000)
            .flat_map(|i| format!("{{\"id\": {i}, \"name\": \"item {}\"}}, ", i % 89).into_bytes())
            .collect();
        for window in 9..=15u8 {
            let far = farthest_reference(&Deflater::new(window, false).message(&json));
            assert!(far <= 1 << window, "{window}: {far}");
        }
        // The RFC's second "Hello" reaches 5 bytes before its message.
        assert_eq!(
            scan_message(&[0xf2, 0x00, 0x11, 0x00, 0x00]).before_start,
            Some((5, 1))
        );
        assert_eq!(
            scan_message(&Deflater::new(15, false).message(&data)).before_start,
            None
        );
        // Blocks after a final one are scanned too (RFC 7692 7.2.1).
        let mut two = vec![0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        two.extend_from_slice(&[0xf2, 0x00, 0x11, 0x00, 0x00]);
        assert_eq!(
            scan_message(&two).before_start,
            None,
            "the first block gives 5 bytes"
        );
        assert_eq!(scan_message(&two).farthest, 5);
        // The RFC's final block ends in bit 2 of its seventh byte, padded with 0.
        let rfc = scan_message(&two);
        assert_eq!((rfc.final_end, rfc.dirty_padding), (Some((6, 2)), false));
        two[6] |= 0x80;
        assert!(scan_message(&two).dirty_padding);
        assert_eq!(scan_message(&data).final_end, None);
        // Garbage and truncated data stop the scan without a panic.
        assert_eq!(farthest_reference(&[0xff; 64]), 0);
        let wide = Deflater::new(15, false).message(&data);
        for cut in [1, 2, 7, wide.len() / 2] {
            farthest_reference(&wide[..cut]);
        }
    }
}
