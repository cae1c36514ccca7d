//! The opening handshake (RFC 6455 section 4): raw requests and checked responses.

pub mod accept;
pub mod credentials;
pub mod extensions;
pub mod origin;
pub mod request;
pub mod response;

pub use accept::{accept_for, random_key};
pub use request::Request;
pub use response::{Offer, Response, ResponseError};

/// httparse's borrowed headers as owned (name, value) pairs, values read as
/// lossy UTF-8: requests and responses are recorded the same way.
pub fn owned_headers(headers: &[httparse::Header]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect()
}
