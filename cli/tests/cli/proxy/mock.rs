//! A mock "payment processor" upstream on 127.0.0.1, over TLS with a certificate for
//! `localhost` from a CA made on the spot: it records every request it receives and answers
//! a charge with the card number it was sent (as a processor's "card on file" answer does),
//! so a test sees both what reached the third party and what came back.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::{Arc, Mutex};

/// One request the mock received.
#[derive(Clone, Debug)]
#[allow(dead_code)] // kept for what a test may want to look at
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

/// A running mock upstream.
pub(crate) struct Mock {
    /// Its port on 127.0.0.1 (`localhost`).
    pub(crate) port: u16,
    /// The CA that signed its certificate, in PEM.
    pub(crate) ca_pem: String,
    /// What it received, in order.
    pub(crate) received: Arc<Mutex<Vec<Received>>>,
}

impl Mock {
    /// The requests received so far.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// Starts the mock on a thread of its own, on an ephemeral port.
#[allow(dead_code)] // the example names its port
pub(crate) fn start() -> Mock {
    start_on(0)
}

/// A new certificate authority.
pub(crate) fn authority() -> CertifiedIssuer<'static, KeyPair> {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(ca_params, ca_key).unwrap()
}

/// A certificate for `name` from `ca`: its PEM, and its key's PEM.
#[allow(dead_code)] // the example needs no other certificate
pub(crate) fn issue(ca: &CertifiedIssuer<'static, KeyPair>, name: &str) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec![name.to_owned()])
        .unwrap()
        .signed_by(&key, ca)
        .unwrap();
    (cert.pem(), key.serialize_pem())
}

/// Starts the mock on a thread of its own, on `port` of 127.0.0.1 (0: any free port).
pub(crate) fn start_on(port: u16) -> Mock {
    let ca = authority();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let received = Arc::new(Mutex::new(Vec::new()));
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .unwrap();
            port_tx.send(listener.local_addr().unwrap().port()).unwrap();
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |request| {
                        answer(request, Arc::clone(&log))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
    });
    Mock {
        port: port_rx.recv().unwrap(),
        ca_pem: ca.pem(),
        received,
    }
}

async fn answer(
    request: Request<Incoming>,
    log: Arc<Mutex<Vec<Received>>>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = request.into_body().collect().await?.to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    let (status, reply) = match (method.as_str(), path.as_str()) {
        ("POST", "/v1/charges") => match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(charge) => (
                200,
                serde_json::json!({
                    "id": "ch_1",
                    "status": "succeeded",
                    "customer": charge["customer"],
                    "card": { "number": charge["card"]["number"], "brand": "visa" },
                })
                .to_string(),
            ),
            Err(_) => (400, r#"{"error":"not JSON"}"#.to_owned()),
        },
        ("POST", "/v1/verify") => match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(check) => (
                200,
                serde_json::json!({ "card": check["card"], "valid": true }).to_string(),
            ),
            Err(_) => (400, r#"{"error":"not JSON"}"#.to_owned()),
        },
        ("POST", "/v1/slow") => {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            (200, r#"{"late":true}"#.to_owned())
        }
        ("POST", "/v1/shipments") => (201, r#"{"id":"sh_1"}"#.to_owned()),
        // A processor's endpoint that answers with a card number no rule of a route covers.
        ("GET", "/v1/declined" | "/v1/files/declined") => (
            200,
            r#"{"status":"declined","card":"4111111111111111"}"#.to_owned(),
        ),
        // A redirect whose Location holds a card number.
        ("GET", "/v1/files/moved") => (302, r#"{"moved":true}"#.to_owned()),
        ("GET", p) if p.starts_with("/v1/files/") => (200, r#"{"file":"ok"}"#.to_owned()),
        _ => (404, r#"{"error":"no such endpoint"}"#.to_owned()),
    };
    let moved = path == "/v1/files/moved";
    log.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body,
    });
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if moved {
        response = response.header(
            "location",
            "https://shop.example.com/v1/cards/4111111111111111",
        );
    }
    Ok(response.body(Full::new(Bytes::from(reply))).unwrap())
}
