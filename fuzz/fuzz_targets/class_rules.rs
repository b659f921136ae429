//! Any bytes through every class's validate, normalize and mask: never a panic; a mask is
//! either the redaction or contains `*`, and is never accepted back as a value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piiguard::class::BUILT_IN;

fuzz_target!(|data: &[u8]| {
    for class in BUILT_IN {
        let valid = class.validate(data).is_ok();
        let _ = class.normalize(data);
        let masked = class.mask(data);
        assert!(masked.is_redacted() || masked.as_str().contains('*'));
        if !valid {
            assert!(masked.is_redacted(), "an invalid value was partly shown");
        }
        assert!(class.validate(masked.as_str().as_bytes()).is_err() || !masked.as_str().contains('*'));
    }
});
