//! wsprobe: a WebSocket (RFC 6455) conformance and fuzz testing harness.

pub mod wire;
