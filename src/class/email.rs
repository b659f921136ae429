//! Email addresses: `local@domain`. Mask `j***@example.com`; normalize to lower case.

use super::text::text;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Email;

fn parts(value: &[u8]) -> Result<(&str, &str), Invalid> {
    let text = text(value)?;
    let (local, domain) = text.rsplit_once('@').ok_or(Invalid("missing `@`"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(Invalid("the local part must have 1 to 64 bytes"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid("contains whitespace or control characters"));
    }
    let labels_ok = domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty() && !l.contains('@'));
    if !labels_ok {
        return Err(Invalid("the domain must be a dotted host name"));
    }
    Ok((local, domain))
}

impl ClassRules for Email {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        parts(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let (local, domain) = parts(value)?;
        for c in local.chars().chain(['@']).chain(domain.chars()) {
            for lower in c.to_lowercase() {
                out.push(lower);
            }
        }
        Ok(())
    }
}

impl Masker for Email {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let (local, domain) = parts(value)?;
        out.push(local.chars().next().ok_or(Invalid("empty local part"))?);
        out.push_str("***@");
        out.push_str(domain);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn masks_keep_first_character_and_domain() {
        assert_eq!(
            Class::Email.mask(b"jane@example.com").as_str(),
            "j***@example.com"
        );
        assert_eq!(
            Class::Email.mask("élodie@example.com".as_bytes()).as_str(),
            "é***@example.com"
        );
        assert_eq!(
            Class::Email.mask(b"a@b.example.com").as_str(),
            "a***@b.example.com"
        );
    }

    #[test]
    fn invalid_emails_are_redacted_not_masked() {
        for bad in [
            &b"no-at-sign.example.com"[..],
            b"",
            b"@example.com",
            b"jane@localhost",
            b"ja ne@example.com",
            b"jane@example..com",
        ] {
            let m = Class::Email.mask(bad);
            assert!(m.is_redacted(), "{:?}", std::str::from_utf8(bad));
            assert_eq!(m.as_str(), "[REDACTED:email]");
        }
    }

    #[test]
    fn normalizes_to_lower_case() {
        let n = Class::Email
            .normalize("Zoë.O@Example.COM".as_bytes())
            .unwrap();
        assert_eq!(n.as_str(), "zoë.o@example.com");
    }
}
