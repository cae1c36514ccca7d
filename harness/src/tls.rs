//! TLS for `wss://` targets (rustls with the ring provider) and for
//! `wsprobe serve --tls` (a self-signed certificate made by rcgen).
//!
//! Certificate errors are turned into one line that says what to do, since
//! "invalid peer certificate: UnknownIssuer" is where most wss setups stop.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

/// How wsprobe checks the server's certificate.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// Trust these PEM files (CA or self-signed certificates) besides the
    /// system roots.
    pub ca_certs: Vec<PathBuf>,
    /// Accept any certificate (development servers with self-signed ones).
    pub insecure: bool,
    /// Name to send as SNI and to check the certificate against, instead of
    /// the URL host.
    pub sni: Option<String>,
}

/// What a connection needs: the client configuration and the server name.
#[derive(Clone)]
pub struct ClientTls {
    /// The rustls configuration (roots or the insecure verifier).
    pub config: Arc<ClientConfig>,
    /// The name for SNI and certificate checks.
    pub name: ServerName<'static>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientTls({:?})", self.name)
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Read every certificate in a PEM file.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}

/// The client side for `host` (the URL host unless `--sni` says otherwise).
pub fn client(settings: &TlsSettings, host: &str) -> Result<ClientTls, String> {
    let name_text = settings.sni.clone().unwrap_or_else(|| host.to_string());
    let name = server_name(&name_text)?;
    let roots = if settings.insecure {
        None
    } else {
        let mut roots = RootCertStore::empty();
        // Unreadable system roots are not fatal: --ca-cert may be all that is needed.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        for path in &settings.ca_certs {
            add_pem(&mut roots, path)?;
        }
        Some(roots)
    };
    Ok(ClientTls {
        config: Arc::new(client_config(roots)?),
        name,
    })
}

fn server_name(text: &str) -> Result<ServerName<'static>, String> {
    ServerName::try_from(text.to_string())
        .map_err(|_| format!("{text:?} is not a valid TLS server name"))
}

fn add_pem(roots: &mut RootCertStore, path: &Path) -> Result<(), String> {
    for cert in read_certs(path)? {
        roots
            .add(cert)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// A client configuration checking certificates against `roots`, or
/// accepting any (`None`; the handshake signatures are still checked).
fn client_config(roots: Option<RootCertStore>) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    Ok(match roots {
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
        Some(roots) => builder.with_root_certificates(roots).with_no_client_auth(),
    })
}

/// How wsprobe's own test clients (`wsprobe client`) speak `wss://`: trusting
/// the given CA only (not the system roots: a case's certificate is the
/// run's), or, as a fault, anything; with or without SNI.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestClientTls {
    /// Accept any certificate (the `tls-any-certificate` fault).
    pub any_certificate: bool,
    /// Leave server_name out of the ClientHello (the `tls-no-sni` fault).
    pub no_sni: bool,
}

/// Connect a test client over TLS to `host` on `tcp`, trusting `ca`.
pub async fn test_client_connect(
    tcp: tokio::net::TcpStream,
    host: &str,
    ca: &Path,
    how: TestClientTls,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, String> {
    let name = server_name(host)?;
    let roots = if how.any_certificate {
        None
    } else {
        let mut roots = RootCertStore::empty();
        add_pem(&mut roots, ca)?;
        Some(roots)
    };
    let mut config = client_config(roots)?;
    config.enable_sni = !how.no_sni;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| describe_error(&e))
}

/// One line for a failed TLS handshake: what went wrong and what to try.
pub fn describe_error(e: &std::io::Error) -> String {
    use rustls::{CertificateError, Error};
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) else {
        return format!("TLS handshake failed: {e}");
    };
    match tls {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "TLS: certificate unknown (not signed by a trusted CA; pass it with --ca-cert FILE, or --insecure for a development server)".into()
        }
        Error::InvalidCertificate(CertificateError::NotValidForName)
        | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            format!("TLS: certificate name mismatch ({tls}; --sni NAME checks another name)")
        }
        Error::InvalidCertificate(CertificateError::Expired)
        | Error::InvalidCertificate(CertificateError::ExpiredContext { .. }) => {
            format!("TLS: certificate expired ({tls})")
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

/// A server configuration from PEM files: the certificate chain and its
/// private key (`wstest -m fuzzingserver` with a wss:// url).
pub fn server_from_files(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain = read_certs(cert)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    Ok(Arc::new(config))
}

/// A certificate for `names`, signed by itself: (certificate PEM, rustls config).
pub fn self_signed(names: &[&str]) -> Result<(String, Arc<ServerConfig>), String> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    let key = PrivateKeyDer::Pkcs8(signing_key.serialize_der().into());
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .map_err(|e| e.to_string())?;
    Ok((cert.pem(), Arc::new(config)))
}

/// `--insecure`: any certificate is accepted, but the handshake signatures
/// are still checked, so the session is at least with the certificate's key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
