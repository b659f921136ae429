//! What the audited path gets out of each store, next to what the store itself can durably
//! commit, in one run: for 1, 2, 4 and 8 processes, plain durable one-row inserts (one per
//! transaction, through the same client library, each process on its own connection: the
//! store's limit on this machine) and reveals (policy decision, monitor count, audit event
//! committed, decryption), and their ratio; then audit appends per second from 1 and 8
//! threads of one process.
//!
//! ```sh
//! cargo run --release --example fleet_throughput --features postgres
//! # PostgreSQL too, on a server of your own (the database must not exist; it is made, used and
//! # dropped):
//! PIIGUARD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo run --release --example fleet_throughput --features postgres
//! ```

use piiguard::audit::{Action, Actor, AuditEvent, AuditSink, Object, Outcome};
use piiguard::keys::KekSource;
use piiguard::store::{PgStore, SqliteStore};
use piiguard::{Classified, Guard, Pii, Principal, Reason};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

const POLICY: &str = r#"
version = "bench-1"
[[rule]]
roles = ["service"]
sensitivities = ["personal"]
treatment = "reveal"
[monitor]
elevated_after = 100000000
suspicious_after = 200000000
"#;

const SECONDS: u64 = 3;

fn kek() -> KekSource {
    KekSource::passphrase("benchmark passphrase, synthetic")
}

fn open(target: &str) -> Guard {
    match target.strip_prefix("pg:") {
        Some(url) => Guard::shared(PgStore::connect(url, 2).unwrap(), kek())
            .unwrap()
            .build()
            .unwrap(),
        None => Guard::open_local(target).unwrap(),
    }
}

/// A child of the baseline: durable one-row inserts, one per transaction, for `SECONDS` once
/// `go` exists; prints how many.
fn inserter(target: &str, go: &Path) {
    let count = |run: &mut dyn FnMut()| {
        while !go.exists() {
            std::thread::sleep(Duration::from_millis(2));
        }
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_secs(SECONDS) {
            run();
            n += 1;
        }
        println!("{n}");
    };
    let row = "x".repeat(200);
    match target.strip_prefix("pg:") {
        Some(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let insert = client
                .prepare("INSERT INTO bench_baseline (line) VALUES ($1)")
                .unwrap();
            count(&mut || {
                client.execute(&insert, &[&row]).unwrap();
            });
        }
        None => {
            let conn = rusqlite::Connection::open(Path::new(target).join("baseline.db")).unwrap();
            conn.busy_timeout(Duration::from_secs(30)).unwrap();
            conn.execute_batch("PRAGMA synchronous = FULL").unwrap();
            let mut insert = conn
                .prepare("INSERT INTO bench_baseline (line) VALUES (?1)")
                .unwrap();
            count(&mut || {
                insert.execute([&row]).unwrap();
            });
        }
    }
}

/// The baseline's table, in the store's own database (PostgreSQL) or beside it (SQLite, in WAL
/// as the store is).
fn make_baseline(target: &str) {
    match target.strip_prefix("pg:") {
        Some(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            client
                .batch_execute(
                    "CREATE TABLE bench_baseline (id BIGSERIAL PRIMARY KEY, line TEXT NOT NULL)",
                )
                .unwrap();
        }
        None => {
            let conn = rusqlite::Connection::open(Path::new(target).join("baseline.db")).unwrap();
            conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, line TEXT NOT NULL);",
            )
            .unwrap();
        }
    }
}

/// A child: reveals for `SECONDS` once `go` exists, prints how many.
fn child(target: &str, id: &str, go: &Path) {
    let guard = open(target);
    let principal = Principal::new(&format!("svc-{id}")).role("service");
    let customer = Customer {
        id: 1,
        email: Pii::new("jane.q8z@example.com".into()),
    };
    drop(
        guard
            .reveal(&principal, &customer, |c| &c.email, "warmup")
            .unwrap(),
    );
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(2));
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(SECONDS) {
        drop(
            guard
                .reveal(&principal, &customer, |c| &c.email, "send_receipt")
                .unwrap(),
        );
        n += 1;
    }
    println!("{n}");
}

