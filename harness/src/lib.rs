//! wsprobe: a WebSocket (RFC 6455, RFC 7692) conformance and fuzz testing harness.
//!
//! The `wsprobe` binary is the usual way in (`wsprobe run ws://...`); this
//! library is the same engine for a server author's own `cargo test`. Start
//! with [`Suite`]: the catalogue compiled in, a selection of it, and a run
//! against a URL or a server started in-process, giving an [`Outcome`] to
//! assert on (conformance, or a committed baseline of known deviations).
//!
//! The modules, from the wire up: [`wire`] (frames, masking, the strict frame
//! reader, permessage-deflate), [`handshake`] (opening handshake checks),
//! [`case`] (the YAML case model and loader), [`runner`] (one case on one
//! connection), [`judge`] (verdicts against the RFC), [`run`] (many cases at
//! once), [`baseline`] and [`report`] (what a run leaves behind), [`fuzz`]
//! (generated sequences and their oracle), [`servers`] (the reference and
//! deliberately faulty servers the tests use), [`cli`] (the binary).

#![warn(missing_docs)]

pub mod baseline;
pub mod case;
pub mod cli;
pub mod clients;
pub mod event;
pub mod fuzz;
pub mod handshake;
pub mod judge;
pub mod report;
pub mod run;
pub mod runner;
pub mod servers;
pub mod spawned;
pub mod suite;
pub mod target;
pub mod tls;
pub mod wire;
pub mod wstest;

pub use suite::{Outcome, Suite, SuiteError};
