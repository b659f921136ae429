//! Format-preserving tokens through the public API: every value comes back, every card token
//! fails Luhn and keeps its last four, a token of one field or key is not another's, and the
//! minimum domain is enforced.

use piiguard::Error;
use piiguard::token::{FormatPreserving, TokenFormat, TokenKey};
use proptest::prelude::*;

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .rev()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A Luhn-valid card number of `len` digits starting with `body`'s digits.
fn card(body: &str, len: usize) -> String {
    let mut digits: String = body.chars().take(len - 1).collect();
    while digits.len() < len - 1 {
        digits.push('0');
    }
    (0..10)
        .map(|d| format!("{digits}{d}"))
        .find(|c| luhn_ok(c))
        .unwrap()
}

fn tokens(key: u8, format: TokenFormat, tweak: &[u8]) -> FormatPreserving {
    FormatPreserving::new(&TokenKey::from_bytes([key; 32]), format, tweak).unwrap()
}

proptest! {
    #[test]
    fn card_tokens_fail_luhn_keep_the_last_four_and_come_back(
        body in "[1-6][0-9]{18}",
        len in 12usize..=19,
    ) {
        let card = card(&body, len);
        let cards = tokens(1, TokenFormat::Card { keep_first_six: false }, b"customer.card");
        let token = cards.tokenize(&card).unwrap();
        prop_assert_eq!(token.len(), card.len());
        prop_assert_eq!(&token[len - 4..], &card[len - 4..]);
        prop_assert!(!luhn_ok(&token));
        let back = cards.expose(&token).unwrap();
        prop_assert_eq!(back.as_str(), card.as_str());
    }

    #[test]
    fn digit_tokens_come_back_only_under_their_own_field_and_key(digits in "[0-9]{6,18}") {
        let here = tokens(1, TokenFormat::Digits, b"customer.ssn");
        let token = here.tokenize(&digits).unwrap();
        prop_assert_eq!(token.len(), digits.len());
        let back = here.expose(&token).unwrap();
        prop_assert_eq!(back.as_str(), digits.as_str());
        // Another field's or key's tokenizer gives another value (with overwhelming odds for
        // 6+ digits: a collision would need the same permutation output).
        let elsewhere = tokens(1, TokenFormat::Digits, b"order.ssn");
        let other_key = tokens(2, TokenFormat::Digits, b"customer.ssn");
        prop_assert_ne!(elsewhere.tokenize(&digits).unwrap(), token.clone());
        prop_assert_ne!(other_key.tokenize(&digits).unwrap(), token);
    }
}

#[test]
fn small_domains_are_refused_with_a_typed_error() {
    let digits = tokens(1, TokenFormat::Digits, b"t");
    assert!(matches!(digits.tokenize("12345"), Err(Error::Token { .. })));
    let documents = tokens(1, TokenFormat::Alphanumeric, b"t");
    assert!(matches!(
        documents.tokenize("AB1"),
        Err(Error::Token { .. })
    ));
    assert!(documents.tokenize("AB12").is_ok());
}
