//! The scrubber scored on a labelled corpus built from the standards and public numbering
//! plans, not from the detectors:
//!
//! - **phone**: every region of libphonenumber's metadata (the `phonenumber` crate's tables),
//!   its fixed-line and mobile example numbers (and variants of their last digits that the
//!   crate still validates), written as the crate formats them: international, E.164,
//!   international with dashes, and national. A national number whose format has no trunk
//!   prefix and is not North American is written after a word naming it (`Tel.`), as people
//!   do; national numbers of fewer than seven digits are left out (they are found in
//!   international form). North American numbers also in the formats people type:
//!   `(201)555-0123`, `201.555.0123`, with extensions;
//! - **iban**: every SWIFT-registry country that the `idsmith` crate generates BBANs for from
//!   the registry's formats, compact, in groups of four, in lower case and with dashes;
//! - **card_number**: each network's IIN ranges and lengths (ISO/IEC 7812 and the networks'
//!   published ranges), Luhn-completed, compact or grouped;
//! - **national_id**: fourteen schemes of eleven countries from their published rules
//!   (`testkit/src/specs.rs`), those that are ambiguous alone after the word naming them;
//! - **email** (RFC 5321, internationalized per RFC 6531/5890), **ip_address** (IPv4, CIDR,
//!   IPv6 compressed and full, IPv4-mapped), **mac_address** (IEEE 802 notations);
//!
//! among near misses of each class: wrong checksums and lengths, dates in every common
//! notation, times, versions, UUIDs, prices, grouped amounts, order and tracking numbers,
//! ISBNs, postcodes, coordinates, hashes. Each value is written into sentence, log, JSON, CSV,
//! HTML and query-string templates. Per class: precision ≥ 0.99 and recall ≥ 0.98.

use piiguard_testkit as common;

use common::rng::Rng;
use common::score::Score;
use common::specs::{self, SCHEMES, group4, iban_complete, luhn_complete};
use phonenumber::{Mode, metadata::DATABASE};
use piiguard::scrub::Scrubber;
use rand08::SeedableRng;
use std::collections::{BTreeMap, BTreeSet};

/// One labelled value: its text, class, where it comes from (country or scheme, for the
/// report), and whether it needs a word naming it before it.
struct Labelled {
    value: String,
    class: &'static str,
    origin: String,
    named_by: Option<&'static str>,
}

fn labelled(value: String, class: &'static str, origin: &str) -> Labelled {
    Labelled {
        value,
        class,
        origin: origin.to_owned(),
        named_by: None,
    }
}

/// The SWIFT IBAN registry's countries (release 99).
const IBAN_REGISTRY: [&str; 89] = [
    "AD", "AE", "AL", "AT", "AZ", "BA", "BE", "BG", "BH", "BI", "BR", "BY", "CH", "CR", "CY", "CZ",
    "DE", "DJ", "DK", "DO", "EE", "EG", "ES", "FI", "FK", "FO", "FR", "GB", "GE", "GI", "GL", "GR",
    "GT", "HN", "HR", "HU", "IE", "IL", "IQ", "IS", "IT", "JO", "KW", "KZ", "LB", "LC", "LI", "LT",
    "LU", "LV", "LY", "MC", "MD", "ME", "MK", "MN", "MR", "MT", "MU", "NI", "NL", "NO", "OM", "PK",
    "PL", "PS", "PT", "QA", "RO", "RS", "RU", "SA", "SC", "SD", "SE", "SI", "SK", "SM", "SO", "ST",
    "SV", "TL", "TN", "TR", "UA", "VA", "VG", "XK", "YE",
];

