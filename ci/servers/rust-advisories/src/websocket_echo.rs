//! rust-websocket's synchronous echo server, a thread per connection, on
//! 127.0.0.1:PORT: the CVE-2022-35922 row of ci/security.sh builds it with
//! websocket 0.26.4 (vulnerable) and 0.26.5 (fixed).
use websocket::sync::Server;
use websocket::OwnedMessage;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: websocket-echo PORT");
    let server = Server::bind(("127.0.0.1", port)).expect("bind");
    eprintln!("rust-websocket echo on 127.0.0.1:{port}");
    for request in server.filter_map(Result::ok) {
        std::thread::spawn(move || {
            let Ok(client) = request.accept() else {
                return;
            };
            let Ok((mut rx, mut tx)) = client.split() else {
                return;
            };
            for message in rx.incoming_messages() {
                let sent = match message {
                    Ok(OwnedMessage::Close(_)) => {
                        let _ = tx.send_message(&OwnedMessage::Close(None));
                        return;
                    }
                    Ok(OwnedMessage::Ping(p)) => tx.send_message(&OwnedMessage::Pong(p)),
                    Ok(OwnedMessage::Pong(_)) => Ok(()),
                    Ok(m) => tx.send_message(&m),
                    // 0.26.5 refuses an oversized frame here; the connection ends.
                    Err(_) => return,
                };
                if sent.is_err() {
                    return;
                }
            }
        });
    }
}
