//! The check digits of national identifiers, shared by the classes and the scrubber: Verhoeff
//! (Indian Aadhaar), the Spanish DNI/NIE letter (mod 23), the Italian codice fiscale's check
//! letter, the Brazilian CPF's two mod-11 digits, the French NIR's key (97 minus the number
//! mod 97), the German tax identification number's ISO 7064 MOD 11,10 digit. Each takes ASCII
//! and answers whether the identifier's own check holds.

/// Verhoeff's dihedral-group multiplication table.
const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// Verhoeff's permutation table.
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 7, 6, 8, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Whether ASCII digits (the check digit last) pass Verhoeff's check.
pub(crate) fn verhoeff(digits: &[u8]) -> bool {
    let mut c = 0u8;
    for (i, &d) in digits.iter().rev().enumerate() {
        if !d.is_ascii_digit() {
            return false;
        }
        c = D[usize::from(c)][usize::from(P[i % 8][usize::from(d - b'0')])];
    }
    c == 0
}

/// The letters of the Spanish DNI and NIE check, by the number mod 23.
const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// The check letter of a DNI number (8 digits), or of a NIE's (its `X`/`Y`/`Z` read as 0/1/2).
pub(crate) fn dni_letter(number: u32) -> u8 {
    DNI_LETTERS[(number % 23) as usize]
}

/// The value of a codice fiscale character at an odd position (1st, 3rd, …).
fn cf_odd(c: u8) -> Option<u32> {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    match c {
        b'0'..=b'9' => Some(ODD[usize::from(c - b'0')]),
        b'A'..=b'Z' => Some(ODD[usize::from(c - b'A')]),
        _ => None,
    }
}

/// Whether 16 ASCII characters are a codice fiscale whose last letter is its check letter.
pub(crate) fn codice_fiscale_check(code: &[u8]) -> bool {
    if code.len() != 16 {
        return false;
    }
    let mut sum = 0;
    for (i, &c) in code[..15].iter().enumerate() {
        let value = if i % 2 == 0 {
            cf_odd(c)
        } else {
            match c {
                b'0'..=b'9' => Some(u32::from(c - b'0')),
                b'A'..=b'Z' => Some(u32::from(c - b'A')),
                _ => None,
            }
        };
        let Some(value) = value else {
            return false;
        };
        sum += value;
    }
    code[15] == b'A' + (sum % 26) as u8
}

/// Whether 11 ASCII digits are a CPF whose last two digits are its check digits (and not a
/// run of one digit, which passes the arithmetic but is never issued).
pub(crate) fn cpf_check(digits: &[u8]) -> bool {
    if digits.len() != 11 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let value = |i: usize| u32::from(digits[i] - b'0');
    let check = |n: usize| {
        let sum: u32 = (0..n).map(|i| value(i) * (n as u32 + 1 - i as u32)).sum();
        let r = sum % 11;
        if r < 2 { 0 } else { 11 - r }
    };
    check(9) == value(9) && check(10) == value(10)
}

/// Whether 15 ASCII characters are a French NIR (numéro de sécurité sociale) whose last two
/// digits are its key: 97 minus the first thirteen mod 97, Corsica's `2A` and `2B` read as 19
/// and 18. The sex digit is 1–4, 7 or 8 and the month 01–12 or a code INSEE uses for an
/// unknown one (20–42, 50–99).
pub(crate) fn nir_check(nir: &[u8]) -> bool {
    if nir.len() != 15 {
        return false;
    }
    let corsica = match &nir[5..7] {
        b"2A" | b"2a" => Some(19),
        b"2B" | b"2b" => Some(18),
        _ => None,
    };
    let numeric = |r: std::ops::Range<usize>| nir[r].iter().all(u8::is_ascii_digit);
    if !(numeric(0..5) && (corsica.is_some() || numeric(5..7)) && numeric(7..15)) {
        return false;
    }
    let value = |r: std::ops::Range<usize>| {
        nir[r]
            .iter()
            .fold(0u64, |a, &d| a * 10 + u64::from(d - b'0'))
    };
    let month = value(3..5);
    if !matches!(nir[0], b'1'..=b'4' | b'7' | b'8') || !matches!(month, 1..=12 | 20..=42 | 50..=99)
    {
        return false;
    }
    let department = corsica.unwrap_or_else(|| value(5..7));
    let number = value(0..5) * 100_000_000 + department * 1_000_000 + value(7..13);
    value(13..15) == 97 - number % 97
}

