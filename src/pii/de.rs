//! Deserializing a [`Pii`]: cleartext input is sealed at once; placeholders are refused.
//!
//! Every `visit_*` method is implemented, so that serde's default errors, which quote the
//! offending input (`invalid type: string "…"`), never see a classified value.

use super::Pii;
use crate::class::Class;
use crate::class::masked::REDACTED_PREFIX;
use crate::envelope::{Envelope, TEXT_PREFIX, TOKEN_PREFIX};
use crate::error::{Error, ErrorSlot};
use crate::value::{PiiValue, ValueShape};
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;
use zeroize::Zeroizing;

/// Deserializes a `Pii<T>` of a known (or unknown) class.
pub(crate) struct PiiSeed<'a, T> {
    class: Option<Class>,
    errors: Option<&'a ErrorSlot>,
    /// Whether an envelope is read as one (the storage door); through the input door every
    /// string is cleartext, so client input can never carry another record's envelope.
    envelopes: bool,
    _value: PhantomData<fn() -> T>,
}

impl<'a, T> PiiSeed<'a, T> {
    /// A seed for client input of `class`: every string is cleartext. Typed errors are kept in
    /// `errors`, when given.
    pub(crate) fn input(class: Option<Class>, errors: Option<&'a ErrorSlot>) -> Self {
        Self {
            class,
            errors,
            envelopes: false,
            _value: PhantomData,
        }
    }

    /// A seed for what piiguard stored: a string with the envelope prefix is an envelope.
    pub(crate) fn storage(class: Option<Class>, errors: Option<&'a ErrorSlot>) -> Self {
        Self {
            class,
            errors,
            envelopes: true,
            _value: PhantomData,
        }
    }

    fn fail<E: de::Error>(&self, error: Error) -> E {
        ErrorSlot::de(self.errors, error)
    }

    fn class_name(&self) -> &'static str {
        self.class.map_or("unclassified", Class::name)
    }

    /// Checks and seals the collected cleartext (text in its NFC form).
    fn accept<E: de::Error>(&self, bytes: Zeroizing<Vec<u8>>) -> Result<Pii<T>, E>
    where
        T: PiiValue,
    {
        let composed = (T::SHAPE == ValueShape::Text)
            .then(|| {
                std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(crate::class::text::nfc)
            })
            .flatten();
        let bytes = match composed {
            Some(text) => copied(text.as_str().as_bytes()),
            None => bytes,
        };
        if self.envelopes && bytes.starts_with(TEXT_PREFIX.as_bytes()) {
            // An at-rest envelope: kept encrypted until a reveal opens it with the keys.
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| self.fail(Error::Envelope { reason: "not text" }))?;
            let envelope = Envelope::parse_text(text).map_err(|e| self.fail(e))?;
            return Ok(Pii::from_envelope(envelope, self.class));
        }
        if self.envelopes && bytes.starts_with(TOKEN_PREFIX.as_bytes()) {
            // A vault token: the storage door swaps it for its envelope once the record (and
            // its subject) is read.
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                self.fail(Error::Token {
                    reason: "the text is not a vault token",
                })
            })?;
            return Ok(Pii::from_token(text, self.class));
        }
        if bytes.starts_with(REDACTED_PREFIX.as_bytes()) {
            return Err(self.fail(Error::Placeholder {
                class: self.class_name(),
            }));
        }
        if let Some(class) = self.class {
            class
                .validate(&bytes)
                .map_err(|e| match e {
                    // A value carrying the mask character is a mask fed back as input.
                    Error::InvalidValue { .. } if bytes.contains(&b'*') => Error::Placeholder {
                        class: class.name(),
                    },
                    e => e,
                })
                .map_err(|e| self.fail(e))?;
        }
        let value = T::decode(bytes).map_err(|e| self.fail(e))?;
        let pii = Pii::new(value);
        Ok(match self.class {
            Some(class) => pii.with_class(class),
            None => pii,
        })
    }

    fn wrong_type<E: de::Error>(&self) -> E
    where
        T: PiiValue,
    {
        let expected = match T::SHAPE {
            ValueShape::Text => "a string",
            ValueShape::Bytes => "bytes",
            ValueShape::Unsigned | ValueShape::Unsigned128 => "a non-negative integer",
            ValueShape::Signed | ValueShape::Signed128 => "an integer",
            ValueShape::Bool => "true or false",
        };
        E::custom(format_args!(
            "wrong input type for a classified {} value ({expected} expected)",
            self.class_name(),
        ))
    }

    /// A number, for a numeric value only: `"phone": 14155550123` is refused, not turned into
    /// the string "14155550123".
    fn number<E: de::Error>(&self, encoded: Zeroizing<Vec<u8>>) -> Result<Pii<T>, E>
    where
        T: PiiValue,
    {
        match T::SHAPE {
            ValueShape::Unsigned
            | ValueShape::Signed
            | ValueShape::Unsigned128
            | ValueShape::Signed128 => self.accept(encoded),
            _ => Err(self.wrong_type()),
        }
    }
}