/// What `procs` processes at once do per second: `work` is `reveal` or `insert`.
fn per_second(work: &str, target: &str, procs: usize, scratch: &Path) -> f64 {
    let go = scratch.join(format!("go-{work}-{procs}-{}", target.len()));
    let _ = std::fs::remove_file(&go);
    let children: Vec<_> = (0..procs)
        .map(|i| {
            Command::new(std::env::current_exe().unwrap())
                .env(
                    "FLEET_BENCH_CHILD",
                    format!("{work}\n{target}\n{i}\n{}", go.display()),
                )
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::write(&go, b"").unwrap();
    let total: u64 = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    total as f64 / SECONDS as f64
}

fn event() -> AuditEvent {
    AuditEvent {
        time: "2026-11-30T00:00:00Z".into(),
        action: Action::Reveal,
        outcome: Outcome::Allowed,
        reason: Reason::RoleRule,
        subsystem: "bench".into(),
        principal: Actor::of(&Principal::new("svc").role("service")),
        object: Object::default(),
        purpose: Some("send_receipt".into()),
        justification: None,
        policy_version: "bench-1".into(),
        grant: None,
        detail: None,
    }
}

/// Audit appends per second, one process, `threads` threads (concurrent appends share commits).
fn appends_per_second(sink: &dyn AuditSink, threads: usize) -> f64 {
    let e = event();
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < Duration::from_secs(SECONDS) {
                        sink.record(&e).unwrap();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    if let Ok(spec) = std::env::var("FLEET_BENCH_CHILD") {
        let mut parts = spec.lines();
        let (work, target, id, go) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            PathBuf::from(parts.next().unwrap()),
        );
        match work {
            "insert" => inserter(target, &go),
            _ => child(target, id, &go),
        }
        return;
    }
    let scratch = std::env::temp_dir().join(format!("piiguard-fleet-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join("local")).unwrap();
    std::fs::write(scratch.join("local/policy.toml"), POLICY).unwrap();
    let local = scratch.join("local").display().to_string();
    drop(open(&local));

    let mut targets = vec![("local directory (SQLite)", local.clone())];
    let mut pg_admin = None;
    if let Ok(server) = std::env::var("PIIGUARD_TEST_POSTGRES") {
        let db = format!("piiguard_bench_{}", std::process::id());
        let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .unwrap();
        let url = format!("{}/{db}", &server[..server.rfind('/').unwrap()]);
        PgStore::migrate(&url).unwrap();
        use piiguard::policy::PolicyStore as _;
        PgStore::connect(&url, 1)
            .unwrap()
            .install_policy(POLICY, "admin", None)
            .unwrap();
        drop(open(&format!("pg:{url}")));
        targets.push(("PostgreSQL", format!("pg:{url}")));
        pg_admin = Some((admin, db, url));
    }

    println!(
        "per second, all processes together: plain durable one-row inserts (the store's limit), and \
         reveals (policy decision, monitor count and audit event committed, decryption):"
    );
    println!(
        "| store | processes | inserts/s | reveals/s | reveals / inserts | reveals / 1 process |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, target) in &targets {
        make_baseline(target);
        let mut one = None;
        for procs in [1, 2, 4, 8] {
            let inserts = per_second("insert", target, procs, &scratch);
            let reveals = per_second("reveal", target, procs, &scratch);
            let one = *one.get_or_insert(reveals);
            println!(
                "| {name} | {procs} | {inserts:.0} | {reveals:.0} | {:.2}× | {:.2}× |",
                reveals / inserts,
                reveals / one
            );
        }
    }

    println!("\naudit appends per second (one process):");
    println!("| store | 1 thread | 8 threads |");
    println!("|---|---|---|");
    let keyring = open(&local).keyring().clone();
    let sqlite = SqliteStore::open(scratch.join("appends.db"))
        .unwrap()
        .audit(&keyring)
        .unwrap();
    println!(
        "| SQLite store | {:.0} | {:.0} |",
        appends_per_second(&sqlite, 1),
        appends_per_second(&sqlite, 8)
    );
    if let Some((_, _, url)) = &pg_admin {
        let keyring = open(&format!("pg:{url}")).keyring().clone();
        let store = PgStore::connect(url, 1).unwrap();
        let audit = store.audit(&keyring).unwrap();
        println!(
            "| PostgreSQL store | {:.0} | {:.0} |",
            appends_per_second(&audit, 1),
            appends_per_second(&audit, 8)
        );
    }
    if let Some((mut admin, db, _)) = pg_admin {
        let _ = admin.batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"));
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
