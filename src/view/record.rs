//! Serializing a record field by field ([`RecordAt`]), visiting its classified values, and the
//! [`NestedField`] trait for records inside records.

use super::context::DeContext;
use super::context::{FieldRef, ViewContext};
use super::field::{FieldAt, IndexWith, ProtectedField, SerWith};
use crate::names::Treatment;
use crate::pii::PiiSlot;
use crate::schema::{FieldSchema, RecordSchema, SubjectId};
use serde::Deserializer;
use serde::ser::{SerializeStruct, SerializeTupleStruct, Serializer};
use std::fmt;

/// Visits a classified field of a record.
pub fn visit_field<P: ProtectedField>(
    record: &'static RecordSchema,
    field: &'static FieldSchema,
    subject: Option<&SubjectId>,
    value: &P,
    visitor: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot),
) {
    if let Some(pii) = field.pii() {
        let at = FieldRef::new(record, field, pii, subject);
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
        let at = FieldRef::new(record, field, pii, subject);
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

    /// The value of the field when the input leaves it out: `None` for an `Option`, else a
    /// `missing field` error.
    ///
    /// # Errors
    /// `missing field`, naming the field.
    fn missing<E: serde::de::Error>(name: &'static str) -> Result<Self, E>
    where
        Self: Sized,
    {
        Err(E::missing_field(name))
    }

    /// Deserializes through the same door as the enclosing record.
    fn deserialize_nested<'de, D: Deserializer<'de>>(
        d: D,
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error>
    where
        Self: Sized;
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

    /// Where a classified field sits; an error if the schema says it is not classified.
    fn at<E: serde::ser::Error>(&self, field: &'static FieldSchema) -> Result<FieldAt<'a>, E> {
        let pii = field
            .pii()
            .ok_or_else(|| E::custom("the record's schema does not match its fields"))?;
        Ok(FieldAt {
            field: FieldRef::new(self.schema, field, pii, self.subject),
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
        let at = self.at::<S::Error>(field)?;
        let view = self.context.view();
        if at.field.pii().treatment(view) == Treatment::Omit {
            return st.skip_field(field.name());
        }
        st.serialize_field(field.name(), &SerWith(value, &at))?;
        match at.field.pii().blind_index() {
            Some(column) if at.field.pii().writes_index(view) => {
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
        let at = self.at::<S::Error>(field)?;
        st.serialize_field(&SerWith(value, &at))
    }

    /// Serializes a nested record field of a struct with named fields.
    pub fn nested_field<S: SerializeStruct, N: NestedField>(
        &self,
        st: &mut S,
        field: &'static FieldSchema,
        value: &N,
    ) -> Result<(), S::Error> {
        st.serialize_field(field.name(), &SerNested(value, self.context))
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

/// A nested record serialized with the enclosing record's context.
pub(super) struct SerNested<'a, N: ?Sized>(pub(super) &'a N, pub(super) &'a ViewContext<'a>);

impl<N: NestedField + ?Sized> serde::Serialize for SerNested<'_, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_nested(self.1, s)
    }
}
