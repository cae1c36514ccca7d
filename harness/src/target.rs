//! The server under test, from a `ws://host:port/path` URL.

use std::fmt;

/// Where to connect and what to put in the request line and Host header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `ws` or `wss`.
    pub scheme: String,
    /// Host name or IP (without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Target {
    /// Parse a `ws://` or `wss://` URL.
    pub fn parse(url: &str) -> Result<Target, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("{url:?} is not a URL; expected ws://host:port/path"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "ws" => 80,
            "wss" => 443,
            other => {
                return Err(format!(
                    "unsupported scheme {other:?}; expected ws:// or wss://"
                ))
            }
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or("unclosed [ in IPv6 host")?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| format!("bad port {p:?}"))?,
                None if after.is_empty() => default_port,
                None => return Err(format!("unexpected {after:?} after IPv6 host")),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_string(),
                    p.parse().map_err(|_| format!("bad port {p:?}"))?,
                ),
                None => (authority.to_string(), default_port),
            }
        };
        if host.is_empty() {
            return Err(format!("{url:?} has no host"));
        }
        Ok(Target {
            scheme,
            host,
            port,
            path,
        })
    }

    /// `host:port` for the Host header (brackets around IPv6).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority(), self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn urls() {
        let t = Target::parse("ws://127.0.0.1:9001/echo?x=1").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 9001, "/echo?x=1")
        );
        let t = Target::parse("ws://[::1]:9001").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("::1", 9001, "/")
        );
        assert_eq!(t.authority(), "[::1]:9001");
        assert_eq!(Target::parse("ws://example.org").unwrap().port, 80);
        let t = Target::parse("WSS://[::1]/x").unwrap();
        assert_eq!(
            (t.scheme.as_str(), t.port, t.authority().as_str()),
            ("wss", 443, "[::1]:443")
        );
        assert!(Target::parse("http://x").is_err());
        assert!(Target::parse("ws://x:notaport/").is_err());
    }
}
