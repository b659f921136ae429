//! Detectors of national identifiers with a check (or a shape no other text has), and of MAC
//! addresses. Each is found as `national_id` (MAC addresses as `mac_address`):
//!
//! - Spanish DNI `12345678Z` and NIE `X1234567L` (the mod-23 letter);
//! - Italian codice fiscale `RSSMRA85T10A562S` (its check letter, omocodia digits allowed);
//! - UK National Insurance number `AB 12 34 56 C` (HMRC's prefix rules, suffix A–D);
//! - Indian PAN `ABCPE1234F` (the holder-type letter) and Aadhaar `2345 6789 0124` (Verhoeff,
//!   first digit 2–9, in its printed 4-4-4 grouping);
//! - Canadian SIN `046 454 286` (Luhn, first digit not 0 or 8, grouped 3-3-3);
//! - Brazilian CPF `123.456.789-09` (both mod-11 digits; bare 11 digits only after `CPF`);
//! - French NIR and German tax id (in `europe.rs`);
//! - MAC addresses `00:1A:2B:3C:4D:5E`, `00-1a-…`, `001a.2b3c.4d5e`.
//!
//! US SSNs and ITINs are in `detect.rs`.

use super::detect::{Hit, MAC, SSN, ends_token};
use super::europe;
use crate::class::checksum::luhn;
use crate::class::national::{codice_fiscale_check, cpf_check, dni_letter, verhoeff};

fn digits(t: &[u8]) -> bool {
    t.iter().all(u8::is_ascii_digit)
}

fn number(t: &[u8]) -> u32 {
    t.iter().fold(0, |a, &d| a * 10 + u32::from(d - b'0'))
}

/// Whether another group of digits follows at `end` (` 2451` after the first twelve digits
/// of a card): then the grouped digits are part of a longer number.
fn more_digits(s: &[u8], end: usize) -> bool {
    matches!(s.get(end), Some(b' ' | b'-')) && s.get(end + 1).is_some_and(u8::is_ascii_digit)
}

/// Identifiers that start with a digit, at a token's start. A few byte tests pick the one
/// detector whose shape can match (all but MAC addresses start with three digits), so that the
/// common digit runs of logs (times, counts, ids) cost a handful of comparisons.
pub(crate) fn from_digit(s: &[u8], i: usize) -> Option<Hit> {
    let digit = |k: usize| s.get(i + k).is_some_and(u8::is_ascii_digit);
    let found = if digit(1) && digit(2) {
        match s.get(i + 3) {
            Some(b'.') => cpf(s, i),
            Some(b' ' | b'-') => sin(s, i),
            Some(c) if c.is_ascii_digit() => match s.get(i + 4) {
                Some(b' ') => aadhaar(s, i),
                Some(c) if c.is_ascii_digit() => dni(s, i)
                    .or_else(|| cpf(s, i))
                    .or_else(|| europe::nir(s, i))
                    .or_else(|| europe::steuer_id(s, i)),
                _ => None,
            },
            _ => None,
        }
    } else if s.get(i + 1) == Some(&b' ') {
        europe::nir(s, i)
    } else if digit(1) && s.get(i + 2) == Some(&b' ') {
        europe::steuer_id(s, i)
    } else {
        None
    };
    found.or_else(|| mac_start(s, i).then(|| mac(s, i)).flatten())
}

/// Identifiers that start with an upper-case letter, and MAC addresses (either case), at a
/// token's start; picked by their first bytes as [`from_digit`] does.
pub(crate) fn from_letter(s: &[u8], i: usize) -> Option<Hit> {
    let upper = |k: usize| s.get(i + k).is_some_and(u8::is_ascii_uppercase);
    let digit = |k: usize| s.get(i + k).is_some_and(u8::is_ascii_digit);
    let found = if !upper(0) {
        None
    } else if digit(1) {
        nie(s, i)
    } else if !upper(1) {
        None
    } else if digit(2) || s.get(i + 2) == Some(&b' ') {
        nino(s, i)
    } else if upper(2) && upper(3) && upper(4) {
        if digit(5) {
            pan(s, i)
        } else if upper(5) {
            codice_fiscale(s, i)
        } else {
            None
        }
    } else {
        None
    };
    found.or_else(|| mac_start(s, i).then(|| mac(s, i)).flatten())
}

/// `12345678Z`, `12345678-Z`.
fn dni(s: &[u8], i: usize) -> Option<Hit> {
    let t = s.get(i..i + 8)?;
    if !digits(t) {
        return None;
    }
    check_letter(s, i, number(t))
}

