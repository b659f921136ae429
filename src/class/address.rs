//! Postal addresses. Mask: the last two comma-separated parts (city, country) when there are at
//! least three parts, otherwise redacted. Normalize: lower case, single spaces.

use super::text::{lower_collapsed, text};
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Address;

fn checked(value: &[u8]) -> Result<&str, Invalid> {
    let text = text(value)?;
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Invalid("contains control characters"));
    }
    Ok(text)
}

impl ClassRules for Address {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        checked(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        lower_collapsed(checked(value)?, out);
        Ok(())
    }
}

impl Masker for Address {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let text = checked(value)?;
        let mut parts = text
            .rsplit([',', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let (country, city) = (parts.next(), parts.next());
        match (city, country, parts.next()) {
            (Some(city), Some(country), Some(_street)) => {
                out.push_str("***, ");
                out.push_str(city);
                out.push_str(", ");
                out.push_str(country);
                Ok(())
            }
            _ => Err(Invalid("too few parts to keep only city and country")),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn keeps_only_city_and_country() {
        let m = Class::Address.mask(b"1 Main St, Apt 4, Springfield, US");
        assert_eq!(m.as_str(), "***, Springfield, US");
        let m = Class::Address.mask("Hauptstraße 5\n10115 Berlin\nDE".as_bytes());
        assert_eq!(m.as_str(), "***, 10115 Berlin, DE");
    }

    #[test]
    fn short_addresses_are_redacted() {
        assert!(Class::Address.mask(b"Springfield, US").is_redacted());
        assert!(Class::Address.mask(b"1 Main St").is_redacted());
        assert!(Class::Address.mask(b"").is_redacted());
    }
}
