//! The opening handshake (RFC 6455 section 4): raw requests and checked responses.

pub mod accept;
pub mod request;
pub mod response;

pub use accept::{accept_for, random_key};
pub use request::Request;
pub use response::{Offer, Response, ResponseError};
