//! Keys, envelopes, the storage and export views, blind indexes, rotation, crypto-shredding,
//! tenants, regions and environments — each claim with an adversarial test.

use piiguard_testkit as common;

use piiguard::at_rest::Forgotten;
use piiguard::keys::{Environment, KeyState, Keyring, MemoryKeyStore, Purpose, Scope};
use piiguard::{Classified, Envelope, Error, Pii, View};
use serde_json::Value;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = passport)]
    passport: Option<Pii<String>>,
    #[pii(class = health)]
    diagnosis: Pii<String>,
    plan: String,
}

/// Same shape, another record type: envelopes must not move between them.
#[derive(Classified)]
#[pii(subject = id)]
struct Supplier {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = passport)]
    passport: Option<Pii<String>>,
    #[pii(class = health)]
    diagnosis: Pii<String>,
    plan: String,
}

fn customer(id: u64, email: &str) -> Customer {
    Customer {
        id,
        email: Pii::new(email.to_owned()),
        phone: Pii::new("+1-555-0100".to_owned()),
        passport: Some(Pii::new("X1234567".to_owned())),
        diagnosis: Pii::new("sentinel-diagnosis-Q7".to_owned()),
        plan: "pro".to_owned(),
    }
}

fn row(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

fn set(json: &str, field: &str, value: Value) -> String {
    let mut v = row(json);
    v[field] = value;
    v.to_string()
}

fn reveal_email(keys: &piiguard::at_rest::StorageKeys<'_>, json: &str) -> Result<String, Error> {
    let c: Customer = keys.from_json(json)?;
    Ok(keys.expose_unaudited(&c, |c| &c.email)?.expose().clone())
}

#[test]
fn storage_round_trip_keeps_values_encrypted_until_revealed() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let json = keys.to_json(&customer(42, "jane@example.com")).unwrap();
    for secret in ["jane", "555-0100", "X1234567", "sentinel-diagnosis"] {
        assert!(!json.contains(secret), "{secret} in {json}");
    }
    let v = row(&json);
    assert!(v["email"].as_str().unwrap().starts_with("pg1."));
    assert!(
        v["email_bidx"]
            .as_str()
            .unwrap()
            .starts_with("bi.index-local.1.")
    );
    assert_eq!(v["plan"], "pro");

    let back: Customer = keys.from_json(&json).unwrap();
    // Still encrypted at rest: no mask without keys, no cleartext without a reveal.
    assert!(back.email.envelope().is_some());
    assert_eq!(format!("{:?}", back.email), "[REDACTED:email]");
    assert!(matches!(
        back.email.expose(|e| e.len()),
        Err(Error::Enveloped { class: "email" })
    ));
    assert_eq!(
        keys.expose_unaudited(&back, |c| &c.email).unwrap().expose(),
        "jane@example.com"
    );
    let passport = back.passport.as_ref().unwrap();
    assert_eq!(
        keys.expose_unaudited(&back, |_| passport).unwrap().expose(),
        "X1234567"
    );
    // The log view with keys attached masks stored values.
    let log = keys.to_json_in(&back, View::Log).unwrap();
    assert!(log.contains(r#""email":"j***@example.com""#), "{log}");
    // Writing a loaded record back stores the same envelopes.
    let again = keys.to_json(&back).unwrap();
    assert_eq!(row(&again)["email"], v["email"]);
    assert_eq!(row(&again)["email_bidx"], v["email_bidx"]);
}

#[test]
fn a_reveal_must_name_a_field_of_the_record() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let c = customer(1, "jane@example.com");
    let stray = Pii::new("other@example.com".to_owned());
    assert!(matches!(
        keys.expose_unaudited(&c, |_| &stray),
        Err(Error::FieldNotFound)
    ));
    assert_eq!(
        keys.expose_unaudited(&c, |c| &c.phone).unwrap().expose(),
        "+1-555-0100"
    );
}

#[test]
fn storage_input_must_be_encrypted() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let json = keys.to_json(&customer(1, "jane@example.com")).unwrap();
    let smuggled = set(&json, "email", "mallory@example.com".into());
    assert!(matches!(
        keys.from_json::<Customer>(&smuggled),
        Err(Error::NotEncrypted { field: "email" })
    ));
    let garbage = set(&json, "email", "pg1.not-base64!".into());
    assert!(matches!(
        keys.from_json::<Customer>(&garbage),
        Err(Error::Envelope { .. })
    ));
}

