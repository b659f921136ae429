//! Support for the code `#[derive(Classified)]` generates. Not a public API: it changes with the
//! derive, which is pinned to this crate's exact version.

pub use crate::class::{Class, Masked, Sensitivity};
pub use crate::pii::PiiSlot;
pub use crate::schema::{Classified, FieldKind, FieldSchema, PiiField, RecordSchema, SubjectId};
pub use crate::view::{FieldRef, Treatment, View, ViewContext};
pub use serde;

use crate::error::{Error, ser_error};
use crate::pii::{Pii, PiiSeed, deserialize_quietly, mask_bytes};
use crate::value::PiiValue;
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::ser::{Error as _, SerializeStruct, SerializeTupleStruct, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// A field type that holds classified values: `Pii<T>`, or an `Option`, `Vec` or `Box` of one.
pub trait ProtectedField: Sized {
    /// `Debug` output in the log view.
    fn fmt_field(&self, pii: &'static PiiField, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// Serializes with the view's treatment.
    fn serialize_field<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error>;

    /// Serializes the blind index of the value(s) (storage view).
    fn serialize_index<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error>;

    /// Deserializes, sealing cleartext at once and refusing placeholders.
    fn deserialize_field<'de, D: Deserializer<'de>>(
        d: D,
        pii: &'static PiiField,
    ) -> Result<Self, D::Error>;

    /// Calls `f` with every value held.
    fn visit(&self, f: &mut dyn FnMut(&dyn PiiSlot));

    /// Calls `f` with every value held, mutably.
    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut dyn PiiSlot));
}

/// Visits a classified field of a record.
pub fn visit_field<P: ProtectedField>(
    record: &'static RecordSchema,
    field: &'static FieldSchema,
    subject: Option<&SubjectId>,
    value: &P,
    visitor: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot),
) {
    if let Some(pii) = field.pii() {
        let at = FieldRef {
            record,
            field,
            pii,
            subject,
        };
        value.visit(&mut |slot| visitor(&at, slot));
    }
}

/// Visits a classified field of a record, mutably.
pub fn visit_field_mut<P: ProtectedField>(
    record: &'static RecordSchema,
    field: &'static FieldSchema,
    subject: Option<&SubjectId>,
    value: &mut P,
    visitor: &mut dyn FnMut(&FieldRef<'_>, &mut dyn PiiSlot),
) {
    if let Some(pii) = field.pii() {
        let at = FieldRef {
            record,
            field,
            pii,
            subject,
        };
        value.visit_mut(&mut |slot| visitor(&at, slot));
    }
}

/// A field type that holds nested classified records.
pub trait NestedField {
    /// Serializes with the same view context as the enclosing record.
    fn serialize_nested<S: Serializer>(
        &self,
        context: &ViewContext<'_>,
        s: S,
    ) -> Result<S::Ok, S::Error>;

    /// The nested record type's schema.
    fn schema() -> &'static RecordSchema;

    /// Visits the nested records' classified values.
    fn visit_nested(&self, visitor: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot));

    /// Visits the nested records' classified values, mutably.
    fn visit_nested_mut(&mut self, visitor: &mut dyn FnMut(&FieldRef<'_>, &mut dyn PiiSlot));
}

/// A classified field being serialized: where it is and for which view.
pub struct FieldAt<'a> {
    field: FieldRef<'a>,
    context: &'a ViewContext<'a>,
}

impl<T: PiiValue> ProtectedField for Pii<T> {
    fn fmt_field(&self, pii: &'static PiiField, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match pii.log {
            Treatment::Mask => fmt::Debug::fmt(&self.mask_as(pii.class, pii.masker), f),
            _ => fmt::Debug::fmt(&Masked::redacted(Some(pii.class)), f),
        }
    }

    fn serialize_field<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        let pii = at.field.pii;
        let view = at.context.view();
        match at.context.treatment(&at.field) {
            // Only a policy decision attached by the guard can say `Clear`.
            Treatment::Clear if at.context.has_decisions() => {
                let bytes = match (self.envelope(), at.context.protector()) {
                    (Some(envelope), Some(protector)) => {
                        protector.open(&at.field, envelope).map_err(ser_error)?
                    }
                    (Some(_), None) => {
                        return Err(ser_error(Error::KeysRequired {
                            view,
                            treatment: "clear",
                        }));
                    }
                    (None, _) => self.cleartext_bytes().map_err(ser_error)?,
                };
                serialize_clear::<T, S>(&bytes, s)
            }
            Treatment::Mask => match (self.envelope(), at.context.protector()) {
                // Loaded from storage: masked through the keys, else redacted (fail closed).
                (Some(envelope), Some(protector)) => {
                    let bytes = protector.open(&at.field, envelope).map_err(ser_error)?;
                    s.serialize_str(mask_bytes(pii.class, pii.masker, &bytes).as_str())
                }
                _ => s.serialize_str(self.mask_as(pii.class, pii.masker).as_str()),
            },
            Treatment::Omit => s.serialize_none(),
            keyed if keyed.needs_keys() => {
                let protector = at.context.protector().ok_or_else(|| {
                    ser_error(Error::KeysRequired {
                        view,
                        treatment: keyed.name(),
                    })
                })?;
                let mut out = String::new();
                match self.envelope() {
                    // Already encrypted at rest: written as it is, without opening it.
                    Some(envelope) if keyed == Treatment::Encrypt => envelope.write_text(&mut out),
                    Some(envelope) => {
                        let bytes = protector.open(&at.field, envelope).map_err(ser_error)?;
                        protector
                            .protect(&at.field, keyed, &bytes, &mut out)
                            .map_err(ser_error)?;
                    }
                    None => self
                        .with_cleartext_bytes(|bytes| {
                            protector.protect(&at.field, keyed, bytes, &mut out)
                        })
                        .and_then(|r| r)
                        .map_err(ser_error)?,
                }
                s.serialize_str(&out)
            }
            // Redact, and `Clear`, which no view may use: fail closed.
            _ => s.serialize_str(Masked::redacted(Some(pii.class)).as_str()),
        }
    }

    fn serialize_index<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        let protector = at.context.protector().ok_or_else(|| {
            ser_error(Error::KeysRequired {
                view: at.context.view(),
                treatment: "index",
            })
        })?;
        let mut out = String::new();
        match self.envelope() {
            Some(envelope) => {
                let bytes = protector.open(&at.field, envelope).map_err(ser_error)?;
                protector.blind_index(&at.field, &bytes, &mut out)
            }
            None => self
                .with_cleartext_bytes(|bytes| protector.blind_index(&at.field, bytes, &mut out))
                .and_then(|r| r),
        }
        .map_err(ser_error)?;
        s.serialize_str(&out)
    }

    fn visit(&self, f: &mut dyn FnMut(&dyn PiiSlot)) {
        f(self);
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut dyn PiiSlot)) {
        f(self);
    }

    fn deserialize_field<'de, D: Deserializer<'de>>(
        d: D,
        pii: &'static PiiField,
    ) -> Result<Self, D::Error> {
        PiiSeed::new(Some(pii.class)).deserialize(d)
    }
}

