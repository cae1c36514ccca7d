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
    let Some((leftover, _)) =
        super::http::handshake(&mut stream, super::http::Options::default()).await
    else {
        return;
    };
    let ws = WebSocketStream::from_partially_read(stream, leftover, Role::Server, None).await;
    echo(ws).await;
}

/// Echo text and binary messages until the connection ends. tungstenite
/// answers pings and close frames itself while we read; a protocol error
/// ends the loop and dropping the stream closes TCP.
async fn echo<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut ws: WebSocketStream<S>) {
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(m) if m.is_text() || m.is_binary() => {
                if ws.send(m).await.is_err() {
                    break;
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
}

/// The reference client for client-under-test cases: tokio-tungstenite's
/// own client handshake and framing, echoing every text and binary message
/// until the connection ends.
pub async fn client(url: &str) {
    let Ok(target) = crate::target::Target::parse(url) else {
        return;
    };
    let Ok(tcp) = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    if let Ok((ws, _)) = tokio_tungstenite::client_async(url, tcp).await {
        echo(ws).await;
    }
}