#[test]
fn every_single_bit_flip_of_a_text_envelope_is_rejected() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let json = keys.to_json(&customer(7, "jane@example.com")).unwrap();
    let text = row(&json)["email"].as_str().unwrap().to_owned();
    let mut flips = 0;
    for i in 0..text.len() {
        for bit in 0..8 {
            let mut bytes = text.clone().into_bytes();
            bytes[i] ^= 1 << bit;
            let Ok(flipped) = String::from_utf8(bytes) else {
                continue;
            };
            let tampered = set(&json, "email", flipped.into());
            let Ok(c) = keys.from_json::<Customer>(&tampered) else {
                flips += 1;
                continue;
            };
            assert!(
                keys.expose_unaudited(&c, |c| &c.email).is_err(),
                "flip {i}:{bit} opened"
            );
            flips += 1;
        }
    }
    assert!(flips > text.len() * 6);
}

#[test]
fn every_single_bit_flip_truncation_and_extension_of_a_binary_envelope_is_rejected() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let json = keys.to_json(&customer(7, "jane@example.com")).unwrap();
    let binary = Envelope::parse_text(row(&json)["email"].as_str().unwrap())
        .unwrap()
        .as_bytes()
        .to_vec();
    let opens = |bytes: &[u8]| -> bool {
        let Ok(envelope) = Envelope::parse_bytes(bytes) else {
            return false;
        };
        let tampered = set(&json, "email", envelope.to_text().into());
        reveal_email(&keys, &tampered).is_ok()
    };
    assert!(opens(&binary));
    for i in 0..binary.len() {
        for bit in 0..8 {
            let mut b = binary.clone();
            b[i] ^= 1 << bit;
            assert!(!opens(&b), "flip {i}:{bit} opened");
        }
    }
    for len in 0..binary.len() {
        assert!(!opens(&binary[..len]), "truncated to {len} opened");
    }
    let mut extended = binary.clone();
    extended.push(0);
    assert!(!opens(&extended));
}

#[test]
fn a_swapped_key_id_is_rejected() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let json = keys.to_json(&customer(7, "jane@example.com")).unwrap();
    let envelope = Envelope::parse_text(row(&json)["email"].as_str().unwrap()).unwrap();
    let text = envelope.to_text();
    // Re-encode the header with another (existing) key id of the same length.
    let mut bytes = envelope.as_bytes().to_vec();
    let at = bytes
        .windows(b"field-local".len())
        .position(|w| w == b"field-local")
        .unwrap();
    bytes[at..at + 11].copy_from_slice(b"index-local");
    let swapped = Envelope::parse_bytes(&bytes).unwrap();
    assert_ne!(swapped.to_text(), text);
    let tampered = set(&json, "email", swapped.to_text().into());
    assert!(matches!(
        reveal_email(&keys, &tampered),
        Err(Error::UnknownKey { .. })
    ));
}

#[test]
fn ciphertexts_do_not_move_between_fields_records_or_subjects() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let a = keys.to_json(&customer(1, "jane@example.com")).unwrap();
    let b = keys.to_json(&customer(2, "john@example.com")).unwrap();
    // Another field of the same record.
    let moved = set(&a, "email", row(&a)["phone"].clone());
    assert!(matches!(
        reveal_email(&keys, &moved),
        Err(Error::OpenFailed)
    ));
    // Another subject's record.
    let moved = set(&a, "email", row(&b)["email"].clone());
    assert!(matches!(
        reveal_email(&keys, &moved),
        Err(Error::OpenFailed)
    ));
    // The same subject id under another record type.
    let supplier: Supplier = keys.from_json(&a).unwrap();
    assert!(matches!(
        keys.expose_unaudited(&supplier, |s| &s.email),
        Err(Error::OpenFailed)
    ));
    // Another subject id in the same row.
    let moved = set(&a, "id", 2.into());
    assert!(reveal_email(&keys, &moved).is_err());
}