/// Serializes canonical cleartext bytes as the value's own type would be (a string, a number,
/// a boolean, bytes).
fn serialize_clear<T: PiiValue, S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    use crate::value::ValueShape;
    let bad = || ser_error(Error::Decode { kind: T::KIND });
    let text = || std::str::from_utf8(bytes).map_err(|_| bad());
    match T::SHAPE {
        ValueShape::Bytes => s.serialize_bytes(bytes),
        ValueShape::Unsigned => s.serialize_u64(text()?.parse().map_err(|_| bad())?),
        ValueShape::Signed => s.serialize_i64(text()?.parse().map_err(|_| bad())?),
        ValueShape::Unsigned128 => s.serialize_u128(text()?.parse().map_err(|_| bad())?),
        ValueShape::Signed128 => s.serialize_i128(text()?.parse().map_err(|_| bad())?),
        ValueShape::Bool => s.serialize_bool(text()? == "true"),
        _ => s.serialize_str(text()?),
    }
}

impl<P: ProtectedField> ProtectedField for Option<P> {
    fn fmt_field(&self, pii: &'static PiiField, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(p) => f.debug_tuple("Some").field(&DebugWith(p, pii)).finish(),
            None => f.write_str("None"),
        }
    }

    fn serialize_field<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(p) => s.serialize_some(&SerWith(p, at)),
            None => s.serialize_none(),
        }
    }

    fn serialize_index<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(p) => s.serialize_some(&IndexWith(p, at)),
            None => s.serialize_none(),
        }
    }

    fn visit(&self, f: &mut dyn FnMut(&dyn PiiSlot)) {
        if let Some(p) = self {
            p.visit(f);
        }
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut dyn PiiSlot)) {
        if let Some(p) = self {
            p.visit_mut(f);
        }
    }

    fn deserialize_field<'de, D: Deserializer<'de>>(
        d: D,
        pii: &'static PiiField,
    ) -> Result<Self, D::Error> {
        deserialize_quietly(
            d,
            ContainerVisitor::<Self>::new(pii),
            false,
            |d, v| d.deserialize_option(v),
            pii.class.name(),
        )
    }
}

