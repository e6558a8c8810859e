//! TLS for the client: a rustls connector (ring provider) trusting a PEM CA file, and the name to verify.

use std::fs::File;
use std::io::BufReader;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

use super::config::{TlsConfig, DEFAULT_CA_BUNDLE};
use super::error::ClientError;

/// A ready connector and the name the broker's certificate must carry.
#[derive(Clone)]
pub(crate) struct TlsSetup {
    pub connector: TlsConnector,
    pub server_name: ServerName<'static>,
}

/// The host part of `host:port`, `[v6]:port` or a bare host.
fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => addr,
    }
}

/// Loads the CA file and builds the connector; every failure names the file or setting to fix.
pub(crate) fn setup(cfg: &TlsConfig, addr: &str) -> Result<TlsSetup, ClientError> {
    let path = cfg.ca_file.clone().unwrap_or_else(|| DEFAULT_CA_BUNDLE.into());
    let file = File::open(&path)
        .map_err(|e| ClientError::Tls(format!("cannot read CA file {}: {e}; set tls.ca_file", path.display())))?;
    let mut roots = rustls::RootCertStore::empty();
    let mut count = 0;
    for cert in rustls_pemfile::certs(&mut BufReader::new(file)) {
        let cert = cert.map_err(|e| ClientError::Tls(format!("bad PEM in {}: {e}", path.display())))?;
        roots
            .add(cert)
            .map_err(|e| ClientError::Tls(format!("unusable certificate in {}: {e}", path.display())))?;
        count += 1;
    }
    if count == 0 {
        return Err(ClientError::Tls(format!(
            "no certificate found in {}; it must hold PEM 'BEGIN CERTIFICATE' blocks",
            path.display()
        )));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(format!("protocol versions: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = cfg.server_name.clone().unwrap_or_else(|| host_of(addr).to_string());
    let server_name = ServerName::try_from(name.clone()).map_err(|e| {
        ClientError::Tls(format!(
            "{name:?} is not a valid server name ({e}); set tls.server_name"
        ))
    })?;
    Ok(TlsSetup {
        connector: TlsConnector::from(Arc::new(config)),
        server_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_split_from_port() {
        assert_eq!(host_of("broker.example:10000"), "broker.example");
        assert_eq!(host_of("127.0.0.1:10000"), "127.0.0.1");
        assert_eq!(host_of("[::1]:10000"), "::1");
        assert_eq!(host_of("broker"), "broker");
    }

    #[test]
    fn missing_or_empty_ca_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = TlsConfig {
            ca_file: Some(dir.path().join("nope.pem")),
            server_name: None,
        };
        let e = setup(&missing, "h:1").err().expect("must fail");
        assert!(e.to_string().contains("nope.pem"), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let e = setup(
            &TlsConfig {
                ca_file: Some(empty),
                server_name: None,
            },
            "h:1",
        )
        .err()
        .expect("must fail");
        assert!(e.to_string().contains("no certificate"), "{e}");
    }
}
