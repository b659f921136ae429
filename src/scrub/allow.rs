//! [`AllowList`]: what a scrubber leaves readable although a detector found it — exact values of
//! one class, and IP networks. An entry names its class and applies to no other: an allowed
//! phone number that is also a card number's digits is still masked as a card.

use super::detect::{BUILT_IN, EMAIL, IP};
use crate::error::Error;
use std::net::IpAddr;

/// A network: its first address and prefix length, IPv4 addresses kept as IPv4-mapped IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    base: u128,
    prefix: u32,
}

/// IPv4 addresses as IPv4-mapped IPv6, so one comparison serves both.
fn bits(addr: IpAddr) -> (u128, u32) {
    match addr {
        IpAddr::V4(v4) => (u128::from(v4.to_ipv6_mapped()), 96),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (u128::from(v4.to_ipv6_mapped()), 96),
            None => (u128::from(v6), 0),
        },
    }
}

impl Network {
    /// `a.b.c.d/n`, an IPv6 prefix `x::/n`, or one address.
    fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let (base, offset) = bits(addr);
        let max = 128 - offset;
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Self {
            base,
            prefix: prefix + offset,
        })
    }

    fn contains(self, addr: u128) -> bool {
        let mask = u128::MAX.checked_shl(128 - self.prefix).unwrap_or(0);
        addr & mask == self.base & mask
    }
}

/// A host's own addresses, not a person's: loopback and unspecified, readable by default
/// (`listening on 127.0.0.1:8080`).
/// `127.0.0.0/8`, `0.0.0.0/32`, `::1/128`, `::/128`, as [`Network::parse`] makes them (a test
/// checks), built without parsing: every scrubber starts with them.
const HOST: [Network; 4] = [
    Network {
        base: 0xffff_7f00_0000,
        prefix: 104,
    },
    Network {
        base: 0xffff_0000_0000,
        prefix: 128,
    },
    Network {
        base: 1,
        prefix: 128,
    },
    Network {
        base: 0,
        prefix: 128,
    },
];

/// What stays readable.
#[derive(Debug, Clone)]
pub(crate) struct AllowList {
    values: Vec<(String, String)>,
    networks: Vec<Network>,
}

impl Default for AllowList {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            networks: HOST.to_vec(),
        }
    }
}

/// A value as an allow-list compares it: emails without regard to ASCII case; numbers and
/// account identifiers by their letters and digits only (`+1 555 0100` is `+1-555-0100`);
/// anything else exactly.
fn comparable(class: &str, text: &str) -> String {
    match class {
        EMAIL => text.to_ascii_lowercase(),
        super::detect::PHONE
        | super::detect::CARD
        | super::detect::IBAN
        | super::detect::SSN
        | super::detect::MAC => text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
        _ => text.to_owned(),
    }
}

impl AllowList {
    /// Allows `value` where a detector of `class` finds it. `known` tells the custom
    /// detectors' classes.
    pub(crate) fn value(
        &mut self,
        class: &str,
        value: &str,
        known: impl Fn(&str) -> bool,
    ) -> Result<(), Error> {
        if !BUILT_IN.contains(&class) && !known(class) {
            return Err(Error::InvalidValue {
                class: "allow_list",
                reason: "no detector has this class (add custom detectors first)",
            });
        }
        self.values
            .push((class.to_owned(), comparable(class, value)));
        Ok(())
    }

    /// Allows IP addresses in `network`.
    pub(crate) fn network(&mut self, network: &str) -> Result<(), Error> {
        let network = Network::parse(network.trim()).ok_or(Error::InvalidValue {
            class: "allow_list",
            reason: "not an IP network (`a.b.c.d/n`, `x::/n` or one address)",
        })?;
        self.networks.push(network);
        Ok(())
    }

    /// Masks a host's own addresses too.
    pub(crate) fn without_host(&mut self) {
        self.networks.retain(|n| !HOST.contains(n));
    }

    /// Whether a finding of `class` with `text` stays readable. An IP finding is allowed when
    /// its address (a range's first address) lies in an allowed network.
    pub(crate) fn allows(&self, class: &str, text: &str) -> bool {
        if class == IP && !self.networks.is_empty() {
            let addr = text.split_once('/').map_or(text, |(a, _)| a);
            if let Ok(addr) = addr.parse::<IpAddr>() {
                let (addr, _) = bits(addr);
                if self.networks.iter().any(|n| n.contains(addr)) {
                    return true;
                }
            }
        }
        !self.values.is_empty() && {
            let text = comparable(class, text);
            self.values.iter().any(|(c, v)| c == class && *v == text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_parse_and_contain() {
        let net = |t| Network::parse(t).unwrap();
        let addr = |t: &str| bits(t.parse().unwrap()).0;
        assert!(net("10.0.0.0/8").contains(addr("10.20.30.40")));
        assert!(!net("10.0.0.0/8").contains(addr("11.0.0.1")));
        assert!(net("192.0.2.7").contains(addr("192.0.2.7")));
        assert!(!net("192.0.2.7").contains(addr("192.0.2.8")));
        assert!(net("2001:db8::/32").contains(addr("2001:db8:1::5")));
        assert!(!net("2001:db8::/32").contains(addr("2001:db9::5")));
        // IPv4-mapped IPv6 is the IPv4 address.
        assert!(net("198.51.100.0/24").contains(addr("::ffff:198.51.100.9")));
        assert!(net("0.0.0.0/0").contains(addr("203.0.113.1")));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/x",
            "host",
        ] {
            assert_eq!(Network::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_host_networks_are_what_their_texts_parse_to() {
        let parsed: Vec<Network> = ["127.0.0.0/8", "0.0.0.0/32", "::1/128", "::/128"]
            .iter()
            .map(|t| Network::parse(t).unwrap())
            .collect();
        assert_eq!(parsed, HOST);
    }
}
