//! Throughput of wsprobe's permessage-deflate path (the codec the runner and
//! the hand-written server use): compress and inflate messages of several
//! kinds, as `bench/run.sh` records. Figures, not assertions.

use std::time::Instant;

use wsprobe::wire::deflate::{Deflater, Inflater};

fn json_like(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(
            format!(
                "{{\"id\":{i},\"user\":\"u{}\",\"score\":{}}},",
                i % 977,
                (i * 7919) % 10007
            )
            .as_bytes(),
        );
        i += 1;
    }
    out.truncate(len);
    out
}

fn random(len: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn main() {
    let total = 64 << 20;
    for (kind, message) in [
        ("json-like 16 KiB", json_like(16 << 10)),
        ("json-like 128 KiB", json_like(128 << 10)),
        ("random 128 KiB", random(128 << 10)),
    ] {
        // A window below 15 bits costs the symbol scan that checks the peer
        // stays inside it (wire/deflate_window.rs).
        for (context, no_context, window) in [
            ("context takeover", false, 15),
            ("no context", true, 15),
            ("context takeover, 9-bit window (scanned)", false, 9),
        ] {
            let mut tx = Deflater::new(window, no_context);
            let mut rx = Inflater::new(window, no_context, 1 << 30);
            let count = total / message.len();
            // Every message is kept: with context takeover each one refers
            // back to the ones before, so they must be inflated in order.
            let t = Instant::now();
            let wires: Vec<Vec<u8>> = (0..count).map(|_| tx.message(&message)).collect();
            let deflate = t.elapsed().as_secs_f64();
            let compressed: usize = wires.iter().map(Vec::len).sum();
            let mut out = Vec::new();
            let t = Instant::now();
            for wire in &wires {
                out.clear();
                rx.feed(wire, &mut out).unwrap();
                rx.finish(&mut out).unwrap();
                assert_eq!(out.len(), message.len());
            }
            let inflate = t.elapsed().as_secs_f64();
            let mib = (count * message.len()) as f64 / (1 << 20) as f64;
            println!(
                "{kind}, {context}: deflate {:.0} MiB/s, inflate {:.0} MiB/s, ratio {:.3}",
                mib / deflate,
                mib / inflate,
                compressed as f64 / (count * message.len()) as f64
            );
        }
    }
}
