//! The wire layer: frames as bytes, both ways (RFC 6455 section 5).
//!
//! The writer can lie (any bits, any length encoding); the reader never
//! trusts and reports every broken rule as a [`Violation`].

pub mod codes;
pub mod deflate;
pub mod deflate_window;
pub mod mask;
pub mod reader;
pub mod violation;
pub mod writer;

pub use reader::{FrameHeader, FrameReader, Limits, ReadEvent, Side};
pub use violation::Violation;
pub use writer::{LengthForm, RawFrame};
