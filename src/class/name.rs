//! Personal names. Mask: initials (`J*** D***`). Normalize: lower case, single spaces.

use super::text::{lower_collapsed, one_line};
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Name;

fn checked(value: &[u8]) -> Result<&str, Invalid> {
    let text = one_line(value)?;
    if text.chars().any(char::is_control) {
        return Err(Invalid("contains control characters"));
    }
    Ok(text)
}

impl ClassRules for Name {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        checked(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        lower_collapsed(checked(value)?, out);
        Ok(())
    }
}

impl Masker for Name {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        for (i, word) in checked(value)?.split_whitespace().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push(word.chars().next().ok_or(Invalid("empty word"))?);
            out.push_str("***");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn masks_to_initials_including_non_ascii() {
        assert_eq!(Class::Name.mask(b"Jane Doe").as_str(), "J*** D***");
        assert_eq!(
            Class::Name.mask("Łukasz  Żółć".as_bytes()).as_str(),
            "Ł*** Ż***"
        );
        assert_eq!(
            Class::Name.mask("山田 太郎".as_bytes()).as_str(),
            "山*** 太***"
        );
        assert!(Class::Name.mask(b"   ").is_redacted());
        assert!(Class::Name.mask(b"").is_redacted());
    }

    #[test]
    fn normalizes_case_and_spacing() {
        assert_eq!(
            Class::Name
                .normalize(" ÉMILE   Zola ".as_bytes())
                .unwrap()
                .as_str(),
            "émile zola"
        );
    }
}
