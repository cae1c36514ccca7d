//! Client-under-test cases: wsprobe is the server. It reads the client's
//! opening handshake (checking it against section 4.1), answers as the case
//! says (a correct 101 unless a `respond` step asks for a wrong accept key,
//! another status, unrequested headers ...), then plays the same steps as a
//! server case, with unmasked frames, and records what the client does. The
//! judge grades those events exactly as it grades a server's.

use std::sync::Arc;

use base64::Engine;
use tokio::time::Instant;

use super::conn::{self, deliver, Conn, Delivered, Shared};
use super::{
    barrier_wait, flatten, next_wait, run_steps, send_barrier, send_own_close, RunOptions,
};
use crate::case::{AcceptChoice, Case, RespondStep, Step};
use crate::event::{Event, Recorded};
use crate::handshake::accept_for;
use crate::wire::{deflate, Violation};

/// A client's opening handshake, as read from the socket.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    /// The request line (`GET /path HTTP/1.1`).
    pub line: String,
    /// Method.
    pub method: String,
    /// Request target (path and query).
    pub target: String,
    /// HTTP minor version (1 for HTTP/1.1).
    pub version: u8,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Bytes after the request (frames the client sent too early).
    pub leftover: Vec<u8>,
}

impl ClientRequest {
    /// The values of every header named `name`.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Comma-separated tokens of the headers named `name`, trimmed.
    pub fn tokens(&self, name: &str) -> Vec<String> {
        self.values(name)
            .iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// A query parameter of the target (`case` in `/runCase?case=3`).
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| v.to_string())
        })
    }

    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// Largest request header section read (a client is not under load test here).
const MAX_REQUEST: usize = 64 * 1024;

/// Why no request could be read.
#[derive(Debug, Clone)]
pub struct NoRequest {
    /// What happened, in words.
    pub message: String,
    /// Nothing complete arrived in time and the connection stayed open.
    pub silent: bool,
    /// Over TLS: the client sent bytes that are not TLS records (what the
    /// TLS layer said), RFC 6455 4.1.
    pub outside_tunnel: Option<String>,
}

impl From<String> for NoRequest {
    fn from(message: String) -> NoRequest {
        NoRequest {
            message,
            silent: false,
            outside_tunnel: None,
        }
    }
}

/// Read one opening handshake request, until `until`.
pub async fn read_request(stream: &Conn, until: Instant) -> Result<ClientRequest, NoRequest> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(n)) => {
                let method = req.method.unwrap_or("").to_string();
                let target = req.path.unwrap_or("").to_string();
                let version = req.version.unwrap_or(0);
                return Ok(ClientRequest {
                    line: format!("{method} {target} HTTP/1.{version}"),
                    method,
                    target,
                    version,
                    headers: crate::handshake::owned_headers(req.headers),
                    leftover: buf[n..].to_vec(),
                });
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_REQUEST => {}
            Ok(httparse::Status::Partial) => {
                return Err(format!("no complete request in {MAX_REQUEST} bytes").into())
            }
            Err(e) => return Err(format!("not an HTTP request: {e}").into()),
        }
        match tokio::time::timeout_at(until, stream.read(&mut chunk)).await {
            Ok(Ok(0)) => {
                return Err(format!(
                    "the client closed the connection after {} bytes of request",
                    buf.len()
                )
                .into())
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => {
                return Err(NoRequest {
                    message: format!("reading the request failed: {e}"),
                    silent: false,
                    outside_tunnel: conn::outside_tunnel(&e),
                })
            }
            Err(_) => {
                return Err(NoRequest {
                    message: format!("no complete request in time ({} bytes received)", buf.len()),
                    silent: true,
                    outside_tunnel: None,
                })
            }
        }
    }
}

/// The IANA WebSocket Extension Name Registry (RFC 6455 11.4), as last
/// updated on 2026-01-12: registration is first come first served, so a new
/// entry belongs here.
pub const REGISTERED_EXTENSIONS: &[&str] = &["permessage-deflate", "bbf-usp-protocol"];

