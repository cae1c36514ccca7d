//! Origins for the cross-site checks (RFC 6455 10.2, RFC 6454): the origin a
//! server serves (`--origin-allow`) and the look-alikes an attacker's page
//! could have, written into a case's headers through placeholders.
//!
//! A case says `Origin: "{origin.scheme}://{origin.host}.evil.invalid"`; the
//! variants are computed here, from the origin given, so the catalogue stays
//! data and each trick is tested as a pure function.

/// A serialized origin, `scheme://host[:port]` (RFC 6454 6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `https`.
    pub scheme: String,
    /// `app.example`, or `[::1]` with its brackets.
    pub host: String,
    /// The port as written, when there is one.
    pub port: Option<u16>,
}

impl Origin {
    /// Reads `scheme://host[:port]`; anything else (a path, user info, an
    /// empty host) is an error naming what is wrong.
    pub fn parse(s: &str) -> Result<Origin, String> {
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| format!("{s:?} is not an origin (scheme://host[:port])"))?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(format!("{s:?}: the scheme {scheme:?} is not a URI scheme"));
        }
        if rest.contains(['/', '?', '#', '@']) {
            return Err(format!(
                "{s:?}: an origin is scheme://host[:port], without path, query or user info"
            ));
        }
        let (host, port) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains(']') => {
                let port = rest[i + 1..]
                    .parse::<u16>()
                    .map_err(|_| format!("{s:?}: the port {:?} is not a number", &rest[i + 1..]))?;
                (&rest[..i], Some(port))
            }
            _ => (rest, None),
        };
        if host.is_empty() {
            return Err(format!("{s:?}: the host is empty"));
        }
        Ok(Origin {
            scheme: scheme.to_ascii_lowercase(),
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The port the origin means: the one written, or the scheme's default.
    fn effective_port(&self) -> u16 {
        self.port
            .unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    /// The value of placeholder `name` (without braces), if it is one.
    fn placeholder(&self, name: &str) -> Option<String> {
        let port = |p: Option<u16>| p.map(|p| format!(":{p}")).unwrap_or_default();
        Some(match name {
            "origin" => format!("{}://{}{}", self.scheme, self.host, port(self.port)),
            "origin.scheme" => self.scheme.clone(),
            // The page served over the other one of http and https.
            "origin.other-scheme" => if self.scheme == "https" {
                "http"
            } else {
                "https"
            }
            .to_string(),
            "origin.host" => self.host.clone(),
            "origin.port" => port(self.port),
            "origin.other-port" => format!(":{}", self.effective_port().wrapping_add(1).max(1)),
            // The host a regex with an unescaped dot also matches
            // (`app.example` matches `appXexample`): the first dot becomes a
            // letter, so the name can be registered under the same parent.
            "origin.host-dot-as-letter" => match self.host.find('.') {
                Some(i) => format!("{}x{}", &self.host[..i], &self.host[i + 1..]),
                None => format!("{}x", self.host),
            },
            _ => return None,
        })
    }
}

/// `template` with every `{origin...}` placeholder filled in from `origin`;
/// other braces are left as they are.
pub fn fill(template: &str, origin: &Origin) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{origin") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after
            .find('}')
            .and_then(|end| Some((end, origin.placeholder(&after[..end])?)))
        {
            Some((end, value)) => {
                out.push_str(&value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `s` has an origin placeholder (a case with one needs
/// `--origin-allow`).
pub fn has_placeholder(s: &str) -> bool {
    s.contains("{origin")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    #[test]
    fn origins_parse_as_scheme_host_and_port() {
        assert_eq!(
            o("https://App.Example:8443"),
            Origin {
                scheme: "https".into(),
                host: "app.example".into(),
                port: Some(8443)
            }
        );
        assert_eq!(o("http://[::1]:3000").host, "[::1]");
        assert_eq!(o("http://[::1]").port, None);
        for bad in [
            "app.example",
            "https://",
            "https://a/path",
            "https://u@a",
            "https://a:x",
            "ht tp://a",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_look_alike_differs_from_the_origin_in_its_own_way() {
        let a = o("https://app.wsprobe.test");
        let f = |t: &str| fill(t, &a);
        assert_eq!(f("{origin}"), "https://app.wsprobe.test");
        assert_eq!(
            f("{origin.other-scheme}://{origin.host}{origin.port}"),
            "http://app.wsprobe.test"
        );
        assert_eq!(
            f("{origin.scheme}://evil.{origin.host}"),
            "https://evil.app.wsprobe.test"
        );
        assert_eq!(
            f("{origin.scheme}://{origin.host}{origin.other-port}"),
            "https://app.wsprobe.test:444"
        );
        assert_eq!(
            f("{origin.scheme}://{origin.host-dot-as-letter}"),
            "https://appxwsprobe.test"
        );
        let b = o("http://localhost:3000");
        assert_eq!(
            fill("{origin.other-scheme}://{origin.host}{origin.port}", &b),
            "https://localhost:3000"
        );
        assert_eq!(
            fill("{origin}{origin.other-port}", &b),
            "http://localhost:3000:3001"
        );
        assert_eq!(fill("{origin.host-dot-as-letter}", &b), "localhostx");
        // Unknown placeholders and other braces stay.
        assert_eq!(
            f("{origin.nope} {host} {origin"),
            "{origin.nope} {host} {origin"
        );
    }
}
