//! Values made from their published rules, written here apart from the library's detectors
//! and checks: Luhn (ISO/IEC 7812), IBAN mod-97 (ISO 13616), Verhoeff (Aadhaar), and each
//! national identifier's scheme. The scrubber's accuracy corpora draw their examples from
//! these, so a rule the detectors got wrong shows as a miss instead of agreeing with itself.

use super::rng::Rng;

/// The Luhn check digit appended to ASCII digits.
pub fn luhn_complete(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, d)| {
            let v = u32::from(d - b'0');
            if k % 2 == 0 {
                let v = v * 2;
                if v > 9 { v - 9 } else { v }
            } else {
                v
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// The IBAN of `country` and `bban` (upper-case letters and digits), with its check digits.
pub fn iban_complete(country: &str, bban: &str) -> String {
    let rearranged = format!("{bban}{country}00");
    let mut rem = 0u32;
    for c in rearranged.bytes() {
        rem = if c.is_ascii_digit() {
            (rem * 10 + u32::from(c - b'0')) % 97
        } else {
            (rem * 100 + u32::from(c - b'A' + 10)) % 97
        };
    }
    format!("{country}{:02}{bban}", 98 - rem)
}

/// Groups of four separated by spaces, as IBANs and cards are printed.
pub fn group4(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Verhoeff's check over ASCII digits, from the published tables.
pub fn verhoeff_ok(digits: &str) -> bool {
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
    let mut c = 0u8;
    for (i, d) in digits.bytes().rev().enumerate() {
        c = D[usize::from(c)][usize::from(P[i % 8][usize::from(d - b'0')])];
    }
    c == 0
}

/// The national identifier schemes the corpora generate, by name. Those marked `named` are
/// only recognizable where the text names them (`SSN …`, `Steuer-ID …`), and are written
/// after such a word.
pub const SCHEMES: [(&str, bool); 14] = [
    ("us_ssn", false),
    ("us_ssn_bare", true),
    ("us_itin", false),
    ("es_dni", false),
    ("es_nie", false),
    ("uk_nino", false),
    ("in_pan", false),
    ("in_aadhaar", false),
    ("ca_sin", false),
    ("br_cpf", false),
    ("it_codice_fiscale", false),
    ("fr_nir", false),
    ("fr_nir_bare", true),
    ("de_tax_id", true),
];

/// The word written before a scheme's identifier where the scheme is `named`.
pub fn naming_word(scheme: &str) -> &'static str {
    match scheme {
        "us_ssn_bare" => "SSN",
        "fr_nir_bare" => "NIR",
        "de_tax_id" => "Steuer-ID",
        _ => "",
    }
}

const DNI: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn letter(rng: &mut Rng, from: &[u8]) -> char {
    char::from(from[rng.below(from.len() as u64) as usize])
}

/// A valid identifier of `scheme` (a name from [`SCHEMES`]), from the scheme's published rule.
pub fn national_id(rng: &mut Rng, scheme: &str) -> String {
    match scheme {
        "us_ssn" | "us_ssn_bare" => {
            // SSA: area 001–899 but not 666, group 01–99, serial 0001–9999.
            let area = [1 + rng.below(665), 667 + rng.below(232)][rng.below(2) as usize];
            let (group, serial) = (1 + rng.below(99), 1 + rng.below(9999));
            match (scheme, rng.below(2)) {
                ("us_ssn_bare", _) => format!("{area:03}{group:02}{serial:04}"),
                (_, 0) => format!("{area:03}-{group:02}-{serial:04}"),
                _ => format!("{area:03} {group:02} {serial:04}"),
            }
        }
        // IRS: 9xx, group 50–65, 70–88, 90–92, 94–99.
        "us_itin" => format!(
            "9{}-{}-{:04}",
            rng.digits(2),
            [50 + rng.below(16), 70 + rng.below(19), 94 + rng.below(6)][rng.below(3) as usize],
            1 + rng.below(9999)
        ),
        "es_dni" => {
            let n = 10_000_000 + rng.below(89_999_999) as u32;
            format!("{n}{}", char::from(DNI[(n % 23) as usize]))
        }
        "es_nie" => {
            let lead = rng.below(3) as u32;
            let n = rng.below(9_999_999) as u32;
            let x = ["X", "Y", "Z"][lead as usize];
            let check = char::from(DNI[((lead * 10_000_000 + n) % 23) as usize]);
            format!("{x}{n:07}{check}")
        }
        // HMRC: prefix letters never D, F, I, Q, U, V (nor O second); suffix A–D.
        "uk_nino" => {
            let (a, b) = (
                letter(rng, b"ABCEGHJKLMNPRSTWXYZ"),
                letter(rng, b"ABCEGHJKLMNPRSTWXYZ"),
            );
            if [
                ('B', 'G'),
                ('G', 'B'),
                ('K', 'N'),
                ('N', 'K'),
                ('N', 'T'),
                ('T', 'N'),
                // HMRC's administrative prefix, never issued.
                ('Z', 'Z'),
            ]
            .contains(&(a, b))
            {
                return national_id(rng, scheme);
            }
            let (d1, d2, d3) = (rng.digits(2), rng.digits(2), rng.digits(2));
            let suffix = letter(rng, b"ABCD");
            if rng.below(2) == 0 {
                format!("{a}{b} {d1} {d2} {d3} {suffix}")
            } else {
                format!("{a}{b}{d1}{d2}{d3}{suffix}")
            }
        }
        // Income Tax Department: five letters, the fourth the holder type, four digits, a
        // letter.
        "in_pan" => format!(
            "{}{}{}{}{}{}{}",
            letter(rng, ALPHABET),
            letter(rng, ALPHABET),
            letter(rng, ALPHABET),
            letter(rng, b"ABCFGHJLPT"),
            letter(rng, ALPHABET),
            rng.digits(4),
            letter(rng, ALPHABET)
        ),
        // UIDAI: twelve digits, the first 2–9, Verhoeff's check digit last, printed 4-4-4.
        "in_aadhaar" => loop {
            let body = format!("{}{}", 2 + rng.below(8), rng.digits(10));
            if let Some(full) = (0..10)
                .map(|c| format!("{body}{c}"))
                .find(|f| verhoeff_ok(f))
            {
                break group4(&full);
            }
        },
        // CRA: nine digits, Luhn, first digit 1–7 or 9, printed 3-3-3.
        "ca_sin" => {
            let first = [1, 2, 3, 4, 5, 6, 7, 9][rng.below(8) as usize];
            let full = luhn_complete(&format!("{first}{}", rng.digits(7)));
            let sep = if rng.below(2) == 0 { " " } else { "-" };
            [&full[0..3], &full[3..6], &full[6..9]].join(sep)
        }
        // Receita Federal: two mod-11 digits, `ddd.ddd.ddd-dd`.
        "br_cpf" => loop {
            let mut d: Vec<u32> = rng.digits(9).bytes().map(|b| u32::from(b - b'0')).collect();
            if d.iter().all(|&x| x == d[0]) {
                continue;
            }
            for n in [9usize, 10] {
                let sum: u32 = (0..n).map(|i| d[i] * (n as u32 + 1 - i as u32)).sum();
                d.push(if sum % 11 < 2 { 0 } else { 11 - sum % 11 });
            }
            let t: String = d.iter().map(|v| char::from(b'0' + *v as u8)).collect();
            break format!("{}.{}.{}-{}", &t[0..3], &t[3..6], &t[6..9], &t[9..11]);
        },
        "it_codice_fiscale" => codice_fiscale(rng),
        "fr_nir" | "fr_nir_bare" => {
            let nir = nir(rng);
            if scheme == "fr_nir_bare" {
                nir
            } else {
                [
                    &nir[0..1],
                    &nir[1..3],
                    &nir[3..5],
                    &nir[5..7],
                    &nir[7..10],
                    &nir[10..13],
                    &nir[13..15],
                ]
                .join(" ")
            }
        }
        "de_tax_id" => steuer_id(rng),
        other => panic!("no scheme {other}"),
    }
}

/// Agenzia delle Entrate: surname and name consonants, year, month letter, day (plus 40 for
/// women), place code, and the check letter (odd positions by their table, even by value).
fn codice_fiscale(rng: &mut Rng) -> String {
    let letters = b"BCDFGHLMNPRSTVZ";
    let mut code: Vec<u8> = (0..6).map(|_| letters[rng.below(15) as usize]).collect();
    code.extend(rng.digits(2).bytes());
    code.push(b"ABCDEHLMPRST"[rng.below(12) as usize]);
    let day = 1 + rng.below(28) + [0, 40][rng.below(2) as usize];
    code.extend(format!("{day:02}").bytes());
    code.push(b"ABCDEFGHILM"[rng.below(11) as usize]);
    code.extend(rng.digits(3).bytes());
    let odd = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let sum: u32 = code
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let v = if c.is_ascii_digit() {
                c - b'0'
            } else {
                c - b'A'
            } as usize;
            if k % 2 == 0 { odd[v] } else { v as u32 }
        })
        .sum();
    code.push(b'A' + (sum % 26) as u8);
    String::from_utf8(code).unwrap()
}

