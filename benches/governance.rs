//! Governance hot paths, each next to its bare baseline in the same criterion run:
//! - a policy decision against a bare `HashMap<(role, class), treatment>` lookup (the smallest
//!   possible role matrix);
//! - a reveal end to end (decision, access monitor, an audit event to an in-memory sink, and
//!   the decrypt of a stored value) against the keys' reveal alone and a bare `aes-gcm-siv`
//!   decrypt of the same size;
//! - an audit append: to the JSON-lines file (synced, and buffered), to SQLite, against bare
//!   `serde_json::to_string` of the event and a bare synced append of a line of the same size.

use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::{AeadInOut, KeyInit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use piiguard::audit::{
    Action, Actor, AuditEvent, AuditSink, Durability, JsonlSink, Object, Outcome,
};
use piiguard::keys::{Environment, Keyring};
use piiguard::policy::Target;
use piiguard::{
    Access, Classified, Error, Guard, Pii, Policy, Principal, Reason, class::Sensitivity,
    policy::Disclosure,
};
use std::collections::HashMap;
use std::hint::black_box;
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
}

/// An in-memory sink that builds each event's copy, as `MemorySink` does, and drops it
/// (criterion runs millions of iterations; keeping them all would measure the allocator).
#[derive(Default)]
struct CountingSink(AtomicU64);

impl AuditSink for CountingSink {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        black_box(event.clone());
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn policy_decision(c: &mut Criterion) {
    let policy = Policy::starter();
    let agent = Principal::new("agent-17").role("support").role("analyst");
    let access = Access::new("customer_support");
    let target = Target::new("email", Sensitivity::Personal);
    let mut matrix: HashMap<(&str, &str), Disclosure> = HashMap::new();
    for role in ["support", "analyst", "service"] {
        for class in ["email", "phone", "passport", "health"] {
            matrix.insert((role, class), Disclosure::Mask);
        }
    }
    let mut group = c.benchmark_group("policy_decision");
    group.bench_function("bare_hashmap_lookup", |b| {
        b.iter(|| {
            let mut best = Disclosure::Redact;
            for role in agent.roles() {
                if let Some(&d) = matrix.get(&(role.as_str(), black_box("email"))) {
                    best = best.max(d);
                }
            }
            black_box(best)
        });
    });
    group.bench_function("piiguard_decide", |b| {
        b.iter(|| black_box(policy.decide(black_box(&agent), &access, &target, Environment::Dev)));
    });
    group.finish();
}

fn reveal(c: &mut Criterion) {
    let keyring = Keyring::in_memory(Environment::Dev);
    let guard = Guard::builder(keyring.clone())
        .policy(Policy::starter())
        .audit(Arc::new(CountingSink::default()))
        .build()
        .unwrap();
    let record = Customer {
        id: 42,
        email: Pii::new("jane.doe@example.com".into()),
        passport: Pii::new("X12345678".into()),
    };
    let stored: Customer = guard
        .storage()
        .from_json(&guard.storage().to_json(&record).unwrap())
        .unwrap();
    let service = Principal::new("mailer").role("service");

    let cipher = Aes256GcmSiv::new(&[7u8; 32].into());
    let nonce = [1u8; 12];
    let mut sealed = b"jane.doe@example.com".to_vec();
    let tag = cipher
        .encrypt_inout_detached(&nonce.into(), b"", sealed.as_mut_slice().into())
        .unwrap();

    let mut group = c.benchmark_group("reveal");
    group.bench_function("bare_aes_gcm_siv_decrypt_20B", |b| {
        b.iter(|| {
            let mut buf = sealed.clone();
            cipher
                .decrypt_inout_detached(&nonce.into(), b"", buf.as_mut_slice().into(), &tag)
                .unwrap();
            black_box(buf)
        });
    });
    group.bench_function("keys_reveal_no_policy", |b| {
        let keys = piiguard::unaudited::scoped_keys(guard.keyring(), &piiguard::keys::Scope::new());
        b.iter(|| black_box(keys.expose_unaudited(&stored, |c| &c.email).unwrap()));
    });
    group.bench_function("guard_reveal_decision_audit_decrypt", |b| {
        b.iter(|| {
            black_box(
                guard
                    .reveal(&service, &stored, |c| &c.email, "send_receipt")
                    .unwrap(),
            )
        });
    });
    group.bench_function("guard_reveal_denied", |b| {
        let agent = Principal::new("agent-17").role("support");
        b.iter(|| {
            black_box(
                guard
                    .reveal(&agent, &stored, |c| &c.passport, "customer_support")
                    .is_err(),
            )
        });
    });
    group.finish();
}

fn event() -> AuditEvent {
    AuditEvent {
        time: "2026-11-23T10:15:00.123456Z".into(),
        action: Action::Reveal,
        outcome: Outcome::Allowed,
        reason: Reason::RoleRule,
        subsystem: "billing-api".into(),
        principal: Actor::of(&Principal::new("agent-17").role("support")),
        object: Object {
            record: Some("Customer".into()),
            field: Some("email".into()),
            class: Some("email".into()),
            sensitivity: Some("personal".into()),
            subject: Some("4411".into()),
            tenant: None,
            region: Some("local".into()),
        },
        purpose: Some("customer_support".into()),
        justification: Some("ticket 4411".into()),
        policy_version: "starter-1".into(),
        grant: None,
        detail: None,
    }
}

fn audit_append(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("pg-bench-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keyring = Keyring::in_memory(Environment::Dev);
    let event = event();
    let line = serde_json::to_string(&event).unwrap() + &" ".repeat(200) + "\n";

    let mut group = c.benchmark_group("audit_append");
    group.throughput(Throughput::Elements(1));
    group.bench_function("bare_serde_json_to_string", |b| {
        b.iter(|| black_box(serde_json::to_string(&event).unwrap()));
    });
    let mut bare = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("bare.log"))
        .unwrap();
    group.bench_function("bare_append_buffered", |b| {
        b.iter(|| bare.write_all(line.as_bytes()).unwrap());
    });
    group.bench_function("bare_append_fdatasync", |b| {
        b.iter(|| {
            bare.write_all(line.as_bytes()).unwrap();
            bare.sync_data().unwrap();
        });
    });
    let buffered =
        JsonlSink::open_with(dir.join("buffered.jsonl"), &keyring, Durability::Buffered).unwrap();
    group.bench_function("jsonl_chain_buffered", |b| {
        b.iter(|| buffered.record(&event).unwrap());
    });
    let synced = JsonlSink::open(dir.join("synced.jsonl"), &keyring).unwrap();
    group.bench_function("jsonl_chain_fdatasync", |b| {
        b.iter(|| synced.record(&event).unwrap());
    });
    let sqlite = piiguard::store::SqliteStore::open(dir.join("store.db"))
        .unwrap()
        .audit(&keyring)
        .unwrap();
    group.bench_function("sqlite_store_chain_synchronous_full", |b| {
        b.iter(|| sqlite.record(&event).unwrap());
    });
    group.finish();
    drop((buffered, synced, sqlite));
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, policy_decision, reveal, audit_append);
criterion_main!(benches);
