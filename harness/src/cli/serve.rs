//! `wsprobe serve`: the embedded reference or faulty server.

use std::collections::BTreeSet;

use super::error::{io, usage, CliError};
use super::{args, exit_code, CliResult};
use crate::servers::{self, Fault, ServerKind};

pub(super) async fn serve_cmd(a: args::ServeArgs) -> CliResult {
    let kind = server_kind(&a.faults)?;
    let tls = if a.tls {
        let (pem, config) = crate::tls::self_signed(&["localhost", "127.0.0.1", "::1", &a.host])
            .map_err(|e| io(format!("cannot make a certificate: {e}")))?;
        Some((pem, config))
    } else {
        None
    };
    let bind = match a.host.contains(':') {
        true => format!("[{}]:{}", a.host, a.port),
        false => format!("{}:{}", a.host, a.port),
    };
    let addr = servers::spawn_tls(kind.clone(), &bind, tls.as_ref().map(|t| t.1.clone()))
        .await
        .map_err(|e| io(format!("cannot listen on {bind}: {e}")))?;
    let mut note = String::new();
    if let Some((pem, _)) = &tls {
        let path = a.cert_out.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("wsprobe-serve-{}.pem", addr.port()))
        });
        crate::report::write_atomic(&path, pem.as_bytes())
            .map_err(|e| io(format!("cannot write {}: {e}", path.display())))?;
        note = format!(", certificate {} (pass it with --ca-cert)", path.display());
    }
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    eprintln!(
        "wsprobe serve: {} server on {scheme}://{addr}/{note} (Ctrl-C to stop)",
        kind_name(&kind)
    );
    let _ = tokio::signal::ctrl_c().await;
    Ok(exit_code::OK)
}

pub(super) fn kind_name(kind: &ServerKind) -> String {
    match kind {
        ServerKind::Tungstenite => "tokio-tungstenite echo".into(),
        ServerKind::Faulty(f) if f.is_empty() => "hand-written echo".into(),
        ServerKind::Faulty(f) => {
            let names: Vec<&str> = f.iter().map(|f| f.name()).collect();
            format!("faulty ({})", names.join(", "))
        }
    }
}

pub(super) fn server_kind(names: &[String]) -> Result<ServerKind, CliError> {
    if names.is_empty() {
        return Ok(ServerKind::Tungstenite);
    }
    let mut set = BTreeSet::new();
    for n in names.iter().filter(|n| n.as_str() != "none") {
        let f = Fault::parse(n).ok_or_else(|| {
            let all: Vec<&str> = Fault::ALL.iter().map(|(_, n, _)| *n).collect();
            usage(format!(
                "unknown fault {n:?}; known: none, {}",
                all.join(", ")
            ))
        })?;
        set.insert(f);
    }
    Ok(ServerKind::Faulty(set))
}
