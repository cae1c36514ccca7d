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
    let name = ServerName::try_from(name_text.clone())
        .map_err(|_| format!("{name_text:?} is not a valid TLS server name"))?;
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let config = if settings.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        // Unreadable system roots are not fatal: --ca-cert may be all that is needed.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        for path in &settings.ca_certs {
            for cert in read_certs(path)? {
                roots
                    .add(cert)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(ClientTls {
        config: Arc::new(config),
        name,
    })
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
