//! The example service (`examples/axum_service.rs`) end to end over HTTP: served on 127.0.0.1,
//! called by a real client over real sockets. Sentinel values appear in responses only where
//! the policy reveals them — never in a log line or in the SQLite files (`-wal` included); bad
//! bodies get value-free errors; envelopes posted by a client are refused or stay text.

#[allow(dead_code)]
#[path = "../../examples/axum_service.rs"]
mod service;

use std::sync::{Arc, Mutex};

const EMAIL: &str = "sentinel.q8z7@example.com";
const PASSPORT: &str = "X87651234";
const NAME: &str = "Zyxwa Sentinelle";
const PHONE: &str = "+1-555-0147";

/// Everything the service logs, for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Service {
    base: String,
    dir: std::path::PathBuf,
    logs: Captured,
    _runtime: tokio::runtime::Runtime,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The log of every request in this test process (one subscriber for the whole process: the
/// server's connection tasks run on any thread).
fn logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        logs
    })
    .clone()
}

fn start(name: &str) -> Service {
    let dir = std::env::temp_dir().join(format!("pg-axum-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let logs = logs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = service::app(&dir).unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Service {
        base,
        dir,
        logs,
        _runtime: runtime,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// A call: status and body.
fn call(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &str)>,
) -> (u16, String) {
    let agent = agent();
    let mut response = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        ("DELETE", _) => {
            let mut r = agent.delete(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        (_, body) => {
            let mut r = agent.post(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            match body {
                Some((content_type, text)) => {
                    r.header("content-type", content_type).send(text.as_bytes())
                }
                None => r.send_empty(),
            }
        }
    }
    .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, text)
}

fn caller<'a>(id: &'a str, roles: &'a str, purpose: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("x-principal", id),
        ("x-roles", roles),
        ("x-purpose", purpose),
    ]
}

fn signup(s: &Service, email: &str, name: &str) -> (u16, String) {
    let body = serde_json::json!({
        "name": name, "email": email, "phone": PHONE, "passport": PASSPORT, "plan": "pro"
    })
    .to_string();
    call(
        "POST",
        &format!("{}/customers", s.base),
        &[],
        Some(("application/json", &body)),
    )
}

fn id_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn holds_sentinel(text: &str) -> bool {
    [EMAIL, PASSPORT, NAME, "555-0147", "sentinel.q8z7"]
        .iter()
        .any(|s| text.contains(s))
}

#[test]
fn sentinels_appear_only_where_the_policy_reveals_them() {
    let s = start("views");
    let (status, body) = signup(&s, EMAIL, NAME);
    assert_eq!(status, 201, "{body}");
    let id = id_of(&body);
    let url = format!("{}/customers/{id}", s.base);

    // Support: masks of personal data, nothing of the passport.
    let (status, body) = call(
        "GET",
        &url,
        &caller("agent-17", "support", "customer_support"),
        None,
    );
    assert_eq!(status, 200);
    assert!(!holds_sentinel(&body), "{body}");
    assert!(body.contains("@example.com"), "{body}");
    // A service: the everyday personal data revealed, the passport not.
    let (_, body) = call(
        "GET",
        &url,
        &caller("mailer", "service", "send_receipt"),
        None,
    );
    assert!(body.contains(EMAIL) && body.contains(NAME), "{body}");
    assert!(!body.contains(PASSPORT), "{body}");
    // Nobody: refused.
    let (status, body) = call("GET", &url, &[], None);
    assert_eq!(status, 401, "{body}");

    // Found by email, percent-encoded in the query string, through the blind index.
    let (status, body) = call(
        "GET",
        &format!("{}/customers?email=SENTINEL.Q8Z7%40example.com", s.base),
        &caller("agent-17", "support", "customer_support"),
        None,
    );
    assert_eq!(status, 200);
    assert!(body.contains(&id) && !holds_sentinel(&body), "{body}");

    // Break-glass: the agent asks for the passport, security approves, the agent sees it.
    let mut asking = caller("agent-17", "support", "customer_support");
    asking.push(("x-justification", "ticket 4411: verify identity"));
    let request = serde_json::json!({ "subject": id, "class": "passport", "ttl_secs": 600 });
    let (status, body) = call(
        "POST",
        &format!("{}/access-requests", s.base),
        &asking,
        Some(("application/json", &request.to_string())),
    );
    assert_eq!(status, 200, "{body}");
    let request_id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["request"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = call(
        "POST",
        &format!("{}/access-requests/{request_id}/approve", s.base),
        &caller("lead-3", "security", "approval"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let grant = serde_json::from_str::<serde_json::Value>(&body).unwrap()["grant"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut granted = asking.clone();
    granted.push(("x-grant", &grant));
    let (_, body) = call("GET", &url, &granted, None);
    assert!(body.contains(PASSPORT), "{body}");

    // Erased by an admin: gone.
    let (status, _) = call(
        "DELETE",
        &url,
        &caller("ops-1", "admin", "erasure_request"),
        None,
    );
    assert_eq!(status, 204);
    let (status, body) = call(
        "GET",
        &url,
        &caller("mailer", "service", "send_receipt"),
        None,
    );
    assert_eq!(status, 410, "{body}");
    assert!(!holds_sentinel(&body));

    // The audit trail verifies.
    let (status, body) = call("GET", &format!("{}/audit/verify", s.base), &[], None);
    assert_eq!(status, 200);
    let events = serde_json::from_str::<serde_json::Value>(&body).unwrap()["events"]
        .as_u64()
        .unwrap();
    assert!(events >= 8, "{body}");

    // Not in a log line, not in a file (the SQLite files and their -wal included).
    let logs = String::from_utf8(s.logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("customers"),
        "the requests were logged: {logs}"
    );
    if std::env::var("SHOW_LOGS").is_ok() {
        eprintln!("{logs}");
    }
    assert!(!holds_sentinel(&logs), "{logs}");
    assert!(!logs.to_lowercase().contains("sentinel.q8z7%40"), "{logs}");
    for entry in std::fs::read_dir(&s.dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(!holds_sentinel(&bytes), "{}", path.display());
        }
    }
}

#[test]
fn bad_bodies_get_value_free_errors_and_envelopes_are_refused() {
    let s = start("bad");
    let url = format!("{}/customers", s.base);
    let bad_email = "not-an-email-q8z7";
    let (status, body) = signup(&s, bad_email, NAME);
    assert_eq!(status, 400);
    assert!(
        !body.contains(bad_email) && !holds_sentinel(&body),
        "{body}"
    );
    // What is wrong, and where, in the schema's words.
    assert!(
        body.contains("a value not valid for this field (`email`"),
        "{body}"
    );
    let wrong_type = r#"{"name":"Zyxwa Sentinelle","email":"a@example.com","phone":"+1-555-0147","passport":"X87651234","plan":987654}"#;
    let (status, body) = call("POST", &url, &[], Some(("application/json", wrong_type)));
    assert_eq!(status, 400);
    assert!(!body.contains("987654") && !holds_sentinel(&body), "{body}");
    assert!(body.contains("a value of the wrong type (`plan`"), "{body}");
    let missing =
        r#"{"name":"Zyxwa Sentinelle","phone":"+1-555-0147","passport":"X87651234","plan":"pro"}"#;
    let (status, body) = call("POST", &url, &[], Some(("application/json", missing)));
    assert_eq!(status, 400);
    assert!(
        body.contains("a required field is missing (`email`"),
        "{body}"
    );
    assert!(!holds_sentinel(&body), "{body}");
    let (status, body) = call("POST", &url, &[], Some(("text/plain", wrong_type)));
    assert_eq!(status, 415, "{body}");
    let huge = format!(r#"{{"name":"{}"}}"#, "a".repeat(70_000));
    let (status, body) = call("POST", &url, &[], Some(("application/json", &huge)));
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("the limit of 65536 bytes"), "{body}");
    let (status, body) = call(
        "POST",
        &url,
        &[],
        Some(("application/json", "{\"name\": \"Zyx")),
    );
    assert_eq!(status, 400);
    assert!(!body.contains("Zyx"), "{body}");

    // An envelope from the database, posted back: not an email, refused; as a name it is just
    // text, and never the value it encrypts.
    let (_, created) = signup(&s, EMAIL, NAME);
    let id = id_of(&created);
    let db = rusqlite::Connection::open(s.dir.join("customers.db")).unwrap();
    let (email_envelope, name_envelope): (String, String) = db
        .query_row(
            "SELECT email, name FROM customers WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(db);
    let (status, body) = signup(&s, &email_envelope, "Other Person");
    assert_eq!(status, 400, "{body}");
    let (status, body) = signup(&s, "other.q8z@example.com", &name_envelope);
    assert_eq!(status, 201, "{body}");
    let other = id_of(&body);
    let (_, body) = call(
        "GET",
        &format!("{}/customers/{other}", s.base),
        &caller("mailer", "service", "send_receipt"),
        None,
    );
    assert!(
        !body.contains(NAME),
        "an injected envelope was opened: {body}"
    );
    assert!(body.contains(&name_envelope[..12]), "{body}");
}