/// INSEE: sex, year, month, department (Corsica `2A`/`2B`), commune, order, and the key 97
/// minus the number mod 97 (`2A` counting as 19, `2B` as 18).
fn nir(rng: &mut Rng) -> String {
    let sex = 1 + rng.below(2);
    let year = rng.digits(2);
    let month = 1 + rng.below(12);
    let (department, value) = match rng.below(10) {
        0 => ("2A".to_owned(), 19),
        1 => ("2B".to_owned(), 18),
        _ => {
            let d = 1 + rng.below(95);
            (format!("{d:02}"), d)
        }
    };
    let commune = 1 + rng.below(990);
    let order = 1 + rng.below(999);
    let number = ((sex * 100 + year.parse::<u64>().unwrap()) * 100 + month) * 100_000_000
        + value * 1_000_000
        + commune * 1000
        + order;
    let key = 97 - number % 97;
    format!("{sex}{year}{month:02}{department}{commune:03}{order:03}{key:02}")
}

/// Bundeszentralamt für Steuern: eleven digits, the first not 0, one digit of the first ten
/// twice (the others once), and the ISO 7064 MOD 11,10 check digit.
fn steuer_id(rng: &mut Rng) -> String {
    let mut pool: Vec<u8> = (0..10).collect();
    // Shuffle, drop one digit, repeat another.
    for k in (1..pool.len()).rev() {
        pool.swap(k, rng.below(k as u64 + 1) as usize);
    }
    let twice = pool[0];
    pool[9] = twice;
    for k in (1..pool.len()).rev() {
        pool.swap(k, rng.below(k as u64 + 1) as usize);
    }
    if pool[0] == 0 {
        return steuer_id(rng);
    }
    let mut product = 10u32;
    for &d in &pool {
        let mut sum = (u32::from(d) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    let digits: String = pool.iter().map(|d| char::from(b'0' + d)).collect();
    let full = format!("{digits}{check}");
    if rng.below(2) == 0 {
        full
    } else {
        format!(
            "{} {} {} {}",
            &full[0..2],
            &full[2..5],
            &full[5..8],
            &full[8..11]
        )
    }
}