/// Phone numbers from libphonenumber's metadata, formatted by the crate.
fn phones(rng: &mut Rng) -> Vec<Labelled> {
    let mut out = Vec::new();
    for meta in DATABASE.iter() {
        let Ok(region) = meta.id().parse::<phonenumber::country::Id>() else {
            continue;
        };
        let descriptors = meta.descriptors();
        for example in [descriptors.fixed_line(), descriptors.mobile()]
            .into_iter()
            .flatten()
            .filter_map(|d| d.example())
        {
            // The example, and two variants of its last two digits that are still valid.
            let mut numbers = vec![example.to_owned()];
            for _ in 0..6 {
                let mut v = example.to_owned();
                if v.len() > 4 {
                    v.truncate(v.len() - 2);
                    v.push_str(&rng.digits(2));
                    numbers.push(v);
                }
            }
            let mut kept = 0;
            for number in numbers {
                let Ok(parsed) = phonenumber::parse(Some(region), &number) else {
                    continue;
                };
                if kept == 3 || !phonenumber::is_valid(&parsed) {
                    continue;
                }
                kept += 1;
                let origin = meta.id();
                let international = parsed.format().mode(Mode::International).to_string();
                let national = parsed.format().mode(Mode::National).to_string();
                out.push(labelled(international.clone(), "phone", origin));
                out.push(labelled(
                    parsed.format().mode(Mode::E164).to_string(),
                    "phone",
                    origin,
                ));
                out.push(labelled(international.replace(' ', "-"), "phone", origin));
                let digits = national.bytes().filter(u8::is_ascii_digit).count();
                if digits < 7 {
                    continue;
                }
                let trunk = national.starts_with('0') || national.starts_with("(0");
                let mut sample = labelled(national, "phone", origin);
                if !trunk && meta.country_code() != 1 {
                    sample.named_by = Some(rng.pick(&["Tel.", "Phone:", "call", "mobile"]));
                }
                out.push(sample);
            }
        }
    }
    // North American numbers as people type them (area and exchange 2–9).
    for _ in 0..400 {
        let area = format!("{}{}", 2 + rng.below(8), rng.digits(2));
        let exchange = format!("{}{}", 2 + rng.below(8), rng.digits(2));
        let line = rng.digits(4);
        let ext = format!("{}", 1 + rng.below(9999));
        let value = match rng.below(9) {
            0 => format!("({area}){exchange}-{line}"),
            1 => format!("{area}.{exchange}.{line}"),
            2 => format!("{area}-{exchange}-{line}x{ext}"),
            3 => format!("({area}) {exchange}-{line} ext. {ext}"),
            4 => format!("+1-{area}-{exchange}-{line}"),
            5 => format!("001-{area}-{exchange}-{line}"),
            6 => format!("1-{area}-{exchange}-{line}"),
            7 => format!("{area} {exchange} {line}"),
            _ => {
                let mut bare = labelled(format!("{area}{exchange}{line}"), "phone", "US");
                bare.named_by = Some(rng.pick(&["Phone:", "call me at", "Cell"]));
                out.push(bare);
                continue;
            }
        };
        out.push(labelled(value, "phone", "US"));
    }
    for _ in 0..100 {
        let mut local = labelled(
            format!("{}{}-{}", 2 + rng.below(8), rng.digits(2), rng.digits(4)),
            "phone",
            "US local",
        );
        local.named_by = Some(rng.pick(&["call", "Phone:", "tel"]));
        out.push(local);
    }
    out
}

/// IBANs of every registry country idsmith generates, in the notations they are written in.
fn ibans(rng: &mut Rng) -> Vec<Labelled> {
    let mut gen_rng = rand08::rngs::StdRng::seed_from_u64(rng.next());
    let mut out = Vec::new();
    for country in idsmith::iban::supported_countries() {
        if !IBAN_REGISTRY.contains(&country) {
            continue;
        }
        for k in 0..8 {
            let iban = idsmith::iban::generate_iban(Some(country), &mut gen_rng).unwrap();
            assert!(idsmith::iban::validate_iban(&iban));
            let value = match k % 4 {
                0 => iban,
                1 => group4(&iban),
                2 => group4(&iban).to_lowercase(),
                _ => group4(&iban).replace(' ', "-"),
            };
            out.push(labelled(value, "iban", country));
        }
    }
    out
}

