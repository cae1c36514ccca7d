//! The reference target: a tokio-tungstenite echo server.
//!
//! The HTTP upgrade is ours (`servers::http`); framing, UTF-8 checks, pings
//! and the closing handshake are tungstenite's.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::WebSocketStream;
use tungstenite::protocol::Role;

/// Accept connections forever, echoing every text and binary message.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            if let Some(stream) = super::accepted(stream, tls.as_ref()).await {
                handle(stream).await;
            }
        });
    }
}

async fn handle(mut stream: Box<dyn super::Io>) {
    // tungstenite has no permessage-deflate, so it is never negotiated here.
    let Ok(Some((leftover, _))) =
        super::http::handshake(&mut stream, super::http::Options::default()).await
    else {
        return;
    };
    let ws = WebSocketStream::from_partially_read(stream, leftover, Role::Server, None).await;
    echo(ws).await;
}

/// Echo text and binary messages until the connection ends. tungstenite
/// answers pings and close frames itself while we read. It leaves failing
/// the connection to the application: on a protocol error we send the close
/// frame RFC 6455 7.1.7 asks for, with the code 7.4.1 gives the error, then
/// dropping the stream closes TCP.
async fn echo<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut ws: WebSocketStream<S>) {
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(m) if m.is_text() || m.is_binary() => {
                if ws.send(m).await.is_err() {
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => {
                if let Some(code) = failing_code(&e) {
                    let frame = tungstenite::protocol::CloseFrame {
                        code,
                        reason: "".into(),
                    };
                    let _ = ws.close(Some(frame)).await;
                }
                break;
            }
        }
    }
}

/// The close code for an error that fails the connection (none where the
/// connection is already gone).
fn failing_code(e: &tungstenite::Error) -> Option<tungstenite::protocol::frame::coding::CloseCode> {
    use tungstenite::protocol::frame::coding::CloseCode;
    use tungstenite::Error;
    match e {
        Error::Utf8(_) => Some(CloseCode::Invalid),
        Error::Capacity(_) => Some(CloseCode::Size),
        Error::Protocol(p) => match p {
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
            | tungstenite::error::ProtocolError::SendAfterClosing
            | tungstenite::error::ProtocolError::ReceivedAfterClosing => None,
            _ => Some(CloseCode::Protocol),
        },
        _ => None,
    }
}

/// The reference client for client-under-test cases: tokio-tungstenite's
/// own client handshake and framing, echoing every text and binary message
/// until the connection ends.
pub async fn client(url: &str, ca: &std::path::Path) {
    let Ok(target) = crate::target::Target::parse(url) else {
        return;
    };
    let Ok(tcp) = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    if target.scheme == "wss" {
        let how = crate::tls::TestClientTls::default();
        let Ok(tls) = crate::tls::test_client_connect(tcp, &target.host, ca, how).await else {
            return;
        };
        if let Ok((ws, _)) = tokio_tungstenite::client_async(url, tls).await {
            echo(ws).await;
        }
    } else if let Ok((ws, _)) = tokio_tungstenite::client_async(url, tcp).await {
        echo(ws).await;
    }
}