#[test]
fn tenants_regions_and_environments_are_separated() {
    let keyring = Keyring::builder()
        .region("eu")
        .region("us")
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let acme =
        piiguard::unaudited::scoped_keys(&keyring, &Scope::new().tenant("acme").region("eu"));
    let globex =
        piiguard::unaudited::scoped_keys(&keyring, &Scope::new().tenant("globex").region("eu"));
    let json = acme.to_json(&customer(1, "jane@example.com")).unwrap();
    assert_eq!(reveal_email(&acme, &json).unwrap(), "jane@example.com");
    // Tenant B cannot open tenant A's envelope.
    assert!(reveal_email(&globex, &json).is_err());
    // Another region of the same keyring: a clear mismatch.
    let us = piiguard::unaudited::scoped_keys(&keyring, &Scope::new().tenant("acme").region("us"));
    assert!(matches!(
        us.from_json::<Customer>(&json),
        Err(Error::RegionMismatch { .. })
    ));
    // A keyring without EU keys (data localization).
    let us_only = Keyring::builder().region("us").build().unwrap();
    let eu_there =
        piiguard::unaudited::scoped_keys(&us_only, &Scope::new().tenant("acme").region("eu"));
    let back: Customer = eu_there.from_json(&json).unwrap();
    assert!(matches!(
        eu_there.expose_unaudited(&back, |c| &c.email),
        Err(Error::RegionUnavailable { region }) if region == "eu"
    ));
    assert!(matches!(
        eu_there.to_json(&customer(1, "jane@example.com")),
        Err(Error::RegionUnavailable { .. })
    ));
    // Production keys refuse a development envelope.
    let prod = Keyring::builder()
        .environment(Environment::Prod)
        .region("eu")
        .build()
        .unwrap();
    let prod_eu =
        piiguard::unaudited::scoped_keys(&prod, &Scope::new().tenant("acme").region("eu"));
    assert!(matches!(
        prod_eu.from_json::<Customer>(&json),
        Err(Error::EnvironmentMismatch {
            envelope: Environment::Dev,
            keyring: Environment::Prod
        })
    ));
}

#[test]
fn forgetting_a_subject_shreds_only_that_subject() {
    let store = std::sync::Arc::new(MemoryKeyStore::new());
    let keyring = Keyring::builder().store(store.clone()).build().unwrap();
    let keys = piiguard::unaudited::keys(&keyring);
    let jane = keys.to_json(&customer(1, "jane@example.com")).unwrap();
    let jane2 = keys.to_json(&customer(1, "jane.work@example.com")).unwrap();
    let john = keys.to_json(&customer(2, "john@example.com")).unwrap();
    assert_eq!(store.len(), 2);
    assert_eq!(
        common::admin::admin_guard(&keyring)
            .admin(&common::admin::ops(&keyring))
            .forget_subject(&1)
            .unwrap(),
        Forgotten::Destroyed
    );
    assert_eq!(
        common::admin::admin_guard(&keyring)
            .admin(&common::admin::ops(&keyring))
            .forget_subject(&1)
            .unwrap(),
        Forgotten::NoKey
    );
    assert_eq!(store.len(), 1);
    for row in [&jane, &jane2] {
        let c: Customer = keys.from_json(row).unwrap();
        assert!(matches!(
            keys.expose_unaudited(&c, |c| &c.email),
            Err(Error::SubjectForgotten)
        ));
    }
    assert_eq!(reveal_email(&keys, &john).unwrap(), "john@example.com");
    // A fresh keyring over the same store cannot open them either (no cached key).
    let again = Keyring::builder().store(store).build().unwrap();
    assert!(reveal_email(&piiguard::unaudited::keys(&again), &jane).is_err());
}

#[test]
fn rotation_keeps_old_data_readable_and_lookups_working() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let v1 = keys.to_json(&customer(1, "jane@example.com")).unwrap();
    let lookup = |json: &str| -> bool {
        let stored = row(json)["email_bidx"].as_str().unwrap().to_owned();
        keys.blind_index_candidates::<Customer>("email", "Jane@Example.com")
            .unwrap()
            .contains(&stored)
    };
    assert!(lookup(&v1), "before the rotation");

    common::admin::admin_guard(&keyring)
        .admin(&common::admin::ops(&keyring))
        .rotate_key(Purpose::FieldEncryption)
        .unwrap();
    common::admin::admin_guard(&keyring)
        .admin(&common::admin::ops(&keyring))
        .rotate_key(Purpose::BlindIndex)
        .unwrap();
    let states: Vec<_> = keyring
        .key_infos()
        .into_iter()
        .filter(|k| k.purpose == Purpose::FieldEncryption)
        .map(|k| (k.version, k.state))
        .collect();
    assert_eq!(states, [(1, KeyState::DecryptOnly), (2, KeyState::Active)]);

    let v2 = keys.to_json(&customer(2, "john@example.com")).unwrap();
    assert!(row(&v2)["email"].as_str().unwrap() != row(&v1)["email"].as_str().unwrap());
    // During: old rows still open and are still found; new rows too.
    assert_eq!(reveal_email(&keys, &v1).unwrap(), "jane@example.com");
    assert!(lookup(&v1), "during the rotation");
    assert_eq!(
        keys.blind_index_candidates::<Customer>("email", "jane@example.com")
            .unwrap()
            .len(),
        2
    );

    // Rewrap moves the old row to version 2, keeping its context.
    let mut old: Customer = keys.from_json(&v1).unwrap();
    let report = keys.rewrap(&mut old).unwrap();
    assert_eq!(report.rewrapped, 4);
    let rewrapped = keys.to_json(&old).unwrap();
    let envelope = Envelope::parse_text(row(&rewrapped)["email"].as_str().unwrap()).unwrap();
    assert_eq!(envelope.key_version(), 2);
    assert!(lookup(&rewrapped), "after the rewrap");
    assert_eq!(reveal_email(&keys, &rewrapped).unwrap(), "jane@example.com");

    // After version 1 is destroyed, only rewrapped data opens.
    common::admin::admin_guard(&keyring)
        .admin(&common::admin::ops(&keyring))
        .destroy_key("field-local", 1)
        .unwrap();
    assert!(matches!(
        reveal_email(&keys, &v1),
        Err(Error::KeyDestroyed { version: 1, .. })
    ));
    assert_eq!(reveal_email(&keys, &rewrapped).unwrap(), "jane@example.com");
    assert!(matches!(
        common::admin::admin_guard(&keyring)
            .admin(&common::admin::ops(&keyring))
            .destroy_key("field-local", 2),
        Err(Error::Keyring { .. })
    ));
}

