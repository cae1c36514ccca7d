//! The server under test: a tokio-tungstenite echo server, written the way
//! its documentation shows (`accept_async`, then echo every data message).

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

/// Accept connections until the listener fails, echoing text and binary
/// messages; tungstenite answers pings and the closing handshake itself.
pub async fn serve(listener: TcpListener) {
    while let Ok((tcp, _)) = listener.accept().await {
        tokio::spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                return;
            };
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                    break;
                }
            }
        });
    }
}
