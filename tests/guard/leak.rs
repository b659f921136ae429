//! Sentinel leak tests: distinctive values pushed through every output path — `Debug`, pretty
//! `Debug`, `format!`, serde in every view, error values, a caught panic — and searched for by
//! 6-character fragments, not only whole values.
//!
//! Masks show part of a value by design (an email's domain, a card's last four). Each sentinel
//! therefore names its *secret part*, the part no mask shows, and the log view is searched for
//! fragments of that; the redacted view is searched for fragments of the whole value.

use piiguard::{Classified, Pii, View, in_view};

#[derive(Classified)]
struct Address {
    #[pii(class = address)]
    street: Pii<String>,
    #[pii(class = geo_location)]
    location: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = id)]
struct Patient {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = phone)]
    phones: Vec<Pii<String>>,
    #[pii(class = birth_date)]
    born: Pii<String>,
    #[pii(class = passport)]
    passport: Option<Pii<String>>,
    #[pii(class = card_number)]
    card: Pii<String>,
    #[pii(class = iban)]
    iban: Pii<String>,
    #[pii(class = national_id)]
    national_id: Pii<u64>,
    #[pii(class = health)]
    diagnosis: Pii<String>,
    #[pii(class = free_text)]
    notes: Pii<String>,
    #[pii(nested)]
    home: Address,
    ward: String,
}

/// (field, full value, the part no mask may show)
const SENTINELS: &[(&str, &str, &str)] = &[
    ("name", "Quintessa Vandermolen", "uintessa andermolen"),
    ("email", "zorblax.quintv@example.com", "orblax.quintv"),
    ("phones", "+1-555-0100-173", "+1-555-01"),
    ("born", "1968-11-29", "-11-29"),
    ("passport", "ZK7Q93XW5", "ZK7Q93"),
    ("card", "4012 8888 8888 1881", "88 8888 88"),
    ("iban", "DE89370400440532013000", "89370400440532013"),
    ("national_id", "730815442", "730815"),
    (
        "diagnosis",
        "sentinel-hypertension-QX77",
        "sentinel-hypertension-QX77",
    ),
    (
        "notes",
        "met Zorblax at Quixotic Diner",
        "met Zorblax at Quixotic Diner",
    ),
    (
        "street",
        "742 Evergreen Terrace, Springfield, US",
        "742 Evergreen Terrace",
    ),
    ("location", "52.520008,13.404954", "520008,13.404954"),
];

fn value(field: &str) -> &'static str {
    SENTINELS
        .iter()
        .find(|(f, ..)| *f == field)
        .map(|(_, v, _)| *v)
        .unwrap()
}

fn input_json() -> String {
    format!(
        r#"{{"id": 90210, "name": "{}", "email": "{}", "phones": ["{}"], "born": "{}",
            "passport": "{}", "card": "{}", "iban": "{}", "national_id": {}, "diagnosis": "{}",
            "notes": "{}", "home": {{"street": "{}", "location": "{}"}}, "ward": "cardiology"}}"#,
        value("name"),
        value("email"),
        value("phones"),
        value("born"),
        value("passport"),
        value("card"),
        value("iban"),
        value("national_id"),
        value("diagnosis"),
        value("notes"),
        value("street"),
        value("location"),
    )
}

fn patient() -> Patient {
    serde_json::from_str(&input_json()).expect("the sentinel input is valid")
}

/// Every 6-character window of `secret` (ignoring windows that are only separators).
fn fragments(secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 6 {
        return vec![secret.to_string()];
    }
    chars
        .windows(6)
        .map(|w| w.iter().collect::<String>())
        .filter(|w| w.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
        .collect()
}

fn assert_no_fragment<'a>(output: &str, secrets: impl IntoIterator<Item = &'a str>, what: &str) {
    let mut checked = 0;
    for secret in secrets {
        for fragment in fragments(secret) {
            checked += 1;
            assert!(
                !output.contains(&fragment),
                "{what} leaks the fragment {fragment:?} of a sentinel:\n{output}"
            );
        }
    }
    assert!(checked > 0, "the test must actually search");
}

fn secret_parts() -> impl Iterator<Item = &'static str> {
    SENTINELS.iter().map(|(_, _, secret)| *secret)
}

fn full_values() -> impl Iterator<Item = &'static str> {
    SENTINELS.iter().map(|(_, value, _)| *value)
}

#[test]
fn the_search_finds_a_planted_fragment() {
    // Positive control: the checker must be able to fail.
    let planted = format!("log line with {}", &value("email")[2..10]);
    let found = std::panic::catch_unwind(|| {
        assert_no_fragment(&planted, secret_parts(), "planted");
    });
    assert!(found.is_err());
}