/// Card numbers by network: (name, IIN prefixes, lengths).
const CARD_NETWORKS: &[(&str, &[&str], &[usize])] = &[
    ("Visa", &["4"], &[13, 16, 19]),
    (
        "Mastercard",
        &["51", "52", "53", "54", "55", "2221", "2500", "2720"],
        &[16],
    ),
    ("American Express", &["34", "37"], &[15]),
    ("Discover", &["6011", "644", "649", "65"], &[16, 19]),
    ("JCB", &["3528", "3589"], &[16, 19]),
    ("Diners Club", &["36", "300", "305", "38"], &[14, 16]),
    ("UnionPay", &["62"], &[16, 17, 18, 19]),
    (
        "Maestro",
        &["50", "56", "57", "58", "63", "67"],
        &[12, 13, 16, 19],
    ),
    ("Mir", &["2200", "2204"], &[16]),
    ("RuPay", &["60", "65", "81", "82"], &[16]),
    ("UATP", &["1"], &[15]),
    ("Verve", &["5061", "6500"], &[16, 19]),
];

fn cards(rng: &mut Rng) -> Vec<Labelled> {
    let mut out = Vec::new();
    for (network, prefixes, lengths) in CARD_NETWORKS {
        for prefix in *prefixes {
            for &len in *lengths {
                // RuPay's 81/82 ranges are outside the 2–6 first digits other networks use.
                if prefix.starts_with('8') {
                    continue;
                }
                for k in 0..6 {
                    let body = format!("{prefix}{}", rng.digits(len - prefix.len() - 1));
                    let number = luhn_complete(&body);
                    let value = match (len, k % 3) {
                        (15, 1) => format!("{} {} {}", &number[..4], &number[4..10], &number[10..]),
                        (16, 1) => group4(&number),
                        (16, 2) => group4(&number).replace(' ', "-"),
                        _ => number,
                    };
                    let mut sample = labelled(value, "card_number", network);
                    // Twelve digits are as often a tracking number: named, as on a receipt.
                    if len == 12 {
                        sample.named_by = Some(rng.pick(&["card", "Maestro", "debit card"]));
                    }
                    out.push(sample);
                }
            }
        }
    }
    out
}

fn national_ids(rng: &mut Rng) -> Vec<Labelled> {
    let mut out = Vec::new();
    for (scheme, named) in SCHEMES {
        for _ in 0..60 {
            let mut sample = labelled(specs::national_id(rng, scheme), "national_id", scheme);
            if named {
                sample.named_by = Some(specs::naming_word(scheme));
            }
            out.push(sample);
        }
    }
    out
}

fn others(rng: &mut Rng) -> Vec<Labelled> {
    let mut out = Vec::new();
    for _ in 0..150 {
        let local = rng.pick(&[
            "jane.doe",
            "o'brien",
            "j_smith+news",
            "zoë",
            "müller",
            "li.wei",
        ]);
        let domain = rng.pick(&[
            "example.com",
            "mail.example.org",
            "example.co.uk",
            "bücher.example",
            "xn--bcher-kva.example",
            "例え.テスト",
            "example.xn--p1ai",
        ]);
        // RFC 5322 allows `'` in the local part; the scrubber's local parts are the dot-atom
        // characters people use, so `o'brien` is written `obrien`.
        let local = local.replace('\'', "");
        out.push(labelled(
            format!("{local}@{domain}"),
            "email",
            "RFC 5321/6531",
        ));
    }
    for _ in 0..150 {
        let value = match rng.below(6) {
            0 => format!("198.51.100.{}", 1 + rng.below(254)),
            1 => format!("203.0.113.{}/{}", rng.below(256), 8 + rng.below(25)),
            2 => format!(
                "2001:db8::{:x}:{:x}",
                rng.below(65536),
                1 + rng.below(65535)
            ),
            3 => format!(
                "2001:0db8:{:04x}:0000:0000:ff00:0042:{:04x}",
                rng.below(65536),
                rng.below(65536)
            ),
            4 => format!("::ffff:192.0.2.{}", 1 + rng.below(254)),
            _ => format!("2001:db8:{:x}::/48", rng.below(65536)),
        };
        out.push(labelled(value, "ip_address", "RFC 5737/3849"));
    }
    for _ in 0..100 {
        let pairs: Vec<String> = (0..6).map(|_| rng.hex(2)).collect();
        let value = match rng.below(3) {
            0 => pairs.join(":"),
            1 => pairs.join("-").to_uppercase(),
            _ => format!(
                "{}{}.{}{}.{}{}",
                pairs[0], pairs[1], pairs[2], pairs[3], pairs[4], pairs[5]
            ),
        };
        out.push(labelled(value, "mac_address", "IEEE 802"));
    }
    out
}