/// Section 4.1's rules for a client's opening handshake.
pub fn check_request(req: &ClientRequest) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut bad = |reason: &str| {
        out.push(Violation::HandshakeBadRequest {
            reason: reason.to_string(),
        })
    };
    if req.method != "GET" || req.version < 1 {
        bad("is not a GET with HTTP/1.1 or later");
    }
    if req.values("Host").len() != 1 {
        bad("does not have exactly one Host header");
    }
    let has = |name: &str, token: &str| {
        req.tokens(name)
            .iter()
            .any(|t| t.eq_ignore_ascii_case(token))
    };
    if !has("Upgrade", "websocket") {
        bad("lacks `Upgrade: websocket`");
    }
    if !has("Connection", "Upgrade") {
        bad("lacks the `Upgrade` token in Connection");
    }
    let keys = req.values("Sec-WebSocket-Key");
    let key_ok = keys.len() == 1
        && base64::engine::general_purpose::STANDARD
            .decode(keys[0].trim())
            .is_ok_and(|k| k.len() == 16);
    if !key_ok {
        bad("does not carry one Sec-WebSocket-Key of 16 random bytes in base64");
    }
    if req.values("Sec-WebSocket-Version") != ["13"] {
        bad("does not carry `Sec-WebSocket-Version: 13`");
    }
    // 9.1: the offer follows the grammar (what a server receiving it must check).
    for value in req.values("Sec-WebSocket-Extensions") {
        if let Err(why) = crate::handshake::extensions::check(value) {
            bad(&format!(
                "has a malformed Sec-WebSocket-Extensions header (RFC 6455 9.1): {why}"
            ));
        }
    }
    // 9.1: "Any extension-token used MUST be a registered token (see Section
    // 11.4)." A server can only use what the client offered, so the offer is
    // where a token is first used.
    for value in req.values("Sec-WebSocket-Extensions") {
        for (name, _) in deflate::parse_header(value) {
            if !REGISTERED_EXTENSIONS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&name))
            {
                bad(&format!(
                    "offers the extension {name:?}, which is not in the IANA WebSocket Extension Name Registry (RFC 6455 9.1, 11.4)"
                ));
            }
        }
    }
    // 4.1: "The elements that comprise this value MUST be non-empty strings
    // with characters in the range U+0021 to U+007E not including separator
    // characters as defined in [RFC2616] and MUST all be unique strings."
    let protocols = req.tokens("Sec-WebSocket-Protocol");
    for (i, p) in protocols.iter().enumerate() {
        if !crate::handshake::extensions::is_token(p) {
            bad(&format!(
                "offers the subprotocol {p:?}, which is not a token"
            ));
        } else if protocols[..i].contains(p) {
            bad(&format!("offers the subprotocol {p:?} twice"));
        }
    }
    // 4.1: "Once the client's opening handshake has been sent, the client MUST
    // wait for a response from the server before sending any further data."
    if !req.leftover.is_empty() {
        bad(&format!(
            "was followed by {} bytes the client sent before the server's response",
            req.leftover.len()
        ));
    }
    // RFC 7692 7: each permessage-deflate offer's parameters are defined for
    // an offer, valid (window bits a decimal 8 to 15, no leading zero) and
    // not repeated.
    for value in req.values("Sec-WebSocket-Extensions") {
        for (name, params) in deflate::parse_header(value) {
            if name != deflate::TOKEN {
                continue;
            }
            if let Err(why) = deflate::parse_params(&params, false) {
                bad(&format!(
                    "offers an invalid permessage-deflate element: {why}"
                ));
            }
        }
    }
    out
}

/// The response bytes a `respond` step stands for, and its status.
pub fn response(step: &RespondStep, req: &ClientRequest) -> (u16, Vec<u8>) {
    let key = req
        .values("Sec-WebSocket-Key")
        .first()
        .map_or("", |k| k.trim());
    let accept = match step.accept {
        AcceptChoice::Correct => Some(accept_for(key)),
        // The accept value of another key: well formed, and wrong.
        AcceptChoice::Wrong => Some(accept_for(&format!("{key}x"))),
        AcceptChoice::Missing => None,
    };
    if let Some(raw) = &step.raw {
        let text = raw.replace("{accept}", accept.as_deref().unwrap_or(""));
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&step.append_hex);
        return (status, bytes);
    }
    let status = step.status.unwrap_or(101);
    let reason = step.reason.clone().unwrap_or_else(|| {
        match status {
            101 => "Switching Protocols",
            200 => "OK",
            400 => "Bad Request",
            _ => "Status",
        }
        .to_string()
    });
    let mut headers: Vec<(String, String)> = vec![
        ("Upgrade".into(), "websocket".into()),
        ("Connection".into(), "Upgrade".into()),
    ];
    if let Some(a) = accept {
        headers.push(("Sec-WebSocket-Accept".into(), a));
    }
    if let Some(p) = accepted_deflate(step, req) {
        headers.push(("Sec-WebSocket-Extensions".into(), p.render()));
    }
    headers.retain(|(k, _)| !step.remove.iter().any(|r| r.eq_ignore_ascii_case(k)));
    for (k, v) in &step.set {
        match headers.iter_mut().find(|(h, _)| h.eq_ignore_ascii_case(k)) {
            Some(h) => h.1 = v.clone(),
            None => headers.push((k.clone(), v.clone())),
        }
    }
    let mut text = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in &headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&step.append_hex);
    (status, bytes)
}

