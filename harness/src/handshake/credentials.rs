//! Credentials on the opening handshake: which of the run's `--header`s
//! carry them, and a wrong value of the same shape, for the checks that an
//! endpoint refuses a handshake without them (RFC 6455 4.2.2, 10.5).

/// Whether a request header named `name` carries a credential: `Cookie`,
/// `Authorization`, `Proxy-Authorization`, or a name with `token`, `auth`,
/// `session` or `api-key` in it (`X-Auth-Token`, `X-Api-Key`).
pub fn is_credential(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "cookie" | "authorization" | "proxy-authorization"
    ) || ["token", "auth", "session", "api-key", "apikey"]
        .iter()
        .any(|w| n.contains(w))
}

/// A wrong value of the same shape as `value`: the scheme of an
/// `Authorization` and the names of cookies stay, every letter and digit
/// of the secret moves one along (`a`→`b`, `z`→`a`, `9`→`0`), so a server
/// that checks only presence, length or format still lets it through and
/// one that checks the value does not.
pub fn spoil(name: &str, value: &str) -> String {
    let n = name.to_ascii_lowercase();
    if n == "cookie" {
        return value
            .split(';')
            .map(|c| match c.split_once('=') {
                Some((k, v)) => format!("{k}={}", shift(v)),
                None => shift(c),
            })
            .collect::<Vec<_>>()
            .join(";");
    }
    if n.ends_with("authorization") {
        if let Some((scheme, secret)) = value.split_once(' ') {
            return format!("{scheme} {}", shift(secret));
        }
    }
    shift(value)
}

/// An encoded request as a record may keep it: each credential header's
/// value replaced by `(withheld, N bytes)` (a spoiled value too: it shifts
/// back to the secret). Lines after the head, and a request without one,
/// are kept as they are.
pub fn redact(request: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(request.len());
    let mut rest = request;
    let mut first = true;
    while let Some(n) = rest.iter().position(|b| *b == b'\n') {
        let (line, after) = rest.split_at(n + 1);
        rest = after;
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.is_empty() {
            // The head ends here.
            out.extend_from_slice(line);
            out.extend_from_slice(rest);
            return out;
        }
        match body.iter().position(|b| *b == b':') {
            Some(colon) if !first && is_credential(&String::from_utf8_lossy(&body[..colon])) => {
                let len = body[colon + 1..].trim_ascii().len();
                out.extend_from_slice(&body[..colon]);
                out.extend_from_slice(format!(": (withheld, {len} bytes)").as_bytes());
                out.extend_from_slice(&line[body.len()..]);
            }
            _ => out.extend_from_slice(line),
        }
        first = false;
    }
    out.extend_from_slice(rest);
    out
}

fn shift(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect();
    // A secret with no letter or digit would come back the same.
    if out == s {
        format!("{s}x")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_told_by_name() {
        for n in [
            "Cookie",
            "authorization",
            "Proxy-Authorization",
            "X-Auth-Token",
            "X-Api-Key",
            "Session-Id",
        ] {
            assert!(is_credential(n), "{n}");
        }
        for n in ["Sec-WebSocket-Key", "X-Trace", "User-Agent", "Origin"] {
            assert!(!is_credential(n), "{n}");
        }
    }

    #[test]
    fn records_keep_credential_names_and_lengths_not_values() {
        let req =
            b"GET / HTTP/1.1\r\nHost: h\r\nCookie: session=abc\r\nx-api-key:k1\r\n\r\nCookie: body";
        assert_eq!(
            redact(req),
            b"GET / HTTP/1.1\r\nHost: h\r\nCookie: (withheld, 11 bytes)\r\nx-api-key: (withheld, 2 bytes)\r\n\r\nCookie: body".to_vec()
        );
        let lf = b"GET / HTTP/1.1\nAuthorization: Bearer t\n\n";
        assert_eq!(
            redact(lf),
            b"GET / HTTP/1.1\nAuthorization: (withheld, 8 bytes)\n\n".to_vec()
        );
        // Cut before its end: what there is, redacted.
        assert_eq!(
            redact(b"GET / HTTP/1.1\r\nCookie: a"),
            b"GET / HTTP/1.1\r\nCookie: a".to_vec()
        );
    }

    #[test]
    fn a_spoiled_value_keeps_its_shape_and_differs() {
        assert_eq!(
            spoil("Cookie", "session=abc9; theme=Z"),
            "session=bcd0; theme=A"
        );
        assert_eq!(spoil("Authorization", "Bearer xyz.123"), "Bearer yza.234");
        assert_eq!(spoil("X-Api-Key", "k-1"), "l-2");
        assert_eq!(spoil("X-Api-Key", "--"), "--x");
        for (n, v) in [("Cookie", "a=b"), ("Authorization", "Basic dXNlcjpwYXNz")] {
            let s = spoil(n, v);
            assert_ne!(s, v);
            assert_eq!(s.len(), v.len());
        }
    }
}
