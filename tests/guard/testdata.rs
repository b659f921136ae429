//! Synthetic test data: for every class, 10,000 values that pass the class's validation and
//! come only from reserved or test ranges; the same seed gives the same data; whole records
//! through the derive; a production guard refuses to be filled.

use piiguard::keys::{Environment, Keyring};
use piiguard::testdata::{Synth, Synthetic};
use piiguard::{Class, Classified, Guard, Pii};
use std::net::IpAddr;
use std::sync::Arc;

const CLASSES: [Class; 14] = [
    Class::Email,
    Class::Phone,
    Class::Name,
    Class::Address,
    Class::BirthDate,
    Class::Passport,
    Class::NationalId,
    Class::CardNumber,
    Class::Iban,
    Class::IpAddress,
    Class::GeoLocation,
    Class::Health,
    Class::Biometric,
    Class::FreeText,
];

/// Whether `value` of `class` is in the ranges the module promises.
fn reserved(class: Class, value: &str) -> bool {
    match class {
        Class::Email => ["@example.com", "@example.org", "@example.net"]
            .iter()
            .any(|d| value.ends_with(d)),
        Class::Phone => {
            let nanp =
                value.starts_with("+1-") && value[6..].starts_with("-555-01") && value.len() == 15;
            let drama = value.starts_with("+44 7700 900") && value.len() == 15;
            nanp || drama
        }
        Class::NationalId => value.starts_with("QQ "),
        Class::CardNumber => ["411111", "424242", "555555", "378282"]
            .iter()
            .any(|b| value.starts_with(b)),
        Class::IpAddress => match value.parse::<IpAddr>().unwrap() {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                matches!((a, b, c), (192, 0, 2) | (198, 51, 100) | (203, 0, 113))
            }
            IpAddr::V6(v6) => v6.segments()[..2] == [0x2001, 0x0db8],
        },
        Class::GeoLocation => value
            .split(',')
            .all(|d| d.parse::<f64>().is_ok_and(|d| d.abs() <= 0.5)),
        Class::Address => value.ends_with(", Springfield"),
        Class::Passport => value.starts_with('X') && value.len() == 9,
        Class::Health | Class::Biometric | Class::FreeText => {
            value.starts_with("synthetic") || value.starts_with("Synthetic")
        }
        _ => true,
    }
}

#[test]
fn ten_thousand_values_of_every_class_are_valid_and_reserved() {
    let mut synth = Synth::seeded(2026);
    for class in CLASSES {
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let value = synth.value(class);
            assert!(
                class.validate(value.as_bytes()).is_ok(),
                "{}: {value} fails validation",
                class.name()
            );
            assert!(
                reserved(class, &value),
                "{}: {value} is outside the reserved ranges",
                class.name()
            );
            distinct.insert(value);
        }
        assert!(
            distinct.len() > 100,
            "{}: only {} distinct values",
            class.name(),
            distinct.len()
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_data() {
    let values = |seed| {
        let mut synth = Synth::seeded(seed);
        CLASSES.iter().map(|c| synth.value(*c)).collect::<Vec<_>>()
    };
    assert_eq!(values(7), values(7));
    assert_ne!(values(7), values(8));
}

#[derive(Classified)]
#[pii(synthetic)]
struct Address {
    #[pii(class = address)]
    street: Pii<String>,
    country: String,
}

#[derive(Classified)]
#[pii(subject = id, synthetic)]
struct Customer {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Option<Pii<String>>,
    #[pii(class = birth_date)]
    born: Pii<time::Date>,
    #[pii(class = card_number)]
    cards: Vec<Pii<String>>,
    #[pii(nested)]
    address: Address,
    active: bool,
}

#[test]
fn whole_records_are_made_by_the_derive_deterministically() {
    let one = Customer::synthetic(&mut Synth::seeded(42));
    let two = Customer::synthetic(&mut Synth::seeded(42));
    let mask = |c: &Customer| format!("{c:?}");
    assert_eq!(one.id, two.id);
    assert_eq!(mask(&one), mask(&two));
    assert!(one.phone.is_some() && !one.cards.is_empty());
    let email = one.email.expose(|e| e.clone()).unwrap();
    assert!(email.contains("@example."), "{email}");
    assert!(one.born.expose(|d| d.year() >= 1930).unwrap());
    let street = one.address.street.expose(|s| s.clone()).unwrap();
    assert!(street.ends_with(", Springfield"));
}

#[test]
fn a_dev_guard_is_filled_from_the_test_data_and_a_production_guard_refuses() {
    let prod = Guard::builder(Keyring::in_memory(Environment::Prod))
        .audit(Arc::new(piiguard::audit::MemorySink::new()))
        .build()
        .unwrap();
    assert!(matches!(
        Synth::for_guard(&prod, 1),
        Err(piiguard::Error::Unsupported { .. })
    ));
    let dev = Guard::builder(Keyring::in_memory(Environment::Dev))
        .audit(Arc::new(piiguard::audit::MemorySink::new()))
        .build()
        .unwrap();
    let mut synth = Synth::for_guard(&dev, 1).unwrap();
    for _ in 0..50 {
        let customer = Customer::synthetic(&mut synth);
        let row = dev.storage().to_json(&customer).unwrap();
        let back: Customer = dev.storage().from_json(&row).unwrap();
        assert_eq!(back.id, customer.id);
    }
}