/// The permessage-deflate response a `respond` step asks for: the client's
/// first valid offer that the step's parameters can be added to, granted as
/// RFC 7692 7.1 says (what the offer requests of the server, and
/// client_max_window_bits only where the offer carries it). `None` when the
/// step does not accept permessage-deflate or no offer suits it.
pub fn accepted_deflate(step: &RespondStep, req: &ClientRequest) -> Option<deflate::Params> {
    let want = step.deflate.as_ref()?;
    let offers = req
        .values("Sec-WebSocket-Extensions")
        .into_iter()
        .flat_map(deflate::parse_header)
        .filter(|(name, _)| name == deflate::TOKEN)
        .filter_map(|(_, params)| deflate::parse_params(&params, false).ok());
    for offer in offers {
        let mut resp = offer.acceptance();
        resp.server_no_context_takeover |= want.server_no_context_takeover;
        resp.client_no_context_takeover |= want.client_no_context_takeover;
        if let Some(w) = want.server_max_window_bits {
            if offer.server_max_window_bits.is_some_and(|o| o < w) {
                continue;
            }
            resp.server_max_window_bits = Some(w);
        }
        if let Some(w) = want.client_max_window_bits {
            match offer.client_max_window_bits {
                None => continue,
                Some(Some(o)) if o < w => continue,
                Some(_) => resp.client_max_window_bits = Some(Some(w)),
            }
        }
        return Some(resp);
    }
    None
}

/// Play the server side of `case` on a connection whose request has been
/// read, and return everything that happened.
/// `before`: what happened on the connection before the request (its TLS
/// handshake), recorded after `Connected`.
pub async fn play_case(
    case: &Case,
    stream: Conn,
    req: ClientRequest,
    before: Vec<Event>,
    opts: &RunOptions,
) -> Recorded {
    let stream = Arc::new(stream);
    super::recorded(case, opts, |shared, deadline| async move {
        play(case, &stream, req, before, opts, &shared, deadline).await
    })
    .await
}

async fn play(
    case: &Case,
    stream: &Arc<Conn>,
    req: ClientRequest,
    before: Vec<Event>,
    opts: &RunOptions,
    shared: &Arc<Shared>,
    deadline: Instant,
) -> Option<tokio::task::JoinHandle<()>> {
    shared.push(Event::Connected);
    for e in before {
        shared.push(e);
    }
    shared.push(Event::RequestReceived {
        line: req.line.clone(),
        headers: req.headers.clone(),
    });
    for v in check_request(&req) {
        shared.push(Event::Violation(v));
    }
    let default = RespondStep::default();
    let (respond, steps) = match case.steps.first() {
        Some(Step::Respond(r)) => (r, &case.steps[1..]),
        _ => (&default, &case.steps[..]),
    };
    let (status, bytes) = response(respond, &req);
    shared.push(Event::ResponseSent {
        status,
        bytes: bytes[..bytes.len() - respond.append_hex.len()].to_vec(),
    });
    if !respond.append_hex.is_empty() {
        shared.push(Event::RawSent {
            bytes: respond.append_hex[..respond.append_hex.len().min(256)].to_vec(),
            len: respond.append_hex.len(),
        });
    }
    match deliver(stream, &bytes, &respond.delivery, deadline, None).await {
        Ok(Delivered::Rst) => {
            shared.push(Event::Abort);
            return None;
        }
        Ok(Delivered::Fin) => shared.push(Event::Shutdown),
        Ok(_) => {}
        Err(e) => shared.push(Event::WriteError {
            message: e.to_string(),
        }),
    }
    if status != 101 {
        // Not upgraded: the client must go away by itself (nothing wsprobe
        // does after this counts for it).
        let drain = tokio::spawn(conn::drain_loop(stream.clone(), shared.clone()));
        let gone = shared
            .wait(deadline.min(Instant::now() + opts.close_timeout), |s| {
                s.ended
            })
            .await;
        if !gone {
            shared.push(Event::Timeout {
                waiting_for: "the client to end the connection".into(),
            });
        }
        return Some(drain);
    }
    // permessage-deflate, if this response accepted it: wsprobe compresses
    // as the server agreed to, and inflates the client's messages with the
    // window and context the client agreed to (a reference beyond them fails).
    let agreed = accepted_deflate(respond, &req).map(|p| deflate::Agreed::from_response(&p));
    let inflater = agreed.map(|a| {
        stream.set_deflater(deflate::Deflater::new(a.server_window, a.server_no_context));
        deflate::Inflater::new(
            a.client_window,
            a.client_no_context,
            opts.limits.max_message,
        )
    });
    let reader = tokio::spawn(conn::read_loop(
        stream.clone(),
        req.leftover,
        opts.limits,
        inflater,
        shared.clone(),
    ));
    let mut flat = Vec::new();
    flatten(steps, &mut flat);
    if run_steps(&flat, stream, opts, shared, deadline).await {
        closing_as_server(stream, opts, shared, deadline).await;
    }
    Some(reader)
}

