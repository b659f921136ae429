//! A customer-records service on axum, with no setup: the embedded default in
//! `./.piiguard-service` (keys, audit trail, policy), customers in SQLite one column per field,
//! a blind-indexed email lookup, each caller's view as the policy says, break-glass, erasure, and
//! an audit verification endpoint.
//!
//! ```sh
//! cargo run --example axum_service
//! ```
//!
//! Callers are named by headers a trusted proxy would set (`x-principal`, `x-roles`,
//! `x-purpose`, …: see `piiguard_axum::HeaderPrincipal`); the curl lines it prints show them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use piiguard::keys::Purpose;
use piiguard::{Classified, Envelope, Error, GrantRequest, Guard, Pii, Principal};
use piiguard_axum::{
    AsyncGuard, Caller, CallerState, HeaderPrincipal, PiiJson, PrincipalSource, ViewJson,
};
use std::sync::{Arc, Mutex};

/// A customer as stored: one column per classified field.
#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: String,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    plan: String,
}

/// A signup as posted: cleartext sealed at once by the input door.
#[derive(Classified)]
struct NewCustomer {
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    plan: String,
}

#[derive(Clone)]
struct AppState {
    guard: AsyncGuard,
    db: Arc<Mutex<rusqlite::Connection>>,
    callers: Arc<dyn PrincipalSource>,
}

/// How handlers find their `Caller`: the state's principal source.
impl CallerState for AppState {
    fn principal_source(&self) -> &dyn PrincipalSource {
        &*self.callers
    }
}

/// A guard error as a response: its status and its (value-free) message.
struct Failure(Error);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            Error::Denied { .. } => StatusCode::FORBIDDEN,
            Error::FieldNotFound => StatusCode::NOT_FOUND,
            Error::SubjectForgotten => StatusCode::GONE,
            Error::InvalidValue { .. } | Error::Placeholder { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (
            status,
            Json(serde_json::json!({ "error": self.0.to_string() })),
        )
            .into_response()
    }
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_bidx TEXT NOT NULL,
    phone TEXT NOT NULL,
    passport TEXT NOT NULL,
    plan TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_email_bidx ON customers (email_bidx);";

/// The service on the piiguard directory `dir` (customers in `dir/customers.db`).
pub(crate) fn app(dir: &std::path::Path) -> Result<Router, Box<dyn std::error::Error>> {
    let guard = Guard::open_local(dir)?;
    let db = rusqlite::Connection::open(dir.join("customers.db"))?;
    db.execute_batch("PRAGMA journal_mode = WAL;")?;
    db.execute_batch(SCHEMA)?;
    let environment = guard.keyring().environment();
    let state = AppState {
        guard: AsyncGuard::new(guard),
        db: Arc::new(Mutex::new(db)),
        callers: Arc::new(HeaderPrincipal::new(environment)),
    };
    Ok(Router::new()
        .route("/customers", post(create).get(find_by_email))
        .route("/customers/{id}", get(show).delete(forget))
        .route("/access-requests", post(request_access))
        .route("/access-requests/{id}/approve", post(approve))
        .route("/keys/rotate", post(rotate))
        .route("/audit/verify", get(verify))
        .layer(piiguard_axum::scrubbed_trace())
        .with_state(state))
}

fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS gives random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn create(
    State(state): State<AppState>,
    PiiJson(new): PiiJson<NewCustomer>,
) -> Result<(StatusCode, Json<serde_json::Value>), Failure> {
    let db = Arc::clone(&state.db);
    let id = state
        .guard
        .run(move |g| {
            let customer = Customer {
                id: new_id(),
                name: new.name,
                email: new.email,
                phone: new.phone,
                passport: new.passport,
                plan: new.plan,
            };
            let name = g.storage().column(&customer, |c| &c.name)?;
            let email = g.storage().column(&customer, |c| &c.email)?;
            let phone = g.storage().column(&customer, |c| &c.phone)?;
            let passport = g.storage().column(&customer, |c| &c.passport)?;
            db.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .execute(
                    "INSERT INTO customers (id, name, email, email_bidx, phone, passport, plan)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    rusqlite::params![
                        customer.id,
                        name.envelope(),
                        email.envelope(),
                        email.blind_index(),
                        phone.envelope(),
                        passport.envelope(),
                        customer.plan
                    ],
                )
                .map_err(|_| Error::Audit {
                    reason: "the customer could not be stored",
                })?;
            Ok(customer.id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

type Row = (String, Envelope, Envelope, Envelope, Envelope, String);

/// Loads a customer, each column checked to belong to its field and subject.
fn load(g: &Guard, db: &Mutex<rusqlite::Connection>, id: &str) -> Result<Customer, Error> {
    let row: Option<Row> = db
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .prepare_cached(
            "SELECT id, name, email, phone, passport, plan FROM customers WHERE id = ?1",
        )
        .and_then(|mut statement| {
            statement.query_row([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
        })
        .ok();
    let (id, name, email, phone, passport, plan) = row.ok_or(Error::FieldNotFound)?;
    Ok(Customer {
        name: g
            .storage()
            .read_column::<Customer, _>("name", Some(&id), name)?,
        email: g
            .storage()
            .read_column::<Customer, _>("email", Some(&id), email)?,
        phone: g
            .storage()
            .read_column::<Customer, _>("phone", Some(&id), phone)?,
        passport: g
            .storage()
            .read_column::<Customer, _>("passport", Some(&id), passport)?,
        id,
        plan,
    })
}

/// The customer as the caller may see it (revealed, masked, hashed or redacted per field).
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ViewJson, Failure> {
    let db = Arc::clone(&state.db);
    let json = state
        .guard
        .run(move |g| {
            let customer = load(g, &db, &id)?;
            Ok(g.view(&caller.principal, &customer, caller.access)?
                .into_json())
        })
        .await?;
    Ok(ViewJson(json))
}

#[derive(serde::Deserialize)]
struct ByEmail {
    email: String,
}

/// Finds customers by email through the blind index (the address itself is never stored).
async fn find_by_email(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ByEmail>,
) -> Result<ViewJson, Failure> {
    let db = Arc::clone(&state.db);
    let json = state
        .guard
        .run(move |g| {
            let email = zeroize::Zeroizing::new(query.email);
            let candidates = g
                .storage()
                .blind_index_candidates::<Customer>("email", &email)?;
            let ids: Vec<String> = {
                let db = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let mut found = Vec::new();
                for candidate in &candidates {
                    let mut stmt = db
                        .prepare_cached("SELECT id FROM customers WHERE email_bidx = ?1")
                        .map_err(|_| Error::FieldNotFound)?;
                    let rows = stmt
                        .query_map([candidate], |r| r.get::<_, String>(0))
                        .map_err(|_| Error::FieldNotFound)?;
                    found.extend(rows.flatten());
                }
                found
            };
            let mut out = zeroize::Zeroizing::new(String::from("["));
            for (n, id) in ids.iter().enumerate() {
                let customer = load(g, &db, id)?;
                if n > 0 {
                    out.push(',');
                }
                let view = g.view(&caller.principal, &customer, caller.access.clone())?;
                out.push_str(&view.into_json());
            }
            out.push(']');
            Ok(out)
        })
        .await?;
    Ok(ViewJson(json))
}

#[derive(serde::Deserialize)]
struct AccessRequest {
    subject: String,
    class: String,
    ttl_secs: u64,
}

async fn request_access(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<AccessRequest>,
) -> Result<Json<serde_json::Value>, Failure> {
    let justification = caller.access.justification().unwrap_or("").to_owned();
    let id = state
        .guard
        .run(move |g| {
            let request = GrantRequest::new(
                &justification,
                std::time::Duration::from_secs(body.ttl_secs),
            )
            .subject(&body.subject)
            .class(&body.class);
            g.request_access(&caller.principal, request)
        })
        .await?;
    Ok(Json(serde_json::json!({ "request": id.as_str() })))
}

async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, Failure> {
    let token = state
        .guard
        .run(move |g| g.admin(&caller.principal).approve(&id.parse()?))
        .await?;
    Ok(Json(serde_json::json!({ "grant": token.as_str() })))
}

async fn forget(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    state
        .guard
        .run(move |g| g.admin(&caller.principal).forget_subject(&id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, Failure> {
    let info = state
        .guard
        .run(move |g| {
            g.admin(&caller.principal)
                .rotate_key(Purpose::FieldEncryption)
        })
        .await?;
    Ok(Json(
        serde_json::json!({ "key": info.id, "version": info.version }),
    ))
}

async fn verify(State(state): State<AppState>) -> Result<Json<serde_json::Value>, Failure> {
    let report = state.guard.run(|g| g.verify_audit()).await?;
    Ok(Json(serde_json::json!({
        "events": report.events,
        "head": { "seq": report.head.seq, "mac": report.head.mac },
    })))
}

/// The principal a curl line names (for the printed examples).
fn curl_headers(principal: &Principal, roles: &str, purpose: &str) -> String {
    format!(
        "-H 'x-principal: {}' -H 'x-roles: {roles}' -H 'x-purpose: {purpose}'",
        principal.id()
    )
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Where it keeps its data and listens (for tests and for running several): the defaults
    // are `./.piiguard-service` and 127.0.0.1:8077.
    let dir = std::path::PathBuf::from(
        std::env::var("PIIGUARD_SERVICE_DIR").unwrap_or_else(|_| ".piiguard-service".to_owned()),
    );
    let addr =
        std::env::var("PIIGUARD_SERVICE_ADDR").unwrap_or_else(|_| "127.0.0.1:8077".to_owned());
    let app = app(&dir)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let support = curl_headers(&Principal::new("agent-17"), "support", "customer_support");
    let service = curl_headers(&Principal::new("mailer"), "service", "send_receipt");
    println!(
        "piiguard customer service on {base} (data in {})",
        dir.display()
    );
    println!("try:");
    println!(
        "  curl -s -X POST {base}/customers -H 'content-type: application/json' \\\n    \
         -d '{{\"name\":\"Jane Doe\",\"email\":\"jane@example.com\",\"phone\":\"+1-555-0100\",\
         \"passport\":\"X12345678\",\"plan\":\"pro\"}}'"
    );
    println!("  curl -s {base}/customers/<id> {support}     # masked");
    println!("  curl -s {base}/customers/<id> {service}     # revealed where the policy allows");
    println!("  curl -s '{base}/customers?email=jane%40example.com' {support}");
    println!("  curl -s {base}/audit/verify");
    axum::serve(listener, app).await?;
    Ok(())
}