/// The mod-23 letter of `value` after the eight characters at `i` (a `-` or space may come
/// between): the end of a DNI or NIE starting at `i`.
fn check_letter(s: &[u8], i: usize, value: u32) -> Option<Hit> {
    let at = if matches!(s.get(i + 8), Some(b'-' | b' ')) {
        i + 9
    } else {
        i + 8
    };
    let letter = *s.get(at)?;
    (letter == dni_letter(value) && ends_token(s, at + 1)).then_some((i..at + 1, SSN))
}

/// `X1234567L`: `X`, `Y` or `Z` (0, 1, 2), seven digits, the letter.
fn nie(s: &[u8], i: usize) -> Option<Hit> {
    let lead = match s[i] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        _ => return None,
    };
    let t = s.get(i + 1..i + 8)?;
    if !digits(t) {
        return None;
    }
    check_letter(s, i, lead * 10_000_000 + number(t))
}

/// Six letters, then the date and place in `DDLDDLDDD` (digits possibly replaced by the
/// omocodia letters `LMNPQRSTUV`), then the check letter.
fn codice_fiscale(s: &[u8], i: usize) -> Option<Hit> {
    let t = s.get(i..i + 16)?;
    let omocodia = |c: u8| c.is_ascii_digit() || b"LMNPQRSTUV".contains(&c);
    let shape = t.iter().enumerate().all(|(k, &c)| match k {
        0..=5 | 8 | 11 | 15 => c.is_ascii_uppercase(),
        _ => omocodia(c),
    });
    let month_ok = b"ABCDEHLMPRST".contains(&t[8]);
    (shape && month_ok && codice_fiscale_check(t) && ends_token(s, i + 16))
        .then_some((i..i + 16, SSN))
}

