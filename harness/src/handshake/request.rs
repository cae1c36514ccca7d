//! The opening handshake request as raw HTTP/1.1 bytes (RFC 6455 section 4.1).
//!
//! Every part can be overridden, duplicated, removed or replaced with raw
//! bytes, because the handshake cases send requests a server must refuse.

/// A request line plus headers, kept in order and with duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET` unless overridden.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// `HTTP/1.1` unless overridden.
    pub version: String,
    /// Header lines in order; the value is raw bytes so it can be anything.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The whole request, replacing everything above when set.
    pub raw: Option<Vec<u8>>,
    /// Line terminator (`\r\n`; a case may use a bare `\n`).
    pub line_end: String,
}

impl Request {
    /// The request a conforming client sends.
    pub fn standard(host: &str, target: &str, key: &str) -> Request {
        let h = |n: &str, v: &str| (n.to_string(), v.as_bytes().to_vec());
        Request {
            method: "GET".into(),
            target: target.into(),
            version: "HTTP/1.1".into(),
            headers: vec![
                h("Host", host),
                h("Upgrade", "websocket"),
                h("Connection", "Upgrade"),
                h("Sec-WebSocket-Key", key),
                h("Sec-WebSocket-Version", "13"),
            ],
            raw: None,
            line_end: "\r\n".into(),
        }
    }

    /// Replace the first header called `name` (any case), or append it.
    pub fn set(&mut self, name: &str, value: &[u8]) {
        match self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => *slot = (name.to_string(), value.to_vec()),
            None => self.headers.push((name.to_string(), value.to_vec())),
        }
    }

    /// Append a header, even if one of that name exists.
    pub fn add(&mut self, name: &str, value: &[u8]) {
        self.headers.push((name.to_string(), value.to_vec()));
    }

    /// Remove every header called `name` (any case).
    pub fn remove(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The first value of header `name` as text.
    pub fn get(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// Comma-separated tokens of every header called `name`.
    pub fn tokens(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| {
                String::from_utf8_lossy(v)
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let eol = self.line_end.as_bytes();
        let mut out = format!("{} {} {}", self.method, self.target, self.version).into_bytes();
        out.extend_from_slice(eol);
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(eol);
        }
        out.extend_from_slice(eol);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides() {
        let mut r = Request::standard("h:1", "/x", "k");
        r.set("connection", b"keep-alive, Upgrade");
        r.add("Sec-WebSocket-Key", b"k2");
        r.remove("Sec-WebSocket-Version");
        let text = String::from_utf8(r.encode()).unwrap();
        assert_eq!(
            text,
            "GET /x HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\nconnection: keep-alive, Upgrade\r\n\
             Sec-WebSocket-Key: k\r\nSec-WebSocket-Key: k2\r\n\r\n"
        );
        assert_eq!(r.tokens("Connection"), ["keep-alive", "Upgrade"]);
    }
}
