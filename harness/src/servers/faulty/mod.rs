//! A hand-written server with switchable faults, to prove each judging rule
//! can fail. Without faults it is a second, independent conforming echo
//! server. It is written at the byte level because tungstenite refuses to
//! misbehave; it reuses wsprobe's own reader in the server role, so each
//! fault is "ignore this violation" or "send this wrong thing".

//!
//! `fault.rs` lists the faults; `listen.rs` is the server side (accept,
//! handshake, the flood faults), `dial.rs` the client side (the same faults
//! with the roles swapped), `session.rs` what both do after the handshake.

use std::collections::BTreeSet;
use std::sync::Arc;

mod dial;
mod fault;
mod listen;
mod session;

pub use dial::connect;
pub use fault::Fault;
pub use listen::serve;

/// The faults one endpoint has, shared by its connections.
type Faults = Arc<BTreeSet<Fault>>;