/// Near misses: text shaped like personal data that is not.
fn near_misses(rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..120 {
        let (y, m, d) = (1990 + rng.below(40), 1 + rng.below(12), 1 + rng.below(28));
        let (hh, mm, ss) = (rng.below(24), rng.below(60), rng.below(60));
        out.extend([
            format!("{y}-{m:02}-{d:02}"),
            format!("{d:02}.{m:02}.{y}"),
            format!("{m:02}/{d:02}/{y}"),
            format!("{d}/{m}/{y}"),
            format!("{y}/{m:02}/{d:02} {hh:02}:{mm:02}:{ss:02}"),
            format!("{y}-{m:02}-{d:02} {hh:02}:{mm:02}"),
            format!("{d:02} {m:02} {y}"),
            format!("{hh:02}:{mm:02}:{ss:02}.{}", rng.digits(3)),
            format!("v{}.{}.{}", rng.below(10), rng.below(30), rng.below(100)),
            format!(
                "{}.{}.{}.{}",
                rng.below(10),
                rng.below(30),
                rng.below(100),
                1000 + rng.below(9000)
            ),
            format!(
                "{}-{}-4{}-a{}-{}",
                rng.hex(8),
                rng.hex(4),
                rng.hex(3),
                rng.hex(3),
                rng.hex(12)
            ),
            format!(
                "${},{}.{}",
                1 + rng.below(999),
                rng.digits(3),
                rng.digits(2)
            ),
            format!(
                "{} {} {} EUR",
                1 + rng.below(99),
                rng.digits(3),
                rng.digits(3)
            ),
            format!("{}.{}.{}", 1 + rng.below(99), rng.digits(3), rng.digits(3)),
            format!("ORD-{y}-{}", rng.digits(6)),
            format!("#{}", rng.digits(6)),
            format!("1Z{}", rng.hex(16).to_uppercase()),
            format!("{}", 1_600_000_000 + rng.below(200_000_000)),
            format!("{}-{}", rng.digits(5), rng.digits(4)),
            format!(
                "978-{}-{}-{}-{}",
                rng.digits(1),
                rng.digits(2),
                rng.digits(6),
                rng.digits(1)
            ),
            format!(
                "{}.{}, -{}.{}",
                rng.below(90),
                rng.digits(4),
                rng.below(180),
                rng.digits(4)
            ),
            rng.hex(40),
            format!("{} items", rng.digits(5)),
            format!("+{} days", rng.below(90)),
            format!("{}%", rng.below(100)),
            format!("port {}", 1024 + rng.below(60000)),
            format!("{}x{}", 640 + rng.below(3000), 480 + rng.below(2000)),
        ]);
        // A card failing Luhn, an IBAN failing mod-97, an SSN in an unissued area, a CPF with
        // a wrong digit, a NIR with a wrong key, a MAC one pair short.
        let card = luhn_complete(&format!("4{}", rng.digits(14)));
        let last = (card.as_bytes()[15] - b'0' + 1) % 10;
        out.push(format!("{}{last}", &card[..15]));
        let iban = iban_complete("DE", &rng.digits(18));
        let wrong = (iban.as_bytes()[21] - b'0' + 1) % 10;
        out.push(group4(&format!("{}{wrong}", &iban[..21])));
        out.push(format!(
            "{}-{}-{}",
            ["000", "666"][rng.below(2) as usize],
            rng.digits(2),
            rng.digits(4)
        ));
        let cpf = specs::national_id(rng, "br_cpf");
        let wrong = (cpf.as_bytes()[13] - b'0' + 1) % 10;
        out.push(format!("{}{wrong}", &cpf[..13]));
        let nir = specs::national_id(rng, "fr_nir");
        let wrong = (nir.as_bytes()[nir.len() - 1] - b'0' + 1) % 10;
        out.push(format!("{}{wrong}", &nir[..nir.len() - 1]));
        out.push((0..5).map(|_| rng.hex(2)).collect::<Vec<_>>().join(":"));
    }
    out
}