impl<P: ProtectedField> ProtectedField for Vec<P> {
    fn fmt_field(&self, pii: &'static PiiField, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|p| DebugWith(p, pii)))
            .finish()
    }

    fn serialize_field<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|p| SerWith(p, at)))
    }

    fn serialize_index<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|p| IndexWith(p, at)))
    }

    fn visit(&self, f: &mut dyn FnMut(&dyn PiiSlot)) {
        for p in self {
            p.visit(f);
        }
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut dyn PiiSlot)) {
        for p in self {
            p.visit_mut(f);
        }
    }

    fn deserialize_field<'de, D: Deserializer<'de>>(
        d: D,
        pii: &'static PiiField,
    ) -> Result<Self, D::Error> {
        deserialize_quietly(
            d,
            ContainerVisitor::<Self>::new(pii),
            true,
            |d, v| d.deserialize_seq(v),
            pii.class.name(),
        )
    }
}

impl<P: ProtectedField> ProtectedField for Box<P> {
    fn fmt_field(&self, pii: &'static PiiField, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt_field(pii, f)
    }

    fn serialize_field<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_field(at, s)
    }

    fn serialize_index<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_index(at, s)
    }

    fn visit(&self, f: &mut dyn FnMut(&dyn PiiSlot)) {
        (**self).visit(f);
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut dyn PiiSlot)) {
        (**self).visit_mut(f);
    }

    fn deserialize_field<'de, D: Deserializer<'de>>(
        d: D,
        pii: &'static PiiField,
    ) -> Result<Self, D::Error> {
        P::deserialize_field(d, pii).map(Box::new)
    }
}

impl<N: NestedField> NestedField for Option<N> {
    fn schema() -> &'static RecordSchema {
        N::schema()
    }

    fn visit_nested(&self, v: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot)) {
        if let Some(n) = self {
            n.visit_nested(v);
        }
    }

    fn visit_nested_mut(&mut self, v: &mut dyn FnMut(&FieldRef<'_>, &mut dyn PiiSlot)) {
        if let Some(n) = self {
            n.visit_nested_mut(v);
        }
    }

    fn serialize_nested<S: Serializer>(
        &self,
        c: &ViewContext<'_>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match self {
            Some(n) => s.serialize_some(&SerNested(n, c)),
            None => s.serialize_none(),
        }
    }
}

impl<N: NestedField> NestedField for Vec<N> {
    fn schema() -> &'static RecordSchema {
        N::schema()
    }

    fn visit_nested(&self, v: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot)) {
        for n in self {
            n.visit_nested(v);
        }
    }

    fn visit_nested_mut(&mut self, v: &mut dyn FnMut(&FieldRef<'_>, &mut dyn PiiSlot)) {
        for n in self {
            n.visit_nested_mut(v);
        }
    }

    fn serialize_nested<S: Serializer>(
        &self,
        c: &ViewContext<'_>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|n| SerNested(n, c)))
    }
}

impl<N: NestedField> NestedField for Box<N> {
    fn schema() -> &'static RecordSchema {
        N::schema()
    }

    fn visit_nested(&self, v: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot)) {
        (**self).visit_nested(v);
    }

    fn visit_nested_mut(&mut self, v: &mut dyn FnMut(&FieldRef<'_>, &mut dyn PiiSlot)) {
        (**self).visit_nested_mut(v);
    }

    fn serialize_nested<S: Serializer>(
        &self,
        c: &ViewContext<'_>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        (**self).serialize_nested(c, s)
    }
}

struct DebugWith<'a, P>(&'a P, &'static PiiField);

impl<P: ProtectedField> fmt::Debug for DebugWith<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_field(self.1, f)
    }
}

struct SerWith<'a, P>(&'a P, &'a FieldAt<'a>);

impl<P: ProtectedField> serde::Serialize for SerWith<'_, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_field(self.1, s)
    }
}

struct IndexWith<'a, P>(&'a P, &'a FieldAt<'a>);

impl<P: ProtectedField> serde::Serialize for IndexWith<'_, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_index(self.1, s)
    }
}

struct SerNested<'a, N: ?Sized>(&'a N, &'a ViewContext<'a>);

impl<N: NestedField + ?Sized> serde::Serialize for SerNested<'_, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_nested(self.1, s)
    }
}

/// `Debug` of a classified field as the log view shows it.
pub struct DebugPii<'a, P>(pub &'a P, pub &'static FieldSchema);

impl<P: ProtectedField> fmt::Debug for DebugPii<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1.pii() {
            Some(pii) => self.0.fmt_field(pii, f),
            None => f.write_str("[REDACTED]"),
        }
    }
}

