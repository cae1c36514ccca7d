//! Embedded servers: the reference echo target and the faulty variants.

pub mod echo;
pub mod faulty;
pub mod http;

use std::collections::BTreeSet;

use tokio::net::TcpListener;

pub use faulty::Fault;

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
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    match kind {
        ServerKind::Tungstenite => tokio::spawn(echo::serve(listener)),
        ServerKind::Faulty(f) => tokio::spawn(faulty::serve(listener, f)),
    };
    Ok(local)
}