#[test]
fn batch_rewrap_reports_progress_and_counts_failures() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let rows: Vec<String> = (0..5)
        .map(|i| keys.to_json(&customer(i, "jane@example.com")).unwrap())
        .collect();
    common::admin::admin_guard(&keyring)
        .admin(&common::admin::ops(&keyring))
        .rotate_key(Purpose::FieldEncryption)
        .unwrap();
    common::admin::admin_guard(&keyring)
        .admin(&common::admin::ops(&keyring))
        .forget_subject(&3)
        .unwrap();
    let mut records: Vec<Customer> = rows.iter().map(|r| keys.from_json(r).unwrap()).collect();
    let mut seen = Vec::new();
    let total = keys.rewrap_all(records.iter_mut(), |p| seen.push(p.records));
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    assert_eq!((total.records, total.rewrapped, total.failed), (5, 16, 1));
    let again = keys.rewrap_all(records.iter_mut(), |_| {});
    assert_eq!((again.rewrapped, again.current, again.failed), (0, 16, 1));
}

#[test]
fn export_view_pseudonymizes_and_omits_special_data() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let a = row(&keys
        .to_json_in(&customer(1, "Jane@Example.com"), View::Export)
        .unwrap());
    let b = row(&keys
        .to_json_in(&customer(2, "jane@example.com"), View::Export)
        .unwrap());
    assert!(a.get("diagnosis").is_none(), "special data is omitted");
    let pa = a["email"].as_str().unwrap();
    assert!(pa.starts_with("ps.pseudonym-local.1."));
    // Keyed over the normalized value: the same person links across rows…
    assert_eq!(a["email"], b["email"]);
    // …but per field: the same text in another field gives another pseudonym.
    assert_ne!(a["email"], a["phone"]);
    // Another keyring (another key) never produces the same pseudonym.
    let other = Keyring::in_memory(Environment::Dev);
    let c = row(&piiguard::unaudited::keys(&other)
        .to_json_in(&customer(1, "jane@example.com"), View::Export)
        .unwrap());
    assert_ne!(a["email"], c["email"]);
}

#[test]
fn no_error_or_debug_output_contains_a_value() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let sentinel = "sentinel-7Q2XK9@example.com";
    let json = keys.to_json(&customer(1, sentinel)).unwrap();
    let mut outputs = vec![format!("{keyring:?}"), format!("{keys:?}")];
    let back: Customer = keys.from_json(&json).unwrap();
    outputs.push(format!("{:?}", back.email.envelope().unwrap()));
    common::admin::admin_guard(&keyring)
        .admin(&common::admin::ops(&keyring))
        .forget_subject(&1)
        .unwrap();
    outputs.push(
        keys.expose_unaudited(&back, |c| &c.email)
            .err()
            .unwrap()
            .to_string(),
    );
    let bad = set(&json, "email", sentinel.into());
    outputs.push(keys.from_json::<Customer>(&bad).err().unwrap().to_string());
    outputs.push(format!(
        "{:?}",
        keys.blind_index_candidates::<Customer>("email", "sentinel-7Q2XK9")
    ));
    for out in outputs {
        assert!(!out.contains("7Q2XK9"), "{out}");
    }
}
