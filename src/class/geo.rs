//! Geolocations as `latitude,longitude` in decimal degrees. Mask: one decimal place (about
//! 11 km), marked with `*`. Normalize: six decimal places (about 11 cm).

use super::text::line;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;
use std::fmt::Write;

pub(super) struct GeoLocation;

fn parse(value: &[u8]) -> Result<(f64, f64), Invalid> {
    let (lat, lon) = line(value)?
        .split_once(',')
        .ok_or(Invalid("expected `latitude,longitude`"))?;
    let lat: f64 = lat
        .trim()
        .parse()
        .map_err(|_| Invalid("latitude is not a number"))?;
    let lon: f64 = lon
        .trim()
        .parse()
        .map_err(|_| Invalid("longitude is not a number"))?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(Invalid("coordinates out of range"));
    }
    Ok((lat, lon))
}

impl ClassRules for GeoLocation {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        parse(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let (lat, lon) = parse(value)?;
        write!(out, "{lat:.6},{lon:.6}").map_err(|_| Invalid("cannot format"))
    }
}

impl Masker for GeoLocation {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let (lat, lon) = parse(value)?;
        write!(out, "{lat:.1}*,{lon:.1}*").map_err(|_| Invalid("cannot format"))
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn rounds_to_one_decimal() {
        assert_eq!(
            Class::GeoLocation.mask(b"52.5200,13.4050").as_str(),
            "52.5*,13.4*"
        );
        assert!(Class::GeoLocation.mask(b"95.0,13.4").is_redacted());
        assert!(Class::GeoLocation.mask(b"north").is_redacted());
    }
}
