//! The check digits of national identifiers, shared by the classes and the scrubber: Verhoeff
//! (Indian Aadhaar), the Spanish DNI/NIE letter (mod 23), the Italian codice fiscale's check
//! letter, the Brazilian CPF's two mod-11 digits. Each takes ASCII and answers whether the
//! identifier's own check holds.

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
}
