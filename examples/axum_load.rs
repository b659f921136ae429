//! A bounded load test of `examples/axum_service.rs` on loopback: 8 clients × 1,000 requests of
//! `GET /customers/{id}` through the policy view, against the same handler shape returning the
//! record as plain serde JSON, in the same run. Prints requests/s of each and the ratio; any
//! failed request is an error.
//!
//! ```sh
//! cargo run --release --example axum_load
//! ```

#[allow(dead_code)]
#[path = "axum_service.rs"]
mod service;

use axum::routing::get;
use std::time::Instant;

const CLIENTS: usize = 8;
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

/// Requests per second of `CLIENTS` threads each getting `url` `REQUESTS` times.
fn load(url: &str, headers: &[(&str, &str)]) -> f64 {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
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
    (CLIENTS * REQUESTS) as f64 / start.elapsed().as_secs_f64()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
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
    let baseline = axum::Router::new().route(
        "/customers/{id}",
        get(move || {
            let plain = plain.clone();
            async move { axum::Json(plain) }
        }),
    );
    let (guarded, bare) = runtime.block_on(async {
        let a = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let b = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let urls = (
            format!("http://{}", a.local_addr().unwrap()),
            format!("http://{}", b.local_addr().unwrap()),
        );
        tokio::spawn(async move { axum::serve(a, app).await.unwrap() });
        tokio::spawn(async move { axum::serve(b, baseline).await.unwrap() });
        urls
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
    let bare_rate = load(&format!("{bare}/customers/1"), &[]);
    let guarded_rate = load(&format!("{guarded}/customers/{id}"), &caller);
    println!(
        "{CLIENTS} clients × {REQUESTS} requests of GET /customers/{{id}}, loopback, 0 errors:"
    );
    println!("| handler | requests/s | ratio |");
    println!("|---|---|---|");
    println!("| plain serde JSON of the record | {bare_rate:.0} | 1.00× |");
    println!(
        "| policy view (columns read and checked, per-field decisions, audit event synced) | {guarded_rate:.0} | {:.3}× |",
        guarded_rate / bare_rate
    );
    drop(runtime);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
