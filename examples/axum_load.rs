//! A bounded load test of `examples/axum_service.rs` on loopback: clients × 1,000 requests of
//! `GET /customers/{id}` through the policy view, against the same handler shape returning the
//! record as plain serde JSON, in the same run. Prints requests/s of each and the ratio; any
//! failed request is an error.
//!
//! Two baselines: the record held in memory (the target's baseline), and the same record read
//! from a SQLite table of cleartext columns on the blocking pool, as a service without piiguard
//! would read it.
//!
//! ```sh
//! cargo run --release --example axum_load          # 8 clients
//! cargo run --release --example axum_load -- 64    # 64 clients
//! ```

#[allow(dead_code)]
#[path = "axum_service.rs"]
mod service;

use axum::routing::get;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const REQUESTS: usize = 1_000;

#[derive(serde::Serialize, Clone)]
struct PlainCustomer {
    id: String,
    name: String,
    email: String,
    phone: String,
    passport: String,
    plan: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().build().into()
}

/// Requests per second of `clients` threads each getting `url` `REQUESTS` times.
fn load(clients: usize, url: &str, headers: &[(&str, &str)]) -> f64 {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let agent = agent();
                for _ in 0..REQUESTS {
                    let mut request = agent.get(url);
                    for (k, v) in headers {
                        request = request.header(*k, *v);
                    }
                    let mut response = request.call().expect("no request fails");
                    assert_eq!(response.status(), 200);
                    let body = response.body_mut().read_to_string().unwrap();
                    assert!(body.contains("\"plan\""));
                }
            });
        }
    });
    (clients * REQUESTS) as f64 / start.elapsed().as_secs_f64()
}

/// The plain service reading its customers from SQLite, in cleartext.
fn plain_from_sqlite(
    dir: &std::path::Path,
    customer: &PlainCustomer,
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    let db = rusqlite::Connection::open(dir.join("plain.db"))?;
    db.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT, email TEXT, phone TEXT,
                                 passport TEXT, plan TEXT);",
    )?;
    db.execute(
        "INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            customer.id,
            customer.name,
            customer.email,
            customer.phone,
            customer.passport,
            customer.plan
        ],
    )?;
    let db = Arc::new(Mutex::new(db));
    Ok(axum::Router::new().route(
        "/customers/{id}",
        get(
            move |axum::extract::Path(id): axum::extract::Path<String>| {
                let db = Arc::clone(&db);
                async move {
                    let customer = tokio::task::spawn_blocking(move || {
                        db.lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .prepare_cached("SELECT * FROM customers WHERE id = ?1")?
                            .query_row([id], |r| {
                                Ok(PlainCustomer {
                                    id: r.get(0)?,
                                    name: r.get(1)?,
                                    email: r.get(2)?,
                                    phone: r.get(3)?,
                                    passport: r.get(4)?,
                                    plan: r.get(5)?,
                                })
                            })
                    })
                    .await
                    .expect("the read ran")
                    .expect("the customer is there");
                    axum::Json(customer)
                }
            },
        ),
    ))
}

/// Serves `app` on a loopback port of its own; its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clients: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 8,
    };
    let dir = std::env::temp_dir().join(format!("piiguard-axum-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let app = service::app(&dir)?;
    let plain = PlainCustomer {
        id: "1".into(),
        name: "Jane Doe".into(),
        email: "jane@example.com".into(),
        phone: "+1-555-0100".into(),
        passport: "X12345678".into(),
        plan: "pro".into(),
    };
    let from_sqlite = plain_from_sqlite(&dir, &plain)?;
    let in_memory = axum::Router::new().route(
        "/customers/{id}",
        get(move || {
            let plain = plain.clone();
            async move { axum::Json(plain) }
        }),
    );
    let (guarded, bare, read) = runtime.block_on(async {
        (
            serve(app).await,
            serve(in_memory).await,
            serve(from_sqlite).await,
        )
    });
    let mut created = agent()
        .post(format!("{guarded}/customers"))
        .header("content-type", "application/json")
        .send(
            r#"{"name":"Jane Doe","email":"jane@example.com","phone":"+1-555-0100","passport":"X12345678","plan":"pro"}"#,
        )?;
    let id: serde_json::Value = serde_json::from_str(&created.body_mut().read_to_string()?)?;
    let id = id["id"].as_str().unwrap_or_default().to_owned();
    let caller = [
        ("x-principal", "agent-17"),
        ("x-roles", "support"),
        ("x-purpose", "customer_support"),
    ];
    let bare_rate = load(clients, &format!("{bare}/customers/1"), &[]);
    let read_rate = load(clients, &format!("{read}/customers/1"), &[]);
    let guarded_rate = load(clients, &format!("{guarded}/customers/{id}"), &caller);
    println!(
        "{clients} clients × {REQUESTS} requests of GET /customers/{{id}}, loopback, 0 errors:"
    );
    println!("| handler | requests/s | ratio |");
    println!("|---|---|---|");
    println!("| plain serde JSON of the record held in memory | {bare_rate:.0} | 1.00× |");
    println!(
        "| plain serde JSON of the record read from SQLite (cleartext columns) | {read_rate:.0} | {:.3}× |",
        read_rate / bare_rate
    );
    println!(
        "| policy view (columns read and checked, per-field decisions, audit event synced) | {guarded_rate:.0} | {:.3}× ({:.3}× of the SQLite read) |",
        guarded_rate / bare_rate,
        guarded_rate / read_rate
    );
    drop(runtime);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
