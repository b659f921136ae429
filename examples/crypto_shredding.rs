//! Erase one person by destroying their key: every copy of their data — rows, backups,
//! exports of envelopes — becomes permanently unreadable, while everyone else's still opens.
//!
//! Run with `cargo run --example crypto_shredding`. The local guard (key file, SQLite subject
//! keys, starter policy, audit trail) is created in a fresh temporary directory. Erasure is an
//! admin act: allowed to the policy's admin roles and audited.

use piiguard::{Classified, Guard, Pii, Principal};

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
    let guard = Guard::open_local(&dir)?;
    let rows: Vec<String> = [(1, "jane"), (2, "john")]
        .into_iter()
        .map(|(id, who)| {
            guard.storage().to_json(&Customer {
                id,
                email: Pii::new(format!("{who}@example.com")),
                address: Pii::new(format!("{id} Example Street, Springfield")),
            })
        })
        .collect::<Result<_, _>>()?;
    let backup = rows.clone();
    println!("== Two customers stored (and backed up)");

    println!("\n== Customer 1 asks to be forgotten");
    let dpo = Principal::new("dpo-1").role("admin");
    println!(
        "forget_subject(1): {:?}",
        guard.admin(&dpo).forget_subject(&1)?
    );
    println!(
        "forget_subject(1) again: {:?}",
        guard.admin(&dpo).forget_subject(&1)?
    );
    let agent = Principal::new("agent-17").role("support");
    match guard.admin(&agent).forget_subject(&2) {
        Ok(_) => println!("unexpected: support erased a customer"),
        Err(e) => println!("support trying to erase customer 2: {e}"),
    }

    println!("\n== Reading the backup afterwards");
    for row in &backup {
        let customer: Customer = guard.storage().from_json(row)?;
        let mailer = Principal::new("mailer").role("service");
        match guard.reveal(&mailer, &customer, |c| &c.email, "send_receipt") {
            Ok(email) => println!("customer {}: {}", customer.id, email.expose()),
            Err(e) => println!("customer {}: {e}", customer.id),
        }
    }
    println!(
        "\n{} audit events, chain verified",
        guard.verify_audit()?.events
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
