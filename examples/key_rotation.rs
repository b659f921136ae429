//! Rotate the field and blind-index keys without downtime: old rows stay readable and findable,
//! a batch rewrap moves them to the new key, then the old version is destroyed.
//!
//! Rotation and destruction are admin acts of the guard (policy-checked, audited). The batch
//! rewrap is operators' tooling that reads every record without a policy, so it goes through
//! `piiguard::unaudited`, on purpose easy to find in a review.
//!
//! Run with `cargo run --example key_rotation`. Keys and the audit trail live in memory.

use piiguard::audit::MemorySink;
use piiguard::keys::{Environment, Keyring, Purpose};
use piiguard::{Classified, Envelope, Guard, Pii, Policy, Principal};
use std::sync::Arc;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
}

fn version_of(row: &str) -> Result<u32, Box<dyn std::error::Error>> {
    let value: serde_json::Value = serde_json::from_str(row)?;
    let text = value["email"].as_str().ok_or("no email")?;
    Ok(Envelope::parse_text(text)?.key_version())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let audit = Arc::new(MemorySink::new());
    let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
        .policy(Policy::starter())
        .audit(audit.clone())
        .build()?;
    let admin = Principal::new("ops-1").role("admin");
    let mut table: Vec<String> = (1..=4)
        .map(|id| {
            guard.storage().to_json(&Customer {
                id,
                email: Pii::new(format!("user{id}@example.com")),
            })
        })
        .collect::<Result<_, _>>()?;
    println!("== Four rows under version {}", version_of(&table[0])?);

    let field = guard.admin(&admin).rotate_key(Purpose::FieldEncryption)?;
    let index = guard.admin(&admin).rotate_key(Purpose::BlindIndex)?;
    println!(
        "\n== Rotated: {} is now v{}, {} is now v{}",
        field.id, field.version, index.id, index.version
    );
    for info in guard.keyring().key_infos() {
        println!("  {:<16} v{}  {:?}", info.id, info.version, info.state);
    }

    table.push(guard.storage().to_json(&Customer {
        id: 5,
        email: Pii::new("user5@example.com".into()),
    })?);
    println!("\n== During the rotation: a lookup asks for the index under every valid version");
    let candidates = guard
        .storage()
        .blind_index_candidates::<Customer>("email", "user2@example.com")?;
    println!("candidates: {candidates:?}");
    let hit = table
        .iter()
        .position(|row| candidates.iter().any(|c| row.contains(c.as_str())));
    println!("found row index: {hit:?} (written under v1, still found)");

    println!("\n== Batch rewrap (operators' tooling, unaudited), with progress");
    let keys = piiguard::unaudited::keys(guard.keyring());
    let mut records: Vec<Customer> = table
        .iter()
        .map(|row| keys.from_json(row))
        .collect::<Result<_, _>>()?;
    let total = keys.rewrap_all(records.iter_mut(), |p| {
        println!(
            "  {} records: {} rewrapped, {} already current",
            p.records, p.rewrapped, p.current
        );
    });
    table = records
        .iter()
        .map(|r| keys.to_json(r))
        .collect::<Result<_, _>>()?;
    println!(
        "done: {} rewrapped, {} failed; versions now {:?}",
        total.rewrapped,
        total.failed,
        table
            .iter()
            .map(|r| version_of(r))
            .collect::<Result<Vec<_>, _>>()?
    );

    guard.admin(&admin).destroy_key(&field.id, 1)?;
    println!("\n== Version 1 destroyed; every row still opens under v2");
    let mailer = Principal::new("mailer").role("service");
    for record in &records {
        let email = guard.reveal(&mailer, record, |c| &c.email, "send_receipt")?;
        println!("  customer {}: {}", record.id, email.expose());
    }
    println!("\n== The admin acts in the audit trail");
    for event in audit
        .events()
        .iter()
        .filter(|e| e.action != piiguard::audit::Action::Reveal)
    {
        println!(
            "  {} {} by {}: {}",
            event.action,
            event.outcome,
            event.principal.id,
            event.detail.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
