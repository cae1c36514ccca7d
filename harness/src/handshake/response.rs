//! Reading and checking the server's handshake response (RFC 6455 section 4.1
//! for what the client checks, 4.2.2 for what the server must send).

use super::accept::accept_for;
use crate::wire::Violation;

/// Most headers a response may carry before wsprobe gives up on it.
pub const MAX_HEADERS: usize = 64;

/// The parsed status line and headers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
}

/// A response wsprobe could not read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The header section went past the size limit without ending.
    #[error("response header section exceeds {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// More header lines than [`MAX_HEADERS`].
    #[error("response has more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
    /// Not HTTP.
    #[error("response is not valid HTTP/1.1: {0}")]
    Malformed(String),
}

impl Response {
    /// Every value of header `name` (any case).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Comma-separated tokens of every header called `name`.
    pub fn tokens(&self, name: &str) -> Vec<String> {
        self.values(name)
            .flat_map(|v| v.split(',').map(|t| t.trim().to_string()))
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// Parse a response from the start of `buf`. `Ok(None)` until the header
/// section is complete; on success also returns how many bytes it took (the
/// rest is frame data that arrived in the same read).
pub fn parse(buf: &[u8], max: usize) -> Result<Option<(Response, usize)>, ResponseError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) if n <= max => Ok(Some((
            Response {
                status: resp.code.unwrap_or(0),
                reason: resp.reason.unwrap_or("").to_string(),
                headers: super::owned_headers(resp.headers),
            },
            n,
        ))),
        Ok(httparse::Status::Complete(_)) => Err(ResponseError::TooLarge { max }),
        Ok(httparse::Status::Partial) if buf.len() > max => Err(ResponseError::TooLarge { max }),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(ResponseError::TooManyHeaders),
        Err(e) => Err(ResponseError::Malformed(e.to_string())),
    }
}

/// What the client offered, so the response can be checked against it.
#[derive(Debug, Clone, Default)]
pub struct Offer {
    /// The Sec-WebSocket-Key sent.
    pub key: Option<String>,
    /// Extension names offered.
    pub extensions: Vec<String>,
    /// Subprotocols offered.
    pub protocols: Vec<String>,
    /// The permessage-deflate elements offered, each read per RFC 7692 7
    /// (an element a server must decline is kept as the reason why).
    pub deflate: Vec<Result<crate::wire::deflate::Params, String>>,
}

/// Extensions known to use RSV1 for themselves, which permessage-deflate
/// cannot be accepted together with (RFC 7692 5): the per-frame
/// compression drafts browsers once shipped.
const RSV1_EXTENSIONS: &[&str] = &[
    "x-webkit-deflate-frame",
    "deflate-frame",
    "perframe-deflate",
    "x-webkit-perframe-deflate",
];

impl Offer {
    /// The permessage-deflate elements of a request's extension header values.
    pub fn deflate_offers<'a>(
        values: impl Iterator<Item = &'a str>,
    ) -> Vec<Result<crate::wire::deflate::Params, String>> {
        use crate::wire::deflate;
        values
            .flat_map(deflate::parse_header)
            .filter(|(name, _)| name == deflate::TOKEN)
            .map(|(_, params)| deflate::parse_params(&params, false))
            .collect()
    }
}

