//! The opening handshake request a case sends: the case's overrides on the
//! run's defaults. (Here, not in `handshake/`, because it reads the case
//! model, which sits above the handshake codec.)

use super::RunOptions;
use crate::case::{CredentialUse, HandshakeStep};
use crate::handshake::{self, credentials, origin, Request};

/// The handshake request a case sends, before delivery.
pub fn build_request(hs: &HandshakeStep, opts: &RunOptions) -> (Request, String) {
    let key = handshake::random_key();
    let t = &opts.target;
    let mut req = Request::standard(&t.authority(), &t.path, &key);
    let run_headers = run_headers(hs, opts);
    for (k, v) in &run_headers {
        req.add(k, v.as_bytes());
    }
    // `{origin...}` placeholders, from the first --origin-allow (a case
    // with them needs one, so they are never sent unfilled).
    let allowed = opts
        .origin_allow
        .first()
        .and_then(|o| origin::Origin::parse(o).ok());
    let fill = |v: &str| match &allowed {
        Some(o) => origin::fill(v, o),
        None => v.to_string(),
    };
    if let Some(m) = &hs.method {
        req.method = m.clone();
    }
    if let Some(p) = &hs.target {
        req.target = p.clone();
    }
    if let Some(v) = &hs.version {
        req.version = v.clone();
    }
    for (k, v) in &hs.set {
        req.set(k, fill(v).as_bytes());
    }
    for (k, v) in &hs.add {
        req.add(k, fill(v).as_bytes());
    }
    for k in &hs.remove {
        req.remove(k);
    }
    if let Some(g) = &hs.generate {
        let value = vec![b'a'; g.value_len];
        for i in 0..g.count {
            req.add(&format!("{}-{i}", g.name), &value);
        }
        for (k, v) in &g.then {
            req.add(k, fill(v).as_bytes());
        }
    }
    if let Some(eol) = &hs.line_end {
        req.line_end = eol.clone();
    }
    if let Some(raw) = &hs.raw {
        let filled = fill(raw)
            .replace("{host}", &t.authority())
            .replace("{path}", &t.path)
            .replace("{key}", &key);
        req.raw = Some(with_headers(filled, &run_headers).into_bytes());
    }
    if !hs.raw_hex.is_empty() {
        req.raw = Some(hs.raw_hex.clone());
    }
    (req, key)
}

/// The headers every request of the run carries (`--origin`, `--protocol`,
/// `--header`), the credentials among them as the case says.
fn run_headers(hs: &HandshakeStep, opts: &RunOptions) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(origin) = &opts.origin {
        out.push(("Origin".to_string(), origin.clone()));
    }
    if let Some(p) = &opts.protocol {
        out.push(("Sec-WebSocket-Protocol".to_string(), p.clone()));
    }
    for (k, v) in &opts.headers {
        match hs.credentials.filter(|_| credentials::is_credential(k)) {
            None => out.push((k.clone(), v.clone())),
            Some(CredentialUse::Omit) => {}
            Some(CredentialUse::Wrong) => out.push((k.clone(), credentials::spoil(k, v))),
        }
    }
    out
}

/// A case's raw request with the run's headers written in before the blank
/// line that ends it, in the request's own line ending: a server that
/// requires a cookie or a subprotocol must get them on the handshake-syntax
/// cases too, or a correct server fails them. Headers the raw request
/// already names, and a request with no blank line (cut on purpose), stay
/// as they are.
fn with_headers(raw: String, headers: &[(String, String)]) -> String {
    let (end, eol) = match (raw.find("\r\n\r\n"), raw.find("\n\n")) {
        (Some(crlf), Some(lf)) if lf < crlf => (lf + 1, "\n"),
        (Some(crlf), _) => (crlf + 2, "\r\n"),
        (None, Some(lf)) => (lf + 1, "\n"),
        (None, None) => return raw,
    };
    let head = raw[..end].to_ascii_lowercase();
    let mut extra = String::new();
    for (k, v) in headers {
        let named = head.split('\n').any(|l| {
            l.trim_start()
                .starts_with(&format!("{}:", k.to_ascii_lowercase()))
        });
        if !named {
            extra.push_str(&format!("{k}: {v}{eol}"));
        }
    }
    format!("{}{extra}{}", &raw[..end], &raw[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_requests_get_the_runs_headers_in_their_own_line_ending() {
        let h = vec![
            ("Cookie".to_string(), "a=b".to_string()),
            ("Origin".to_string(), "https://o".to_string()),
        ];
        assert_eq!(
            with_headers("GET / HTTP/1.1\r\nHost: h\r\n\r\n".into(), &h),
            "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\nOrigin: https://o\r\n\r\n"
        );
        assert_eq!(
            with_headers("GET / HTTP/1.1\nhost: h\norigin: x\n\n".into(), &h),
            "GET / HTTP/1.1\nhost: h\norigin: x\nCookie: a=b\n\n"
        );
        // Cut before its end on purpose: left alone.
        assert_eq!(
            with_headers("GET / HTTP/1.1\r\nHost".into(), &h),
            "GET / HTTP/1.1\r\nHost"
        );
    }
}
