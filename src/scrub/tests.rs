//! Each detector: what it finds, and its classic false positives, which it must not.

use super::*;

/// The findings in `text`: the text each covers and its class (shared by the detectors' own
/// test modules).
pub(super) fn classes(text: &str) -> Vec<(&str, &'static str)> {
    Scrubber::new()
        .find(text)
        .into_iter()
        .map(|f| (&text[f.range], f.class))
        .collect()
}

/// What is found in `text` as `class`.
pub(super) fn found_as<'t>(text: &'t str, class: &str) -> Vec<&'t str> {
    classes(text)
        .into_iter()
        .filter(|(_, c)| *c == class)
        .map(|(t, _)| t)
        .collect()
}

fn finds(text: &str, want: &str, class: &str) {
    let got = classes(text);
    assert_eq!(got, vec![(want, detect_class(class))], "in {text:?}");
}

fn nothing(text: &str) {
    assert_eq!(classes(text), vec![], "in {text:?}");
}

fn detect_class(class: &str) -> &'static str {
    [
        detect::EMAIL,
        detect::PHONE,
        detect::CARD,
        detect::IBAN,
        detect::IP,
        detect::SSN,
        detect::JWT,
        detect::BEARER,
    ]
    .into_iter()
    .find(|c| *c == class)
    .unwrap()
}

#[test]
fn emails() {
    finds(
        "to jane.doe+tag@mail.example.com.",
        "jane.doe+tag@mail.example.com",
        "email",
    );
    finds("<a_b-1@example.co.uk>", "a_b-1@example.co.uk", "email");
    // Internationalized: UTF-8 in either part, an A-label or a script's letters as the TLD.
    finds("to jane@exämple.com.", "jane@exämple.com", "email");
    finds(
        "to jane@xn--exmple-cua.com",
        "jane@xn--exmple-cua.com",
        "email",
    );
    finds(
        "von élodie@例え.テスト heute",
        "élodie@例え.テスト",
        "email",
    );
    finds("zoë@example.рф", "zoë@example.рф", "email");
    finds("“jane@example.com”", "jane@example.com", "email");
    finds("contact:jürgen@example.de;", "jürgen@example.de", "email");
    for no in [
        "name@domain.c",
        "x@example.1ä",
        "jane@example.xn--",
        "a@—.com",
        "jane@example.com—",
    ] {
        let found = classes(no);
        assert!(
            found
                .iter()
                .all(|(text, _)| !text.contains('—') && *text != "x@example.1ä"),
            "{no:?}: {found:?}"
        );
    }
    for no in [
        "user@localhost",
        "@example.com",
        "mailto:@",
        "git@github:repo",
        "name@domain.c",
        "a@b.123",
        "version 1.2@3.4",
        "x@-bad.example.com",
    ] {
        nothing(no);
    }
}

#[test]
fn phones() {
    finds("call +1-555-0142 now", "+1-555-0142", "phone");
    finds("tel: +44 20 7946 0958", "+44 20 7946 0958", "phone");
    finds("(555) 010-0142", "(555) 010-0142", "phone");
    finds("cell 555-010-0142.", "555-010-0142", "phone");
    finds("cell 555.010.0142", "555.010.0142", "phone");
    // A glued extension is masked with the number; a glued word is not part of it.
    finds("call 555-010-0142x459 now", "555-010-0142x459", "phone");
    finds("call 555-010-0142#12 now", "555-010-0142#12", "phone");
    finds("call (555) 010-1693-Office", "(555) 010-1693", "phone");
    finds("call +1-555-0142-Office", "+1-555-0142", "phone");
    for no in [
        "2026-11-23 10:15:00",
        "order 555-0142",
        "+1",
        "+12",
        "total +5 points",
        "id 555-010-01423",
        "ORD-555-010-0142",
        "555-010.0142",
        "v1.555.010.0142",
        "id 555-010-0142x12345678",
        "sku 555-010-0142-A",
    ] {
        nothing(no);
    }
}

