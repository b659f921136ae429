//! Rotate the field and blind-index keys without downtime: old rows stay readable and findable,
//! a batch rewrap moves them to the new key, then the old version is destroyed.
//!
//! Run with `cargo run --example key_rotation`. Keys live in memory.

use piiguard::keys::{Environment, Keyring, Purpose};
use piiguard::{Classified, Envelope, Pii};

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
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let mut table: Vec<String> = (1..=4)
        .map(|id| {
            keys.to_json(&Customer {
                id,
                email: Pii::new(format!("user{id}@example.com")),
            })
        })
        .collect::<Result<_, _>>()?;
    println!("== Four rows under version {}", version_of(&table[0])?);

    let field = piiguard::unaudited::rotate(&keyring, Purpose::FieldEncryption, "local")?;
    let index = piiguard::unaudited::rotate(&keyring, Purpose::BlindIndex, "local")?;
    println!(
        "\n== Rotated: {} is now v{}, {} is now v{}",
        field.id, field.version, index.id, index.version
    );
    for info in keyring.key_infos() {
        println!("  {:<16} v{}  {:?}", info.id, info.version, info.state);
    }

    table.push(keys.to_json(&Customer {
        id: 5,
        email: Pii::new("user5@example.com".into()),
    })?);
    println!("\n== During the rotation: a lookup asks for the index under every valid version");
    let candidates = keys.blind_index_candidates::<Customer>("email", "user2@example.com")?;
    println!("candidates: {candidates:?}");
    let hit = table
        .iter()
        .position(|row| candidates.iter().any(|c| row.contains(c.as_str())));
    println!("found row index: {hit:?} (written under v1, still found)");

    println!("\n== Batch rewrap, with progress");
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

    piiguard::unaudited::destroy_key(&keyring, &field.id, 1)?;
    println!("\n== Version 1 destroyed; every row still opens under v2");
    for record in &records {
        let email = keys.decrypt_unaudited(record, |c| &c.email)?;
        println!("  customer {}: {}", record.id, email.expose());
    }
    Ok(())
}
