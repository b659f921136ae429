//! [`Generalize`]: how a quasi-identifier is coarsened in an anonymized export — a birth date
//! to its year or an age band, an IP address to its network, a location to a coarse cell, a
//! postcode to its first characters. Direct identifiers and special-category data are never
//! generalized: the anonymized export omits them.

use crate::class::Class;
use crate::error::Error;
use std::net::IpAddr;

/// How a quasi-identifier is coarsened (`#[pii(quasi = …)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Generalize {
    /// The class's own coarsening: a birth date's year, an IPv4 address's /24 and an IPv6
    /// address's /48, a location's 0.1° cell (about 11 km); a plain field is kept as it is.
    ByClass,
    /// Kept as it is (a plain field of few values: a plan, a country).
    Keep,
    /// A birth date's year: `1987`.
    Year,
    /// A birth date's age band of this many years at the export's date: `30-39`.
    AgeBand(u8),
    /// The first characters, the rest starred: a postcode `SW1A 1AA` as `SW1*` with 3.
    Prefix(u8),
    /// An IP address's network: the given prefix lengths for IPv4 and IPv6.
    Network(u8, u8),
    /// A location rounded to this many decimals of a degree.
    Cell(u8),
}

fn refused(class: &str, how: Generalize) -> Error {
    Error::Unsupported {
        what: match how {
            Generalize::Year | Generalize::AgeBand(_) => "a year or age band is for birth dates",
            Generalize::Network(..) => "a network prefix is for IP addresses",
            Generalize::Cell(_) => "a coarse cell is for geo locations",
            _ if class == "special" => {
                "special-category data is never exported, not even generalized"
            }
            _ => "this class is a direct identifier: the anonymized export omits it",
        },
    }
}

impl Generalize {
    /// Coarsens `value` of `class` (`None`: a plain field), at `today` for age bands.
    ///
    /// ```
    /// use piiguard::{Class, lifecycle::Generalize};
    /// let today = time::Date::from_calendar_date(2026, time::Month::November, 30).unwrap();
    /// assert_eq!(Generalize::AgeBand(10).apply(Some(Class::BirthDate), "1987-06-05", today)?, "30-39");
    /// assert_eq!(Generalize::ByClass.apply(Some(Class::IpAddress), "203.0.113.77", today)?, "203.0.113.0/24");
    /// assert_eq!(Generalize::Prefix(3).apply(None, "SW1A 1AA", today)?, "SW1*");
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a coarsening that does not fit the class (direct identifiers
    /// and special data are never generalized); [`Error::InvalidValue`] for a value not of
    /// its class.
    pub fn apply(
        self,
        class: Option<Class>,
        value: &str,
        today: time::Date,
    ) -> Result<String, Error> {
        let name = class.map_or("plain", |c| {
            if c.sensitivity() == crate::class::Sensitivity::Special {
                "special"
            } else {
                c.name()
            }
        });
        if let Some(class) = class {
            class.validate(value.as_bytes())?;
        }
        let invalid = |reason: &'static str| Error::InvalidValue {
            class: class.map_or("plain", Class::name),
            reason,
        };
        match (name, self) {
            ("special", _) => Err(refused(name, self)),
            ("plain", Self::ByClass | Self::Keep) => Ok(value.to_owned()),
            (_, Self::Prefix(n)) if name == "plain" || name == "address" => {
                let kept: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .take(usize::from(n))
                    .collect();
                Ok(format!("{kept}*"))
            }
            ("birth_date", Self::ByClass | Self::Year | Self::AgeBand(_)) => {
                let date = crate::value::parse_iso_date(value.trim().as_bytes())
                    .ok_or_else(|| invalid("not an ISO 8601 date"))?;
                match self {
                    Self::AgeBand(width) if width > 0 => {
                        let mut age = today.year() - date.year();
                        if (today.month(), today.day()) < (date.month(), date.day()) {
                            age -= 1;
                        }
                        let width = i32::from(width);
                        let low = age.max(0) / width * width;
                        Ok(format!("{low}-{}", low + width - 1))
                    }
                    Self::AgeBand(_) => Err(invalid("an age band is at least one year wide")),
                    _ => Ok(date.year().to_string()),
                }
            }
            ("ip_address", Self::ByClass | Self::Network(..)) => {
                let (v4, v6) = match self {
                    Self::Network(v4, v6) => (v4.min(32), v6.min(128)),
                    _ => (24, 48),
                };
                let ip: IpAddr = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid("not an IP address"))?;
                Ok(match ip {
                    IpAddr::V4(a) => {
                        let bits =
                            u32::from(a) & u32::MAX.checked_shl(32 - u32::from(v4)).unwrap_or(0);
                        format!("{}/{v4}", std::net::Ipv4Addr::from(bits))
                    }
                    IpAddr::V6(a) => {
                        let bits =
                            u128::from(a) & u128::MAX.checked_shl(128 - u32::from(v6)).unwrap_or(0);
                        format!("{}/{v6}", std::net::Ipv6Addr::from(bits))
                    }
                })
            }
            ("geo_location", Self::ByClass | Self::Cell(_)) => {
                let decimals = match self {
                    Self::Cell(d) => d.min(6),
                    _ => 1,
                };
                let (lat, lon) = value
                    .split_once(',')
                    .ok_or_else(|| invalid("not lat,lon"))?;
                let parse = |t: &str| t.trim().parse::<f64>().map_err(|_| invalid("not lat,lon"));
                let scale = 10f64.powi(i32::from(decimals));
                let round = |v: f64| (v * scale).floor() / scale;
                let d = usize::from(decimals);
                Ok(format!(
                    "{:.d$},{:.d$}",
                    round(parse(lat)?),
                    round(parse(lon)?)
                ))
            }
            (_, Self::Keep) if name == "address" => Err(refused(name, self)),
            _ => Err(refused(name, self)),
        }
    }
}
