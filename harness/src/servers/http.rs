//! The server side of the opening handshake (RFC 6455 sections 4.2.1 and
//! 4.2.2), shared by the embedded servers.
//!
//! The reference server does its own HTTP upgrade and hands the connection to
//! tungstenite afterwards (as hyper-based servers do), because tungstenite
//! 0.30's own `accept` closes without an HTTP error on a bad request and
//! rejects frame bytes that arrive with the request; wsprobe reports both.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::handshake::accept_for;
use crate::wire::deflate::{self, Agreed};

/// Deliberate handshake faults.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Upgrade any request.
    pub lenient: bool,
    /// Send a wrong Sec-WebSocket-Accept.
    pub bad_accept: bool,
    /// Accept only `Connection: Upgrade` exactly, not a token list.
    pub strict_connection: bool,
    /// Compare `websocket` and `Upgrade` case-sensitively.
    pub case_sensitive: bool,
    /// Read only the first (or the last) Sec-WebSocket-Extensions line of
    /// a request, as if a repeated header were not one list (RFC 6455 9.1).
    pub extension_lines: Lines,
    /// Select whatever subprotocols and extensions the client offers.
    pub echo_offers: bool,
    /// Accept the first valid permessage-deflate offer (RFC 7692).
    pub deflate: bool,
    /// Accept the first permessage-deflate offer even when it is invalid
    /// (unknown parameters dropped, window sizes taken as they come).
    pub deflate_lenient: bool,
    /// Inflate without context when the offer carried the
    /// client_no_context_takeover hint, without granting it.
    pub deflate_trusts_hint: bool,
    /// Use permessage-deflate as accepted, but leave it out of the response.
    pub deflate_unannounced: bool,
    /// Grant client_max_window_bits=8 whenever the offer has the parameter.
    pub deflate_small_window: bool,
    /// Serve only pages of these origins: a request with another Origin is
    /// refused with 403 (RFC 6455 10.2); one without Origin (not a
    /// browser) is served.
    pub origins: Option<&'static [&'static str]>,
    /// How an Origin is compared with `origins` (a careless server's way
    /// included).
    pub origin_match: OriginMatch,
    /// Refuse with 401 a request without this credential.
    pub credential: Option<Credential>,
    /// A fault: make the origin and credential checks after the upgrade:
    /// answer 101, then close with 1008 (policy violation) at once.
    pub checks_after_upgrade: bool,
    /// A fault: go down on a request of more header lines than this, as
    /// ws before 8.17.1 did when Node dropped the lines past its
    /// maxHeadersCount (CVE-2024-37890).
    pub crash_after_lines: Option<usize>,
    /// A fault: split Sec-WebSocket-Protocol the way a backtracking
    /// `/ *, */` does, in time quadratic in a run of spaces (ws before
    /// 7.4.6, CVE-2021-32640).
    pub quadratic_protocol: bool,
    /// A fault: read a request head of any size whole into memory before
    /// parsing it, with no limit on its size.
    pub unbounded_head: bool,
    /// A fault: parse a request head of any size again from its first byte
    /// after every read (tungstenite before 0.20.1, CVE-2023-43669).
    pub reparse_head: bool,
}

/// The server went down on the request (`Options::crash_after_lines`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crashed;

/// How a server compares an Origin with the origins it serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OriginMatch {
    /// The whole origin, as RFC 6454 compares them.
    #[default]
    Exact,
    /// `origin.startsWith(allowed)`: `https://app.example.evil.test` passes.
    Prefix,
    /// Exact, and `null` too (sandboxed frames, `file:` pages send it).
    ExactOrNull,
}

/// A credential a server requires on the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credential {
    /// Header name.
    pub header: &'static str,
    /// The value it must carry.
    pub value: &'static str,
    /// Check only that the header is there with the value's name part
    /// (`session=` of a cookie), not the secret.
    pub presence_only: bool,
}

/// The credential `Fault::AuthRequired` asks for, and the tests give with
/// `--header`.
pub const TEST_CREDENTIAL: (&str, &str) = ("Cookie", "session=wsprobe-test-session");

/// The origin `Fault::OriginRestricted` serves, and the tests give
/// `--origin-allow`.
pub const TEST_ORIGIN: &str = "https://app.wsprobe.test";

