//! IP addresses. Mask: the /24 network of IPv4 (`192.0.2.*`), the /48 of IPv6
//! (`2001:db8:85a3:*`). Normalize: the canonical text form.

use super::text::line;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;
use std::fmt::Write;
use std::net::IpAddr;

pub(super) struct IpAddress;

fn parse(value: &[u8]) -> Result<IpAddr, Invalid> {
    line(value)?
        .parse()
        .map_err(|_| Invalid("not an IPv4 or IPv6 address"))
}

impl ClassRules for IpAddress {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        parse(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        write!(out, "{}", parse(value)?).map_err(|_| Invalid("cannot format the address"))
    }
}

impl Masker for IpAddress {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let written = match parse(value)? {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                write!(out, "{a}.{b}.{c}.*")
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                write!(out, "{:x}:{:x}:{:x}:*", s[0], s[1], s[2])
            }
        };
        written.map_err(|_| Invalid("cannot format the network"))
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn keeps_the_network_only() {
        assert_eq!(Class::IpAddress.mask(b"192.0.2.55").as_str(), "192.0.2.*");
        assert_eq!(
            Class::IpAddress
                .mask(b"2001:db8:85a3::8a2e:370:7334")
                .as_str(),
            "2001:db8:85a3:*"
        );
        assert!(Class::IpAddress.mask(b"192.0.2.256").is_redacted());
        assert!(Class::IpAddress.mask(b"1.2.3").is_redacted());
        assert_eq!(
            Class::IpAddress
                .normalize(b"2001:0DB8::0001")
                .unwrap()
                .as_str(),
            "2001:db8::1"
        );
    }
}
