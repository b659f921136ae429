//! Any bytes as an envelope, in binary and text form: parsing never panics, and whatever
//! parses re-encodes to exactly the input (the format is canonical).
#![no_main]

use libfuzzer_sys::fuzz_target;
use piiguard::Envelope;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::parse_bytes(data) {
        assert_eq!(envelope.as_bytes(), data);
        let text = envelope.to_text();
        assert_eq!(Envelope::parse_text(&text).ok().as_ref(), Some(&envelope));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(envelope) = Envelope::parse_text(text) {
            assert_eq!(envelope.to_text(), text);
        }
    }
});
