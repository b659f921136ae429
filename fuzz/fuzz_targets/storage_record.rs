//! Any bytes as a storage-view row: reading it never panics, and a reveal of any field either
//! opens or fails with a typed error (tampered input never opens as someone else's data).
#![no_main]

use libfuzzer_sys::fuzz_target;
use piiguard::keys::{Environment, Keyring};
use piiguard::{Classified, Pii};
use std::sync::OnceLock;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Option<Pii<String>>,
    #[pii(class = national_id)]
    ids: Vec<Pii<u64>>,
}

fn keyring() -> &'static Keyring {
    static KEYRING: OnceLock<Keyring> = OnceLock::new();
    KEYRING.get_or_init(|| Keyring::in_memory(Environment::Dev))
}

fuzz_target!(|data: &[u8]| {
    let keys = piiguard::unaudited::keys(keyring());
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(record) = keys.from_json::<Customer>(text) else {
        return;
    };
    let _ = keys.expose_unaudited(&record, |c| &c.email);
    for id in &record.ids {
        let _ = keys.expose_unaudited(&record, |_| id);
    }
    let _ = format!("{record:?}");
    let _ = keys.to_json(&record);
});