/// Read and answer the opening handshake; returns bytes that followed it,
/// and the permessage-deflate parameters if it was negotiated (`None`:
/// refused, or the client went away).
pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    opts: Options,
) -> Result<Option<(Vec<u8>, Option<Agreed>)>, Crashed> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (((response, deflate), late), used) = loop {
        // The fault reads the whole head before parsing (httparse refuses
        // more than 64 lines on its own), as Node's parser does.
        if let Some(max) = opts.crash_after_lines {
            let ended =
                buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n");
            // Lines less the request line (and the blank line that ends the head).
            let lines = buf.iter().filter(|b| **b == b'\n').count();
            let headers = lines.saturating_sub(if ended { 2 } else { 1 });
            if headers > max {
                return Err(Crashed);
            }
            if !ended && buf.len() < 64 * 1024 {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return Ok(None),
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                continue;
            }
        }
        if opts.unbounded_head && !head_ended(&buf) {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return Ok(None),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(n)) => {
                let late = opts.checks_after_upgrade && admission(&req, &opts).is_some();
                break ((answer(&req, opts), late), n);
            }
            Ok(httparse::Status::Partial)
                if buf.len() < 16 * 1024 || opts.unbounded_head || opts.reparse_head => {}
            _ => {
                let _ = stream
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    .await;
                return Ok(None);
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let upgraded = response.starts_with("HTTP/1.1 101");
    if stream.write_all(response.as_bytes()).await.is_err() {
        return Ok(None);
    }
    if !upgraded {
        let _ = stream.shutdown().await;
        return Ok(None);
    }
    if late {
        // Upgraded, then refused before reading a frame: close 1008.
        let _ = stream.write_all(&[0x88, 0x02, 0x03, 0xf0]).await;
        let _ = stream.shutdown().await;
        // Read what the client sent meanwhile (a frame, its close reply):
        // closing with it unread would reset the connection.
        let until = tokio::time::Instant::now() + std::time::Duration::from_secs(1);
        while let Ok(Ok(n)) = tokio::time::timeout_at(until, stream.read(&mut chunk)).await {
            if n == 0 {
                break;
            }
        }
        return Ok(None);
    }
    Ok(Some((buf[used..].to_vec(), deflate)))
}

/// Whether `buf` holds a whole request head (its blank line).
/// `unbounded-head` asks after every read of at most 4096 bytes; the
/// search covers that read (and the 3 bytes before it), so a long head
/// costs one pass, not one per read.
fn head_ended(buf: &[u8]) -> bool {
    let from = buf.len().saturating_sub(4096 + 3);
    buf[from..].windows(4).any(|w| w == b"\r\n\r\n")
}

/// Section 4.2.1's checks, then section 4.2.2's answer (with RFC 7692's
/// negotiation when the server does permessage-deflate).
fn answer(req: &httparse::Request, opts: Options) -> (String, Option<Agreed>) {
    let header = |name: &str| values(req, name);
    let has_token = |name: &str, token: &str| {
        header(name)
            .iter()
            .flat_map(|v| {
                v.split(',')
                    .map(|t| t.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .any(|t| t == token)
    };
    if opts.quadratic_protocol {
        for v in header("Sec-WebSocket-Protocol") {
            std::hint::black_box(backtracking_split(&v));
        }
    }
    let keys = header("Sec-WebSocket-Key");
    let key_ok = keys.len() == 1 && {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(keys[0].trim())
            .is_ok_and(|k| k.len() == 16)
    };
    let version = header("Sec-WebSocket-Version");
    let lenient = opts.lenient;
    if !lenient && version.len() == 1 && version[0].trim() != "13" {
        return (
            refusal("426 Upgrade Required", "unsupported Sec-WebSocket-Version"),
            None,
        );
    }
    let valid = req.method == Some("GET")
        && req.version == Some(1)
        && !header("Host").is_empty()
        && has_token("Upgrade", "websocket")
        && has_token("Connection", "upgrade")
        && (!opts.strict_connection || header("Connection") == ["Upgrade"])
        && (!opts.case_sensitive
            || (header("Upgrade") == ["websocket"] && header("Connection") == ["Upgrade"]))
        && key_ok
        && version.len() == 1
        // RFC 6455 9.1: malformed extension data fails the connection.
        && header("Sec-WebSocket-Extensions")
            .iter()
            .all(|v| crate::handshake::extensions::check(v).is_ok());
    if !valid && !lenient {
        return (
            refusal("400 Bad Request", "not a valid WebSocket upgrade request"),
            None,
        );
    }
    if !opts.checks_after_upgrade {
        if let Some(refused) = admission(req, &opts) {
            return (refused, None);
        }
    }
    let key = keys
        .first()
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    let accept = if opts.bad_accept {
        accept_for(&format!("{key}x"))
    } else {
        accept_for(&key)
    };
    let mut selected = String::new();
    let mut agreed = None;
    if opts.echo_offers {
        for name in ["Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"] {
            for v in header(name) {
                selected.push_str(&format!("{name}: {v}\r\n"));
            }
        }
    } else if opts.deflate {
        // The first offer that is valid per RFC 7692 7; invalid ones are declined.
        let mut offers = header("Sec-WebSocket-Extensions");
        match opts.extension_lines {
            Lines::All => {}
            Lines::First => offers.truncate(1),
            Lines::Last => offers = offers.split_off(offers.len().saturating_sub(1)),
        }
        let accepted = offers
            .iter()
            .flat_map(|v| deflate::parse_header(v))
            .filter(|(name, _)| name == deflate::TOKEN)
            .find_map(|(_, params)| {
                deflate::parse_params(&params, false)
                    .ok()
                    .or_else(|| opts.deflate_lenient.then(|| lenient_offer(&params)))
            });
        if let Some(offer) = accepted {
            let mut resp = offer.acceptance();
            if opts.deflate_small_window && offer.client_max_window_bits.is_some() {
                resp.client_max_window_bits = Some(Some(8));
            }
            if !opts.deflate_unannounced {
                selected.push_str(&format!("Sec-WebSocket-Extensions: {}\r\n", resp.render()));
            }
            let mut a = Agreed::from_response(&resp);
            a.client_no_context |= opts.deflate_trusts_hint && offer.client_no_context_takeover;
            agreed = Some(a);
        }
    }
    (
        format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{selected}\r\n"),
        agreed,
    )
}

/// Every value of header `name`, in order.
fn values(req: &httparse::Request, name: &str) -> Vec<String> {
    req.headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| String::from_utf8_lossy(h.value).into_owned())
        .collect()
}

/// The deployment's own checks, past the protocol's: the origins it serves
/// and the credential it asks for. The refusal, when one fails.
fn admission(req: &httparse::Request, opts: &Options) -> Option<String> {
    let header = |name: &str| values(req, name);
    // RFC 6455 10.2: "If the origin indicated is unacceptable to the
    // server, then it SHOULD respond to the WebSocket handshake with a
    // reply containing HTTP 403 Forbidden status code."
    if let Some(allowed) = opts.origins {
        let served = |o: &str| match opts.origin_match {
            OriginMatch::Exact => allowed.contains(&o),
            OriginMatch::Prefix => allowed.iter().any(|a| o.starts_with(a)),
            OriginMatch::ExactOrNull => o == "null" || allowed.contains(&o),
        };
        if header("Origin").iter().any(|o| !served(o.trim())) {
            return Some(refusal("403 Forbidden", "origin not allowed"));
        }
    }
    // RFC 6455 4.2.2: "If the server does not wish to accept this
    // connection, it MUST return an appropriate HTTP error code".
    if let Some(c) = opts.credential {
        let want = match c.presence_only {
            true => c.value.split_once('=').map_or(c.value, |(name, _)| name),
            false => c.value,
        };
        let carried = header(c.header).iter().any(|v| match c.presence_only {
            true => v
                .split(';')
                .any(|p| p.trim().starts_with(&format!("{want}="))),
            false => v.split(';').any(|p| p.trim() == want),
        });
        if !carried {
            return Some(refusal("401 Unauthorized", "no valid session"));
        }
    }
    None
}

/// What `/ *, */` costs a backtracking regex engine: from each space of a
/// run it scans the rest of the run looking for the comma, n²/2 steps for a
/// run of n spaces with none.
fn backtracking_split(v: &str) -> usize {
    let b = v.as_bytes();
    let mut steps = 0usize;
    for i in 0..b.len() {
        let mut j = i;
        while j < b.len() && b[j] == b' ' {
            j += 1;
            steps = steps.wrapping_add(std::hint::black_box(1));
        }
        if j < b.len() && b[j] == b',' {
            steps += 1;
        }
    }
    steps
}

/// An error response with a text body, as real servers send; the body's bytes
/// must not be mistaken for frames by the client.
fn refusal(status: &str, why: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nSec-WebSocket-Version: 13\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{why}",
        why.len()
    )
}

/// What a careless server makes of an offer it should decline: known
/// parameters taken at face value, the rest ignored.
fn lenient_offer(params: &[deflate::Param]) -> deflate::Params {
    let mut p = deflate::Params::default();
    for (name, value) in params {
        let bits = value.as_deref().and_then(|v| v.parse::<u8>().ok());
        match name.as_str() {
            "server_no_context_takeover" => p.server_no_context_takeover = true,
            "server_max_window_bits" => p.server_max_window_bits = bits,
            "client_max_window_bits" => p.client_max_window_bits = Some(bits),
            _ => {}
        }
    }
    p
}

/// Which lines of a repeated request header the server reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lines {
    /// All of them, as one list (RFC 7230 3.2.2).
    #[default]
    All,
    /// The first only.
    First,
    /// The last only (a map overwritten line by line).
    Last,
}