#[test]
fn cards() {
    finds(
        "card 4111 1111 1111 1111 ok",
        "4111 1111 1111 1111",
        "card_number",
    );
    finds(
        "card 4111-1111-1111-1111",
        "4111-1111-1111-1111",
        "card_number",
    );
    finds("pan=5500005555555559;", "5500005555555559", "card_number");
    finds("amex 3782 822463 10005", "3782 822463 10005", "card_number");
    // UATP: 15 digits beginning with 1; Maestro: from 12 digits (12 where a card is named).
    finds("uatp 122000000000003.", "122000000000003", "card_number");
    finds("uatp 1220 00000 000003", "1220 00000 000003", "card_number");
    finds("maestro 500000000009 ok", "500000000009", "card_number");
    finds("maestro 5600-0000-0003", "5600-0000-0003", "card_number");
    finds("maestro 675964982648", "675964982648", "card_number");
    for no in [
        "4111 1111 1111 1112",       // Luhn fails
        "order 1234567812345670",    // first digit not a card network's
        "4111 1111-1111 1111",       // mixed separators
        "41 1111 1111 1111 11",      // odd grouping
        "ts 1700000000000",          // a millisecond timestamp
        "us 1700000000000001",       // Luhn-valid, 16 digits from 1: a microsecond timestamp
        "uatp 122000000000004",      // Luhn fails
        "id 512345678902",           // Luhn-valid, 12 digits, not a Maestro range (51)
        "tracking 500000000009",     // a Maestro range, but no card named
        "id 400000000002",           // Luhn-valid, 12 digits from 4: too short for Visa
        "id 4111111111111111111111", // too long
        "uuid 4111-1111-1111-1111-111111111111",
    ] {
        nothing(no);
    }
}

#[test]
fn ibans() {
    finds(
        "pay GB82 WEST 1234 5698 7654 32 today",
        "GB82 WEST 1234 5698 7654 32",
        "iban",
    );
    finds("DE89370400440532013000", "DE89370400440532013000", "iban");
    for no in [
        "GB82 WEST 1234 5698 7654 33", // mod-97 fails
        "DE8937040044053201300",       // too short for DE
        "ZZ89370400440532013000",      // no such country
        "SKU AB12 in stock",
    ] {
        nothing(no);
    }
}

#[test]
fn percent_encoded_emails() {
    finds(
        "GET /customers/by-email?email=jane%40example.com HTTP/1.1",
        "jane%40example.com",
        "email",
    );
    finds(
        "to=j.doe%40mail.example.org&x=1",
        "j.doe%40mail.example.org",
        "email",
    );
    finds(
        r#"{"to":"jane\u0040example.com"}"#,
        r"jane\u0040example.com",
        "email",
    );
    for no in ["50%40 of the load", "a %40b", "rate=99%40example"] {
        nothing(no);
    }
}

#[test]
fn ibans_in_lower_case_or_with_dashes() {
    finds(
        "iban de89 3704 0044 0532 0130 00.",
        "de89 3704 0044 0532 0130 00",
        "iban",
    );
    finds(
        "to DE89-3704-0044-0532-0130-00 now",
        "DE89-3704-0044-0532-0130-00",
        "iban",
    );
    for no in [
        // A near miss is skipped whole: its digits are not read as a card.
        "DE89 3704 0044 0532 0130 01",
        "de89 3704 0044 0532 0130 01",
        "de89370400440532013001",
        "De89370400440532013000",
        "DE89-3704 0044 0532 0130 00",
        "ab12 is a code",
    ] {
        nothing(no);
    }
}

#[test]
fn ip_addresses() {
    finds("from 192.0.2.55:443", "192.0.2.55", "ip_address");
    finds(
        "peer=2001:db8::8a2e:370:7334,",
        "2001:db8::8a2e:370:7334",
        "ip_address",
    );
    finds(
        "[fe80::1ff:fe23:4567:890a]",
        "fe80::1ff:fe23:4567:890a",
        "ip_address",
    );
    finds(
        "ip ::ffff:192.0.2.128 x",
        "::ffff:192.0.2.128",
        "ip_address",
    );
    // A CIDR range is masked whole, prefix length included.
    finds("allow 10.20.0.0/16;", "10.20.0.0/16", "ip_address");
    finds(
        "route 2001:db8:85a3::/48 via",
        "2001:db8:85a3::/48",
        "ip_address",
    );
    finds("from 192.0.2.55/33 x", "192.0.2.55", "ip_address");
    for no in [
        // A host's own addresses are not a person's.
        "listening on 127.0.0.1:8080",
        "bind 0.0.0.0:443",
        "loopback 127.10.0.3 up",
        "[::1]:8080",
        "any :: port",
        "version 1.2.3.4.5",
        "256.1.1.1",
        "01.02.03.04",
        "at 10:15:00",
        "std::fmt::Debug",
        "v1.2.3",
        "::1",
    ] {
        nothing(no);
    }
    // A MAC address is not an IPv6 address: it is found as what it is.
    let text = "mac 00:1a:2b:3c:4d:5e";
    assert_eq!(classes(text), vec![("00:1a:2b:3c:4d:5e", detect::MAC)]);
}

