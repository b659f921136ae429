//! [`PiiValue`]: how a Rust type becomes the bytes that get sealed, and back.
//!
//! Every built-in encoding is the value's canonical *text* (decimal integers, `true`/`false`,
//! ISO 8601 dates, UTF-8 strings), except `Vec<u8>` which is its raw bytes. Text encodings let
//! the class rules validate, normalize and mask any value the same way, whatever its Rust type.

use crate::error::Error;
use std::io::Write as _;
use time::{Date, Month};
use zeroize::{Zeroize, Zeroizing};

/// The shape of input a [`PiiValue`] expects from a deserializer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueShape {
    /// A string.
    Text,
    /// A byte string (or a sequence of bytes).
    Bytes,
    /// An unsigned integer that fits 64 bits.
    Unsigned,
    /// A signed integer that fits 64 bits.
    Signed,
    /// An unsigned 128-bit integer.
    Unsigned128,
    /// A signed 128-bit integer.
    Signed128,
    /// A boolean.
    Bool,
}

/// A type that can be held in a [`Pii`](crate::Pii): it encodes to bytes and decodes back.
///
/// Implemented for `String`, `Vec<u8>`, all integer types, `bool` and [`time::Date`].
///
/// ```
/// use piiguard::{Pii, value::PiiValue};
/// let born = time::Date::from_calendar_date(1990, time::Month::May, 17).unwrap();
/// let pii = Pii::new(born);
/// pii.expose(|d| assert_eq!(d.year(), 1990))?;
/// born.with_encoded(|bytes| assert_eq!(bytes, b"1990-05-17"));
/// # Ok::<(), piiguard::Error>(())
/// ```
pub trait PiiValue: Sized {
    /// The name of the type, for error messages.
    const KIND: &'static str;
    /// What a deserializer should be asked for.
    const SHAPE: ValueShape;

    /// Calls `f` with the canonical encoding, without leaving a heap copy behind.
    fn with_encoded<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;

    /// Rebuilds a value from its encoding; takes ownership of the (zeroizing) cleartext buffer.
    ///
    /// # Errors
    /// [`Error::Decode`] if the bytes are not a valid encoding.
    fn decode(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error>;

    /// Overwrites the value's memory (for heap types, the whole allocation).
    fn wipe(&mut self);
}

impl PiiValue for String {
    const KIND: &'static str = "String";
    const SHAPE: ValueShape = ValueShape::Text;

    fn with_encoded<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }

    fn decode(mut bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        String::from_utf8(std::mem::take(&mut *bytes)).map_err(|e| {
            e.into_bytes().zeroize();
            Error::Decode { kind: Self::KIND }
        })
    }

    fn wipe(&mut self) {
        self.zeroize();
    }
}

impl PiiValue for Vec<u8> {
    const KIND: &'static str = "Vec<u8>";
    const SHAPE: ValueShape = ValueShape::Bytes;

    fn with_encoded<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }

    fn decode(mut bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        Ok(std::mem::take(&mut *bytes))
    }

    fn wipe(&mut self) {
        self.zeroize();
    }
}

/// Parses the text of a fixed-size value without allocating.
fn parse_text<T: std::str::FromStr>(bytes: &[u8], kind: &'static str) -> Result<T, Error> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Error::Decode { kind })
}

macro_rules! integer_value {
    ($($t:ty => $shape:ident),* $(,)?) => {$(
        impl PiiValue for $t {
            const KIND: &'static str = stringify!($t);
            const SHAPE: ValueShape = ValueShape::$shape;

            fn with_encoded<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                let mut buf = Zeroizing::new([0u8; 40]);
                let mut cursor = &mut buf[..];
                write!(cursor, "{}", self).expect("40 bytes hold any integer");
                let len = 40 - cursor.len();
                f(&buf[..len])
            }

            fn decode(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
                parse_text(&bytes, Self::KIND)
            }

            fn wipe(&mut self) {
                self.zeroize();
            }
        }
    )*};
}

integer_value!(
    u8 => Unsigned, u16 => Unsigned, u32 => Unsigned, u64 => Unsigned, usize => Unsigned,
    i8 => Signed, i16 => Signed, i32 => Signed, i64 => Signed, isize => Signed,
    u128 => Unsigned128, i128 => Signed128,
);