/// What the server's response makes of permessage-deflate: `Ok(None)` when
/// it did not accept it, the agreed parameters when it validly did, and the
/// violation when its acceptance breaks RFC 7692 section 7 (a client MUST
/// then fail the connection).
pub fn deflate_agreed(
    resp: &Response,
    offer: &Offer,
) -> Result<Option<crate::wire::deflate::Agreed>, Violation> {
    use crate::wire::deflate;
    let bad = |reason: String| Violation::DeflateBadResponse { reason };
    let values: Vec<&str> = resp.values("Sec-WebSocket-Extensions").collect();
    let accepted: Vec<_> = values
        .iter()
        .flat_map(|v| deflate::parse_header(v))
        .filter(|(name, _)| name == deflate::TOKEN)
        .collect();
    let (_, params) = match accepted.as_slice() {
        [] => return Ok(None),
        [one] => one,
        _ => return Err(bad("permessage-deflate accepted more than once".into())),
    };
    let rsv1_too = values
        .iter()
        .flat_map(|v| deflate::parse_header(v))
        .map(|(name, _)| name)
        .find(|name| RSV1_EXTENSIONS.iter().any(|x| name.eq_ignore_ascii_case(x)));
    if let Some(other) = rsv1_too {
        return Err(bad(format!(
            "permessage-deflate accepted together with {other}, which also uses RSV1 (RFC 7692 5)"
        )));
    }
    // Accepting an offer that had to be declined is the first mistake,
    // whatever the response then says (it often repeats the bad parameter).
    let valid: Vec<&deflate::Params> = offer
        .deflate
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .collect();
    if valid.is_empty() {
        let why = offer
            .deflate
            .iter()
            .find_map(|o| o.as_ref().err().cloned())
            .unwrap_or_else(|| "it was not offered".into());
        return Err(bad(format!(
            "the server accepted an offer it had to decline ({why})"
        )));
    }
    let resp_params = deflate::parse_params(params, true).map_err(bad)?;
    let mut first_err = None;
    for o in valid {
        match deflate::accepts(o, &resp_params) {
            Ok(()) => {
                let mut agreed = deflate::Agreed::from_response(&resp_params);
                // RFC 7692 7.1.1.2: offering client_no_context_takeover tells
                // the server the client will not use context takeover, so the
                // server may rely on it (cases that go back on the hint, as
                // 7.2.1 allows, send their bytes raw).
                agreed.client_no_context |= o.client_no_context_takeover;
                return Ok(Some(agreed));
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(bad(first_err.unwrap_or_default()))
}

/// Check a 101 response against section 4.1's list of client checks.
pub fn validate(resp: &Response, offer: &Offer) -> Vec<Violation> {
    let mut found = Vec::new();
    // "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains a
    // value that is not an ASCII case-insensitive match for the value "websocket", the client
    // MUST _Fail the WebSocket Connection_."
    if !resp
        .tokens("Upgrade")
        .iter()
        .any(|t| t.eq_ignore_ascii_case("websocket"))
    {
        found.push(Violation::HandshakeMissingUpgrade);
    }
    // "If the response lacks a |Connection| header field or the |Connection| header field
    // doesn't contain a token that is an ASCII case-insensitive match for the value "Upgrade",
    // the client MUST _Fail the WebSocket Connection_."
    if !resp
        .tokens("Connection")
        .iter()
        .any(|t| t.eq_ignore_ascii_case("upgrade"))
    {
        found.push(Violation::HandshakeMissingConnection);
    }
    // "If the response lacks a |Sec-WebSocket-Accept| header field or the
    // |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of ..."
    if let Some(key) = &offer.key {
        let expected = accept_for(key.trim());
        let got: Vec<&str> = resp.values("Sec-WebSocket-Accept").collect();
        if got.len() != 1 || got[0].trim() != expected {
            found.push(Violation::HandshakeWrongAccept {
                expected,
                got: (!got.is_empty()).then(|| got.join(", ")),
            });
        }
    }
    // 9.1: "the recipient of such malformed data MUST immediately _Fail the WebSocket Connection_."
    for v in resp.values("Sec-WebSocket-Extensions") {
        if let Err(reason) = super::extensions::check(v) {
            found.push(Violation::HandshakeMalformedExtensions { reason });
        }
    }
    // "If the response includes a |Sec-WebSocket-Extensions| header field and this header field
    // indicates the use of an extension that was not present in the client's handshake ..."
    for ext in resp.tokens("Sec-WebSocket-Extensions") {
        let name = ext.split(';').next().unwrap_or("").trim().to_string();
        if !offer
            .extensions
            .iter()
            .any(|o| o.eq_ignore_ascii_case(&name))
        {
            found.push(Violation::HandshakeUnofferedExtension { name });
        }
    }
    // "If the response includes a |Sec-WebSocket-Protocol| header field and this header field
    // indicates the use of a subprotocol that was not present in the client's handshake ..."
    for name in resp.tokens("Sec-WebSocket-Protocol") {
        if !offer.protocols.contains(&name) {
            found.push(Violation::HandshakeUnofferedSubprotocol { name });
        }
    }
    // RFC 7692 7: "If a client receives a response that is invalid for the
    // offers it sent, it MUST _Fail the WebSocket Connection_."
    let offered = offer
        .extensions
        .iter()
        .any(|e| e.eq_ignore_ascii_case(crate::wire::deflate::TOKEN));
    if offered {
        if let Err(v) = deflate_agreed(resp, offer) {
            found.push(v);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                      Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    fn offer() -> Offer {
        Offer {
            key: Some("dGhlIHNhbXBsZSBub25jZQ==".into()),
            ..Offer::default()
        }
    }

    #[test]
    fn good_response_with_trailing_frame_bytes() {
        let mut bytes = OK.as_bytes().to_vec();
        bytes.extend([0x81, 0x00]);
        let (resp, n) = parse(&bytes, 16384).unwrap().unwrap();
        assert_eq!(n, OK.len());
        assert_eq!(resp.status, 101);
        assert!(validate(&resp, &offer()).is_empty());
    }

    #[test]
    fn problems_are_named() {
        let bad = OK
            .replace("s3pP", "AAAA")
            .replace("Upgrade: websocket\r\n", "")
            + "Sec-WebSocket-Protocol: chat\r\n";
        let bad = bad.replace(
            "\r\n\r\nSec-WebSocket-Protocol: chat\r\n",
            "\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
        );
        let (resp, _) = parse(bad.as_bytes(), 16384).unwrap().unwrap();
        let v = validate(&resp, &offer());
        assert!(v.contains(&Violation::HandshakeMissingUpgrade), "{v:?}");
        assert!(v
            .iter()
            .any(|v| matches!(v, Violation::HandshakeWrongAccept { .. })));
        assert!(v.contains(&Violation::HandshakeUnofferedSubprotocol {
            name: "chat".into()
        }));
    }

    #[test]
    fn a_malformed_extension_answer_fails_even_for_an_offered_name() {
        let text = OK.replace(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: permessage-deflate; =1\r\n\r\n",
        );
        let (resp, _) = parse(text.as_bytes(), 16384).unwrap().unwrap();
        let mut o = offer();
        o.extensions = vec!["permessage-deflate".into()];
        let v = validate(&resp, &o);
        assert!(
            v.iter().any(
                |v| matches!(v, Violation::HandshakeMalformedExtensions { .. }) && v.is_handshake()
            ),
            "{v:?}"
        );
    }

    #[test]
    fn limits() {
        let endless = "HTTP/1.1 101 OK\r\n".to_string() + &"X-A: b\r\n".repeat(5000);
        assert!(matches!(
            parse(endless.as_bytes(), 16384),
            Err(ResponseError::TooManyHeaders)
        ));
        let long_line = "HTTP/1.1 101 OK\r\nX-A: ".to_string() + &"b".repeat(20000);
        assert_eq!(
            parse(long_line.as_bytes(), 16384),
            Err(ResponseError::TooLarge { max: 16384 })
        );
        assert!(parse(b"HTTP/1.1 101 OK\r\n", 16384).unwrap().is_none());
        assert!(parse(b"\x00\x01garbage\r\n\r\n", 16384).is_err());
    }
}