fn copied(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    out.extend_from_slice(bytes);
    out
}

impl<'de, T: PiiValue> DeserializeSeed<'de> for PiiSeed<'_, T> {
    type Value = Pii<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Pii<T>, D::Error> {
        let class = self.class_name();
        super::deserialize_quietly(
            deserializer,
            self,
            true,
            |d, v| match T::SHAPE {
                ValueShape::Text => d.deserialize_str(v),
                ValueShape::Bytes => d.deserialize_bytes(v),
                ValueShape::Unsigned => d.deserialize_u64(v),
                ValueShape::Signed => d.deserialize_i64(v),
                ValueShape::Unsigned128 => d.deserialize_u128(v),
                ValueShape::Signed128 => d.deserialize_i128(v),
                ValueShape::Bool => d.deserialize_bool(v),
            },
            class,
        )
    }
}

impl<'de, T: PiiValue> Visitor<'de> for PiiSeed<'_, T> {
    type Value = Pii<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a classified {} value", self.class_name())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Pii<T>, E> {
        self.accept(copied(v.as_bytes()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Pii<T>, E> {
        self.accept(Zeroizing::new(v.into_bytes()))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Pii<T>, E> {
        self.accept(copied(v))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Pii<T>, E> {
        self.accept(Zeroizing::new(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Pii<T>, E> {
        self.number(v.with_encoded(copied))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Pii<T>, E> {
        self.number(v.with_encoded(copied))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Pii<T>, E> {
        self.number(v.with_encoded(copied))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Pii<T>, E> {
        self.number(v.with_encoded(copied))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Pii<T>, E> {
        if T::SHAPE != ValueShape::Bool {
            return Err(self.wrong_type());
        }
        self.accept(copied(if v { b"true" } else { b"false" }))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Pii<T>, E> {
        Err(self.wrong_type())
    }

    fn visit_char<E: de::Error>(self, _: char) -> Result<Pii<T>, E> {
        Err(self.wrong_type())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Pii<T>, E> {
        Err(self.wrong_type())
    }

    fn visit_none<E: de::Error>(self) -> Result<Pii<T>, E> {
        Err(self.wrong_type())
    }

    fn visit_some<D: Deserializer<'de>>(self, _: D) -> Result<Pii<T>, D::Error> {
        Err(self.wrong_type())
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<Pii<T>, D::Error> {
        Err(self.wrong_type())
    }

    /// A sequence of bytes (how JSON writes `Vec<u8>`), for a bytes value only: a list of
    /// numbers is never read as text. Anything else in it is refused.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pii<T>, A::Error> {
        if T::SHAPE != ValueShape::Bytes {
            return Err(self.wrong_type());
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(seq.size_hint().unwrap_or(0)));
        while let Some(b) = seq.next_element_seed(ByteSeed)? {
            if bytes.len() == bytes.capacity() {
                // Grow by hand so the old buffer is zeroized, not left behind.
                let mut grown = Zeroizing::new(Vec::with_capacity((bytes.len() * 2).max(16)));
                grown.extend_from_slice(&bytes);
                bytes = grown;
            }
            bytes.push(b);
        }
        self.accept(bytes)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Pii<T>, A::Error> {
        Err(self.wrong_type())
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Pii<T>, A::Error> {
        Err(self.wrong_type())
    }
}

/// One byte of a byte sequence, with a value-free error for anything else.
struct ByteSeed;

impl<'de> DeserializeSeed<'de> for ByteSeed {
    type Value = u8;

    /// serde's own error here would quote the offending element, so it is replaced.
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u8, D::Error> {
        <u8 as serde::Deserialize>::deserialize(deserializer)
            .map_err(|_| de::Error::custom("a byte sequence holds something other than a byte"))
    }
}
