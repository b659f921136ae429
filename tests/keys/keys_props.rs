//! Property: any value, in fields of several classes, under any tenant, region and subject,
//! survives the storage view and a reveal — and opens nowhere else.

use piiguard::keys::{Environment, Keyring, MemoryKeyStore, Scope};
use piiguard::{Classified, Pii};
use proptest::prelude::*;

#[derive(Classified)]
#[pii(subject = subject)]
struct Record {
    subject: String,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = free_text)]
    note: Pii<String>,
    #[pii(class = free_text, export = hash)]
    blob: Pii<Vec<u8>>,
    #[pii(class = national_id)]
    number: Option<Pii<u64>>,
}

fn keyring() -> Keyring {
    Keyring::builder()
        .environment(Environment::Staging)
        .region("eu")
        .region("us-east")
        .store(MemoryKeyStore::new())
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn storage_round_trip(
        email in "[a-z][a-z0-9]{0,5}(\\.[a-z0-9]{1,5}){0,2}@example\\.com",
        phone in "\\+1555010[0-9]",
        note in "[^*]{0,40}",
        blob in proptest::collection::vec(any::<u8>(), 0..64),
        number in proptest::option::of(any::<u64>()),
        subject in "[a-zA-Z0-9 _-]{1,20}",
        tenant in "[a-z0-9-]{0,12}",
        eu in any::<bool>(),
    ) {
        prop_assume!(!note.starts_with("pg1.") && !note.starts_with("[REDACTED"));
        let keyring = keyring();
        let region = if eu { "eu" } else { "us-east" };
        let keys = piiguard::unaudited::scoped_keys(&keyring, &Scope::new().tenant(&tenant).region(region));
        let record = Record {
            subject: subject.clone(),
            email: Pii::new(email.clone()),
            phone: Pii::new(phone.clone()),
            note: Pii::new(note.clone()),
            blob: Pii::new(blob.clone()),
            number: number.map(Pii::new),
        };
        let json = keys.to_json(&record).unwrap();
        let back: Record = keys.from_json(&json).unwrap();
        let email_back = keys.expose_unaudited(&back, |r| &r.email).unwrap();
        prop_assert_eq!(email_back.expose(), &email);
        let phone_back = keys.expose_unaudited(&back, |r| &r.phone).unwrap();
        prop_assert_eq!(phone_back.expose(), &phone);
        let note_back = keys.expose_unaudited(&back, |r| &r.note).unwrap();
        prop_assert_eq!(note_back.expose(), &note);
        let blob_back = keys.expose_unaudited(&back, |r| &r.blob).unwrap();
        prop_assert_eq!(blob_back.expose(), &blob);
        if let (Some(n), Some(p)) = (number, back.number.as_ref()) {
            prop_assert_eq!(*keys.expose_unaudited(&back, |_| p).unwrap().expose(), n);
        }
        // The same row under another tenant opens nothing.
        let other = piiguard::unaudited::scoped_keys(&keyring, &Scope::new().tenant(&format!("{tenant}x")).region(region));
        let moved: Record = other.from_json(&json).unwrap();
        prop_assert!(other.expose_unaudited(&moved, |r| &r.email).is_err());
        // The blind index is found by a lookup of the same email in any letter case.
        let stored = serde_json::from_str::<serde_json::Value>(&json).unwrap()["email_bidx"]
            .as_str().unwrap().to_owned();
        let candidates = keys
            .blind_index_candidates::<Record>("email", &email.to_uppercase())
            .unwrap();
        prop_assert!(candidates.contains(&stored));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Parsing is total and canonical: any bytes give an envelope or a typed error, and an
    /// envelope re-encodes to exactly its input.
    #[test]
    fn envelope_parsing_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..96), prefix in any::<bool>()) {
        let mut input = bytes.clone();
        if prefix && input.len() >= 4 {
            input[..4].copy_from_slice(&[b'P', b'G', 1, 0]);
        }
        match piiguard::Envelope::parse_bytes(&input) {
            Ok(e) => {
                prop_assert_eq!(e.as_bytes(), &input[..]);
                prop_assert_eq!(piiguard::Envelope::parse_text(&e.to_text()).unwrap(), e);
            }
            Err(err) => {
                let typed = matches!(err, piiguard::Error::Envelope { .. });
                prop_assert!(typed, "untyped error");
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(e) = piiguard::Envelope::parse_text(&format!("pg1.{text}")) {
            prop_assert_eq!(e.to_text(), format!("pg1.{text}"));
        }
    }
}