impl PiiValue for bool {
    const KIND: &'static str = "bool";
    const SHAPE: ValueShape = ValueShape::Bool;

    fn with_encoded<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(if *self { b"true" } else { b"false" })
    }

    fn decode(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        parse_text(&bytes, Self::KIND)
    }

    fn wipe(&mut self) {
        self.zeroize();
    }
}

impl PiiValue for Date {
    const KIND: &'static str = "Date";
    const SHAPE: ValueShape = ValueShape::Text;

    /// ISO 8601 calendar date, `YYYY-MM-DD` (years outside 0..=9999 get a sign and more digits).
    fn with_encoded<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut buf = Zeroizing::new([0u8; 16]);
        let mut cursor = &mut buf[..];
        let year = self.year();
        let written = if (0..=9999).contains(&year) {
            write!(
                cursor,
                "{year:04}-{:02}-{:02}",
                u8::from(self.month()),
                self.day()
            )
        } else {
            write!(
                cursor,
                "{year:+05}-{:02}-{:02}",
                u8::from(self.month()),
                self.day()
            )
        };
        written.expect("16 bytes hold any date");
        let len = 16 - cursor.len();
        f(&buf[..len])
    }

    fn decode(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        parse_iso_date(&bytes).ok_or(Error::Decode { kind: Self::KIND })
    }

    fn wipe(&mut self) {
        // `Date` is `Copy` and has no `Zeroize`: overwrite with a fixed date.
        *self = std::hint::black_box(Date::MIN);
    }
}

/// Parses `YYYY-MM-DD` (optionally signed year) into a date.
pub(crate) fn parse_iso_date(bytes: &[u8]) -> Option<Date> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (year, rest) = match text.strip_prefix(['+', '-']) {
        Some(unsigned) => {
            let split = unsigned.find('-')?;
            let year: i32 = unsigned[..split].parse().ok()?;
            let year = if text.starts_with('-') { -year } else { year };
            (year, &unsigned[split + 1..])
        }
        None => {
            let split = text.find('-').filter(|i| *i == 4)?;
            (text[..split].parse().ok()?, &text[split + 1..])
        }
    };
    let (month, day) = rest.split_once('-')?;
    if month.len() != 2 || day.len() != 2 {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year, month, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: PiiValue + PartialEq + std::fmt::Debug + Clone>(value: T) {
        let bytes = value.with_encoded(|b| Zeroizing::new(b.to_vec()));
        assert_eq!(T::decode(bytes).unwrap(), value);
    }

    #[test]
    fn every_builtin_type_round_trips_through_its_encoding() {
        round_trip(String::from("Zoë O'Brien-Łukasiewicz"));
        round_trip(String::new());
        round_trip(vec![0u8, 255, 7, 0]);
        round_trip(u64::MAX);
        round_trip(i64::MIN);
        round_trip(u128::MAX);
        round_trip(i128::MIN);
        round_trip(0u8);
        round_trip(-5i8);
        round_trip(true);
        round_trip(false);
        round_trip(Date::from_calendar_date(1987, Month::February, 28).unwrap());
        round_trip(Date::from_calendar_date(-44, Month::March, 15).unwrap());
        round_trip(Date::MAX);
        round_trip(Date::MIN);
    }

    #[test]
    fn bad_encodings_are_typed_errors() {
        let bad = |b: &[u8]| Zeroizing::new(b.to_vec());
        assert_eq!(u8::decode(bad(b"256")), Err(Error::Decode { kind: "u8" }));
        assert_eq!(
            bool::decode(bad(b"yes")),
            Err(Error::Decode { kind: "bool" })
        );
        assert!(String::decode(bad(&[0xff, 0xfe])).is_err());
        for date in [
            &b"1990-13-01"[..],
            b"1990-02-30",
            b"90-01-01",
            b"1990-1-01",
            b"",
        ] {
            assert_eq!(Date::decode(bad(date)), Err(Error::Decode { kind: "Date" }));
        }
    }
}
