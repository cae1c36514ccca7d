//! Report sinks over a finished run.

pub mod console;
pub mod json;
