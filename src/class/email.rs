//! Email addresses: `local@domain`, the practical subset of RFC 5321/5322 (no quoted local
//! parts, no comments, no address literals) with RFC 6531's UTF-8, and domains of valid labels
//! (IDN as punycode `xn--…` or UTF-8). Mask `j***@example.com`; normalize to lower case.

use super::text::line;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Email;

/// RFC 5322 `atext` (the mask character `*` aside, which no value may hold), or UTF-8 beyond
/// ASCII (RFC 6531).
fn local_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '+'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
                | '-'
        )
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// A DNS label: 1 to 63 bytes of letters, digits and inner hyphens (UTF-8 letters for an IDN
/// U-label; an A-label is `xn--` and ASCII).
fn label_ok(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c == '-' || c.is_alphanumeric())
}

fn parts(value: &[u8]) -> Result<(&str, &str), Invalid> {
    let text = line(value)?;
    if text.is_ascii() {
        ascii_parts(text)
    } else {
        any_parts(text)
    }
}

/// [`parts`] of an ASCII address: the same checks, refusals and reasons as [`any_parts`], in
/// byte loops.
fn ascii_parts(text: &str) -> Result<(&str, &str), Invalid> {
    let bytes = text.as_bytes();
    let at = bytes
        .iter()
        .position(|&b| b == b'@')
        .ok_or(Invalid("missing `@`"))?;
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if domain.contains(&b'@') {
        return Err(Invalid("more than one `@`"));
    }
    if local.is_empty() || local.len() > 64 {
        return Err(Invalid("the local part must have 1 to 64 bytes"));
    }
    let mut previous = b'.';
    for &b in local {
        let ok = if b == b'.' {
            previous != b'.'
        } else {
            local_char(char::from(b))
        };
        if !ok {
            return Err(Invalid(
                "the local part has characters an address cannot have",
            ));
        }
        previous = b;
    }
    if previous == b'.' || !ascii_domain(domain) {
        return Err(Invalid(if previous == b'.' {
            "the local part has characters an address cannot have"
        } else {
            "the domain must be a dotted host name"
        }));
    }
    Ok(text.split_at(at)).map(|(l, d)| (l, &d[1..]))
}

/// A dotted ASCII host name of at most 253 bytes, of [`label_ok`] labels, whose last label is
/// not all digits.
fn ascii_domain(domain: &[u8]) -> bool {
    if domain.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last_all_digits = true;
    for label in domain.split(|&b| b == b'.') {
        let ok = (1..=63).contains(&label.len())
            && label[0] != b'-'
            && label[label.len() - 1] != b'-'
            && label
                .iter()
                .all(|&b| b == b'-' || b.is_ascii_alphanumeric());
        if !ok {
            return false;
        }
        labels += 1;
        last_all_digits = label.iter().all(u8::is_ascii_digit);
    }
    labels >= 2 && !last_all_digits
}

/// [`parts`] of any address, character by character.
fn any_parts(text: &str) -> Result<(&str, &str), Invalid> {
    let (local, domain) = text.split_once('@').ok_or(Invalid("missing `@`"))?;
    if domain.contains('@') {
        return Err(Invalid("more than one `@`"));
    }
    if local.is_empty() || local.len() > 64 {
        return Err(Invalid("the local part must have 1 to 64 bytes"));
    }
    let dots_ok = !local.starts_with('.') && !local.ends_with('.') && !local.contains("..");
    if !dots_ok || !local.chars().all(|c| c == '.' || local_char(c)) {
        return Err(Invalid(
            "the local part has characters an address cannot have",
        ));
    }
    let tld_ok = domain
        .rsplit_once('.')
        .is_some_and(|(_, tld)| !tld.bytes().all(|b| b.is_ascii_digit()));
    if domain.len() > 253 || !tld_ok || !domain.split('.').all(label_ok) {
        return Err(Invalid("the domain must be a dotted host name"));
    }
    Ok((local, domain))
}

/// The parts of an address [`parts`] already accepted: `Class::normalize` and `Class::mask`
/// validate before they call the rules, so the rules' normalize and mask need not again.
fn split(value: &[u8]) -> Result<(&str, &str), Invalid> {
    std::str::from_utf8(value)
        .ok()
        .and_then(|text| text.trim().split_once('@'))
        .ok_or(Invalid("missing `@`"))
}

impl ClassRules for Email {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        parts(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let (local, domain) = split(value)?;
        if local.is_ascii() && domain.is_ascii() {
            out.push_ascii_lowercase(local);
            out.push('@');
            out.push_ascii_lowercase(domain);
            return Ok(());
        }
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
        let (local, domain) = split(value)?;
        out.push(local.chars().next().ok_or(Invalid("empty local part"))?);
        out.push_str("***@");
        out.push_str(domain);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;
    use proptest::prelude::*;

    proptest! {
        /// The ASCII path accepts, refuses and explains exactly as the general one does.
        #[test]
        fn the_ascii_path_agrees_with_the_general_one(
            value in "[a-c0-9.@*!~_-]{0,12}(@[a-c0-9.-]{0,8})?(\\.[a-c0-9-]{0,4})?"
        ) {
            prop_assert_eq!(super::ascii_parts(&value), super::any_parts(&value));
        }
    }

    #[test]
    fn the_ascii_path_refuses_what_the_general_one_does() {
        let long_label = format!("jane@{}.com", "a".repeat(64));
        let long_domain = format!("jane@{}com", "abcdefg.".repeat(32));
        for value in [
            "jane@example.com",
            "jane.doe+tag@mail.example.co.uk",
            "jane",
            "jane@example@com",
            "@example.com",
            ".jane@example.com",
            "jane.@example.com",
            "ja..ne@example.com",
            "jane@localhost",
            "jane@example.123",
            "jane@-example.com",
            "jane@example-.com",
            "jane@example..com",
            "jane@.example.com",
            "jane@example.com.",
            &long_label,
            &long_domain,
            "j(ane)@example.com",
            "jane@xn--bcher-kva.example",
        ] {
            assert_eq!(
                super::ascii_parts(value),
                super::any_parts(value),
                "{value}"
            );
        }
    }

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
        let n = Class::Email
            .normalize(" Jane.Doe@Example.COM ".as_bytes())
            .unwrap();
        assert_eq!(n.as_str(), "jane.doe@example.com");
    }
}
