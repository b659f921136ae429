//! Any bytes as JSON for a classified record: never a panic; an accepted record prints and
//! serializes without error in every keyless view, and its redacted form never deserializes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piiguard::{Classified, Pii, View, in_view};

#[derive(Classified)]
#[pii(subject = id)]
struct Record {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = card_number)]
    card: Option<Pii<String>>,
    #[pii(class = ip_address)]
    ips: Vec<Pii<String>>,
    #[pii(class = national_id)]
    national_id: Pii<u64>,
    #[pii(class = biometric)]
    template: Pii<Vec<u8>>,
    note: String,
}

fuzz_target!(|data: &[u8]| {
    let Ok(record) = serde_json::from_slice::<Record>(data) else {
        return;
    };
    let _ = format!("{record:?}");
    let redacted = serde_json::to_string(&record).expect("the redacted view always serializes");
    serde_json::to_string(&in_view(&record, View::Log)).expect("the log view always serializes");
    assert!(serde_json::to_string(&in_view(&record, View::Storage)).is_err());
    assert!(serde_json::from_str::<Record>(&redacted).is_err(), "a placeholder became a value");
});
