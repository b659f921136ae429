//! A classified record printed, logged and serialized safely.
//!
//! Run with `cargo run --example quickstart`. Nothing to set up: everything is created on first
//! use in `./.piiguard/` (an encrypted key file, an SQLite store of subject keys, a starter
//! policy and a tamper-evident audit log); no server, no configuration.

use piiguard::{Class, Classified, Guard, Pii, Principal, View, in_view};

/// A customer record: four fields are personal data, two are not.
#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Option<Pii<String>>,
    #[pii(class = card_number)]
    card: Pii<String>,
    plan: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Personal data usually arrives as input: it is sealed the moment it is deserialized.
    let signup = r#"{
        "id": 4411,
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "phone": "+1-555-0100-142",
        "card": "4111 1111 1111 1111",
        "plan": "pro"
    }"#;
    let customer: Customer = serde_json::from_str(signup)?;

    println!("== Debug (the log view: masked by class, sensitive data redacted)");
    println!("{customer:?}");

    println!("\n== Plain serde (no view given: fail-closed, every classified field redacted)");
    println!("{}", serde_json::to_string(&customer)?);

    println!("\n== The log view, for structured logs");
    println!("{}", serde_json::to_string(&in_view(&customer, View::Log))?);

    println!("\n== The storage view needs keys: without them it refuses to run");
    match serde_json::to_string(&in_view(&customer, View::Storage)) {
        Ok(_) => println!("unexpected: serialized without keys"),
        Err(e) => println!("error: {e}"),
    }

    println!("\n== With the local guard: envelopes at rest, plus a blind index for lookups");
    let guard = Guard::open_local(".piiguard")?;
    let row = guard.storage().to_json(&customer)?;
    println!("{row}");

    println!("\n== The export view: keyed pseudonyms, the same for the same person");
    println!("{}", guard.storage().to_json_in(&customer, View::Export)?);

    println!("\n== Reading the row back: values stay encrypted until a reveal");
    let stored: Customer = guard.storage().from_json(&row)?;
    println!("{stored:?}");
    let wanted = guard
        .storage()
        .blind_index_candidates::<Customer>("email", "Jane.Doe@Example.com")?;
    let stored_index = serde_json::from_str::<serde_json::Value>(&row)?["email_bidx"].clone();
    println!(
        "lookup by email finds the row: {}",
        wanted.iter().any(|w| stored_index == w.as_str())
    );

    println!("\n== Reveals go through the policy, and every decision is audited");
    let mailer = Principal::new("receipt-mailer").role("service");
    let email = guard.reveal(&mailer, &stored, |c| &c.email, "send_receipt")?;
    println!(
        "the mailer service sees (wiped when dropped): {}",
        email.expose()
    );
    drop(email);
    let agent = Principal::new("agent-17").role("support");
    match guard.reveal(&agent, &stored, |c| &c.card, "customer_support") {
        Ok(_) => println!("unexpected: support revealed a card number"),
        Err(e) => println!("support asking for the card: {e}"),
    }
    println!(
        "support's view: {}",
        *guard.view(&agent, &stored, "customer_support")?.to_json()?
    );
    let report = guard.verify_audit()?;
    println!(
        "audit trail in .piiguard/store.db verified: {} events, hash chain intact",
        report.events
    );

    println!("\n== Invalid input is refused with a typed error that never quotes the value");
    let bad = signup.replace("4111 1111 1111 1111", "4111 1111 1111 1112");
    match serde_json::from_str::<Customer>(&bad) {
        Ok(_) => println!("unexpected: accepted a card failing Luhn"),
        Err(e) => println!("error: {e}"),
    }

    println!("\n== Redacted output fed back in never becomes a value");
    let redacted = serde_json::to_string(&customer)?;
    match serde_json::from_str::<Customer>(&redacted) {
        Ok(_) => println!("unexpected: a placeholder became a value"),
        Err(e) => println!("error: {e}"),
    }

    println!("\n== The schema, for a data inventory");
    for (field, pii) in Customer::SCHEMA.classified_fields() {
        println!(
            "{:<6} class={:<12} sensitivity={:<10} log={:<7} storage={:<8} export={}{}",
            field.name(),
            pii.class(),
            pii.sensitivity(),
            pii.treatment(View::Log),
            pii.treatment(View::Storage),
            pii.treatment(View::Export),
            if pii.blind_index().is_some() {
                "  (blind index)"
            } else {
                ""
            }
        );
    }

    println!("\n== Cleartext only through an explicit, greppable call, wiped afterwards");
    let is_example = customer
        .email
        .expose(|email| email.ends_with("@example.com"))?;
    println!("email is at example.com: {is_example}");
    let standalone = Pii::classified(String::from("192.0.2.55"), Class::IpAddress)?;
    println!(
        "a standalone value: {standalone:?}, masked: {}",
        standalone.mask()
    );

    let protections = piiguard::memory::process_key_protections();
    println!("\n== The in-memory sealing key: {protections:?}");
    Ok(())
}
