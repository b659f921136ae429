//! Runs one per-field hot path many times, for a profiler: instruction counts under callgrind are
//! the stable way to compare two builds on a noisy machine (see `docs/PERFORMANCE.md`).
//!
//! ```sh
//! cargo build --release --example hot_paths
//! valgrind --tool=callgrind target/release/examples/hot_paths encrypt 20000
//! ```
//!
//! Paths: `encrypt` (a one-field record to a JSON row), `decrypt`, `blind-index` (a lookup's
//! candidates), `storage-view` (a 6-field record), `debug` (the same record logged again),
//! `reveal` (through the guard, with policy, monitor and audit event).

use piiguard::audit::{AuditEvent, AuditSink};
use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::policy::{Policy, Principal};
use piiguard::{Classified, Error, Guard, Pii};
use std::hint::black_box;
use std::sync::Arc;

#[derive(Classified)]
struct Note {
    #[pii(class = free_text)]
    note: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = free_text)]
    note: Pii<String>,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    plan: String,
}

/// Builds each event's copy, as `MemorySink` does, and drops it.
struct DroppingSink;

impl AuditSink for DroppingSink {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        black_box(event.clone());
        Ok(())
    }
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "encrypt".to_owned());
    let times: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);

    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let subject_keyring = Keyring::builder().store(MemoryKeyStore::new()).build()?;
    let subject_keys = piiguard::unaudited::keys(&subject_keyring);
    let note = Note {
        note: Pii::new("x".repeat(16)),
    };
    let stored: Note = keys.from_json(&keys.to_json(&note)?)?;
    let customer = Customer {
        id: 42,
        note: Pii::new("Called about the invoice".into()),
        email: Pii::new("Jane.Doe@Example.com".into()),
        name: Pii::new("Jane Doe".into()),
        phone: Pii::new("+1-555-0142".into()),
        plan: "pro".into(),
    };
    let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
        .policy(Policy::starter())
        .audit(Arc::new(DroppingSink))
        .build()?;
    let in_store: Customer = guard
        .storage()
        .from_json(&guard.storage().to_json(&customer)?)?;
    let mailer = Principal::new("mailer").role("service");

    for _ in 0..times {
        match path.as_str() {
            "encrypt" => drop(black_box(keys.to_json(black_box(&note))?)),
            "decrypt" => drop(black_box(keys.expose_unaudited(&stored, |r| &r.note)?)),
            "blind-index" => drop(black_box(
                subject_keys.blind_index_candidates::<Customer>("email", "jane.doe@example.com")?,
            )),
            "storage-view" => drop(black_box(subject_keys.to_json(black_box(&customer))?)),
            "debug" => drop(black_box(format!("{:?}", black_box(&customer)))),
            "reveal" => drop(black_box(guard.reveal(
                &mailer,
                &in_store,
                |c| &c.email,
                "send_receipt",
            )?)),
            other => {
                eprintln!(
                    "unknown path `{other}`: encrypt, decrypt, blind-index, storage-view, debug \
                     or reveal"
                );
                std::process::exit(2);
            }
        }
    }
    Ok(())
}
