//! The faulty endpoint as a client (for `wsprobe test-client`'s tests).

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

use super::session::{send, session};
use super::{Fault, Faults};
use crate::wire::codes::op;
use crate::wire::reader::Side;
use crate::wire::Violation;

/// The same endpoint as a client (for `wsprobe test-client`'s tests): open
/// the handshake to `url`, check the response as section 4.1 says (unless
/// `bad-accept` or `accept-any-handshake` let a bad one pass), then echo.
/// The faults mean the same with the roles swapped: `mask-frames` sends
/// unmasked frames, `accept-unmasked` accepts masked ones.
pub async fn connect(url: &str, ca: &std::path::Path, faults: BTreeSet<Fault>) {
    let Ok(target) = crate::target::Target::parse(url) else {
        return;
    };
    let Ok(tcp) = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    let key = if faults.contains(&Fault::FixedHandshakeKey) {
        // The sample nonce of RFC 6455 4.1.
        "dGhlIHNhbXBsZSBub25jZQ==".to_string()
    } else {
        crate::handshake::accept::random_key()
    };
    // Offered as Python websockets and Node ws offer it by default.
    let extensions = if faults.contains(&Fault::OffersUnregisteredExtension) {
        "permessage-deflate; client_max_window_bits, x-webkit-deflate-frame"
    } else {
        "permessage-deflate; client_max_window_bits"
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n",
        target.path,
        target.authority()
    );
    let mut stream: Box<dyn crate::servers::Io> = if target.scheme == "wss"
        && !faults.contains(&Fault::TlsPlaintext)
    {
        let how = crate::tls::TestClientTls {
            any_certificate: faults.contains(&Fault::TlsAnyCertificate),
            no_sni: faults.contains(&Fault::TlsNoSni),
        };
        let Ok(mut tls) = crate::tls::test_client_connect(tcp, &target.host, ca, how).await else {
            return;
        };
        if faults.contains(&Fault::TlsPlaintextAfterHandshake) {
            // Under the session, on the TCP socket itself.
            let tcp = tls.get_mut().0;
            if tcp.write_all(request.as_bytes()).await.is_ok() {
                let mut sink = [0u8; 4096];
                while matches!(tcp.read(&mut sink).await, Ok(n) if n > 0) {}
            }
            return;
        }
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (resp, used) = loop {
        match crate::handshake::response::parse(&buf, 64 * 1024) {
            Ok(Some(x)) => break x,
            Ok(None) => {}
            Err(_) => return,
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let offer = crate::handshake::Offer {
        key: Some(key),
        extensions: extensions
            .split(',')
            .map(|e| e.split(';').next().unwrap_or("").trim().to_string())
            .collect(),
        protocols: Vec::new(),
        deflate: crate::handshake::Offer::deflate_offers(std::iter::once(extensions)),
    };
    let violations = crate::handshake::response::validate(&resp, &offer);
    let lenient = faults.contains(&Fault::AcceptAnyHandshake);
    let tolerated = |v: &Violation| {
        lenient
            || (faults.contains(&Fault::BadAccept)
                && matches!(v, Violation::HandshakeWrongAccept { .. }))
            || (faults.contains(&Fault::DeflateAcceptsBadOffers)
                && matches!(v, Violation::DeflateBadResponse { .. }))
    };
    if (resp.status != 101 && !lenient) || !violations.iter().all(tolerated) {
        // Failing a connection that never opened: close TCP.
        return;
    }
    let mut deflate =
        crate::handshake::response::deflate_agreed(&resp, &offer).unwrap_or_else(|_| {
            Some(crate::wire::deflate::Agreed::from_response(
                &Default::default(),
            ))
        });
    if faults.contains(&Fault::DeflateRejectsUnasked) && deflate.is_some() {
        let unasked = resp
            .values("Sec-WebSocket-Extensions")
            .flat_map(crate::wire::deflate::parse_header)
            .flat_map(|(_, params)| params)
            .any(|(name, _)| name != "client_max_window_bits");
        if unasked {
            return;
        }
    }
    if faults.contains(&Fault::NeedsDeflate) && deflate.is_none() {
        // Fail the connection: 1010 with nothing in the reason, then wait for
        // the server to close.
        let faults: Faults = Arc::new(faults);
        let code = 1010u16.to_be_bytes().to_vec();
        if send(&mut stream, &faults, Side::Client, op::CLOSE, code)
            .await
            .is_ok()
        {
            let mut buf = [0u8; 4096];
            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
        }
        return;
    }
    if faults.contains(&Fault::DeflateUnannounced) && deflate.is_none() {
        deflate = Some(crate::wire::deflate::Agreed::from_response(
            &Default::default(),
        ));
    }
    let leftover = buf[used..].to_vec();
    let crashed = Arc::new(Notify::new());
    session(
        stream,
        leftover,
        deflate,
        Arc::new(faults),
        crashed,
        Side::Client,
        None,
    )
    .await;
}