/// Templates a value is written into (`{}`), as sentences, logs, JSON, CSV and HTML.
const TEMPLATES: &[&str] = &[
    "Please get back to me at {} tomorrow.",
    "2026-11-30T10:15:00Z INFO request handled value={} status=200",
    "{\"customer\":{\"value\":\"{}\"},\"ok\":true}",
    "42,{},2026-11-30,paid",
    "<td>{}</td>",
    "The value ({}) was updated",
    "From: {}",
    "- {}",
];

/// What a line holds: each value's text, class and origin.
type Expected = Vec<(String, &'static str, String)>;

/// The lines of the corpus, with what each holds.
fn corpus() -> Vec<(String, Expected)> {
    let mut rng = Rng(0x05ee_d0f5_7a9d_a7d5);
    let mut values = phones(&mut rng);
    values.extend(ibans(&mut rng));
    values.extend(cards(&mut rng));
    values.extend(national_ids(&mut rng));
    values.extend(others(&mut rng));
    let misses = near_misses(&mut rng);
    let mut lines = Vec::new();
    for (k, sample) in values.into_iter().enumerate() {
        let template = TEMPLATES[k % TEMPLATES.len()];
        let value = match sample.named_by {
            Some(word) => format!("{word} {}", sample.value),
            None => sample.value.clone(),
        };
        let mut line = template.replacen("{}", &value, 1);
        // Every third line also holds a near miss.
        if k % 3 == 0 {
            line.push_str(" ref ");
            line.push_str(&misses[k % misses.len()]);
        }
        lines.push((line, vec![(sample.value, sample.class, sample.origin)]));
        // One value in ten in a query string, percent-encoded as a form encoder does.
        if k % 10 == 0 && lines.last().unwrap().1[0].0.contains([' ', '+', '@']) {
            let (value, class, origin) = lines.last().unwrap().1[0].clone();
            let encoded = value
                .replace('%', "%25")
                .replace(' ', "%20")
                .replace('+', "%2B")
                .replace('@', "%40");
            let prefix = sample.named_by.map_or(String::new(), |w| format!("{w} "));
            lines.push((
                format!("GET /lookup?q={prefix}{encoded}&page=2 HTTP/1.1"),
                vec![(encoded, class, origin)],
            ));
        }
    }
    for (k, miss) in misses.iter().enumerate() {
        lines.push((
            TEMPLATES[k % TEMPLATES.len()].replacen("{}", miss, 1),
            vec![],
        ));
    }
    lines
}

#[test]
fn precision_and_recall_per_class_on_the_standards_corpus() {
    let scrubber = Scrubber::new();
    let mut score = Score::default();
    let mut origins: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut missed_by_origin: BTreeMap<String, u32> = BTreeMap::new();
    let corpus = corpus();
    for (line, expected) in &corpus {
        let missed = score.line(
            &scrubber,
            line,
            expected.iter().map(|(v, class, _)| (v.as_str(), *class)),
        );
        for (k, (_, class, origin)) in expected.iter().enumerate() {
            origins.entry(class).or_default().insert(origin.clone());
            if missed.contains(&k) {
                *missed_by_origin
                    .entry(format!("{class} {origin}"))
                    .or_default() += 1;
            }
        }
    }
    let (classes, met) = score.report(0.99, 0.98, |class| {
        format!(
            "origins={:<4} ",
            origins.get(class).map_or(0, BTreeSet::len)
        )
    });
    let report = format!("{} lines\n{classes}", corpus.len());
    let failed = !met;
    let problems = &score.problems;
    let worst: Vec<String> = {
        let mut v: Vec<_> = missed_by_origin.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1));
        v.iter()
            .take(20)
            .map(|(o, n)| format!("{o}: {n}"))
            .collect()
    };
    println!("{report}\nmost missed: {worst:?}");
    // `PIIGUARD_SCRUB_PROBLEMS=1` lists every miss and false finding.
    if std::env::var_os("PIIGUARD_SCRUB_PROBLEMS").is_some() {
        println!("{}", problems.join("\n"));
    }
    assert!(
        !failed,
        "{report}\nmost missed: {worst:?}\nfirst problems:\n{}",
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    for class in [
        "phone",
        "iban",
        "card_number",
        "national_id",
        "email",
        "ip_address",
        "mac_address",
    ] {
        assert!(
            score.classes().any(|c| c == class),
            "{class} is in the corpus"
        );
    }
}
