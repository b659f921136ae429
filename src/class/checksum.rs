//! Checksums and registries of identifiers, shared by the classes (validation) and the
//! scrubber (detection): Luhn for card numbers, ISO 7064 mod 97-10 and the IBAN lengths.

/// Whether a sequence of digit values (0–9, not ASCII) passes the Luhn checksum.
pub(crate) fn luhn(digits: impl DoubleEndedIterator<Item = u8>) -> bool {
    let sum: u32 = digits
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 7064 mod 97-10 over alphanumerics (letters count as 10..=35).
pub(crate) fn mod97(chars: impl Iterator<Item = u8>) -> u32 {
    chars.fold(0u32, |acc, c| {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        if v >= 10 {
            (acc * 100 + v) % 97
        } else {
            (acc * 10 + v) % 97
        }
    })
}

/// IBAN lengths by country: every country of the SWIFT IBAN registry (release 99, 2025: 89
/// countries, Burundi, Djibouti, the Falklands, Honduras, Libya, Mongolia, Nicaragua, Oman,
/// Russia, Sudan, Somalia and Yemen among the latest).
const IBAN_LENGTHS: &[([u8; 2], usize)] = &[
    (*b"AD", 24),
    (*b"AE", 23),
    (*b"AL", 28),
    (*b"AT", 20),
    (*b"AZ", 28),
    (*b"BA", 20),
    (*b"BE", 16),
    (*b"BG", 22),
    (*b"BH", 22),
    (*b"BI", 27),
    (*b"BR", 29),
    (*b"BY", 28),
    (*b"CH", 21),
    (*b"CR", 22),
    (*b"CY", 28),
    (*b"CZ", 24),
    (*b"DE", 22),
    (*b"DJ", 27),
    (*b"DK", 18),
    (*b"DO", 28),
    (*b"EE", 20),
    (*b"EG", 29),
    (*b"ES", 24),
    (*b"FI", 18),
    (*b"FK", 18),
    (*b"FO", 18),
    (*b"FR", 27),
    (*b"GB", 22),
    (*b"GE", 22),
    (*b"GI", 23),
    (*b"GL", 18),
    (*b"GR", 27),
    (*b"GT", 28),
    (*b"HN", 28),
    (*b"HR", 21),
    (*b"HU", 28),
    (*b"IE", 22),
    (*b"IL", 23),
    (*b"IQ", 23),
    (*b"IS", 26),
    (*b"IT", 27),
    (*b"JO", 30),
    (*b"KW", 30),
    (*b"KZ", 20),
    (*b"LB", 28),
    (*b"LC", 32),
    (*b"LI", 21),
    (*b"LT", 20),
    (*b"LU", 20),
    (*b"LV", 21),
    (*b"LY", 25),
    (*b"MC", 27),
    (*b"MD", 24),
    (*b"ME", 22),
    (*b"MK", 19),
    (*b"MN", 20),
    (*b"MR", 27),
    (*b"MT", 31),
    (*b"MU", 30),
    (*b"NI", 28),
    (*b"NL", 18),
    (*b"NO", 15),
    (*b"OM", 23),
    (*b"PK", 24),
    (*b"PL", 28),
    (*b"PS", 29),
    (*b"PT", 25),
    (*b"QA", 29),
    (*b"RO", 24),
    (*b"RS", 22),
    (*b"RU", 33),
    (*b"SA", 24),
    (*b"SC", 31),
    (*b"SD", 18),
    (*b"SE", 24),
    (*b"SI", 19),
    (*b"SK", 24),
    (*b"SM", 27),
    (*b"SO", 23),
    (*b"ST", 25),
    (*b"SV", 28),
    (*b"TL", 23),
    (*b"TN", 24),
    (*b"TR", 26),
    (*b"UA", 29),
    (*b"VA", 22),
    (*b"VG", 24),
    (*b"XK", 20),
    (*b"YE", 30),
];

/// The IBAN length of a country (upper-case ISO 3166 code), if the country uses IBANs.
pub(crate) fn iban_length(country: &[u8]) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| c[..] == *country)
        .map(|(_, n)| *n)
}

/// The SWIFT registry's examples for the countries it added last (checked against mod-97 and
/// their lengths when they were copied here), for the tests of the class and of the scrubber.
#[cfg(test)]
pub(crate) const REGISTRY_LATEST: [&str; 12] = [
    "BI4210000100010000332045181",
    "DJ2100010000000154000100186",
    "FK88SC123456789012",
    "HN88CABF00000000000250005469",
    "LY83002048000020100120361",
    "MN121234123456789123",
    "NI45BAPR00000013000003558124",
    "OM810180000001299123456",
    "RU0204452560040702810412345678901",
    "SD2129010501234001",
    "SO211000001001000100141",
    "YE15CBYE0001018861234567891234",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let digits = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<u8>>();
        assert!(luhn(digits("4111111111111111").into_iter()));
        assert!(!luhn(digits("4111111111111112").into_iter()));
        // DE89 3704 0044 0532 0130 00, rearranged: the remainder is 1.
        let iban = b"DE89370400440532013000";
        assert_eq!(mod97(iban[4..].iter().chain(&iban[..4]).copied()), 1);
        assert_eq!(iban_length(b"DE"), Some(22));
        assert_eq!(iban_length(b"ZZ"), None);
    }
}
