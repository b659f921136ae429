//! Input of the wrong type is refused with a typed, value-free error, never converted: a JSON
//! number is not a phone number's text, a list of numbers is not a name. Checked with JSON and
//! with TOML.

use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Signup {
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = free_text)]
    account: Option<Pii<u64>>,
    #[pii(class = free_text)]
    opted_in: Option<Pii<bool>>,
}

fn json_error(body: &str) -> String {
    match serde_json::from_str::<Signup>(body) {
        Ok(_) => panic!("accepted {body}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn json_numbers_booleans_and_arrays_are_not_text() {
    for (body, class, value) in [
        (
            r#"{"name": "Jane", "phone": 14155550123}"#,
            "phone",
            "14155550123",
        ),
        (
            r#"{"name": [74, 97, 110, 101], "phone": "+1-555-0100"}"#,
            "name",
            "74",
        ),
        (r#"{"name": true, "phone": "+1-555-0100"}"#, "name", "true"),
        (r#"{"name": 7.5, "phone": "+1-555-0100"}"#, "name", "7.5"),
    ] {
        let error = json_error(body);
        assert!(
            error.contains(&format!(
                "wrong input type for a classified {class} value (a string expected)"
            )),
            "{error}"
        );
        assert!(!error.contains(value), "the value leaked into: {error}");
    }
}

#[test]
fn numeric_and_boolean_values_take_their_own_types_only() {
    let ok: Signup = serde_json::from_str(
        r#"{"name": "Jane", "phone": "+1-555-0100", "account": 48213977, "opted_in": true}"#,
    )
    .unwrap();
    assert_eq!(ok.account.unwrap().expose(|a| *a).unwrap(), 48_213_977);
    assert!(ok.opted_in.unwrap().expose(|b| *b).unwrap());
    let error = json_error(r#"{"name": "Jane", "phone": "+1-555-0100", "account": true}"#);
    assert!(
        error.contains("(a non-negative integer expected)"),
        "{error}"
    );
    let error = json_error(r#"{"name": "Jane", "phone": "+1-555-0100", "opted_in": 1}"#);
    assert!(error.contains("(true or false expected)"), "{error}");
}

#[test]
fn toml_input_gets_the_same_rules() {
    // `toml`'s `Display` prints the offending input line itself; its `message()` is ours.
    let error = toml::from_str::<Signup>("name = \"Jane\"\nphone = 14155550123\n")
        .expect_err("a TOML integer is not a phone number")
        .message()
        .to_owned();
    assert!(
        error.contains("wrong input type for a classified phone value (a string expected)"),
        "{error}"
    );
    assert!(!error.contains("14155550123"), "{error}");
    let ok: Signup =
        toml::from_str("name = \"Jane\"\nphone = \"+1-555-0100\"\naccount = 42\n").unwrap();
    assert_eq!(ok.account.unwrap().expose(|a| *a).unwrap(), 42);
}
