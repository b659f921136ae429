//! IBANs: country code, check digits, national account number; length checked per country and
//! the mod-97 checksum verified. Mask: country code and last 4. Normalize: upper case, no spaces.

use super::checksum::{iban_length, mod97};
use super::text::line;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Iban;

/// The IBAN's characters, upper-cased, without spaces.
fn chars(value: &[u8]) -> Result<impl Iterator<Item = u8> + Clone + '_, Invalid> {
    let text = line(value)?;
    if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
        return Err(Invalid("only letters, digits and spaces are allowed"));
    }
    let chars = text
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase());
    let mut head = chars.clone();
    let country = [head.next(), head.next()];
    let [Some(a), Some(b)] = country else {
        return Err(Invalid("too short"));
    };
    let country = [a, b];
    let expected = iban_length(&country).ok_or(Invalid("unknown IBAN country code"))?;
    if chars.clone().count() != expected {
        return Err(Invalid("wrong length for its country"));
    }
    if !head.take(2).all(|b| b.is_ascii_digit()) {
        return Err(Invalid("the check digits must be digits"));
    }
    if mod97(chars.clone().skip(4).chain(chars.clone().take(4))) != 1 {
        return Err(Invalid("fails the mod-97 check"));
    }
    Ok(chars)
}

impl ClassRules for Iban {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        chars(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        for c in chars(value)? {
            out.push(char::from(c));
        }
        Ok(())
    }
}

impl Masker for Iban {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let chars = chars(value)?;
        let count = chars.clone().count();
        for (i, c) in chars.enumerate() {
            out.push(if i < 2 || i >= count - 4 {
                char::from(c)
            } else {
                '*'
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn keeps_country_and_last_four() {
        assert_eq!(
            Class::Iban.mask(b"DE89 3704 0044 0532 0130 00").as_str(),
            "DE****************3000"
        );
        assert_eq!(
            Class::Iban.mask(b"gb82west12345698765432").as_str(),
            "GB****************5432"
        );
    }

    #[test]
    fn checksum_length_and_country_failures_are_redacted() {
        for bad in [
            &b"DE89 3704 0044 0532 0130 01"[..],
            b"DE89 3704 0044 0532 0130",
            b"ZZ89370400440532013000",
            b"DE8937040044053201300!",
            b"",
        ] {
            assert_eq!(Class::Iban.mask(bad).as_str(), "[REDACTED:iban]");
        }
    }

    #[test]
    fn the_registry_s_latest_countries_are_ibans() {
        for iban in crate::class::checksum::REGISTRY_LATEST {
            assert!(Class::Iban.validate(iban.as_bytes()).is_ok(), "{iban}");
        }
    }

    #[test]
    fn normalizes_to_compact_upper_case() {
        assert_eq!(
            Class::Iban
                .normalize(b"gb82 west 1234 5698 7654 32")
                .unwrap()
                .as_str(),
            "GB82WEST12345698765432"
        );
    }
}
