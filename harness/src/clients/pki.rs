//! The certificates of a client-under-test run over `wss://`: a test CA
//! made for the run (its PEM file is what `{ca}` stands for in the client
//! command), a certificate it signs for the names a case URL can have, and
//! the three a client must refuse (RFC 6455 4.1: "If this fails (e.g., the
//! server's certificate could not be verified), then the client MUST _Fail
//! the WebSocket Connection_ and abort the connection.").
//!
//! Everything is made in memory at the start of the run (a few ECDSA keys,
//! milliseconds); only the CA certificate is written, to a file the run
//! removes when it ends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::PrivateKeyDer;
use rustls::ServerConfig;

use crate::case::CaseTls;

/// The names the case URLs use (`wss://localhost:PORT/...`) and the
/// addresses `localhost` resolves to.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The server configurations, one per kind of certificate, and the CA file.
pub struct TestPki {
    trusted: Arc<ServerConfig>,
    unknown_issuer: Arc<ServerConfig>,
    wrong_name: Arc<ServerConfig>,
    expired: Arc<ServerConfig>,
    ca_file: CaFile,
}

impl TestPki {
    /// A fresh CA and its certificates; the CA's PEM goes to a new file in
    /// the temporary directory.
    pub fn new() -> Result<TestPki, String> {
        let ca = authority("wsprobe test CA")?;
        // Well formed and valid for the names, but from a CA the client was not given.
        let stranger = authority("wsprobe unknown CA")?;
        let trusted = leaf(&ca, &NAMES, false)?;
        let unknown_issuer = leaf(&stranger, &NAMES, false)?;
        let wrong_name = leaf(&ca, &["wrong-name.wsprobe.invalid"], false)?;
        let expired = leaf(&ca, &NAMES, true)?;
        let ca_file = CaFile::write(&ca.pem())?;
        Ok(TestPki {
            trusted,
            unknown_issuer,
            wrong_name,
            expired,
            ca_file,
        })
    }

    /// Where the CA certificate is (PEM).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file.0
    }

    /// The server side for a case's certificate.
    pub fn config(&self, kind: CaseTls) -> Arc<ServerConfig> {
        match kind {
            CaseTls::Trusted => self.trusted.clone(),
            CaseTls::UnknownIssuer => self.unknown_issuer.clone(),
            CaseTls::WrongName => self.wrong_name.clone(),
            CaseTls::Expired => self.expired.clone(),
        }
    }
}

fn authority(name: &str) -> Result<CertifiedIssuer<'static, KeyPair>, String> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().map_err(|e| e.to_string())?;
    CertifiedIssuer::self_signed(params, key).map_err(|e| e.to_string())
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
    expired: bool,
) -> Result<Arc<ServerConfig>, String> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names).map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(DnType::CommonName, "wsprobe test server");
    if expired {
        // Years in the past, so no clock skew allowance covers it.
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().map_err(|e| e.to_string())?;
    let cert = params.signed_by(&key, issuer).map_err(|e| e.to_string())?;
    let key = PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone(), issuer.der().clone()], key)
            .map_err(|e| e.to_string())?;
    Ok(Arc::new(config))
}

/// The CA certificate on disk, removed when the run is over.
struct CaFile(PathBuf);

impl CaFile {
    fn write(pem: &str) -> Result<CaFile, String> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "wsprobe-test-ca-{}-{}.pem",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, pem).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(CaFile(path))
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_file_holds_one_certificate_and_goes_with_the_pki() {
        let pki = TestPki::new().unwrap();
        let path = pki.ca_file().to_path_buf();
        assert_eq!(crate::tls::read_certs(&path).unwrap().len(), 1);
        drop(pki);
        assert!(!path.exists());
    }
}
