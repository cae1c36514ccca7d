//! Fuzzing support shared by the cargo-fuzz targets (`fuzz/`) and the live
//! network fuzzer: structure-aware inputs (`sequence`, and `mutate` for
//! inputs derived from catalogue cases) and the RFC oracle
//! that turns any input into a case with the outcomes RFC 6455 requires
//! (`oracle`), so a generated input is judged, written and replayed exactly
//! like a catalogue case.

pub mod live;
pub mod mutate;
pub mod oracle;
pub mod sequence;

pub use oracle::{obligation, steps_wire_bytes, to_case, wire_bytes, Obligation};
pub use sequence::Sequence;
