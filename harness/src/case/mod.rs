//! The YAML case catalogue: model, loading and selection.

pub mod corpus;
mod dur;
mod liveness;
pub mod load;
pub mod locate;
pub mod model;
mod outcome;
mod payload;
pub mod quote;
pub mod requirements;
mod step;
pub mod write;

pub use dur::Dur;
pub use liveness::liveness;
pub use load::{load_dir, Catalog, CatalogError};
pub use model::*;
pub use outcome::*;
pub use payload::Payload;
pub use step::*;

// `build.rs` lists every file under `cases/` so the binary carries the
// catalogue and runs anywhere.
include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));
