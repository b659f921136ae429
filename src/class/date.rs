//! Dates of birth, as ISO 8601 `YYYY-MM-DD`. Mask: the year (`1987-**-**`).

use super::text::line;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;
use crate::value::parse_iso_date;
use std::fmt::Write;

pub(super) struct BirthDate;

fn date(value: &[u8]) -> Result<time::Date, Invalid> {
    parse_iso_date(line(value)?.as_bytes()).ok_or(Invalid("not an ISO 8601 date (YYYY-MM-DD)"))
}

impl ClassRules for BirthDate {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        date(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let d = date(value)?;
        write!(
            out,
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
        .map_err(|_| Invalid("cannot format the date"))
    }
}

impl Masker for BirthDate {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        write!(out, "{:04}-**-**", date(value)?.year())
            .map_err(|_| Invalid("cannot format the year"))
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn keeps_the_year_only() {
        assert_eq!(Class::BirthDate.mask(b"1987-06-05").as_str(), "1987-**-**");
        assert!(Class::BirthDate.mask(b"1987-02-30").is_redacted());
        assert!(Class::BirthDate.mask(b"05/06/1987").is_redacted());
    }
}
