//! Phone numbers. Mask: last 2–4 digits. Normalize to E.164 (`+` and digits).

use super::text::{digits_ignoring, line};
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Phone;

const SEPARATORS: &[char] = &[' ', '-', '.', '(', ')', '/'];

/// The digits of a phone number (a leading `+` allowed), 7 to 15 of them (E.164 maximum).
fn digits(value: &[u8]) -> Result<(bool, impl Iterator<Item = u8> + Clone + '_), Invalid> {
    let text = line(value)?;
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = digits_ignoring(rest, SEPARATORS)?;
    let count = digits.clone().count();
    if !(7..=15).contains(&count) {
        return Err(Invalid("a phone number has 7 to 15 digits"));
    }
    Ok((plus, digits))
}

impl ClassRules for Phone {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        digits(value).map(drop)
    }

    /// E.164: `+` then the digits. A number needs its country code (`+…` or `00…`).
    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let (plus, digits) = digits(value)?;
        let skip = if plus {
            0
        } else if digits.clone().take(2).eq([0, 0]) {
            2
        } else {
            return Err(Invalid("E.164 needs the country code (`+` or `00` prefix)"));
        };
        out.push('+');
        for d in digits.skip(skip) {
            out.push(char::from(b'0' + d));
        }
        Ok(())
    }
}

impl Masker for Phone {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let (_, digits) = digits(value)?;
        let count = digits.clone().count();
        let shown = match count {
            10.. => 4,
            8..=9 => 3,
            _ => 2,
        };
        out.push_str("***-");
        for d in digits.skip(count - shown) {
            out.push(char::from(b'0' + d));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn masks_show_only_the_last_digits() {
        assert_eq!(Class::Phone.mask(b"+1-555-0100-199").as_str(), "***-0199");
        assert_eq!(Class::Phone.mask(b"555 010 99").as_str(), "***-099");
        assert_eq!(Class::Phone.mask(b"5550199").as_str(), "***-99");
    }

    #[test]
    fn invalid_numbers_are_redacted() {
        for bad in [
            &b"12345"[..],
            b"call me",
            b"+1 555 0100 199 1234 5",
            b"",
            b"555-0199 ext",
        ] {
            assert!(Class::Phone.mask(bad).is_redacted());
        }
    }

    #[test]
    fn normalizes_to_e164() {
        assert_eq!(
            Class::Phone
                .normalize(b"0044 20 7946 0958")
                .unwrap()
                .as_str(),
            "+442079460958"
        );
        assert_eq!(
            Class::Phone
                .normalize(b"+1 (555) 010-0199")
                .unwrap()
                .as_str(),
            "+15550100199"
        );
        assert!(Class::Phone.normalize(b"555-010-0199").is_err());
    }
}
