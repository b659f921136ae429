//! Deserialization of records: the derive's visitor reads each field through a seed that
//! carries a [`DeContext`] (which door the record comes through, and where a typed error is
//! kept), and every classified value is read without ever quoting the input in an error.

use super::context::DeContext;
use super::field::ProtectedField;
use super::record::NestedField;
use crate::schema::{FieldSchema, PiiField};
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Reads one classified field of a record.
pub struct FieldSeed<'a, P> {
    field: &'static FieldSchema,
    context: &'a DeContext<'a>,
    _p: PhantomData<fn() -> P>,
}

impl<'a, P> FieldSeed<'a, P> {
    /// A seed for `field` (which must be classified), read through `context`.
    pub const fn new(field: &'static FieldSchema, context: &'a DeContext<'a>) -> Self {
        Self {
            field,
            context,
            _p: PhantomData,
        }
    }
}

impl<'de, P: ProtectedField> DeserializeSeed<'de> for FieldSeed<'_, P> {
    type Value = P;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<P, D::Error> {
        let pii = self
            .field
            .pii()
            .ok_or_else(|| de::Error::custom("the record's schema does not match its fields"))?;
        P::deserialize_field(d, pii, self.context)
    }
}

/// Reads one nested record field through the enclosing record's door.
pub struct NestedSeed<'a, N> {
    context: &'a DeContext<'a>,
    _n: PhantomData<fn() -> N>,
}

impl<'a, N> NestedSeed<'a, N> {
    /// A seed reading through `context`.
    pub const fn new(context: &'a DeContext<'a>) -> Self {
        Self {
            context,
            _n: PhantomData,
        }
    }
}

impl<'de, N: NestedField> DeserializeSeed<'de> for NestedSeed<'_, N> {
    type Value = N;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<N, D::Error> {
        N::deserialize_nested(d, self.context)
    }
}

/// A record's key: the index of the field with that stable name, or `None` for a key the
/// record does not have (a blind-index column, a field of a newer version), which is skipped.
pub struct FieldIndex(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldIndex {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|name| *name == v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|name| name.as_bytes() == v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(v).ok().filter(|&i| i < self.0.len()))
    }
}

/// The value of a field missing from the input: `None` for an `Option`, else a
/// `missing field` error (as serde's derive does).
pub struct MissingField<E>(&'static str, PhantomData<fn() -> E>);

impl<E> MissingField<E> {
    /// The missing field `name`.
    pub const fn new(name: &'static str) -> Self {
        Self(name, PhantomData)
    }
}

impl<'de, E: de::Error> Deserializer<'de> for MissingField<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Deserializes `Option<P>` and `Vec<P>` without ever quoting the input in an error.
pub(super) struct ContainerVisitor<'a, C> {
    pii: &'static PiiField,
    context: &'a DeContext<'a>,
    _c: PhantomData<fn() -> C>,
}

impl<'a, C> ContainerVisitor<'a, C> {
    pub(super) fn new(pii: &'static PiiField, context: &'a DeContext<'a>) -> Self {
        Self {
            pii,
            context,
            _c: PhantomData,
        }
    }

    fn wrong<E: de::Error>(&self) -> E {
        E::custom(format_args!(
            "wrong input type for a classified {} field",
            self.pii.class().name()
        ))
    }
}

/// A seed for one element of a container field.
struct ElementSeed<'a, P>(&'static PiiField, &'a DeContext<'a>, PhantomData<fn() -> P>);

impl<'de, P: ProtectedField> DeserializeSeed<'de> for ElementSeed<'_, P> {
    type Value = P;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<P, D::Error> {
        P::deserialize_field(d, self.0, self.1)
    }
}

/// Every scalar `visit_*` method, answering with a value-free error.
macro_rules! refuse_scalars {
    ($($method:ident($t:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, _: $t) -> Result<Self::Value, E> {
            Err(self.wrong())
        }
    )*};
}

macro_rules! container_visitor {
    ($container:ident, $expecting:literal, { $($body:tt)* }) => {
        impl<'de, P: ProtectedField> Visitor<'de> for ContainerVisitor<'_, $container<P>> {
            type Value = $container<P>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $expecting, self.pii.class().name())
            }

            refuse_scalars!(
                visit_str(&str), visit_bytes(&[u8]), visit_string(String), visit_byte_buf(Vec<u8>),
                visit_u64(u64), visit_i64(i64), visit_u128(u128), visit_i128(i128),
                visit_f64(f64), visit_bool(bool), visit_char(char),
            );

            $($body)*
        }
    };
}

container_visitor!(Option, "an optional classified {} value", {
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        P::deserialize_field(d, self.pii, self.context).map(Some)
    }
});

container_visitor!(Vec, "a sequence of classified {} values", {
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(p) =
            seq.next_element_seed(ElementSeed::<P>(self.pii, self.context, PhantomData))?
        {
            out.push(p);
        }
        Ok(out)
    }
});
