//! Every error a client can see names the problem in the user's terms (a syntax error and
//! where, a wrong type, a missing field, an invalid value of a class) and never a value nor an
//! internal type name. Each bad input below is one a hostile or careless client sends.

use piiguard::audit::MemorySink;
use piiguard::keys::{Environment, Keyring};
use piiguard::{Classified, Guard, Pii, Policy};
use std::sync::Arc;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Option<Pii<String>>,
    #[pii(class = card_number)]
    cards: Vec<Pii<String>>,
}

/// Values planted in the inputs: none may appear in an error.
const VALUES: [&str; 5] = [
    "q8z.leak@example.com",
    "14155550123",
    "4111111111111112",
    "Q8ZSECRET",
    "q8z@@example.com",
];

/// Texts that would betray the implementation.
const INTERNAL: [&str; 6] = [
    "__",
    "Shadow",
    "piiguard::",
    "PiiSeed",
    "Visitor",
    "Zeroizing",
];

fn check(what: &str, message: &str, expected: &str) {
    assert!(
        message.contains(expected),
        "{what}: expected {expected:?} in {message:?}"
    );
    for value in VALUES {
        assert!(!message.contains(value), "{what}: a value in {message:?}");
    }
    for internal in INTERNAL {
        assert!(
            !message.contains(internal),
            "{what}: an internal name in {message:?}"
        );
    }
}

fn input_error(body: &str) -> String {
    serde_json::from_str::<Customer>(body)
        .map(|_| ())
        .expect_err(body)
        .to_string()
}

#[test]
fn input_errors_name_the_problem_and_nothing_else() {
    let cases: [(&str, &str, &str); 12] = [
        ("null body", "null", "expected a Customer record"),
        ("a list body", "[1]", "expected a Customer record"),
        (
            "syntax error in a value",
            r#"{"id": 1, "email": "q8z.leak@example.com"#,
            "line 1",
        ),
        (
            "syntax error after a value",
            r#"{"id": 1, "email": "q8z.leak@example.com" "cards": []}"#,
            "expected `,` or `}`",
        ),
        (
            "missing field",
            r#"{"id": 1, "cards": []}"#,
            "missing field `email`",
        ),
        (
            "duplicate field",
            r#"{"id": 1, "email": "a@example.com", "email": "b@example.com", "cards": []}"#,
            "duplicate field `email`",
        ),
        (
            "number for text",
            r#"{"id": 1, "email": "a@example.com", "phone": 14155550123, "cards": []}"#,
            "wrong input type for a classified phone value",
        ),
        (
            "invalid email",
            r#"{"id": 1, "email": "Q8ZSECRET", "cards": []}"#,
            "invalid email value",
        ),
        (
            "card failing Luhn",
            r#"{"id": 1, "email": "a@example.com", "cards": ["4111111111111112"]}"#,
            "invalid card_number value: fails the Luhn check",
        ),
        (
            "a string for a list",
            r#"{"id": 1, "email": "a@example.com", "cards": "4111111111111112"}"#,
            "wrong input type for a classified card_number field",
        ),
        (
            "a placeholder fed back",
            r#"{"id": 1, "email": "[REDACTED:email]", "cards": []}"#,
            "placeholder is not a value",
        ),
        (
            "a mask fed back",
            r#"{"id": 1, "email": "q***@example.com", "cards": []}"#,
            "placeholder is not a value",
        ),
    ];
    for (what, body, expected) in cases {
        check(what, &input_error(body), expected);
    }
}

#[test]
fn storage_errors_name_the_problem_and_nothing_else() {
    let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
        .policy(Policy::starter())
        .audit(Arc::new(MemorySink::new()))
        .build()
        .unwrap();
    let cases: [(&str, &str, &str); 3] = [
        (
            "cleartext where an envelope belongs",
            r#"{"id": 1, "email": "q8z.leak@example.com", "cards": []}"#,
            "must be an encrypted envelope",
        ),
        (
            "a broken envelope",
            r#"{"id": 1, "email": "pg1.Q8ZSECRET", "cards": []}"#,
            "malformed envelope",
        ),
        (
            "syntax",
            r#"{"id": 1, "email": "q8z.leak@example.com"#,
            "JSON data error at line 1, column 40",
        ),
    ];
    for (what, row, expected) in cases {
        let error = guard
            .storage()
            .from_json::<Customer>(row)
            .map(|_| ())
            .expect_err(what)
            .to_string();
        check(what, &error, expected);
    }
}