#[test]
fn ssns() {
    finds("ssn 123-45-6789.", "123-45-6789", "national_id");
    // Without separators, or with dots, only where the text names an SSN.
    finds("SSN: 123456789", "123456789", "national_id");
    finds(
        "social security no. 123.45.6789",
        "123.45.6789",
        "national_id",
    );
    for no in [
        "order 123456789",
        "v123.45.6789",
        "section 123.45.6789",
        "ssn 000000000",
    ] {
        nothing(no);
    }
    for no in [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
        "2026-11-23",
        "1234-56-7890",
    ] {
        nothing(no);
    }
}

#[test]
fn jwts_and_bearer_tokens() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    finds(&format!("token={jwt} end"), jwt, "jwt");
    finds(
        "Authorization: Bearer abcdef0123456789.xyz",
        "abcdef0123456789.xyz",
        "bearer_token",
    );
    finds(
        "authorization: bearer abcdef0123456789",
        "abcdef0123456789",
        "bearer_token",
    );
    for no in [
        "Bearer short",
        "eyJhbGc.x.y",
        "the keyJoin.field.value",
        "Bearer",
    ] {
        nothing(no);
    }
}

#[test]
fn near_misses_in_a_log_line() {
    nothing(
        "2026-11-23T10:15:00.123Z INFO order=ORD-20261123-0042 uuid=3f2b1c9e-8d4a-4b6f-9e1d-2a3b4c5d6e7f \
         price=$1,234.56 version=2.14.1 took 42ms sku=AB-1234 commit=9f10aace",
    );
}

#[test]
fn scrubbing_is_idempotent_and_keeps_the_rest() {
    let s = Scrubber::new();
    let line = "user jane@example.com paid with 4111 1111 1111 1111 (ssn 123-45-6789), ip 10.0.0.1";
    let once = s.scrub(line);
    assert_eq!(
        once,
        "user [REDACTED:email] paid with [REDACTED:card_number] (ssn [REDACTED:national_id]), ip [REDACTED:ip_address]"
    );
    assert!(matches!(s.scrub(&once), Cow::Borrowed(_)));
}

#[test]
fn streams_are_scrubbed_line_by_line() {
    let input = "a jane@example.com\nnothing here\n\u{ff}bad utf8 192.0.2.1\nlast 555-010-0142";
    let mut bytes = input.as_bytes().to_vec();
    bytes[input.find('\u{ff}').unwrap()] = 0xff;
    let mut out = Vec::new();
    let found = Scrubber::new()
        .scrub_stream(bytes.as_slice(), &mut out)
        .unwrap();
    assert_eq!(found, 3);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out,
        "a [REDACTED:email]\nnothing here\n\u{fffd}\u{fffd}bad utf8 [REDACTED:ip_address]\nlast [REDACTED:phone]"
    );
}