/// A record being serialized: its schema, subject and view context.
pub struct RecordAt<'a> {
    schema: &'static RecordSchema,
    subject: Option<&'a SubjectId>,
    context: &'a ViewContext<'a>,
}

impl<'a> RecordAt<'a> {
    /// Starts serializing a record.
    pub fn new(
        schema: &'static RecordSchema,
        subject: Option<&'a SubjectId>,
        context: &'a ViewContext<'a>,
    ) -> Self {
        Self {
            schema,
            subject,
            context,
        }
    }

    fn at(&self, field: &'static FieldSchema) -> Option<FieldAt<'a>> {
        Some(FieldAt {
            field: FieldRef {
                record: self.schema,
                field,
                pii: field.pii()?,
                subject: self.subject,
            },
            context: self.context,
        })
    }

    /// Serializes a classified field of a struct with named fields (omitted fields skipped).
    pub fn pii_field<S: SerializeStruct, P: ProtectedField>(
        &self,
        st: &mut S,
        field: &'static FieldSchema,
        value: &P,
    ) -> Result<(), S::Error> {
        let at = self
            .at(field)
            .ok_or_else(|| S::Error::custom("piiguard: schema mismatch"))?;
        let view = self.context.view();
        if at.field.pii.treatment(view) == Treatment::Omit {
            return st.skip_field(field.name);
        }
        st.serialize_field(field.name, &SerWith(value, &at))?;
        match at.field.pii.blind_index {
            Some(column) if at.field.pii.writes_index(view) => {
                st.serialize_field(column, &IndexWith(value, &at))
            }
            _ => Ok(()),
        }
    }

    /// Serializes a classified field of a tuple struct (omitted fields are written as null).
    pub fn pii_tuple_field<S: SerializeTupleStruct, P: ProtectedField>(
        &self,
        st: &mut S,
        field: &'static FieldSchema,
        value: &P,
    ) -> Result<(), S::Error> {
        let at = self
            .at(field)
            .ok_or_else(|| S::Error::custom("piiguard: schema mismatch"))?;
        st.serialize_field(&SerWith(value, &at))
    }

    /// Serializes a nested record field of a struct with named fields.
    pub fn nested_field<S: SerializeStruct, N: NestedField>(
        &self,
        st: &mut S,
        field: &'static FieldSchema,
        value: &N,
    ) -> Result<(), S::Error> {
        st.serialize_field(field.name, &SerNested(value, self.context))
    }

    /// Serializes a nested record field of a tuple struct.
    pub fn nested_tuple_field<S: SerializeTupleStruct, N: NestedField>(
        &self,
        st: &mut S,
        value: &N,
    ) -> Result<(), S::Error> {
        st.serialize_field(&SerNested(value, self.context))
    }
}

/// Deserializes a classified field (used through `#[serde(deserialize_with)]`).
pub fn deserialize_pii<'de, D: Deserializer<'de>, P: ProtectedField>(
    d: D,
    field: &'static FieldSchema,
) -> Result<P, D::Error> {
    let pii = field
        .pii()
        .ok_or_else(|| de::Error::custom("piiguard: schema mismatch"))?;
    P::deserialize_field(d, pii)
}

/// Deserializes `Option<P>` and `Vec<P>` without ever quoting the input in an error.
struct ContainerVisitor<C> {
    pii: &'static PiiField,
    _c: PhantomData<fn() -> C>,
}

impl<C> ContainerVisitor<C> {
    fn new(pii: &'static PiiField) -> Self {
        Self {
            pii,
            _c: PhantomData,
        }
    }

    fn wrong<E: de::Error>(&self) -> E {
        E::custom(format_args!(
            "wrong input type for a classified {} field",
            self.pii.class.name()
        ))
    }
}

/// A seed for one element of a container field.
struct ElementSeed<P>(&'static PiiField, PhantomData<fn() -> P>);

impl<'de, P: ProtectedField> DeserializeSeed<'de> for ElementSeed<P> {
    type Value = P;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<P, D::Error> {
        P::deserialize_field(d, self.0)
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
        impl<'de, P: ProtectedField> Visitor<'de> for ContainerVisitor<$container<P>> {
            type Value = $container<P>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $expecting, self.pii.class.name())
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
        P::deserialize_field(d, self.pii).map(Some)
    }
});

container_visitor!(Vec, "a sequence of classified {} values", {
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(p) = seq.next_element_seed(ElementSeed::<P>(self.pii, PhantomData))? {
            out.push(p);
        }
        Ok(out)
    }
});
