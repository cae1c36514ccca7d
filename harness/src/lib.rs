//! wsprobe: a WebSocket (RFC 6455) conformance and fuzz testing harness.

pub mod baseline;
pub mod case;
pub mod cli;
pub mod event;
pub mod fuzz;
pub mod handshake;
pub mod judge;
pub mod report;
pub mod run;
pub mod runner;
pub mod servers;
pub mod target;
pub mod tls;
pub mod wire;