/// Two prefix letters (HMRC's rules), six digits (pairs may be spaced), suffix `A`–`D`.
fn nino(s: &[u8], i: usize) -> Option<Hit> {
    let (a, b) = (s[i], *s.get(i + 1)?);
    let first_ok = a.is_ascii_uppercase() && !b"DFIQUV".contains(&a);
    let second_ok = b.is_ascii_uppercase() && !b"DFIOQUV".contains(&b);
    let pair = [a, b];
    if !first_ok || !second_ok || [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"].contains(&&pair)
    {
        return None;
    }
    let mut at = i + 2;
    let spaced = s.get(at) == Some(&b' ');
    for _ in 0..3 {
        if spaced {
            if s.get(at) != Some(&b' ') {
                return None;
            }
            at += 1;
        }
        if !digits(s.get(at..at + 2)?) {
            return None;
        }
        at += 2;
    }
    if spaced && s.get(at) == Some(&b' ') {
        at += 1;
    }
    let suffix = *s.get(at)?;
    (matches!(suffix, b'A'..=b'D') && ends_token(s, at + 1)).then_some((i..at + 1, SSN))
}

/// Five letters (the fourth the holder's type), four digits, a letter.
fn pan(s: &[u8], i: usize) -> Option<Hit> {
    let t = s.get(i..i + 10)?;
    let shape = t[..5].iter().all(u8::is_ascii_uppercase)
        && b"ABCFGHJLPT".contains(&t[3])
        && digits(&t[5..9])
        && t[9].is_ascii_uppercase();
    (shape && ends_token(s, i + 10)).then_some((i..i + 10, SSN))
}

/// `dddd dddd dddd`, first digit 2–9, Verhoeff.
fn aadhaar(s: &[u8], i: usize) -> Option<Hit> {
    let t = s.get(i..i + 14)?;
    if t[4] != b' ' || t[9] != b' ' || !matches!(t[0], b'2'..=b'9') {
        return None;
    }
    let mut all = [0u8; 12];
    for (k, part) in [&t[0..4], &t[5..9], &t[10..14]].iter().enumerate() {
        if !digits(part) {
            return None;
        }
        all[k * 4..k * 4 + 4].copy_from_slice(part);
    }
    (verhoeff(&all) && ends_token(s, i + 14) && !more_digits(s, i + 14)).then_some((i..i + 14, SSN))
}

/// `ddd ddd ddd` or `ddd-ddd-ddd`, Luhn, first digit not 0 or 8.
fn sin(s: &[u8], i: usize) -> Option<Hit> {
    let t = s.get(i..i + 11)?;
    let sep = t[3];
    if !matches!(sep, b' ' | b'-') || t[7] != sep || matches!(t[0], b'0' | b'8') {
        return None;
    }
    let groups = [&t[0..3], &t[4..7], &t[8..11]];
    if !groups.iter().all(|g| digits(g)) {
        return None;
    }
    let values = groups.iter().flat_map(|g| g.iter().map(|d| d - b'0'));
    // A tenth of nine-digit numbers pass Luhn: one the text calls a phone number is one.
    (luhn(values)
        && ends_token(s, i + 11)
        && !more_digits(s, i + 11)
        && !super::context::calls_phone(s, 0, i))
    .then_some((i..i + 11, SSN))
}

/// `ddd.ddd.ddd-dd`, or 11 bare digits right after the word `CPF`.
fn cpf(s: &[u8], i: usize) -> Option<Hit> {
    if let Some(t) = s.get(i..i + 14)
        && t[3] == b'.'
        && t[7] == b'.'
        && t[11] == b'-'
    {
        let mut all = [0u8; 11];
        for (at, part) in [
            (0, &t[0..3]),
            (3, &t[4..7]),
            (6, &t[8..11]),
            (9, &t[12..14]),
        ] {
            all[at..at + part.len()].copy_from_slice(part);
        }
        return (cpf_check(&all) && ends_token(s, i + 14)).then_some((i..i + 14, SSN));
    }
    // The cheap tests first: most digit runs are not eleven digits long.
    let t = s.get(i..i + 11)?;
    (digits(t)
        && ends_token(s, i + 11)
        && cpf_check(t)
        && super::context::names(s, 0, i, 16, &[b"cpf"]))
    .then_some((i..i + 11, SSN))
}

/// Whether a MAC address may start at `i`: two hex digits then `:` or `-`, or four then `.`
/// (the scanner's cheap test before it reads one).
pub(crate) fn mac_start(s: &[u8], i: usize) -> bool {
    let hex = |k: usize| s.get(k).is_some_and(u8::is_ascii_hexdigit);
    hex(i)
        && hex(i + 1)
        && (matches!(s.get(i + 2), Some(b':' | b'-'))
            || hex(i + 2) && hex(i + 3) && s.get(i + 4) == Some(&b'.'))
}

/// Six pairs of hex digits joined by `:` or `-` (one of them throughout), or three groups of
/// four joined by `.`. One letter case throughout; not all zeros.
fn mac(s: &[u8], i: usize) -> Option<Hit> {
    let hex = |t: &[u8]| t.iter().all(u8::is_ascii_hexdigit);
    let (end, body) = match s.get(i + 2) {
        Some(&sep @ (b':' | b'-')) => {
            let t = s.get(i..i + 17)?;
            let ok =
                (0..6).all(|k| hex(&t[k * 3..k * 3 + 2])) && (1..6).all(|k| t[k * 3 - 1] == sep);
            (ok.then_some(i + 17)?, t)
        }
        _ => {
            let t = s.get(i..i + 14)?;
            let ok = t[4] == b'.'
                && t[9] == b'.'
                && [&t[0..4], &t[5..9], &t[10..14]].iter().all(|g| hex(g));
            (ok.then_some(i + 14)?, t)
        }
    };
    let letters = body.iter().filter(|b| b.is_ascii_alphabetic());
    let one_case =
        letters.clone().all(u8::is_ascii_lowercase) || letters.clone().all(u8::is_ascii_uppercase);
    let zero = body.iter().all(|&b| matches!(b, b'0' | b':' | b'-' | b'.'));
    (one_case && !zero && ends_token(s, end)).then_some((i..end, MAC))
}

#[cfg(test)]
mod tests {
    use crate::scrub::Scrubber;
    use crate::scrub::tests::{classes as found, found_as};

    /// The DNI letter computed here from the published table, apart from the detector's.
    fn dni(number: u32) -> String {
        let letter = "TRWAGMYFPDXBNJZSQVHLCKE".as_bytes()[(number % 23) as usize];
        format!("{number:08}{}", char::from(letter))
    }

    /// A CPF's two check digits computed here from the Receita Federal's rule.
    fn cpf(first9: &str) -> String {
        let mut d: Vec<u32> = first9.bytes().map(|b| u32::from(b - b'0')).collect();
        for n in [9, 10] {
            let sum: u32 = (0..n).map(|i| d[i] * (n as u32 + 1 - i as u32)).sum();
            d.push(if sum % 11 < 2 { 0 } else { 11 - sum % 11 });
        }
        let s: String = d.iter().map(|v| char::from(b'0' + *v as u8)).collect();
        format!("{}.{}.{}-{}", &s[0..3], &s[3..6], &s[6..9], &s[9..11])
    }

    /// A SIN whose last digit makes Luhn hold, computed here.
    fn sin(first8: &str) -> String {
        let check = (0..10u8)
            .find(|c| {
                let digits: Vec<u32> = first8
                    .bytes()
                    .map(|b| u32::from(b - b'0'))
                    .chain([u32::from(*c)])
                    .collect();
                let sum: u32 = digits
                    .iter()
                    .rev()
                    .enumerate()
                    .map(|(i, &v)| {
                        if i % 2 == 1 {
                            (v * 2) / 10 + (v * 2) % 10
                        } else {
                            v
                        }
                    })
                    .sum();
                sum.is_multiple_of(10)
            })
            .unwrap();
        format!(
            "{} {} {}{check}",
            &first8[0..3],
            &first8[3..6],
            &first8[6..8]
        )
    }

    #[test]
    fn national_identifiers_are_found_by_their_checks() {
        let cpf_ok = cpf("123456789");
        assert_eq!(cpf_ok, "123.456.789-09");
        let sin_ok = sin("13069254");
        for (text, id) in [
            (format!("DNI {}.", dni(12_345_678)), dni(12_345_678)),
            ("NIE X1234567L issued".into(), "X1234567L".into()),
            (
                "codice fiscale RSSMRA85T10A562S".into(),
                "RSSMRA85T10A562S".into(),
            ),
            ("NI number AB 12 34 56 C.".into(), "AB 12 34 56 C".into()),
            ("NINO: AB123456D".into(), "AB123456D".into()),
            ("PAN ABCPE1234F on file".into(), "ABCPE1234F".into()),
            ("Aadhaar 2345 6789 0124".into(), "2345 6789 0124".into()),
            (format!("SIN {sin_ok}"), sin_ok.clone()),
            (format!("CPF {cpf_ok}"), cpf_ok.clone()),
            ("CPF: 12345678909".into(), "12345678909".into()),
            ("ITIN 912-70-1234".into(), "912-70-1234".into()),
        ] {
            assert_eq!(found(&text), vec![(id.as_str(), "national_id")], "{text}");
        }
    }

    #[test]
    fn near_misses_are_not_identifiers() {
        for text in [
            "order 12345678A shipped", // DNI with the wrong letter
            "NIE X1234567A",           // wrong letter
            "RSSMRA85T10A562T",        // codice fiscale, wrong check
            "QQ 12 34 56 C",           // HMRC's example prefix, never issued
            "GB 12 34 56 C",           // a forbidden prefix
            "AB 12 34 56 E",           // suffix beyond D
            "ABCXE1234F",              // PAN whose fourth letter is no holder type
            "2345 6789 0125",          // Aadhaar, Verhoeff fails
            "1345 6789 0124",          // Aadhaar never starts with 1
            "046 454 286",             // SIN starting with 0 (the CRA's sample)
            "123.456.789-08",          // CPF, wrong check
            "111.111.111-11",          // CPF made of one digit
            "ref 12345678909",         // 11 digits without the word CPF
            "999-69-1234",             // 9xx outside the ITIN groups
        ] {
            assert_eq!(found_as(text, "national_id"), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn mac_addresses_in_every_notation_and_not_times_or_zeros() {
        for (text, mac) in [
            ("from 00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E"),
            ("from 0a-1b-2c-3d-4e-5f.", "0a-1b-2c-3d-4e-5f"),
            ("iface ab:cd:ef:01:23:45 up", "ab:cd:ef:01:23:45"),
            ("cisco 001a.2b3c.4d5e", "001a.2b3c.4d5e"),
        ] {
            assert_eq!(found(text), vec![(mac, "mac_address")], "{text}");
        }
        for text in [
            "00:00:00:00:00:00",
            "at 12:34:56",
            "00:1A:2b:3C:4D:5E", // mixed case
            "00:1A-2B:3C:4D:5E", // mixed separators
            "00:1A:2B:3C:4D",    // five pairs
        ] {
            assert_eq!(found_as(text, "mac_address"), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn an_allowed_mac_address_stays_readable_in_any_notation() {
        let scrubber = Scrubber::new()
            .allow("mac_address", "00:1A:2B:3C:4D:5E")
            .unwrap();
        assert_eq!(
            scrubber.scrub("gw 00-1a-2b-3c-4d-5e up"),
            "gw 00-1a-2b-3c-4d-5e up"
        );
        assert_eq!(
            scrubber.scrub("peer 00:1A:2B:3C:4D:5F"),
            "peer [REDACTED:mac_address]"
        );
    }

    #[test]
    fn ibans_of_countries_starting_with_b_are_found() {
        // Before, a word starting with `B` was only tried as a bearer token.
        for iban in ["BE68 5390 0754 7034", "BG80 BNBG 9661 1020 3456 78"] {
            let text = format!("pay to {iban} today");
            assert_eq!(found(&text), vec![(iban, "iban")], "{text}");
        }
    }

    #[test]
    fn scrubbing_them_twice_changes_nothing_more() {
        let text = "DNI 12345678Z, RSSMRA85T10A562S, AB 12 34 56 C, mac 00:1A:2B:3C:4D:5E";
        let once = Scrubber::new().scrub(text).into_owned();
        assert!(
            !once.contains("12345678Z") && !once.contains("00:1A"),
            "{once}"
        );
        assert_eq!(Scrubber::new().scrub(&once), once);
    }
}
