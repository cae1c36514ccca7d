//! Write seed corpora for the cargo-fuzz targets in `fuzz/`, generated from
//! the catalogue: every case's client bytes (frame_reader), each case as its
//! own YAML file (case_yaml), handshake responses (handshake_response) and
//! generated sequences (tungstenite_server).
//!
//!     cargo run --example fuzz_seeds -- fuzz/seeds

use std::path::PathBuf;

use wsprobe::case::{load, write};
use wsprobe::fuzz::live::input_bytes;
use wsprobe::fuzz::steps_wire_bytes;

fn main() {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/seeds".into()),
    );
    let catalog = load::embedded().expect("the embedded catalogue loads");
    let put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("create seed directory");
        std::fs::write(dir.join(name), bytes).expect("write seed");
    };
    let mut n = 0;
    for (i, case) in catalog.cases.iter().enumerate() {
        let bytes = steps_wire_bytes(&case.steps);
        // The frames after the request, server role (control byte 0): large
        // cases are left out, the fuzzer gains nothing from 16 MiB seeds.
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let frames = &bytes[end + 4..];
            if !frames.is_empty() && frames.len() <= 1 << 16 {
                let mut seed = vec![0u8];
                seed.extend_from_slice(frames);
                put("frame_reader", &format!("case-{i:03}"), &seed);
                n += 1;
            }
        }
        let text = write::file("seed", "seed", std::slice::from_ref(case));
        if text.len() <= 4096 {
            put("case_yaml", &format!("case-{i:03}.yaml"), text.as_bytes());
        }
    }
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let accept = wsprobe::handshake::accept_for(key);
    let responses = [
        format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"),
        format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_string(),
        "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n".to_string(),
        "HTTP/1.0 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n\r\n".to_string(),
    ];
    for (i, r) in responses.iter().enumerate() {
        put("handshake_response", &format!("response-{i}"), r.as_bytes());
    }
    for i in 0..64 {
        put(
            "tungstenite_server",
            &format!("generated-{i:02}"),
            &input_bytes(1, i),
        );
    }
    eprintln!(
        "seeds in {}: {n} frame streams, case files, responses, 64 sequences",
        root.display()
    );
}
