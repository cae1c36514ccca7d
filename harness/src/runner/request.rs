//! The opening handshake request a case sends: the case's overrides on the
//! run's defaults. (Here, not in `handshake/`, because it reads the case
//! model, which sits above the handshake codec.)

use super::RunOptions;
use crate::case::HandshakeStep;
use crate::handshake::{self, Request};

/// The handshake request a case sends, before delivery.
pub fn build_request(hs: &HandshakeStep, opts: &RunOptions) -> (Request, String) {
    let key = handshake::random_key();
    let t = &opts.target;
    let mut req = Request::standard(&t.authority(), &t.path, &key);
    if let Some(origin) = &opts.origin {
        req.set("Origin", origin.as_bytes());
    }
    if let Some(p) = &opts.protocol {
        req.set("Sec-WebSocket-Protocol", p.as_bytes());
    }
    for (k, v) in &opts.headers {
        req.add(k, v.as_bytes());
    }
    if let Some(m) = &hs.method {
        req.method = m.clone();
    }
    if let Some(p) = &hs.target {
        req.target = p.clone();
    }
    if let Some(v) = &hs.version {
        req.version = v.clone();
    }
    for (k, v) in &hs.set {
        req.set(k, v.as_bytes());
    }
    for (k, v) in &hs.add {
        req.add(k, v.as_bytes());
    }
    for k in &hs.remove {
        req.remove(k);
    }
    if let Some(g) = &hs.generate {
        let value = vec![b'a'; g.value_len];
        for i in 0..g.count {
            req.add(&format!("{}-{i}", g.name), &value);
        }
    }
    if let Some(eol) = &hs.line_end {
        req.line_end = eol.clone();
    }
    if let Some(raw) = &hs.raw {
        let filled = raw
            .replace("{host}", &t.authority())
            .replace("{path}", &t.path)
            .replace("{key}", &key);
        req.raw = Some(filled.into_bytes());
    }
    if !hs.raw_hex.is_empty() {
        req.raw = Some(hs.raw_hex.clone());
    }
    (req, key)
}
