//! Validation that matches the standards, table-driven per class: emails per the practical
//! subset of RFC 5321/5322 with RFC 6531 UTF-8 and valid domain labels; no text class takes
//! control characters or bidirectional overrides; identifiers take no invisible characters;
//! text is sealed and indexed in its Unicode NFC form.

use piiguard::keys::{Environment, Keyring};
use piiguard::{Class, Classified, Error, Pii, unaudited};

fn check(class: Class, valid: &[&str], invalid: &[&str]) {
    for v in valid {
        assert!(
            class.validate(v.as_bytes()).is_ok(),
            "{class} refused {v:?}"
        );
    }
    for v in invalid {
        match class.validate(v.as_bytes()) {
            Err(Error::InvalidValue { class: c, .. }) => assert_eq!(c, class.name()),
            other => panic!("{class} accepted {v:?}: {other:?}"),
        }
    }
}

#[test]
fn emails() {
    check(
        Class::Email,
        &[
            "jane@example.com",
            "jane.doe+tag@example.co.uk",
            "o'brien@example.com",
            "j_d-1@sub-domain.example.com",
            "x@xn--bcher-kva.example",
            "josé@example.com",
            "用户@例子.example",
        ],
        &[
            "a@@example.com",
            "a@b@example.com",
            "jane\u{200B}@example.com",
            "jane@exa\u{200D}mple.com",
            "jane@example",
            ".jane@example.com",
            "jane.@example.com",
            "ja..ne@example.com",
            "jane@-example.com",
            "jane@example-.com",
            "jane@exa mple.com",
            "jane@example.123",
            "jane@\u{202E}moc.elpmaxe",
            "jane\n@example.com",
            "\"jane doe\"@example.com",
            "jane@[192.0.2.1]",
            "jane(comment)@example.com",
            "@example.com",
            "jane@",
            &format!("{}@example.com", "a".repeat(65)),
            &format!("jane@{}.com", "a".repeat(64)),
        ],
    );
}

#[test]
fn names_take_joiners_but_no_controls_overrides_or_line_breaks() {
    check(
        Class::Name,
        &[
            "Jane Doe",
            "O'Brien",
            "José Álvarez",
            "محمد علي",
            "Ni\u{200C}ma",
        ],
        &[
            "Jane\u{202E}Doe",
            "Jane\nDoe",
            "Jane\u{0007}",
            "Jane\u{0085}Doe",
            "\u{2066}Jane",
        ],
    );
}

#[test]
fn identifiers_take_no_invisible_characters() {
    check(
        Class::Phone,
        &["+1-555-0100"],
        &["+1-555-0100\u{200B}", "+1-555\u{202D}-0100"],
    );
    check(
        Class::CardNumber,
        &["4111 1111 1111 1111"],
        &["4111\u{FEFF}1111 1111 1111", "4111 1111\t1111 1111"],
    );
    check(
        Class::Iban,
        &["DE89 3704 0044 0532 0130 00"],
        &["DE89 3704 0044 0532 0130 00\u{00AD}"],
    );
    check(Class::Passport, &["X12345678"], &["X1234\u{2060}5678"]);
}

#[test]
fn free_text_takes_lines_and_tabs_but_no_controls_or_overrides() {
    check(
        Class::FreeText,
        &["line one\nline two\twith a tab\r\n"],
        &[
            "text \u{202E}reversed",
            "\u{0000}",
            "bell \u{0007}",
            "\u{009B}31m",
        ],
    );
    check(
        Class::Address,
        &["1 Main St, Springfield, US"],
        &["1 Main St\u{202E}, Springfield, US"],
    );
}

#[derive(Classified)]
struct Person {
    #[pii(class = name, index)]
    name: Pii<String>,
}

#[test]
fn text_is_sealed_and_indexed_in_nfc() {
    let decomposed = "Jose\u{0301} A\u{0301}lvarez";
    let composed = "José Álvarez";
    assert_ne!(decomposed, composed);
    let body = serde_json::json!({ "name": decomposed }).to_string();
    let person: Person = serde_json::from_str(&body).unwrap();
    assert_eq!(
        person.name.expose(String::clone).unwrap(),
        composed,
        "input is sealed in its NFC form"
    );
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = unaudited::keys(&keyring);
    assert_eq!(
        keys.blind_index_candidates::<Person>("name", decomposed)
            .unwrap(),
        keys.blind_index_candidates::<Person>("name", composed)
            .unwrap(),
        "both forms find the same rows"
    );
    // A value an application sealed itself, undecomposed, still indexes like its NFC form.
    let own = Person {
        name: Pii::new(decomposed.to_owned()),
    };
    let row: serde_json::Value = serde_json::from_str(&keys.to_json(&own).unwrap()).unwrap();
    let wanted = keys
        .blind_index_candidates::<Person>("name", composed)
        .unwrap();
    assert_eq!(row["name_bidx"].as_str().unwrap(), wanted[0]);
}
