//! IP addresses in free text: IPv4 and IPv6, with CIDR suffixes. Which ones stay readable (a
//! host's own loopback and unspecified addresses, by default) is the allow-list's call.

use super::detect::{Hit, IP, before, ends_token, starts_token};

/// A CIDR prefix length after an address ending at `j` (`/8`, `/24`, `/64`): where it ends.
fn cidr_suffix(s: &[u8], j: usize, max: u32) -> Option<usize> {
    if s.get(j) != Some(&b'/') {
        return None;
    }
    let digits = s[j + 1..]
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let text = std::str::from_utf8(&s[j + 1..j + 1 + digits]).ok()?;
    let bits: u32 = text.parse().ok()?;
    (matches!(digits, 1..=3) && bits <= max && !(digits > 1 && text.starts_with('0')))
        .then_some(j + 1 + digits)
}

/// An IPv4 address: four decimal octets 0–255 without leading zeros, not part of a longer
/// dotted run (version strings `1.2.3.4.5`), with a CIDR suffix if any.
pub(crate) fn ipv4(s: &[u8], i: usize) -> Option<Hit> {
    let mut j = i;
    for part in 0..4 {
        let start = j;
        while j < s.len() && s[j].is_ascii_digit() && j - start < 4 {
            j += 1;
        }
        let octet = &s[start..j];
        if octet.is_empty() || octet.len() > 3 || (octet.len() > 1 && octet[0] == b'0') {
            return None;
        }
        let value = octet
            .iter()
            .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
        if value > 255 {
            return None;
        }
        if part < 3 {
            if s.get(j) != Some(&b'.') {
                return None;
            }
            j += 1;
        }
    }
    let dotted_more = s.get(j) == Some(&b'.') && s.get(j + 1).is_some_and(u8::is_ascii_digit);
    let end = cidr_suffix(s, j, 32)
        .filter(|&e| ends_token(s, e))
        .unwrap_or(j);
    // An address followed by a path or a prefix that is not one still is an address.
    let ends = ends_token(s, end) || s.get(end) == Some(&b'/');
    (!dotted_more && ends).then_some((i..end, IP))
}

fn hex_or_colon(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':'
}

/// An IPv6 address around a `::` or a run of hex groups with at least two colons, validated by
/// the standard library's parser (which knows the grammar), optionally with an embedded IPv4.
pub(crate) fn ipv6(s: &[u8], colon: usize, floor: usize) -> Option<Hit> {
    let mut start = colon;
    while start > floor && hex_or_colon(s[start - 1]) {
        start -= 1;
    }
    // A single `:` before the address is a delimiter (`ip:2001:db8::1`), not a part of it.
    if s[start] == b':' && s.get(start + 1) != Some(&b':') && start < colon {
        start += 1;
    }
    let mut end = colon;
    while end < s.len() && (hex_or_colon(s[end]) || s[end] == b'.') {
        end += 1;
    }
    while end > start && matches!(s[end - 1], b'.' | b':') && !s[start..end].ends_with(b"::") {
        end -= 1;
    }
    let ends = ends_token(s, end) || cidr_suffix(s, end, 128).is_some_and(|e| ends_token(s, e));
    if !starts_token(s, start, floor) && before(s, start) != Some(b'[') || !ends {
        return None;
    }
    let mut text = std::str::from_utf8(&s[start..end]).ok()?;
    if text.parse::<std::net::Ipv6Addr>().is_err() {
        // `addr:port` written without brackets: try without the last group.
        text = &text[..text.rfind(':')?];
    }
    let colons = text.bytes().filter(|&b| b == b':').count();
    let groups = text.split(':').filter(|g| !g.is_empty()).count();
    text.parse::<std::net::Ipv6Addr>().ok()?;
    if colons < 2 || groups < 2 {
        return None;
    }
    let addr_end = start + text.len();
    let end = cidr_suffix(s, addr_end, 128)
        .filter(|&e| ends_token(s, e))
        .unwrap_or(addr_end);
    Some((start..end, IP))
}
