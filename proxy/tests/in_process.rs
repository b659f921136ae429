//! The proxy run in this test's own process (`Server::serve_until` on a listener the test
//! bound): refusals before and after authentication answered with their statuses and put on
//! the audit record, the record read back from the store. The whole proxy against a TLS
//! upstream is tested through the `piiguard` binary (`cli/tests/cli/proxy/`).

use piiguard::keys::Keyring;
use piiguard::store::SqliteStore;
use piiguard_proxy::{Config, Server};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// The SHA-256 of `secret-token-q8z7`, the caller's bearer token.
const CONFIG: &str = r#"
[proxy]
listen = "127.0.0.1:0"

[[caller]]
name = "checkout"
token_sha256 = "TOKEN_SHA256"
roles = ["payments"]

[upstream.processor]
host = "api.processor.example.com"

[[route]]
name = "charge"
upstream = "processor"
method = "POST"
path = "/v1/charges"
purpose = "payment"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  json = "/card/number"
  any_subject = true
  record = "Payment"
  field = "card"
  class = "card_number"
"#;

fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One request over a fresh connection; the response's status.
fn status_of(at: SocketAddr, request: &str) -> u16 {
    let mut stream = TcpStream::connect(at).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

#[test]
fn refusals_are_answered_and_audited_with_the_proxy_in_process() {
    let dir =
        std::env::temp_dir().join(format!("piiguard-proxy-in-process-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let guard = piiguard::Guard::open_local(&dir).unwrap();
    let path = dir.join("proxy.toml");
    std::fs::write(
        &path,
        CONFIG.replace("TOKEN_SHA256", &sha256_hex("secret-token-q8z7")),
    )
    .unwrap();
    let server = Server::new(Config::load(&path).unwrap()).unwrap();
    assert_eq!(server.describe(), "1 routes, 1 upstreams, 1 callers");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let at = listener.local_addr().unwrap();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let serving = std::thread::spawn(move || {
        server.serve_until(guard, listener, async move {
            // Polled on the proxy's runtime: wait for the test's word without blocking it.
            while stopped.try_recv().is_err() {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
    });

    let body = r#"{"card":{"number":"tok_x"}}"#;
    let anonymous = format!(
        "POST /v1/charges HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(status_of(at, &anonymous), 401);
    let wrong_route = "GET /v1/customers/jane.q8z7@example.com HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer secret-token-q8z7\r\nConnection: close\r\n\r\n";
    assert_eq!(status_of(at, wrong_route), 404);

    stop.send(()).unwrap();
    serving.join().unwrap().unwrap();

    // On the record: the undeclared route by its shape (never the path), and the refusal
    // before authentication in the summary written at the stop.
    let keyring = Keyring::open_local(&dir).unwrap();
    let audit = SqliteStore::open(dir.join("store.db"))
        .unwrap()
        .audit(&keyring)
        .unwrap();
    let lines: Vec<String> = audit
        .lines_after(0, 1000)
        .unwrap()
        .into_iter()
        .map(|(_, line)| line)
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("no_route") && l.contains("GET with 3 path segments")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("unauthenticated")),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains("q8z7")), "{lines:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}