#[test]
fn debug_and_pretty_debug_show_no_secret_part() {
    let p = patient();
    let debug = format!("{p:?}");
    let pretty = format!("{p:#?}");
    assert_no_fragment(&debug, secret_parts(), "Debug");
    assert_no_fragment(&pretty, secret_parts(), "pretty Debug");
    // Masks are there, and sensitive/special data is fully redacted.
    assert!(debug.contains(r#"email: "z***@example.com""#), "{debug}");
    assert!(debug.contains("card: [REDACTED:card_number]"), "{debug}");
    assert!(debug.contains("diagnosis: [REDACTED:health]"), "{debug}");
    assert!(debug.contains(r#"phones: ["***-0173"]"#), "{debug}");
    assert!(debug.contains("ward: \"cardiology\""), "{debug}");
}

#[test]
fn plain_serialization_shows_no_fragment_of_any_value() {
    let p = patient();
    let json = serde_json::to_string(&p).unwrap();
    let viewed = serde_json::to_string(&in_view(&p, View::Redacted)).unwrap();
    assert_eq!(json, viewed);
    assert_no_fragment(&json, full_values(), "redacted JSON");
    assert!(json.contains(r#""email":"[REDACTED:email]""#));
    assert!(json.contains(r#""home":{"street":"[REDACTED:address]""#));
}

#[test]
fn log_view_shows_no_secret_part() {
    let p = patient();
    let json = serde_json::to_string(&in_view(&p, View::Log)).unwrap();
    let pretty = serde_json::to_string_pretty(&in_view(&p, View::Log)).unwrap();
    assert_no_fragment(&json, secret_parts(), "log JSON");
    assert_no_fragment(&pretty, secret_parts(), "pretty log JSON");
    assert!(
        json.contains(r#""street":"***, Springfield, US""#),
        "{json}"
    );
}

#[test]
fn keyed_views_refuse_without_keys_and_say_nothing_of_the_value() {
    let p = patient();
    for view in [View::Storage, View::Export] {
        let err = serde_json::to_string(&in_view(&p, view)).unwrap_err();
        let shown = format!("{err} / {err:?}");
        assert!(shown.contains("needs keys"), "{shown}");
        assert_no_fragment(&shown, full_values(), "keyed view error");
    }
}

#[test]
fn format_and_string_conversions_show_no_value() {
    let p = patient();
    let outputs = [
        format!("{:?}", p.email),
        format!("{:>40?}", p.card),
        format!("{:?}", p.national_id),
        format!("{:?}", p.home),
        p.email.redacted().to_string(),
        p.card.mask().to_string(),
    ];
    for out in &outputs {
        assert_no_fragment(out, secret_parts(), "format!");
    }
}

#[test]
fn invalid_input_errors_never_quote_the_value() {
    // Each variant breaks one field with a sentinel-bearing invalid value.
    let broken = [
        (
            "zorblax.quintv@example.com",
            "zorblax.quintv-at-example.com",
        ),
        ("4012 8888 8888 1881", "4012 8888 8888 1882"),
        ("DE89370400440532013000", "DE89370400440532013001"),
        ("1968-11-29", "1968-11-31"),
        ("+1-555-0100-173", "+1-555-0100-173-zorblax"),
        (
            r#""national_id": 730815442"#,
            r#""national_id": "730815442-zorblax""#,
        ),
        (
            r#""phones": ["+1-555-0100-173"]"#,
            r#""phones": "+1-555-0100-173""#,
        ),
        (
            r#""passport": "ZK7Q93XW5""#,
            r#""passport": {"ZK7Q93XW5": 1}"#,
        ),
        (
            r#""national_id": 730815442"#,
            r#""national_id": 730815442.5"#,
        ),
    ];
    let input = input_json();
    for (from, to) in broken {
        assert!(input.contains(from), "{from}");
        let err = match serde_json::from_str::<Patient>(&input.replace(from, to)) {
            Ok(_) => panic!("accepted the invalid input {to:?}"),
            Err(err) => err,
        };
        let shown = format!("{err} / {err:?}");
        assert_no_fragment(&shown, full_values(), "deserialization error");
    }
}

#[test]
fn a_caught_panic_that_formats_the_record_shows_no_secret_part() {
    let p = patient();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        panic!("request failed for {p:?}");
    }))
    .unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(message.contains("request failed for Patient"));
    assert_no_fragment(message, secret_parts(), "panic message");
}

#[test]
fn values_are_intact_behind_the_protection() {
    let p = patient();
    p.email.expose(|e| assert_eq!(e, value("email"))).unwrap();
    p.national_id
        .expose(|n| assert_eq!(n.to_string(), value("national_id")))
        .unwrap();
    p.phones[0]
        .expose(|n| assert_eq!(n, value("phones")))
        .unwrap();
    p.home
        .street
        .expose(|s| assert_eq!(s, value("street")))
        .unwrap();
    assert_eq!(p.subject_id().unwrap().as_str(), "90210");
}