/// After the steps, as the server: answer the client's close, or close
/// ourselves when it does nothing; once both closes are out, close TCP
/// first, as section 7.1.1 asks of a server, and see the client follow.
async fn closing_as_server(stream: &Conn, opts: &RunOptions, shared: &Shared, deadline: Instant) {
    let step = opts.close_timeout;
    let mut until = deadline.min(Instant::now() + step);
    let mut killed = false;
    let mut pinged = false;
    loop {
        let changed = shared
            .wait(until, |s| {
                s.ended || s.server_close.is_some() || (pinged && !killed && s.barrier_answered())
            })
            .await;
        let (ended, peer_close, own_close) =
            shared.with(|s| (s.ended, s.server_close.is_some(), s.client_closed));
        if ended {
            return;
        }
        if changed && peer_close {
            if !own_close {
                send_own_close(stream, opts, shared, true).await;
            }
            let _ = stream.shutdown_write().await;
            shared.push(Event::Shutdown);
            shared
                .wait(next_wait(shared, deadline, step), |s| s.ended)
                .await;
            return;
        }
        if Instant::now() >= deadline {
            return;
        }
        if !own_close && !killed && !pinged && !shared.with(|s| s.barrier_unanswered()) {
            // As in the client role: ask before taking silence for an answer.
            send_barrier(stream, opts, shared).await;
            pinged = true;
            until = barrier_wait(deadline, step);
            continue;
        }
        if !own_close && !killed {
            shared.push(if pinged && shared.with(|s| s.barrier_answered()) {
                Event::QuietAfterBarrier
            } else {
                Event::Timeout {
                    waiting_for: "the client to end the connection".into(),
                }
            });
            send_own_close(stream, opts, shared, false).await;
            killed = true;
            until = next_wait(shared, deadline, step);
            continue;
        }
        shared.push(Event::Timeout {
            waiting_for: "a close frame in reply".into(),
        });
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> ClientRequest {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        req.parse(text.as_bytes()).unwrap();
        ClientRequest {
            line: String::new(),
            method: req.method.unwrap().into(),
            target: req.path.unwrap().into(),
            version: req.version.unwrap(),
            headers: crate::handshake::owned_headers(req.headers),
            leftover: Vec::new(),
        }
    }

    const GOOD: &str = "GET /runCase?case=3&agent=x HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn a_client_request_is_checked_against_section_4_1() {
        let good = request(GOOD);
        assert!(check_request(&good).is_empty());
        let offers = GOOD.replace(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, bbf-usp-protocol; a=1\r\n\r\n",
        );
        assert!(check_request(&request(&offers)).is_empty());
        let mut early = request(GOOD);
        early.leftover = vec![0x81, 0x80, 0, 0, 0, 0];
        let v = check_request(&early);
        assert!(
            v[0].to_string().contains("6 bytes the client sent before"),
            "{v:?}"
        );
        assert_eq!(good.query("case").as_deref(), Some("3"));
        assert_eq!(good.path(), "/runCase");
        for (from, to, rule) in [
            ("GET /", "POST /", "GET"),
            ("Host: h\r\n", "", "Host"),
            ("Upgrade: WebSocket", "Upgrade: h2c", "Upgrade"),
            ("keep-alive, Upgrade", "keep-alive", "Connection"),
            ("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=", "16 random bytes"),
            ("Version: 13", "Version: 8", "Version: 13"),
            (
                "\r\n\r\n",
                "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=08\r\n\r\n",
                "invalid permessage-deflate",
            ),
            (
                "\r\n\r\n",
                "\r\nSec-WebSocket-Extensions: bbf-usp-protocol; =1\r\n\r\n",
                "malformed Sec-WebSocket-Extensions",
            ),
            (
                "\r\n\r\n",
                "\r\nSec-WebSocket-Protocol: chat, chat\r\n\r\n",
                "twice",
            ),
            (
                "\r\n\r\n",
                "\r\nSec-WebSocket-Extensions: permessage-deflate, x-webkit-deflate-frame\r\n\r\n",
                "not in the IANA WebSocket Extension Name Registry",
            ),
            (
                "\r\n\r\n",
                "\r\nSec-WebSocket-Protocol: chat, a/b\r\n\r\n",
                "not a token",
            ),
            (
                "\r\n\r\n",
                "\r\nSec-WebSocket-Extensions: bbf-usp-protocol, permessage-deflate; server_max_window_bits=16\r\n\r\n",
                "invalid permessage-deflate",
            ),
        ] {
            let v = check_request(&request(&GOOD.replace(from, to)));
            assert_eq!(v.len(), 1, "{from} -> {to}: {v:?}");
            assert!(v[0].to_string().contains(rule), "{}", v[0]);
        }
    }

    #[test]
    fn permessage_deflate_is_granted_as_rfc_7692_allows() {
        use crate::case::DeflateAnswer;
        let offer = |ext: &str| {
            request(&GOOD.replace(
                "\r\n\r\n",
                &format!("\r\nSec-WebSocket-Extensions: {ext}\r\n\r\n"),
            ))
        };
        let step = |d: DeflateAnswer| RespondStep {
            deflate: Some(d),
            ..RespondStep::default()
        };
        let granted = |ext: &str, d: DeflateAnswer| {
            accepted_deflate(&step(d), &offer(ext)).map(|p| p.render())
        };
        let plain = DeflateAnswer::default();
        // As offered; what the offer asks of the server is granted.
        assert_eq!(
            granted(
                "permessage-deflate; server_max_window_bits=10",
                plain.clone()
            )
            .as_deref(),
            Some("permessage-deflate; server_max_window_bits=10")
        );
        // client_max_window_bits only where the offer carries it, at most its value.
        let cmwb = DeflateAnswer {
            client_max_window_bits: Some(9),
            ..DeflateAnswer::default()
        };
        assert_eq!(granted("permessage-deflate", cmwb.clone()), None);
        assert_eq!(
            granted("permessage-deflate; client_max_window_bits=8", cmwb.clone()),
            None
        );
        assert_eq!(
            granted(
                "permessage-deflate; client_max_window_bits=8, permessage-deflate; client_max_window_bits",
                cmwb
            )
            .as_deref(),
            Some("permessage-deflate; client_max_window_bits=9")
        );
        // An invalid offer is passed over; no offer, no acceptance.
        assert_eq!(
            granted(
                "permessage-deflate; x_unknown, permessage-deflate",
                plain.clone()
            )
            .as_deref(),
            Some("permessage-deflate")
        );
        assert_eq!(granted("x-other", plain.clone()), None);
        assert!(accepted_deflate(&RespondStep::default(), &offer("permessage-deflate")).is_none());
        // The response carries it.
        let (_, bytes) = response(&step(plain), &offer("permessage-deflate"));
        assert!(String::from_utf8(bytes)
            .unwrap()
            .contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"));
    }

    #[test]
    fn responses_follow_the_respond_step() {
        let req = request(GOOD);
        let (status, bytes) = response(&RespondStep::default(), &req);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(status, 101);
        // The worked example of RFC 6455 1.3.
        assert!(
            text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            "{text}"
        );
        let wrong = RespondStep {
            accept: AcceptChoice::Wrong,
            set: vec![("Upgrade".into(), "h2c".into())],
            remove: vec!["Connection".into()],
            append_hex: vec![0x81, 0x00],
            ..Default::default()
        };
        let (_, bytes) = response(&wrong, &req);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert!(
            !text.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
                && text.contains("Sec-WebSocket-Accept: ")
        );
        assert!(text.contains("Upgrade: h2c\r\n") && !text.contains("Connection:"));
        assert!(bytes.ends_with(b"\r\n\r\n\x81\x00"));
        let missing = RespondStep {
            accept: AcceptChoice::Missing,
            status: Some(200),
            ..Default::default()
        };
        let (status, bytes) = response(&missing, &req);
        assert_eq!(status, 200);
        assert!(!String::from_utf8_lossy(&bytes).contains("Accept"));
    }
}
