//! Sec-WebSocket-Accept (RFC 6455 section 4.2.2, item 5.4).

use base64::Engine;
use sha1::{Digest, Sha1};

/// The GUID every server appends to the client's key.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// base64(SHA-1(key + GUID)), the value a server must return for `key`.
pub fn accept_for(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.as_bytes());
    h.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// A fresh Sec-WebSocket-Key: base64 of 16 random bytes (section 4.1).
pub fn random_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc_example() {
        // The worked example of section 1.3.
        assert_eq!(
            super::accept_for("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
