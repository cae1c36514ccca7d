//! tungstenite's server role, in process, fed structure-aware client
//! conversations (wsprobe's `Sequence`: a handshake variant, then frames with
//! any header fields, fragmented messages, close frames, raw bytes).
//!
//! Oracle: no panic, and everything the server writes back must itself be
//! valid RFC 6455 as wsprobe's strict reader sees it in the client role: no
//! masked frames, no invalid UTF-8 in text, no reserved bits or opcodes, no
//! oversized or fragmented control frames, nothing after its close frame.
//!
//! To fuzz your own server: copy this file, and replace `server_under_test`
//! with a function that runs your server's connection handler on `stream`
//! (any `Read + Write`) until it returns.
#![no_main]

use std::io::{self, Cursor, Read, Write};

use libfuzzer_sys::fuzz_target;
use wsprobe::fuzz::{wire_bytes, Sequence};
use wsprobe::wire::reader::{FrameReader, Limits, ReadEvent, Side};

/// An in-memory connection: reads the client's bytes, collects the server's.
struct Duplex {
    input: Cursor<Vec<u8>>,
    output: Vec<u8>,
}

impl Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Bounded: a server that loops writing must not exhaust the fuzzer.
        if self.output.len() > 1 << 22 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The server under test: tungstenite's handshake and an echo loop.
fn server_under_test(stream: &mut Duplex) {
    let Ok(mut ws) = tungstenite::accept(stream) else {
        return;
    };
    // Each read either returns a message, or an error once the input is used up.
    for _ in 0..1000 {
        match ws.read() {
            Ok(m) if m.is_text() || m.is_binary() => {
                if ws.send(m).is_err() {
                    break;
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(seq) = Sequence::from_bytes(data) else {
        return;
    };
    let mut stream = Duplex {
        input: Cursor::new(wire_bytes(&seq)),
        output: Vec::new(),
    };
    server_under_test(&mut stream);

    // The HTTP response, then frames: every frame must be valid RFC 6455.
    let out = &stream.output;
    let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") else {
        return;
    };
    let mut reader = FrameReader::new(
        Side::Client,
        Limits {
            max_frame: 1 << 22,
            max_message: 1 << 22,
            preview: 0,
            max_frames: usize::MAX,
        },
    );
    let mut events = Vec::new();
    let _ = reader.feed(&out[end + 4..], &mut events);
    for e in events {
        if let ReadEvent::Violation(v) = e {
            panic!("the server sent something RFC 6455 forbids: {v}");
        }
    }
});
