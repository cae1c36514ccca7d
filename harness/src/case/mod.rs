//! The YAML case catalogue: model, loading and selection.

pub mod corpus;
pub mod load;
pub mod locate;
pub mod model;
pub mod quote;
pub mod requirements;
pub mod write;

pub use load::{load_dir, Catalog, CatalogError};
pub use model::*;

// `build.rs` lists every file under `cases/` so the binary carries the
// catalogue and runs anywhere.
include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));