/// Whether 11 ASCII digits are a German tax identification number (steuerliche
/// Identifikationsnummer): first digit not 0; in the first ten, one digit twice or three times
/// and the others at most once; the last digit the ISO 7064 MOD 11,10 check.
pub(crate) fn steuer_id_check(digits: &[u8]) -> bool {
    if digits.len() != 11 || !digits.iter().all(u8::is_ascii_digit) || digits[0] == b'0' {
        return false;
    }
    let mut counts = [0u8; 10];
    for &d in &digits[..10] {
        counts[usize::from(d - b'0')] += 1;
    }
    let repeated = counts.iter().filter(|&&c| c > 1).count();
    if repeated != 1 || counts.iter().any(|&c| c > 3) {
        return false;
    }
    let mut product = 10u32;
    for &d in &digits[..10] {
        let mut sum = (u32::from(d - b'0') + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    u32::from(digits[10] - b'0') == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verhoeff_holds_for_published_examples_and_catches_one_changed_digit() {
        // The Verhoeff paper's and Wikipedia's worked example: 236 with check digit 3.
        assert!(verhoeff(b"2363"));
        assert!(!verhoeff(b"2364"));
        // An Aadhaar-shaped number built with the check digit (UIDAI's sample format).
        assert!(verhoeff(b"234567890124"));
        assert!(!verhoeff(b"234567890125"));
        assert!(!verhoeff(b"23456789012a"));
    }

    #[test]
    fn dni_letters_follow_the_mod_23_table() {
        // The Spanish Interior Ministry's example: 12345678Z.
        assert_eq!(dni_letter(12_345_678), b'Z');
        // NIE X1234567L: X counts as 0.
        assert_eq!(dni_letter(1_234_567), b'L');
    }

    #[test]
    fn codice_fiscale_checks_its_last_letter() {
        // The Agenzia delle Entrate's standard example (Mario Rossi).
        assert!(codice_fiscale_check(b"RSSMRA85T10A562S"));
        assert!(!codice_fiscale_check(b"RSSMRA85T10A562T"));
        assert!(!codice_fiscale_check(b"RSSMRA85T10A562"));
    }

    #[test]
    fn cpf_checks_both_digits_and_refuses_runs() {
        assert!(cpf_check(b"12345678909"));
        assert!(!cpf_check(b"12345678908"));
        assert!(!cpf_check(b"11111111111"));
    }

    #[test]
    fn nir_keys_are_97_minus_the_number_mod_97() {
        // INSEE's worked example: 2 55 08 14 168 025, key 38.
        assert!(nir_check(b"255081416802538"));
        assert!(!nir_check(b"255081416802539"));
        // Corsica: 2A counts as 19.
        let key = 97 - 1_850_519_006_084u64 % 97;
        assert!(nir_check(format!("185052A006084{key:02}").as_bytes()));
        // A sex digit or a month no one is given.
        assert!(!nir_check(b"555081416802538"));
        assert!(!nir_check(b"255131416802538"));
    }

    #[test]
    fn german_tax_ids_check_their_digit_and_repetition() {
        // Examples published by the Bundeszentralamt für Steuern's test material.
        assert!(steuer_id_check(b"86095742719"));
        assert!(!steuer_id_check(b"86095742718"));
        // No digit repeated, or one four times: never issued.
        assert!(!steuer_id_check(b"12345678903"));
        assert!(!steuer_id_check(b"11112345670"));
        assert!(!steuer_id_check(b"06095742719"));
    }
}
