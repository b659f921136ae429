//! The TLS client configuration piiguard connects to its database with: rustls on AWS-LC's
//! provider, TLS 1.2 and 1.3 with rustls's safe defaults, certificates verified (chain and host
//! name) against the given roots.

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;

/// A client configuration trusting `roots`, presenting `identity` (a certificate chain and its
/// key) when the server asks for one. `None` when rustls refuses the identity (a key that does
/// not match its certificate, an unsupported key type).
pub(crate) fn client_config(
    roots: RootCertStore,
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
) -> Option<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .ok()?
    .with_root_certificates(roots);
    match identity {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key).ok(),
        None => Some(builder.with_no_client_auth()),
    }
}
