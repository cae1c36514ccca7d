//! Echo server on soketto 0.8 with permessage-deflate, a third-party target
//! for wsprobe. Usage: soketto-echo PORT

use soketto::extension::deflate::Deflate;
use soketto::handshake::{server::Response, Server};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::compat::TokioAsyncReadCompatExt;

async fn connection(socket: TcpStream) -> Result<(), soketto::BoxedError> {
    let mut server = Server::new(socket.compat());
    server.add_extension(Box::new(Deflate::new(soketto::Mode::Server)));
    let key = server.receive_request().await?.key();
    server
        .send_response(&Response::Accept { key, protocol: None })
        .await?;
    let (mut sender, mut receiver) = server.into_builder().finish();
    let mut data = Vec::new();
    loop {
        data.clear();
        match receiver.receive_data(&mut data).await? {
            soketto::Data::Text(_) => sender.send_text(std::str::from_utf8(&data)?).await?,
            soketto::Data::Binary(_) => sender.send_binary(&data).await?,
        }
        sender.flush().await?;
    }
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: soketto-echo PORT");
    let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    while let Ok((socket, _)) = listener.accept().await {
        tokio::spawn(async move {
            // A protocol error ends this connection only.
            if let Err(e) = connection(socket).await {
                eprintln!("soketto-echo: {e}");
            }
        });
    }
}
