//! Two doors for data: client input (the derived `Deserialize`) treats every string as cleartext
//! and never accepts an envelope; only the storage door (`from_json` of the guard or the keys)
//! reads envelopes.

use piiguard::audit::MemorySink;
use piiguard::keys::{Environment, Keyring};
use piiguard::{Classified, Guard, Pii, Policy, Principal};
use std::sync::Arc;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = free_text)]
    note: Option<Pii<String>>,
}

fn guard() -> Guard {
    Guard::builder(Keyring::in_memory(Environment::Dev))
        .policy(Policy::starter())
        .audit(Arc::new(MemorySink::new()))
        .build()
        .unwrap()
}

/// A stored customer's row: the victim whose envelope an attacker copies.
fn victim_row(guard: &Guard) -> serde_json::Value {
    let victim = Customer {
        id: 1,
        name: Pii::new("Jane Victim".into()),
        note: None,
    };
    serde_json::from_str(&guard.storage().to_json(&victim).unwrap()).unwrap()
}

fn reveal_name(guard: &Guard, c: &Customer) -> String {
    let mailer = Principal::new("mailer").role("service");
    guard
        .reveal(&mailer, c, |c| &c.name, "send_receipt")
        .unwrap()
        .expose()
        .clone()
}

#[test]
fn an_envelope_posted_as_input_is_harmless_cleartext_never_the_other_records_value() {
    let guard = guard();
    let row = victim_row(&guard);
    let stolen = row["name"].as_str().unwrap().to_owned();
    assert!(stolen.starts_with("pg1."));

    // The attacker posts the victim's envelope as their own name, and their own id, then the
    // victim's id: neither input ever yields the victim's name.
    for id in [2, 1] {
        let body = serde_json::json!({ "id": id, "name": stolen, "note": null }).to_string();
        let posted: Customer = serde_json::from_str(&body).expect("accepted as text");
        assert!(
            posted.name.envelope().is_none(),
            "input never holds an envelope"
        );
        let name = reveal_name(&guard, &posted);
        assert_eq!(name, stolen, "the text as posted, nothing decrypted");
        assert_ne!(name, "Jane Victim");
        // Stored again, it is a fresh envelope of that text, not the victim's envelope.
        let stored: serde_json::Value =
            serde_json::from_str(&guard.storage().to_json(&posted).unwrap()).unwrap();
        assert_ne!(stored["name"], row["name"]);
    }

    // The storage door still reads envelopes.
    let back: Customer = guard.storage().from_json(&row.to_string()).unwrap();
    assert!(back.name.envelope().is_some());
    assert_eq!(reveal_name(&guard, &back), "Jane Victim");
}

#[test]
fn text_that_starts_like_an_envelope_is_ordinary_input() {
    let guard = guard();
    let body = r#"{"id": 3, "name": "pg1.Smith", "note": "pg1. was the first option"}"#;
    let c: Customer = serde_json::from_str(body).expect("ordinary text is accepted");
    assert_eq!(reveal_name(&guard, &c), "pg1.Smith");
    let note = c.note.as_ref().unwrap();
    assert_eq!(
        note.expose(String::clone).unwrap(),
        "pg1. was the first option"
    );
    // It round-trips through storage as the text it is.
    let back: Customer = guard
        .storage()
        .from_json(&guard.storage().to_json(&c).unwrap())
        .unwrap();
    assert_eq!(reveal_name(&guard, &back), "pg1.Smith");
}

#[test]
fn a_standalone_pii_is_input_too() {
    let guard = guard();
    let row = victim_row(&guard);
    let pii: Pii<String> = serde_json::from_value(row["name"].clone()).unwrap();
    assert!(pii.envelope().is_none());
    assert_eq!(
        pii.expose(String::clone).unwrap(),
        row["name"].as_str().unwrap()
    );
}
