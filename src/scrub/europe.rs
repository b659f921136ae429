//! National identifiers of France and Germany, found as `national_id`:
//!
//! - the French NIR (numéro de sécurité sociale), `2 55 08 14 168 025 38` with its spaces
//!   (Corsica's `2A`/`2B` included) and its key; without spaces only where the text names it
//!   (`NIR`, `INSEE`, `sécurité sociale`, `social security`);
//! - the German tax identification number, `86 095 742 719` or `86095742719`, with its check
//!   digit and digit-repetition rule, only where the text names it (`Steuer-ID`, `IdNr`,
//!   `Identifikationsnummer`, `tax id`): eleven digits alone are too common.

use super::context;
use super::detect::{Hit, SSN, ends_token};
use crate::class::national::{nir_check, steuer_id_check};

const NIR_WORDS: &[&[u8]] = &[
    b"nir",
    b"insee",
    b"s\xc3\xa9curit\xc3\xa9 sociale",
    b"securite sociale",
    b"s\xc3\xa9cu",
    b"secu",
    b"social security",
];

const IDNR_WORDS: &[&[u8]] = &[
    b"steuer",
    b"idnr",
    b"identifikationsnummer",
    b"tax id",
    b"tax identification",
];

/// How far before an identifier its naming word may be.
const WINDOW: usize = 40;

/// The characters of a NIR from `i`: fifteen in a row, or grouped 1-2-2-2-3-3-2 by single
/// spaces. Returns them and where they end.
fn nir_chars(s: &[u8], i: usize) -> Option<([u8; 15], usize, bool)> {
    let mut out = [0u8; 15];
    let spaced = s.get(i + 1) == Some(&b' ');
    let mut at = i;
    let mut n = 0;
    for len in [1, 2, 2, 2, 3, 3, 2] {
        if spaced && n > 0 {
            if s.get(at) != Some(&b' ') {
                return None;
            }
            at += 1;
        }
        let part = s.get(at..at + len)?;
        out[n..n + len].copy_from_slice(part);
        n += len;
        at += len;
    }
    Some((out, at, spaced))
}

/// A NIR at `i`: spaced and with its key; or in one run, with its key, where the text names
/// it.
pub(crate) fn nir(s: &[u8], i: usize) -> Option<Hit> {
    let (chars, end, spaced) = nir_chars(s, i)?;
    let found = ends_token(s, end)
        && nir_check(&chars)
        && (spaced || context::names(s, 0, i, WINDOW, NIR_WORDS));
    found.then_some((i..end, SSN))
}

/// A German tax id at `i`: eleven digits, or `dd ddd ddd ddd`, with its check, where the text
/// names it.
pub(crate) fn steuer_id(s: &[u8], i: usize) -> Option<Hit> {
    let mut digits = [0u8; 11];
    let spaced = s.get(i + 2) == Some(&b' ');
    let end = if spaced {
        let t = s.get(i..i + 14)?;
        if t[6] != b' ' || t[10] != b' ' {
            return None;
        }
        for (at, part) in [
            (0, &t[0..2]),
            (2, &t[3..6]),
            (5, &t[7..10]),
            (8, &t[11..14]),
        ] {
            digits[at..at + part.len()].copy_from_slice(part);
        }
        i + 14
    } else {
        digits.copy_from_slice(s.get(i..i + 11)?);
        i + 11
    };
    let found = ends_token(s, end)
        && steuer_id_check(&digits)
        && context::names(s, 0, i, WINDOW, IDNR_WORDS);
    found.then_some((i..end, SSN))
}

#[cfg(test)]
mod tests {
    use crate::scrub::tests::found_as;

    fn national_ids(text: &str) -> Vec<&str> {
        found_as(text, "national_id")
    }

    /// A NIR's key computed here from INSEE's rule, apart from the detector's code.
    fn nir(first13: &str) -> String {
        let number: u64 = first13
            .replace("2A", "19")
            .replace("2B", "18")
            .parse()
            .unwrap();
        format!("{first13}{:02}", 97 - number % 97)
    }

    fn spaced_nir(first13: &str) -> String {
        let n = nir(first13);
        [
            &n[0..1],
            &n[1..3],
            &n[3..5],
            &n[5..7],
            &n[7..10],
            &n[10..13],
            &n[13..15],
        ]
        .join(" ")
    }

    #[test]
    fn nirs_with_spaces_are_found_and_without_them_where_named() {
        for body in [
            "2550814168025",
            "1850578006084",
            "185052A006084",
            "2991299123456",
        ] {
            let spaced = spaced_nir(body);
            assert_eq!(national_ids(&format!("carte {spaced}.")), [spaced.as_str()]);
            let bare = nir(body);
            assert_eq!(
                national_ids(&format!("NIR: {bare}")),
                [bare.as_str()],
                "{bare}"
            );
            assert_eq!(national_ids(&format!("ref {bare}")), Vec::<&str>::new());
        }
        // A wrong key, a sex digit of 5, a month of 13.
        for wrong in [
            "2 55 08 14 168 025 39",
            "5 55 08 14 168 025 38",
            "2 55 13 14 168 025 38",
        ] {
            assert_eq!(national_ids(&format!("NIR {wrong}")), Vec::<&str>::new());
        }
    }

    #[test]
    fn german_tax_ids_are_found_where_named() {
        assert_eq!(national_ids("Steuer-ID: 86095742719"), ["86095742719"]);
        assert_eq!(
            national_ids("Ihre IdNr 86 095 742 719."),
            ["86 095 742 719"]
        );
        assert_eq!(national_ids("order 86095742719"), Vec::<&str>::new());
        assert_eq!(national_ids("Steuer-ID: 86095742718"), Vec::<&str>::new());
    }
}
