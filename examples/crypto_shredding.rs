//! Erase one person by destroying their key: every copy of their data — rows, backups,
//! exports of envelopes — becomes permanently unreadable, while everyone else's still opens.
//!
//! Run with `cargo run --example crypto_shredding`. Keys and the SQLite subject-key store are
//! created in a fresh temporary directory.

use piiguard::keys::Keyring;
use piiguard::{Classified, Pii};

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = address)]
    address: Pii<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("piiguard-shred-{}", std::process::id()));
    let keyring = Keyring::open_local(&dir)?;
    let keys = piiguard::unaudited::keys(&keyring);
    let rows: Vec<String> = [(1, "jane"), (2, "john")]
        .into_iter()
        .map(|(id, who)| {
            keys.to_json(&Customer {
                id,
                email: Pii::new(format!("{who}@example.com")),
                address: Pii::new(format!("{id} Example Street, Springfield")),
            })
        })
        .collect::<Result<_, _>>()?;
    let backup = rows.clone();
    println!("== Two customers stored (and backed up)");

    println!("\n== Customer 1 asks to be forgotten");
    println!(
        "forget_subject(1): {:?}",
        keys.destroy_subject_key_unaudited(&1)?
    );
    println!(
        "forget_subject(1) again: {:?}",
        keys.destroy_subject_key_unaudited(&1)?
    );

    println!("\n== Reading the backup afterwards");
    for row in &backup {
        let customer: Customer = keys.from_json(row)?;
        match keys.decrypt_unaudited(&customer, |c| &c.email) {
            Ok(email) => println!("customer {}: {}", customer.id, email.expose()),
            Err(e) => println!("customer {}: {e}", customer.id),
        }
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
