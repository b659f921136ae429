//! `piiguard proxy` as a real process between a client and a mock payment processor on
//! 127.0.0.1 over TLS: the processor receives real values only through the proxy, the
//! application receives tokens only, and every refusal — an unauthenticated caller, an
//! undeclared route or upstream, a policy denial, an altered, expired or foreign token — is a
//! clear status and an audit event. Then a bounded load test, through the proxy and straight
//! to the processor in one run.
#![cfg(feature = "proxy")]

use crate::common;
mod edges;
mod mock;
use piiguard_testkit::memscan;

use common::{piiguard, text};
use mock::Mock;
use piiguard::at_rest::TokenTarget;
use piiguard::clock::ManualClock;
use piiguard::keys::Keyring;
use piiguard::store::SqliteStore;
use piiguard::token::TokenFormat;
use piiguard::{
    Class, Classified, Guard, Pii, Policy, Principal, schema::PiiField, view::Treatment,
};
use sha2::{Digest as _, Sha256};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CARD: &str = "4111111111111111";
const OTHER_CARD: &str = "5555555555554444";
const PASSPORT: &str = "X87651234";
const CHECKOUT_TOKEN: &str = "checkout-bearer-7c1f";
const REPORTING_TOKEN: &str = "reporting-bearer-93aa";

const POLICY: &str = r#"
version = "proxy-1"
admin_roles = ["security"]

[[rule]]
roles = ["payments"]
classes = ["card_number", "passport"]
treatment = "detokenize"
purposes = ["payment", "shipping"]

[[rule]]
roles = ["analyst"]
classes = ["card_number"]
treatment = "mask"
"#;

#[derive(Classified)]
#[pii(subject = customer)]
struct Payment {
    customer: u64,
    #[pii(class = card_number, storage = tokenize)]
    card: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = customer)]
struct Refund {
    customer: u64,
    #[pii(class = card_number, storage = tokenize)]
    card: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = customer)]
struct Traveller {
    customer: u64,
    #[pii(class = passport, storage = tokenize)]
    passport: Pii<String>,
}

