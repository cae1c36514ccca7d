//! Embedded servers: the reference echo target and the faulty variants.

pub mod echo;
pub mod faulty;
pub mod http;

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

pub use faulty::Fault;

/// A server-side byte stream: TCP, or TLS over it.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

/// An accepted connection, after the TLS handshake when the server has TLS
/// (`None` when that handshake fails: the client is gone or not speaking TLS).
async fn accepted(stream: TcpStream, tls: Option<&TlsAcceptor>) -> Option<Box<dyn Io>> {
    let _ = stream.set_nodelay(true);
    match tls {
        None => Some(Box::new(stream)),
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(s) => Some(Box::new(s)),
            Err(_) => None,
        },
    }
}

/// Which embedded server to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKind {
    /// tokio-tungstenite echo.
    Tungstenite,
    /// The hand-written server with these faults (none = conforming).
    Faulty(BTreeSet<Fault>),
}

/// Bind `addr` and serve in a background task; returns the bound address.
pub async fn spawn(kind: ServerKind, addr: &str) -> std::io::Result<std::net::SocketAddr> {
    spawn_tls(kind, addr, None).await
}

/// The same, over TLS with `config` when given (`wss://`).
pub async fn spawn_tls(
    kind: ServerKind,
    addr: &str,
    config: Option<Arc<rustls::ServerConfig>>,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let tls = config.map(TlsAcceptor::from);
    if let ServerKind::Faulty(f) = &kind {
        if f.contains(&Fault::Slow) {
            // Its own thread and a single-threaded runtime: a blocking
            // handler holds up every connection, as in a one-thread server.
            let std_listener = listener.into_std()?;
            let f = f.clone();
            std::thread::Builder::new()
                .name("wsprobe-slow-server".into())
                .spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime for the slow server");
                    rt.block_on(async move {
                        if let Ok(l) = TcpListener::from_std(std_listener) {
                            faulty::serve(l, f, tls).await;
                        }
                    });
                })?;
            return Ok(local);
        }
    }
    match kind {
        ServerKind::Tungstenite => tokio::spawn(echo::serve(listener, tls)),
        ServerKind::Faulty(f) => tokio::spawn(faulty::serve(listener, f, tls)),
    };
    Ok(local)
}
