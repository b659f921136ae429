//! Values behind the protection: every `PiiValue` type round-trips through seal/expose and
//! through deserialization; placeholders and masks fed back as input never become values.

use piiguard::class::BUILT_IN;
use piiguard::{Class, Error, Pii, value::PiiValue};
use proptest::prelude::*;
use serde::de::DeserializeOwned;

fn sealed_round_trip<T: PiiValue + Clone + PartialEq + std::fmt::Debug>(value: T) {
    let pii = Pii::new(value.clone());
    pii.expose(|v| assert_eq!(v, &value)).unwrap();
    let copy = pii.clone();
    assert!(copy == pii);
    copy.expose(|v| assert_eq!(v, &value)).unwrap();
}

proptest! {
    #[test]
    fn strings_round_trip(s in any::<String>()) { sealed_round_trip(s) }

    #[test]
    fn bytes_round_trip(b in proptest::collection::vec(any::<u8>(), 0..300)) { sealed_round_trip(b) }

    #[test]
    fn integers_round_trip(a in any::<u64>(), b in any::<i64>(), c in any::<u128>(), d in any::<i128>(), e in any::<i8>()) {
        sealed_round_trip(a);
        sealed_round_trip(b);
        sealed_round_trip(c);
        sealed_round_trip(d);
        sealed_round_trip(e);
    }

    #[test]
    fn dates_round_trip(day in time::Date::MIN.to_julian_day()..=time::Date::MAX.to_julian_day()) {
        let date = time::Date::from_julian_day(day).unwrap();
        sealed_round_trip(date);
    }

    /// The fuzz target `class_rules`'s properties, on generated text and bytes.
    #[test]
    fn masks_are_marked_and_never_accepted_back(
        class in 0usize..14,
        text in "[ -~]{0,40}|[0-9 +()-]{0,24}|[a-z.]{1,10}@[a-z]{1,8}\\.com",
        bytes in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let class = BUILT_IN[class];
        for value in [text.as_bytes(), bytes.as_slice()] {
            let masked = class.mask(value);
            prop_assert!(masked.is_redacted() || masked.as_str().contains('*'));
            if class.validate(value).is_err() {
                prop_assert!(masked.is_redacted(), "an invalid value was partly shown");
            }
            if masked.as_str().contains('*') {
                prop_assert!(class.validate(masked.as_str().as_bytes()).is_err());
            }
            let _ = class.normalize(value);
        }
    }
}

#[test]
fn booleans_round_trip() {
    sealed_round_trip(true);
    sealed_round_trip(false);
}

fn from_json<T: DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn every_value_type_deserializes_from_natural_input() {
    let s: Pii<String> = from_json(r#""jane@example.com""#);
    s.expose(|v| assert_eq!(v, "jane@example.com")).unwrap();
    let n: Pii<u64> = from_json("18446744073709551615");
    n.expose(|v| assert_eq!(*v, u64::MAX)).unwrap();
    let i: Pii<i32> = from_json("-42");
    i.expose(|v| assert_eq!(*v, -42)).unwrap();
    let b: Pii<bool> = from_json("true");
    b.expose(|v| assert!(*v)).unwrap();
    let bytes: Pii<Vec<u8>> = from_json("[0, 7, 255]");
    bytes.expose(|v| assert_eq!(v, &[0, 7, 255])).unwrap();
    let d: Pii<time::Date> = from_json(r#""1990-05-17""#);
    d.expose(|v| assert_eq!((v.year(), v.day()), (1990, 17)))
        .unwrap();
}

#[test]
fn out_of_range_and_mistyped_input_is_a_typed_error() {
    for (json, expected) in [
        ("256", "not a valid u8"),
        ("-1", "not a valid u8"),
        ("1.5", "wrong input type"),
        (r#"{"a":1}"#, "wrong input type"),
        ("null", "wrong input type"),
    ] {
        let err = serde_json::from_str::<Pii<u8>>(json)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(expected), "{json}: {err}");
    }
    let err = serde_json::from_str::<Pii<Vec<u8>>>("[1, 300]")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("something other than a byte"), "{err}");
}

#[test]
fn redacted_placeholders_never_become_values() {
    for class in BUILT_IN {
        for placeholder in [
            format!("[REDACTED:{}]", class.name()),
            "[REDACTED]".to_string(),
        ] {
            let json = serde_json::to_string(&placeholder).unwrap();
            let err = serde_json::from_str::<Pii<String>>(&json).err().unwrap();
            assert!(
                err.to_string().contains("placeholder is not a value"),
                "{class}: {err}"
            );
        }
    }
    // A serialized Pii is a placeholder, so a round trip through plain serde refuses.
    let pii = Pii::classified(String::from("jane@example.com"), Class::Email).unwrap();
    let json = serde_json::to_string(&pii).unwrap();
    assert_eq!(json, r#""[REDACTED:email]""#);
    assert!(serde_json::from_str::<Pii<String>>(&json).is_err());
}

#[test]
fn masked_output_fed_back_as_a_classified_field_is_refused() {
    #[derive(piiguard::Classified)]
    struct Contact {
        #[pii(class = email)]
        email: Pii<String>,
        #[pii(class = card_number)]
        card: Pii<String>,
        #[pii(class = name)]
        name: Pii<String>,
    }
    let c: Contact = from_json(
        r#"{"email": "jane@example.com", "card": "4111 1111 1111 1111", "name": "Jane Doe"}"#,
    );
    let log = serde_json::to_string(&piiguard::in_view(&c, piiguard::View::Log)).unwrap();
    assert_eq!(
        log,
        r#"{"email":"j***@example.com","card":"[REDACTED:card_number]","name":"J*** D***"}"#
    );
    let err = serde_json::from_str::<Contact>(&log)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("placeholder is not a value"), "{err}");
    for masked in [
        r#"{"email": "j***@example.com", "card": "4111 1111 1111 1111", "name": "Jane Doe"}"#,
        r#"{"email": "jane@example.com", "card": "411111******1111", "name": "Jane Doe"}"#,
        r#"{"email": "jane@example.com", "card": "4111 1111 1111 1111", "name": "J*** D***"}"#,
    ] {
        let err = serde_json::from_str::<Contact>(masked)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("placeholder is not a value"),
            "{masked}: {err}"
        );
    }
}

#[test]
fn classified_construction_validates_and_reports_the_class() {
    assert!(matches!(
        Pii::classified(String::from("DE89 3704 0044 0532 0130 01"), Class::Iban),
        Err(Error::InvalidValue {
            class: "iban",
            reason: "fails the mod-97 check"
        })
    ));
    assert!(matches!(
        Pii::classified(String::new(), Class::Email),
        Err(Error::InvalidValue {
            class: "email",
            reason: "empty"
        })
    ));
    let ok = Pii::classified(String::from("+1 555 0100 142"), Class::Phone).unwrap();
    assert_eq!(ok.mask().as_str(), "***-0142");
    assert_eq!(Pii::new(String::from("x")).mask().as_str(), "[REDACTED]");
}
