//! The settings that apply to every case of a run.

use std::time::Duration;

use crate::case::Case;
use crate::target::Target;
use crate::wire::reader::Limits;

/// Settings that apply to every case of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The server under test.
    pub target: Target,
    /// Budget for a whole case, unless the case sets its own.
    pub case_timeout: Duration,
    /// No case runs longer than this, whatever it sets (`--timeout` given).
    pub timeout_cap: Option<Duration>,
    /// How long an `expect` step waits unless it says otherwise.
    pub expect_timeout: Duration,
    /// How long to wait for the handshake response.
    pub handshake_timeout: Duration,
    /// How long to wait for each part of the closing (the server failing the
    /// connection, a close reply, the TCP close).
    pub close_timeout: Duration,
    /// Reader limits.
    pub limits: Limits,
    /// Largest handshake response header section accepted.
    pub max_response: usize,
    /// Extra request headers (authentication, cookies).
    pub headers: Vec<(String, String)>,
    /// Subprotocol to offer.
    pub protocol: Option<String>,
    /// Origin header to send.
    pub origin: Option<String>,
    /// The origins the server is meant to serve (RFC 6455 10.2), for the
    /// cases that check it refuses others.
    pub origin_allow: Vec<String>,
    /// TLS for `wss://` targets (system roots unless set otherwise).
    pub tls: Option<crate::tls::ClientTls>,
    /// The server's process, where wsprobe started it (`--spawn`): its
    /// memory and CPU are recorded per case.
    pub server: Option<std::sync::Arc<crate::spawned::Server>>,
    /// Where the target's host serves plain `ws://` beside a `wss://` URL
    /// (`--plain-port`; default 80 for a URL on 443, else the URL's port).
    pub plain_port: Option<u16>,
}

impl RunOptions {
    /// Defaults for `target`.
    pub fn new(target: Target) -> RunOptions {
        RunOptions {
            case_timeout: Duration::from_secs(10),
            timeout_cap: None,
            expect_timeout: Duration::from_secs(2),
            handshake_timeout: Duration::from_secs(3),
            close_timeout: Duration::from_secs(1),
            limits: Limits::default(),
            max_response: 16 * 1024,
            headers: Vec::new(),
            protocol: None,
            origin: None,
            origin_allow: Vec::new(),
            server: None,
            plain_port: None,
            tls: (target.scheme == "wss")
                .then(|| crate::tls::client(&Default::default(), &target.host).ok())
                .flatten(),
            target,
        }
    }
}

impl RunOptions {
    /// The same run over plain TCP to the target's host at its plain
    /// port: a `ws://` URL with the same path.
    pub fn plain(&self) -> RunOptions {
        let port = self.plain_port.unwrap_or(match self.target.port {
            443 => 80,
            p => p,
        });
        let mut plain = self.clone();
        plain.target.scheme = "ws".into();
        plain.target.port = port;
        plain.tls = None;
        plain
    }

    /// The time budget of `case`: its own or the run's, never over the cap.
    pub fn budget(&self, case: &Case) -> Duration {
        let own = case.timeout.map_or(self.case_timeout, |d| d.0);
        self.timeout_cap.map_or(own, |cap| own.min(cap))
    }
}