#[test]
fn an_allowed_value_stays_readable_in_its_class_only() {
    let scrubber = Scrubber::new()
        .allow("email", "support@example.com")
        .unwrap()
        .allow("phone", "+1 555 0100")
        .unwrap();
    assert_eq!(
        scrubber.scrub("support@example.com, SUPPORT@example.com, jane@example.com"),
        "support@example.com, SUPPORT@example.com, [REDACTED:email]"
    );
    assert_eq!(
        scrubber.scrub("call +1-555-0100 or +1-555-0142"),
        "call +1-555-0100 or [REDACTED:phone]"
    );
    // The same digits found by another class's detector are masked.
    let cards = Scrubber::new().allow("phone", "4111111111111111").unwrap();
    assert_eq!(
        cards.scrub("card 4111 1111 1111 1111"),
        "card [REDACTED:card_number]"
    );
    // A custom detector's class, once it is added.
    struct Badge;
    impl Detector for Badge {
        fn class(&self) -> &'static str {
            "badge"
        }
        fn find(&self, text: &str, out: &mut Vec<Range<usize>>) {
            out.extend(text.match_indices("B-").map(|(i, _)| i..i + 5));
        }
    }
    assert!(Scrubber::new().allow("badge", "B-001").is_err());
    let badges = Scrubber::new()
        .with_detector(Badge)
        .allow("badge", "B-001")
        .unwrap();
    assert_eq!(badges.scrub("B-001 B-002"), "B-001 [REDACTED:badge]");
    // The allow-list's values stay out of Debug.
    assert!(!format!("{scrubber:?}").contains("support@"));
    // Scrubbing twice changes nothing more.
    let once = scrubber.scrub("support@example.com jane@example.com");
    assert_eq!(scrubber.scrub(&once), once);
}

#[test]
fn allowed_networks_and_host_addresses() {
    let scrubber = Scrubber::new().allow_network("10.0.0.0/8").unwrap();
    assert_eq!(
        scrubber.scrub("from 10.2.3.4 via 10.0.0.0/16 for 198.51.100.7 and ::ffff:10.9.9.9"),
        "from 10.2.3.4 via 10.0.0.0/16 for [REDACTED:ip_address] and ::ffff:10.9.9.9"
    );
    let v6 = Scrubber::new().allow_network("2001:db8::/32").unwrap();
    assert_eq!(
        v6.scrub("peer 2001:db8::5 and 2001:db9::5"),
        "peer 2001:db8::5 and [REDACTED:ip_address]"
    );
    // A host's own addresses: readable by default, masked on request.
    let line = "bind 0.0.0.0:80 and 127.0.0.1 and 0:0:0:0:0:0:0:1";
    assert_eq!(Scrubber::new().scrub(line), line);
    assert_eq!(
        Scrubber::new().mask_host_addresses().scrub(line),
        "bind [REDACTED:ip_address]:80 and [REDACTED:ip_address] and [REDACTED:ip_address]"
    );
    // An allowed network applies to IP addresses only.
    let digits = Scrubber::new().allow_network("0.0.0.0/0").unwrap();
    assert_eq!(
        digits.scrub("10.0.0.1 and +1-555-0142"),
        "10.0.0.1 and [REDACTED:phone]"
    );
    for bad in ["10.0.0.0/33", "10.0.0/8", "example.com", ""] {
        assert!(Scrubber::new().allow_network(bad).is_err(), "{bad}");
    }
}

/// The SWIFT registry's latest countries, grouped by four as printed.
#[test]
fn ibans_of_the_registry_s_latest_countries() {
    for iban in crate::class::checksum::REGISTRY_LATEST {
        let grouped: Vec<&str> = iban
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let text = format!("pay to {} now", grouped.join(" "));
        finds(&text, &grouped.join(" "), "iban");
    }
}

/// A `/` is a delimiter: values in request paths are found, each segment on its own, and a
/// number's groups do not run across segments.
#[test]
fn values_in_url_paths_are_found_segment_by_segment() {
    let scrubber = Scrubber::new();
    for (line, scrubbed) in [
        ("GET /u/4111111111111111", "GET /u/[REDACTED:card_number]"),
        ("GET /ip/203.0.113.9", "GET /ip/[REDACTED:ip_address]"),
        (
            "GET /users/123-45-6789",
            "GET /users/[REDACTED:national_id]",
        ),
        (
            "GET /u/jane@example.com/4111111111111111",
            "GET /u/[REDACTED:email]/[REDACTED:card_number]",
        ),
        (
            "DELETE /v1/items/0645/905-52-2194 HTTP/1.1",
            "DELETE /v1/items/0645/[REDACTED:national_id] HTTP/1.1",
        ),
        (
            "GET /v1/customers/4111-1111-1111-1111/cards?page=2",
            "GET /v1/customers/[REDACTED:card_number]/cards?page=2",
        ),
    ] {
        assert_eq!(scrubber.scrub(line), scrubbed, "{line}");
    }
    // Outside a path, a slash still groups a phone number's digits.
    assert_eq!(scrubber.scrub("Tel. 030/12345678"), "Tel. [REDACTED:phone]");
}
