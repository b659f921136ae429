//! Scale: one process writes a record for each of 1,000,000 distinct subjects (each with its own
//! subject key), then reads back and decrypts a sample of 10,000, checking every value. It
//! fails (exit code 1) if the process ends up with 1,000 or more memory mappings, or a value
//! comes back wrong. It prints throughput, mappings, RSS, locked memory and the protections the
//! process actually got.
//!
//! Run in release: `cargo run --release --example scale [subjects]`. CI runs it with the
//! default `vm.max_map_count`, an 8 MiB `RLIMIT_MEMLOCK` and without `CAP_IPC_LOCK`, as an
//! unprivileged service would be.

use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::{Classified, Pii, unaudited};
use std::time::Instant;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

fn email(id: u64) -> String {
    format!("user{id}@example.com")
}

/// A line of `/proc/self/status` (`VmRSS`, `VmLck`), in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps").map_or(0, |m| m.lines().count())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let subjects: u64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let sample_every = (subjects / 10_000).max(1);
    let keyring = Keyring::builder()
        .environment(Environment::Dev)
        .store(MemoryKeyStore::new())
        .build()?;
    let keys = unaudited::keys(&keyring);

    let start = Instant::now();
    let mut sample = Vec::new();
    let mut most_mappings = 0;
    for id in 0..subjects {
        let row = keys.to_json(&Customer {
            id,
            email: Pii::new(email(id)),
        })?;
        if id % sample_every == 0 {
            sample.push((id, row));
        }
        if id % 50_000 == 0 {
            most_mappings = most_mappings.max(mappings());
        }
    }
    let written = start.elapsed();

    let start = Instant::now();
    for (id, row) in &sample {
        let back: Customer = keys.from_json(row)?;
        let value = keys.expose_unaudited(&back, |c| &c.email)?;
        if *value.expose() != email(*id) {
            eprintln!("subject {id}: wrong value");
            std::process::exit(1);
        }
    }
    let read = start.elapsed();
    most_mappings = most_mappings.max(mappings());
    let report = piiguard::memory::memory_report();

    println!(
        "{subjects} subjects written in {:.1} s ({:.0} subjects/s); {} read back and decrypted in {:.2} s",
        written.as_secs_f64(),
        subjects as f64 / written.as_secs_f64(),
        sample.len(),
        read.as_secs_f64()
    );
    println!(
        "mappings (most seen): {most_mappings}; key arena: {} mappings; RSS {} MiB; locked {} KiB",
        report.key_mappings,
        status_kib("VmRSS:").unwrap_or(0) / 1024,
        status_kib("VmLck:").unwrap_or(0)
    );
    println!(
        "protections: process key {:?}; keys {:?}",
        report.process_key, report.keys
    );
    if most_mappings >= 1_000 {
        eprintln!("too many memory mappings: {most_mappings}");
        std::process::exit(1);
    }
    Ok(())
}
