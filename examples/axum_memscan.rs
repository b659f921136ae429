//! What a web service's memory holds of the personal data it handled, once its requests are
//! over: a child process serves 40 signups and 80 reads (half of them revealing), then this
//! process reads the child's memory (`/proc/PID/mem`, the regions a core dump would hold) for
//! 8-byte fragments of every planted value. Twice: with `piiguard-axum` (`PiiJson` in,
//! `ViewJson` out) and with plain axum (`axum::Json` in, a `String` out), the same guard behind
//! both. A plain marker that passes through the same paths is the positive control: if it is not
//! found, the scan cannot tell.
//!
//! ```sh
//! cargo run --example axum_memscan      # Linux; reading a child's memory needs ptrace_scope <= 1
//! ```

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use piiguard::keys::{Environment, Keyring};
use piiguard::{Classified, Guard, Pii, Policy, Principal};
use piiguard_axum::{PiiJson, ViewJson};
use piiguard_testkit::memscan::{Needles, scan};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

pub(crate) const CUSTOMERS: usize = 40;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: String,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    plan: String,
}

#[derive(Classified)]
struct Signup {
    id: String,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    plan: String,
}

const POLICY: &str = r#"
version = "memscan-1"
[[rule]]
roles = ["service"]
sensitivities = ["personal"]
treatment = "reveal"
"#;

type Records = Arc<Mutex<HashMap<String, Customer>>>;

#[derive(Clone)]
struct App {
    guard: Guard,
    records: Records,
}

fn store(app: &App, s: Signup) {
    let customer = Customer {
        id: s.id,
        name: s.name,
        email: s.email,
        passport: s.passport,
        plan: s.plan,
    };
    app.records
        .lock()
        .unwrap()
        .insert(customer.id.clone(), customer);
}

fn view(app: &App, id: &str, role: &str) -> zeroize::Zeroizing<String> {
    let records = app.records.lock().unwrap();
    let principal = Principal::new("caller").role(role);
    app.guard
        .view(&principal, &records[id], "memscan")
        .unwrap()
        .into_json()
}

/// The child: serves one of the two routers and prints its address.
pub(crate) fn serve(mode: &str) {
    let app = App {
        guard: Guard::builder(Keyring::in_memory(Environment::Dev))
            .policy(Policy::from_toml(POLICY).unwrap())
            .audit(Arc::new(piiguard::audit::MemorySink::new()))
            .build()
            .unwrap(),
        records: Arc::default(),
    };
    let router = if mode == "piiguard" {
        Router::new()
            .route(
                "/c",
                post(|State(app): State<App>, PiiJson(s): PiiJson<Signup>| async move {
                    store(&app, s)
                }),
            )
            .route(
                "/c/{id}/{role}",
                get(
                    |State(app): State<App>, Path((id, role)): Path<(String, String)>| async move {
                        ViewJson(view(&app, &id, &role))
                    },
                ),
            )
    } else {
        Router::new()
            .route(
                "/c",
                post(
                    |State(app): State<App>, axum::Json(s): axum::Json<Signup>| async move {
                        store(&app, s)
                    },
                ),
            )
            .route(
                "/c/{id}/{role}",
                get(
                    |State(app): State<App>, Path((id, role)): Path<(String, String)>| async move {
                        view(&app, &id, &role).to_string()
                    },
                ),
            )
    }
    .with_state(app);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        axum::serve(listener, router).await.unwrap();
    });
}

/// Twelve letters made from `n` and `salt` at run time (never a literal of this program, whose
/// text would otherwise be found in its own mapped binary).
fn letters(n: usize, salt: u64) -> String {
    let mut x = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ salt.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    (0..12)
        .map(|_| {
            x ^= x >> 29;
            x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            char::from(b'a' + (x % 26) as u8)
        })
        .collect()
}

/// The planted values of customer `n`: (label, the value posted, the part looked for).
fn planted(n: usize) -> [(&'static str, String, String); 4] {
    let (first, last, local, plan) = (letters(n, 1), letters(n, 2), letters(n, 3), letters(n, 4));
    [
        ("name", format!("{first} {last}"), format!("{first} {last}")),
        ("email", format!("{local}@example.com"), local),
        ("passport", format!("QP{n:07}Z"), format!("QP{n:07}Z")),
        ("control (plan)", format!("plan {plan}"), plan),
    ]
}

/// Runs one service, plants, and scans: hits per label and the regions they were in.
pub(crate) fn measure(mode: &str) -> (HashMap<&'static str, usize>, HashMap<String, usize>) {
    // This program again as the service (the arguments start it in a test binary too).
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "memscan_service", "--ignored", "--nocapture"])
        .env("MEMSCAN_SERVE", mode)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.trim().parse::<std::net::SocketAddr>().ok())
        .expect("the service says where it listens");
    let base = format!("http://{addr}");
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let mut needles = Needles::default();
    for n in 0..CUSTOMERS {
        let [name, email, passport, plan] = planted(n);
        for (label, _, sought) in planted(n) {
            needles.add(sought.as_bytes(), label);
        }
        let body = serde_json::json!({
            "id": format!("c{n}"), "name": name.1, "email": email.1,
            "passport": passport.1, "plan": plan.1,
        })
        .to_string();
        agent
            .post(format!("{base}/c"))
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .unwrap();
        for role in ["support", "service"] {
            agent
                .get(format!("{base}/c/c{n}/{role}"))
                .call()
                .unwrap()
                .body_mut()
                .read_to_string()
                .unwrap();
        }
    }
    drop(agent);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let found = scan(child.id(), &needles, &Needles::default());
    eprintln!(
        "{mode}: scanned {} MiB in {} regions in {:.1} s",
        found.bytes >> 20,
        found.regions,
        started.elapsed().as_secs_f64()
    );
    let _ = child.kill();
    let _ = child.wait();
    let mut by_label: HashMap<&'static str, usize> = HashMap::new();
    for hit in &found.sentinel_hits {
        let label = ["name", "email", "passport", "control (plan)"]
            .into_iter()
            .find(|l| l == hit)
            .unwrap_or("?");
        *by_label.entry(label).or_default() += 1;
    }
    let mut by_region: HashMap<String, usize> = HashMap::new();
    for region in &found.sentinel_regions {
        let name = region.split(" of ").next().unwrap_or("?").to_owned();
        *by_region.entry(name).or_default() += 1;
    }
    (by_label, by_region)
}

pub(crate) fn main() {
    if let Ok(mode) = std::env::var("MEMSCAN_SERVE") {
        serve(&mode);
        return;
    }
    println!(
        "{CUSTOMERS} signups, {} reads (half revealing name and email; the passport never), then a scan",
        CUSTOMERS * 2
    );
    println!("| service | name | email | passport | control (plan) | regions |");
    println!("|---|---|---|---|---|---|");
    for mode in ["plain", "piiguard"] {
        let (labels, regions) = measure(mode);
        let mut regions: Vec<String> = regions
            .into_iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect();
        regions.sort();
        let count = |l: &str| labels.get(l).copied().unwrap_or(0);
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            if mode == "plain" {
                "plain axum (Json in, String out)"
            } else {
                "piiguard-axum (PiiJson in, ViewJson out)"
            },
            count("name"),
            count("email"),
            count("passport"),
            count("control (plan)"),
            regions.join(", ")
        );
    }
    println!("(fragment hits: 8-byte windows of the planted values, in memory a core dump holds)");
}
