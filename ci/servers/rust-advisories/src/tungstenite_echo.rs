//! tungstenite's blocking echo server, a thread per connection, on
//! 127.0.0.1:PORT: the CVE-2023-43669 row of ci/security.sh builds it with
//! tungstenite 0.20.0 (vulnerable) and 0.20.1 (fixed).
use std::net::TcpListener;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: tungstenite-echo PORT");
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    eprintln!("tungstenite echo on 127.0.0.1:{port}");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            // A refused handshake ends this connection only.
            let Ok(mut ws) = tungstenite::accept(stream) else {
                return;
            };
            while let Ok(message) = ws.read() {
                if (message.is_text() || message.is_binary()) && ws.send(message).is_err() {
                    return;
                }
            }
        });
    }
}
