//! Deserializing without letting the *deserializer* quote the input.
//!
//! Our visitors answer every unexpected input with a value-free error, but a deserializer may
//! refuse input before calling the visitor, and its message quotes the input (serde_json:
//! `invalid type: string "…", expected …`). Two defences:
//! 1. for human-readable (self-describing) formats we ask for `deserialize_any`, so the
//!    visitor sees every input and no quoting message is ever built;
//! 2. every visitor is wrapped in [`Tracked`], and an error raised before the visitor ran is
//!    replaced by a value-free one.

use serde::de::{self, Deserializer, Visitor};
use std::cell::Cell;
use std::fmt;

/// Runs `hinted` (a typed `deserialize_*` call) or, when `prefer_any` and the format is
/// human-readable, `deserialize_any`; replaces any error that did not come from `visitor`
/// itself with a value-free one naming `class` (built only when there is an error).
pub(crate) fn deserialize_quietly<'de, D, V>(
    deserializer: D,
    visitor: V,
    prefer_any: bool,
    hinted: impl FnOnce(D, Tracked<'_, V>) -> Result<V::Value, D::Error>,
    class: &'static str,
) -> Result<V::Value, D::Error>
where
    D: Deserializer<'de>,
    V: Visitor<'de>,
{
    let visited = Cell::new(false);
    let tracked = Tracked {
        inner: visitor,
        visited: &visited,
    };
    let any = prefer_any && deserializer.is_human_readable();
    let result = if any {
        deserializer.deserialize_any(tracked)
    } else {
        hinted(deserializer, tracked)
    };
    result.map_err(|e| {
        if visited.get() {
            e
        } else if any {
            // `deserialize_any` checks no type: what failed before the visitor is the syntax.
            de::Error::custom(format_args!(
                "malformed input (a syntax error) where a classified {class} value was expected"
            ))
        } else {
            de::Error::custom(format_args!(
                "wrong input type for a classified {class} value"
            ))
        }
    })
}

/// A visitor that records whether it was called, then forwards to the inner visitor.
pub(crate) struct Tracked<'a, V> {
    inner: V,
    visited: &'a Cell<bool>,
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $t:ty),*)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, $($arg: $t),*) -> Result<Self::Value, E> {
            self.visited.set(true);
            self.inner.$method($($arg),*)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Tracked<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward!(
        visit_bool(v: bool), visit_i8(v: i8), visit_i16(v: i16), visit_i32(v: i32),
        visit_i64(v: i64), visit_i128(v: i128), visit_u8(v: u8), visit_u16(v: u16),
        visit_u32(v: u32), visit_u64(v: u64), visit_u128(v: u128), visit_f32(v: f32),
        visit_f64(v: f64), visit_char(v: char), visit_str(v: &str),
        visit_borrowed_str(v: &'de str), visit_string(v: String), visit_bytes(v: &[u8]),
        visit_borrowed_bytes(v: &'de [u8]), visit_byte_buf(v: Vec<u8>), visit_none(),
        visit_unit(),
    );

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.visited.set(true);
        self.inner.visit_some(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.visited.set(true);
        self.inner.visit_newtype_struct(d)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.visited.set(true);
        self.inner.visit_seq(seq)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.visited.set(true);
        self.inner.visit_map(map)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.visited.set(true);
        self.inner.visit_enum(data)
    }
}