fn fresh(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piiguard-proxy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The proxy's configuration: the mock as `processor` (and, undeclared as loopback, as
/// `elsewhere`), two callers, three routes.
fn config(dir: &Path, mock: &Mock) -> PathBuf {
    config_with(dir, mock, "")
}

/// [`config`], with more `[proxy]` keys (`limits`, one per line).
fn config_with(dir: &Path, mock: &Mock, limits: &str) -> PathBuf {
    std::fs::write(dir.join("processor-ca.pem"), &mock.ca_pem).unwrap();
    let text = format!(
        r#"
[proxy]
listen = "127.0.0.1:0"
max_body_bytes = 65536
timeout_seconds = 10
refusal_window_seconds = 1
{limits}

[[caller]]
name = "checkout-service"
token_sha256 = "{checkout}"
roles = ["payments"]

[[caller]]
name = "reporting"
token_sha256 = "{reporting}"
roles = ["analyst"]

[upstream.processor]
host = "localhost"
port = {port}
ca = "processor-ca.pem"
allow_loopback = true
keep_alive_seconds = {keep_alive}

[upstream.elsewhere]
host = "localhost"
port = {port}
ca = "processor-ca.pem"

[[route]]
name = "charge"
upstream = "processor"
method = "POST"
path = "/v1/charges"
purpose = "payment"
justification = "card payment requested by the customer"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  json = "/card/number"
  subject_json = "/customer"
  record = "Payment"
  field = "card"
  class = "card_number"

  [[route.rule]]
  on = "response"
  operation = "tokenize"
  json = "/card/number"
  subject_json = "/customer"
  record = "Payment"
  field = "card"
  class = "card_number"

[[route]]
name = "shipment"
upstream = "processor"
method = "POST"
path = "/v1/shipments"
purpose = "shipping"
justification = "customs declaration"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  form = "passport"
  subject_header = "x-customer"
  record = "Traveller"
  field = "passport"
  class = "passport"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  header = "x-card"
  subject_header = "x-customer"
  record = "Payment"
  field = "card"
  class = "card_number"
  optional = true

[[route]]
name = "verify"
upstream = "processor"
method = "POST"
path = "/v1/verify"
purpose = "payment"
justification = "card check"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  json = "/card"
  format = "card"
  record = "Payment"
  field = "card"
  class = "card_number"

  [[route.rule]]
  on = "response"
  operation = "tokenize"
  json = "/card"
  format = "card"
  record = "Payment"
  field = "card"
  class = "card_number"

[[route]]
name = "leak"
upstream = "elsewhere"
method = "POST"
path = "/v1/leak"
purpose = "payment"
justification = "refund"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  json = "/card"
  any_subject = true
  record = "Payment"
  field = "card"
  class = "card_number"

# Files: no response rule, so what comes back is scanned (default-deny).
[[route]]
name = "files"
upstream = "processor"
method = "GET"
path = "/v1/files/*"
purpose = "payment"
justification = "receipts"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  header = "x-card"
  any_subject = true
  optional = true
  record = "Payment"
  field = "card"
  class = "card_number"
"#,
        checkout = sha256_hex(CHECKOUT_TOKEN),
        reporting = sha256_hex(REPORTING_TOKEN),
        port = mock.port,
        // `PIIGUARD_PROXY_KEEP_ALIVE=N`: idle upstream connections kept N seconds (default 1).
        keep_alive = std::env::var("PIIGUARD_PROXY_KEEP_ALIVE").unwrap_or_else(|_| "1".into()),
    );
    let path = dir.join("proxy.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `piiguard proxy`, killed when dropped.
struct Running {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_proxy(config: &Path, dir: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_piiguard"))
        .args(["proxy", "--config"])
        .arg(config)
        .arg("--dir")
        .arg(dir)
        .env_remove("PIIGUARD_KEK_PASSPHRASE")
        .env_remove("PIIGUARD_ENV")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = BufReader::new(child.stderr.take().unwrap());
    let all = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            all.lock().unwrap().push_str(&line);
            all.lock().unwrap().push('\n');
            if let Some(url) = line.strip_prefix("piiguard proxy: listening on ") {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the proxy did not start: {}", stderr.lock().unwrap()));
    Running { child, url, stderr }
}

/// A guard on the directory with a clock of its own (the application's side).
fn guard_at(dir: &Path, clock: Arc<ManualClock>) -> Guard {
    let keyring = Keyring::open_local(dir).unwrap();
    let store = SqliteStore::open(dir.join("store.db")).unwrap();
    Guard::builder(keyring.clone())
        .policy(Policy::from_toml(POLICY).unwrap())
        .audit(Arc::new(store.audit(&keyring).unwrap()))
        .tokens(Arc::new(store))
        .clock(clock)
        .build()
        .unwrap()
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// The token the storage view wrote for `record`'s field `field`.
fn stored_token<T: Classified>(guard: &Guard, record: &T, field: &str) -> String {
    let row: serde_json::Value =
        serde_json::from_str(&guard.storage().to_json(record).unwrap()).unwrap();
    let token = row[field].as_str().unwrap().to_owned();
    assert!(token.starts_with("tok_"), "{row}");
    token
}

struct Reply {
    status: u16,
    body: String,
}

fn post(
    url: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.post(url).header("content-type", content_type);
    if let Some(bearer) = bearer {
        request = request.header("authorization", &format!("Bearer {bearer}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.send(body).unwrap();
    Reply {
        status: response.status().as_u16(),
        body: response.body_mut().read_to_string().unwrap(),
    }
}

fn charge_body(token: &str) -> String {
    serde_json::json!({ "customer": 7, "amount": 1200, "card": { "number": token } }).to_string()
}

/// The audit trail, through `audit tail --json`.
fn events(dir: &Path) -> Vec<serde_json::Value> {
    let out = piiguard(
        &[
            "audit",
            "tail",
            "-n",
            "1000000",
            "--json",
            "--dir",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_processor_gets_values_the_application_gets_tokens_and_every_refusal_is_audited() {
    let dir = fresh("e2e");
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    drop(Guard::open_local(&dir).unwrap());
    let clock = Arc::new(ManualClock::new(now()));
    let app = guard_at(&dir, Arc::clone(&clock));
    let payment = Payment {
        customer: 7,
        card: Pii::new(CARD.into()),
    };
    let card_token = stored_token(&app, &payment, "card");
    let traveller = Traveller {
        customer: 7,
        passport: Pii::new(PASSPORT.into()),
    };
    let passport_token = stored_token(&app, &traveller, "passport");
    // A token of another record type's field, and one that expired yesterday.
    let foreign = stored_token(
        &app,
        &Refund {
            customer: 7,
            card: Pii::new(OTHER_CARD.into()),
        },
        "card",
    );
    let past = Arc::new(ManualClock::new(now() - time::Duration::days(3)));
    let expiring = TokenTarget::named(
        "Payment",
        "card",
        PiiField::of(Class::CardNumber)
            .with_storage(Treatment::Tokenize)
            .with_token_ttl_days(1),
    );
    let expired = guard_at(&dir, past)
        .storage()
        .tokenize(&expiring, Some(&7), OTHER_CARD)
        .unwrap();
    let mut altered = card_token.clone().into_bytes();
    altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();

    let mock = mock::start();
    let proxy = start_proxy(&config(&dir, &mock), &dir);
    let charges = format!("{}/v1/charges", proxy.url);

    // 1. The charge: the processor receives the card number, the application a new token.
    let reply = post(
        &charges,
        Some(CHECKOUT_TOKEN),
        "application/json",
        &charge_body(&card_token),
        &[],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let received = mock.received();
    assert_eq!(received.len(), 1);
    let sent: serde_json::Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(sent["card"]["number"], CARD);
    assert_eq!(sent["amount"], 1200);
    assert!(
        received[0]
            .headers
            .iter()
            .all(|(k, v)| k != "authorization" && !v.contains(CHECKOUT_TOKEN)),
        "the caller's bearer token never reaches the upstream"
    );
    assert!(!reply.body.contains(CARD), "{}", reply.body);
    let answer: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let returned = answer["card"]["number"].as_str().unwrap();
    assert!(returned.starts_with("tok_"), "{returned}");
    assert_eq!(answer["status"], "succeeded");
    // The token the application got back is one it can store and read: it is Payment.card's.
    let meta = app
        .storage()
        .token_metadata::<Payment>("card", Some(&7), returned)
        .unwrap();
    assert_eq!(
        (meta.class.as_str(), meta.field.as_str()),
        ("card_number", "card")
    );

    // 1b. FF1 card tokens (last four kept, failing Luhn) both ways: deterministic, so the
    //     token that comes back is the one sent.
    let ff1 = app
        .storage()
        .tokenize_preserving(
            &TokenTarget::of::<Payment>("card").unwrap(),
            TokenFormat::Card {
                keep_first_six: false,
            },
            CARD,
        )
        .unwrap();
    let reply = post(
        &format!("{}/v1/verify", proxy.url),
        Some(CHECKOUT_TOKEN),
        "application/json",
        &serde_json::json!({ "card": ff1 }).to_string(),
        &[],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let verified = mock.received().pop().unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&verified.body).unwrap()["card"],
        CARD
    );
    let answer: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(answer["card"], ff1.as_str());
    assert!(ff1.ends_with("1111") && ff1 != CARD);

    // 2. A form field and a header on another route.
    let form = format!("passport={passport_token}&carrier=post");
    let reply = post(
        &format!("{}/v1/shipments", proxy.url),
        Some(CHECKOUT_TOKEN),
        "application/x-www-form-urlencoded",
        &form,
        &[("x-card", &card_token), ("x-customer", "7")],
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let shipment = mock.received().pop().unwrap();
    assert_eq!(shipment.body, format!("passport={PASSPORT}&carrier=post"));
    assert!(
        shipment
            .headers
            .contains(&("x-card".to_owned(), CARD.to_owned()))
    );

    // 3. Refusals: none reaches the processor.
    let before = mock.received().len();
    let refused = [
        (
            "no bearer",
            post(
                &charges,
                None,
                "application/json",
                &charge_body(&card_token),
                &[],
            ),
            401,
            "bearer token",
        ),
        (
            "unknown bearer",
            post(
                &charges,
                Some("guess"),
                "application/json",
                &charge_body(&card_token),
                &[],
            ),
            401,
            "bearer token",
        ),
        (
            "undeclared route",
            post(
                &format!("{}/v1/payouts", proxy.url),
                Some(CHECKOUT_TOKEN),
                "application/json",
                "{}",
                &[],
            ),
            404,
            "no route declares POST /v1/payouts",
        ),
        (
            "policy denial",
            post(
                &charges,
                Some(REPORTING_TOKEN),
                "application/json",
                &charge_body(&card_token),
                &[],
            ),
            403,
            "denied",
        ),
        (
            "altered token",
            post(
                &charges,
                Some(CHECKOUT_TOKEN),
                "application/json",
                &charge_body(&altered),
                &[],
            ),
            422,
            "token refused",
        ),
        (
            "foreign token",
            post(
                &charges,
                Some(CHECKOUT_TOKEN),
                "application/json",
                &charge_body(&foreign),
                &[],
            ),
            422,
            "token refused",
        ),
        (
            "expired token",
            post(
                &charges,
                Some(CHECKOUT_TOKEN),
                "application/json",
                &charge_body(&expired),
                &[],
            ),
            422,
            "expired",
        ),
        (
            "a value, not a token",
            post(
                &charges,
                Some(CHECKOUT_TOKEN),
                "application/json",
                &charge_body(CARD),
                &[],
            ),
            422,
            "token refused",
        ),
        (
            "missing value",
            post(
                &charges,
                Some(CHECKOUT_TOKEN),
                "application/json",
                r#"{"customer":7}"#,
                &[],
            ),
            400,
            "has no JSON /card/number",
        ),
        (
            "not JSON",
            post(
                &charges,
                Some(CHECKOUT_TOKEN),
                "text/plain",
                &charge_body(&card_token),
                &[],
            ),
            415,
            "cannot be read",
        ),
        (
            "upstream resolving to loopback",
            post(
                &format!("{}/v1/leak", proxy.url),
                Some(CHECKOUT_TOKEN),
                "application/json",
                &serde_json::json!({"card": card_token}).to_string(),
                &[],
            ),
            502,
            "no public address",
        ),
    ];
    for (case, reply, status, says) in &refused {
        assert_eq!(reply.status, *status, "{case}: {}", reply.body);
        assert!(reply.body.contains(says), "{case}: {}", reply.body);
        assert!(
            !reply.body.contains(CARD) && !reply.body.contains(OTHER_CARD),
            "{case}: {}",
            reply.body
        );
    }
    assert_eq!(
        mock.received().len(),
        before,
        "no refused request reached the processor"
    );

    // 4. Shredding: once the customer is forgotten, their token opens nothing.
    let admin = Principal::new("dpo")
        .role("security")
        .in_environment(app.keyring().environment());
    app.admin(&admin).forget_subject(&7).unwrap();
    let reply = post(
        &charges,
        Some(CHECKOUT_TOKEN),
        "application/json",
        &charge_body(&card_token),
        &[],
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(mock.received().len(), before);

    // 5. The audit trail: each detokenization names route, caller, purpose and field; each
    //    refusal is there; no value anywhere. (The refusals before authentication are
    //    summarized at the end of their one-second window.)
    std::thread::sleep(Duration::from_millis(2500));
    let trail = events(&dir);
    let line = serde_json::to_string(&trail).unwrap();
    for value in [CARD, OTHER_CARD, PASSPORT, CHECKOUT_TOKEN] {
        assert!(!line.contains(value), "the trail holds no value");
    }
    let of = |action: &str| -> Vec<(String, String, String)> {
        trail
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| {
                (
                    e["outcome"].as_str().unwrap().to_owned(),
                    e["reason"].as_str().unwrap().to_owned(),
                    e["principal"]["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let first = trail.iter().find(|e| e["action"] == "detokenize").unwrap();
    assert_eq!(first["principal"]["id"], "checkout-service");
    assert_eq!(first["purpose"], "payment");
    assert_eq!(first["object"]["field"], "card");
    assert_eq!(first["object"]["subject"], "7");
    assert_eq!(first["detail"], "via route charge (POST /v1/charges)");
    let detokenized = of("detokenize");
    let allowed = detokenized.iter().filter(|d| d.0 == "allowed").count();
    // The fifth is the route to an upstream the resolver then refused to reach: the
    // decision was made and audited before the connection failed.
    assert_eq!(
        allowed, 5,
        "card, FF1 card, passport, the card header, the refused upstream: {detokenized:?}"
    );
    let refused: Vec<&str> = detokenized
        .iter()
        .filter(|d| d.0 != "allowed")
        .map(|d| d.1.as_str())
        .collect();
    assert_eq!(
        refused,
        [
            "reveal_not_permitted",
            "token_refused",
            "token_refused",
            "token_refused",
            "token_refused",
            "token_refused"
        ],
        "denial, altered, foreign, expired, not a token, forgotten"
    );
    // Refused before authentication: counted, and summarized once per window (1 s here);
    // after it, each refusal is one event naming the route template or the path's shape.
    let refusals: Vec<(String, String, String)> = trail
        .iter()
        .filter(|e| e["action"] == "request_refused")
        .map(|e| {
            (
                e["reason"].as_str().unwrap().to_owned(),
                e["principal"]["id"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let unauthenticated: u64 = refusals
        .iter()
        .filter(|r| r.0 == "unauthenticated" && r.1 == "anonymous")
        .map(|r| r.2.split(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(unauthenticated, 2, "{refusals:?}");
    let by_caller: Vec<(&str, &str)> = refusals
        .iter()
        .filter(|r| r.1 == "checkout-service")
        .map(|r| (r.0.as_str(), r.2.as_str()))
        .collect();
    assert_eq!(
        by_caller,
        [
            ("no_route", "no route: POST with 2 path segments"),
            (
                "bad_request",
                "route charge (POST /v1/charges): the request has no JSON /card/number"
            ),
            (
                "bad_request",
                "route charge (POST /v1/charges): the request: a body of type text/plain cannot be read for JSON /card/number"
            ),
        ]
    );
    // The store and the proxy's own output hold no value either.
    let store = std::fs::read(dir.join("store.db")).unwrap();
    for value in [CARD, OTHER_CARD, PASSPORT] {
        assert!(
            !store.windows(value.len()).any(|w| w == value.as_bytes()),
            "the store holds no value"
        );
        assert!(
            !proxy.stderr.lock().unwrap().contains(value),
            "the proxy's output holds no value"
        );
    }
}

#[test]
fn a_configuration_with_mistakes_is_refused_with_every_line() {
    let dir = fresh("config");
    let path = dir.join("proxy.toml");
    std::fs::write(
        &path,
        r#"[proxy]
listen = "127.0.0.1:8080"

[[caller]]
name = "checkout"
token_sha256 = "not-a-digest"
roles = ["payments"]

[upstream.processor]
host = "203.0.113.10"

[upstream.internal]
host = "bad_name.example.com"

[[route]]
name = "charge"
upstream = "processr"
method = "POST"
path = "v1/charges"
purpose = "payment"

  [[route.rule]]
  on = "response"
  operation = "detokenize"
  json = "/card/number"
  record = "Payment"
  field = "card"
  class = "card_number"
"#,
    )
    .unwrap();
    let out = piiguard(
        &["proxy", "--config", path.to_str().unwrap(), "--check"],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for (line, says) in [
        (6, "64 hex digits"),
        (10, "203.0.113.10 is an IP address"),
        (13, "is not a DNS name"),
        (17, "no upstream named \"processr\""),
        (19, "must start with '/'"),
        (22, "the application never receives cleartext"),
    ] {
        assert!(
            stderr.contains(&format!("line {line}: ")) && stderr.contains(says),
            "line {line} ({says}): {stderr}"
        );
    }
}

/// A new store under the test policy holding customer 7's card as a vault token: the
/// directory and the token.
fn with_a_card_token(name: &str) -> (PathBuf, String) {
    with_this_card_token(name, CARD)
}

fn with_this_card_token(name: &str, card: &str) -> (PathBuf, String) {
    let dir = fresh(name);
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    drop(Guard::open_local(&dir).unwrap());
    let app = guard_at(&dir, Arc::new(ManualClock::new(now())));
    let payment = Payment {
        customer: 7,
        card: Pii::new(card.into()),
    };
    let token = stored_token(&app, &payment, "card");
    (dir, token)
}

/// `clients` tasks sending `each` charges to `url` with `client`, each checked; the time taken.
fn load(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: &str,
    clients: usize,
    each: usize,
) -> Duration {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (client, url, body) = (client.clone(), url.to_owned(), body.to_owned());
                let bearer = bearer.map(|b| format!("Bearer {b}"));
                tokio::spawn(async move {
                    for _ in 0..each {
                        let mut request = client
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(body.clone());
                        if let Some(bearer) = &bearer {
                            request = request.header("authorization", bearer);
                        }
                        let response = request.send().await.unwrap();
                        assert_eq!(response.status(), 200);
                        let answer: serde_json::Value = response.json().await.unwrap();
                        let number = answer["card"]["number"].as_str().unwrap();
                        // Through the proxy a token comes back, straight from the processor
                        // the number: never a mix.
                        assert!(number == CARD || number.starts_with("tok_"), "{number}");
                        assert_eq!(number.starts_with("tok_"), bearer.is_some(), "{number}");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed()
    })
}

/// The issue's bounded load: 8 clients × 1,000 charges through the proxy (TLS to the mock
/// processor), and the same charges sent straight to the processor, in one run
/// (`PIIGUARD_PROXY_LOAD=N` for N per client; `PIIGUARD_PROXY_CLIENTS=N` for N clients;
/// `PIIGUARD_PROXY_KEEP_ALIVE=N` for the proxy's idle upstream connections' lifetime, 0 to
/// close each after its request).
#[test]
fn a_bounded_load_through_the_proxy_has_no_error_and_no_half_replaced_body() {
    let each: usize = std::env::var("PIIGUARD_PROXY_LOAD")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let clients: usize = std::env::var("PIIGUARD_PROXY_CLIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    let (dir, token) = with_a_card_token("load");
    let mock = mock::start();
    let proxy = start_proxy(&config(&dir, &mock), &dir);
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    let tls = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(mock.ca_pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let through = load(
        &plain,
        &format!("{}/v1/charges", proxy.url),
        Some(CHECKOUT_TOKEN),
        &charge_body(&token),
        clients,
        each,
    );
    let direct = load(
        &tls,
        &format!("https://localhost:{}/v1/charges", mock.port),
        None,
        &charge_body(CARD),
        clients,
        each,
    );
    let n = (clients * each) as f64;
    let received = mock.received();
    assert_eq!(received.len(), 2 * clients * each);
    for request in &received {
        let sent: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(
            sent["card"]["number"], CARD,
            "every request reached the processor whole"
        );
    }
    println!(
        "proxy load: {clients} clients x {each}: through the proxy {:.0} requests/s ({:.2} ms each), straight to the processor {:.0} requests/s",
        n / through.as_secs_f64(),
        through.as_secs_f64() * 1000.0 * clients as f64 / n,
        n / direct.as_secs_f64(),
    );
    let detokenized = events(&dir)
        .iter()
        .filter(|e| e["action"] == "detokenize" && e["outcome"] == "allowed")
        .count();
    assert_eq!(
        detokenized,
        clients * each,
        "one audit event per detokenization"
    );
}

/// The listener over mutual TLS, the upstream's CA enforced, and the size and time limits:
/// each refusal clear, none reaching the processor with a value.
#[test]
fn mutual_tls_a_foreign_upstream_certificate_and_the_limits_are_enforced() {
    let (dir, token) = with_a_card_token("tls");
    let mock = mock::start();
    std::fs::write(dir.join("processor-ca.pem"), &mock.ca_pem).unwrap();
    // The proxy's own certificate, and the CA of its callers' certificates.
    let server_ca = mock::authority();
    let (cert, key) = mock::issue(&server_ca, "localhost");
    std::fs::write(dir.join("proxy.pem"), cert).unwrap();
    std::fs::write(dir.join("proxy-key.pem"), key).unwrap();
    let client_ca = mock::authority();
    std::fs::write(dir.join("clients-ca.pem"), client_ca.pem()).unwrap();
    let rule = r#"
  [[route.rule]]
  on = "request"
  operation = "detokenize"
  json = "/card/number"
  subject_json = "/customer"
  record = "Payment"
  field = "card"
  class = "card_number"
"#;
    let config = format!(
        r#"
[proxy]
listen = "127.0.0.1:0"
max_body_bytes = 1024
timeout_seconds = 1
refusal_window_seconds = 1
tls_cert = "proxy.pem"
tls_key = "proxy-key.pem"
client_ca = "clients-ca.pem"

[[caller]]
name = "checkout-service"
token_sha256 = "{checkout}"
roles = ["payments"]

[upstream.processor]
host = "localhost"
port = {port}
ca = "processor-ca.pem"
allow_loopback = true

# The same processor, trusted only through the system's roots: its certificate is not.
[upstream.untrusted]
host = "localhost"
port = {port}
allow_loopback = true

[[route]]
name = "charge"
upstream = "processor"
method = "POST"
path = "/v1/charges"
purpose = "payment"
justification = "card payment"
{rule}
  [[route.rule]]
  on = "response"
  operation = "tokenize"
  json = "/card/number"
  subject_json = "/customer"
  record = "Payment"
  field = "card"
  class = "card_number"

[[route]]
name = "slow"
upstream = "processor"
method = "POST"
path = "/v1/slow"
purpose = "payment"
justification = "card payment"
{rule}
[[route]]
name = "untrusted"
upstream = "untrusted"
method = "POST"
path = "/v1/untrusted"
purpose = "payment"
justification = "card payment"
{rule}"#,
        checkout = sha256_hex(CHECKOUT_TOKEN),
        port = mock.port,
    );
    let path = dir.join("proxy.toml");
    std::fs::write(&path, config).unwrap();
    let proxy = start_proxy(&path, &dir);
    assert!(proxy.url.starts_with("https://"), "{}", proxy.url);
    let port = proxy.url.rsplit(':').next().unwrap();
    let base = format!("https://localhost:{port}");
    let trust = reqwest::Certificate::from_pem(server_ca.pem().as_bytes()).unwrap();
    let (client_cert, client_key) = mock::issue(&client_ca, "checkout-service");
    let identity =
        reqwest::Identity::from_pem(format!("{client_cert}{client_key}").as_bytes()).unwrap();
    let with_cert = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([trust.clone()])
        .identity(identity)
        .build()
        .unwrap();
    let without_cert = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([trust])
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let send = |client: &reqwest::Client, path: &str, body: String| {
        runtime.block_on(async {
            let response = client
                .post(format!("{base}{path}"))
                .header("authorization", format!("Bearer {CHECKOUT_TOKEN}"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = response.status().as_u16();
            Ok::<_, reqwest::Error>((status, response.text().await?))
        })
    };
    // Without a client certificate the handshake fails: no HTTP exchange at all.
    assert!(send(&without_cert, "/v1/charges", charge_body(&token)).is_err());
    assert!(mock.received().is_empty());
    // With one, the charge goes through.
    let (status, body) = send(&with_cert, "/v1/charges", charge_body(&token)).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(mock.received().len(), 1);
    // An upstream whose certificate is not from a trusted CA: refused at the handshake.
    let (status, body) = send(&with_cert, "/v1/untrusted", charge_body(&token)).unwrap();
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("could not be reached") && body.to_lowercase().contains("certificate"),
        "{body}"
    );
    // Over max_body_bytes: 413, nothing detokenized or sent.
    let large =
        serde_json::json!({ "card": { "number": token }, "note": "x".repeat(2048) }).to_string();
    let (status, body) = send(&with_cert, "/v1/charges", large).unwrap();
    assert_eq!(status, 413, "{body}");
    // An upstream slower than timeout_seconds: 504.
    let (status, body) = send(&with_cert, "/v1/slow", charge_body(&token)).unwrap();
    assert_eq!(status, 504, "{body}");
    assert!(!body.contains(CARD));
    assert_eq!(
        mock.received()
            .iter()
            .filter(|r| r.path == "/v1/charges")
            .count(),
        1
    );
    // The handshake refused for want of a client certificate is on the record, counted in
    // the window's summary of unauthenticated attempts.
    std::thread::sleep(Duration::from_millis(2500));
    let unauthenticated: u64 = events(&dir)
        .iter()
        .filter(|e| e["action"] == "request_refused" && e["reason"] == "unauthenticated")
        .map(|e| {
            let detail = e["detail"].as_str().unwrap();
            detail.split(' ').next().unwrap().parse::<u64>().unwrap()
        })
        .sum();
    assert!(unauthenticated >= 1, "the refused handshake is counted");
}

/// What the proxy held stays in no buffer it freed or kept: once its requests that carried a
/// card number out and back are over (and its idle upstream connection closed), its whole
/// readable memory, as a core dump would see it, holds no 8-byte fragment of the number.
#[test]
fn the_proxy_keeps_no_value_in_memory_after_its_requests() {
    const DEBIT: &str = "4000056655665556";
    let (dir, token) = with_this_card_token("memory", DEBIT);
    let mock = mock::start();
    let mut proxy = start_proxy(&config(&dir, &mock), &dir);
    for _ in 0..50 {
        let reply = post(
            &format!("{}/v1/charges", proxy.url),
            Some(CHECKOUT_TOKEN),
            "application/json",
            &charge_body(&token),
            &[],
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let sent: serde_json::Value =
        serde_json::from_str(&mock.received().pop().unwrap().body).unwrap();
    assert_eq!(sent["card"]["number"], DEBIT, "the value went out");
    // Idle upstream connections close after a second (`keep_alive_seconds`); the reaper
    // runs about as often.
    std::thread::sleep(Duration::from_secs(3));
    let mut needles = memscan::Needles::default();
    needles.add(DEBIT.as_bytes(), "the card number");
    let scan = memscan::scan(proxy.child.id(), &needles, &memscan::Needles::default());
    assert!(scan.bytes > 1 << 20, "the scan read the process");
    assert!(
        scan.sentinel_hits.is_empty(),
        "{} fragments of the card in {:?}",
        scan.sentinel_hits.len(),
        scan.sentinel_regions
    );
    let _ = proxy.child.kill();
}
