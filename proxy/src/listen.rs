//! The listener: plain HTTP (a sidecar on loopback) or TLS, with client certificates from a
//! given CA required when `client_ca` is set (mutual TLS). One task per connection, at most
//! `max_connections` of them; a TLS handshake or a request head that takes longer than
//! `header_timeout_seconds` ends the connection; line endings are CRLF only (`strict`).

use super::config::{Limits, ListenTls};
use super::strict::{Seen, Strict};
use super::tally::Cause;
use axum::Router;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The TLS acceptor of the listener's configuration.
pub(crate) fn acceptor(tls: &ListenTls) -> Result<TlsAcceptor, String> {
    let named =
        |path: &std::path::Path, e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let chain = CertificateDer::pem_file_iter(&tls.cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| named(&tls.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| named(&tls.key, &e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match &tls.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca).map_err(|e| named(ca, &e))? {
                roots
                    .add(cert.map_err(|e| named(ca, &e))?)
                    .map_err(|e| named(ca, &e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| named(ca, &e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| named(&tls.cert, &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The address a request came from, put in each request's extensions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer(pub(crate) std::net::IpAddr);

/// Counts a connection refused before any request of it reached the proxy's handler.
pub(crate) type Refused = Arc<dyn Fn(std::net::IpAddr, Cause) + Send + Sync>;

/// Serves `app` on `listener` until `shutdown` resolves; connections cut for being slow or
/// malformed are counted by `refused`.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    limits: Limits,
    refused: Refused,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        // A connection slot first: at the limit, connections wait in the kernel's backlog.
        let permit = tokio::select! {
            permit = Arc::clone(&open).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            () = &mut shutdown => return,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return,
        };
        let Ok((tcp, peer)) = accepted else {
            // Out of descriptors, say: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let refused = Arc::clone(&refused);
        // Each connection its own task: a slow client holds up no other.
        tokio::spawn(async move {
            let _permit = permit;
            let source = peer.ip();
            let peer = Peer(source);
            let service = hyper::service::service_fn(move |mut request: http::Request<_>| {
                request.extensions_mut().insert(peer);
                let mut app = app.clone();
                tower_service::Service::call(&mut app, request)
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let seen = Arc::new(Seen::default());
            let served = match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(limits.header_timeout, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let io = TokioIo::new(Strict::new(stream, Arc::clone(&seen)));
                            http.serve_connection(io, service).await
                        }
                        // No certificate of the clients' CA, or not TLS at all.
                        Ok(Err(_)) => return refused(source, Cause::Unauthenticated),
                        Err(_) => return refused(source, Cause::SlowHead),
                    }
                }
                None => {
                    let io = TokioIo::new(Strict::new(tcp, Arc::clone(&seen)));
                    http.serve_connection(io, service).await
                }
            };
            // (hyper ends a connection whose first read fails without an error of its own.)
            match served {
                _ if seen.refused() => refused(source, Cause::Malformed),
                Err(error) if error.is_parse() || error.is_parse_too_large() => {
                    refused(source, Cause::Malformed);
                }
                // Cut while its head was still arriving; an idle connection closed between
                // requests is no refusal.
                Err(error) if error.is_timeout() && seen.mid_request() => {
                    refused(source, Cause::SlowHead);
                }
                _ => {}
            }
        });
    }
}
