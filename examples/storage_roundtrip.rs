//! Store customers as JSON rows with envelopes and a blind index, find one by email, reveal it.
//!
//! Run with `cargo run --example storage_roundtrip`. The local guard is created in a fresh
//! temporary directory; the "table" is a `Vec` of JSON rows.

use piiguard::{Classified, Guard, Pii, Principal};

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    plan: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("piiguard-storage-{}", std::process::id()));
    let guard = Guard::open_local(&dir)?;
    let mailer = Principal::new("mailer").role("service");

    let people = [
        (1, "Jane Doe", "jane.doe@example.com", "+1-555-0100"),
        (2, "John Roe", "john.roe@example.com", "+1-555-0101"),
        (3, "Ada Poe", "ada.poe@example.com", "+1-555-0102"),
    ];
    let mut table = Vec::new();
    for (id, name, email, phone) in people {
        let customer = Customer {
            id,
            name: Pii::classified(name.to_owned(), piiguard::Class::Name)?,
            email: Pii::classified(email.to_owned(), piiguard::Class::Email)?,
            phone: Pii::classified(phone.to_owned(), piiguard::Class::Phone)?,
            plan: "pro".to_owned(),
        };
        table.push(guard.storage().to_json(&customer)?);
    }
    println!("== The table: every personal field is an envelope; email also has a blind index");
    for row in &table {
        println!("{row}");
    }

    println!("\n== Look up by email (any letter case): WHERE email_bidx IN (candidates)");
    let candidates = guard
        .storage()
        .blind_index_candidates::<Customer>("email", "John.Roe@Example.com")?;
    println!("candidates: {candidates:?}");
    let found = table.iter().find(|row| {
        serde_json::from_str::<serde_json::Value>(row)
            .ok()
            .and_then(|v| v["email_bidx"].as_str().map(str::to_owned))
            .is_some_and(|index| candidates.contains(&index))
    });
    let row = found.ok_or("no row matched")?;

    println!("\n== Read the row: the values are still encrypted");
    let customer: Customer = guard.storage().from_json(row)?;
    println!("{customer:?}");

    println!("\n== Reveal one field under the policy, audited (the cleartext is wiped on drop)");
    {
        let email = guard.reveal(&mailer, &customer, |c| &c.email, "send_receipt")?;
        println!("customer {} email: {}", customer.id, email.expose());
    }

    println!("\n== The same row moved to another customer id does not open");
    let moved = row.replace(r#""id":2"#, r#""id":3"#);
    let impostor: Customer = guard.storage().from_json(&moved)?;
    match guard.reveal(&mailer, &impostor, |c| &c.email, "send_receipt") {
        Ok(_) => println!("unexpected: opened"),
        Err(e) => println!("error: {e}"),
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
