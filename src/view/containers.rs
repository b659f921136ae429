//! `Option`, `Vec` and `Box` of classified fields and of nested records: each element treated
//! as the field's schema says.

use super::context::DeContext;
use super::context::{FieldRef, ViewContext};
use super::de::{ContainerVisitor, NestedSeed};
use super::field::{DebugWith, FieldAt, IndexWith, ProtectedField, SerWith};
use super::record::{NestedField, SerNested};
use crate::pii::{PiiSlot, deserialize_quietly};
use crate::schema::{PiiField, RecordSchema};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;
use std::marker::PhantomData;

impl<P: ProtectedField> ProtectedField for Option<P> {
    fn missing<E: de::Error>(_: &'static str) -> Result<Self, E> {
        Ok(None)
    }

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
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error> {
        deserialize_quietly(
            d,
            ContainerVisitor::<Self>::new(pii, context),
            false,
            |d, v| d.deserialize_option(v),
            pii.class().name(),
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
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error> {
        deserialize_quietly(
            d,
            ContainerVisitor::<Self>::new(pii, context),
            true,
            |d, v| d.deserialize_seq(v),
            pii.class().name(),
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
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error> {
        P::deserialize_field(d, pii, context).map(Box::new)
    }
}

impl<N: NestedField> NestedField for Option<N> {
    fn missing<E: de::Error>(_: &'static str) -> Result<Self, E> {
        Ok(None)
    }

    fn schema() -> &'static RecordSchema {
        N::schema()
    }

    fn deserialize_nested<'de, D: Deserializer<'de>>(
        d: D,
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error> {
        d.deserialize_option(NestedVisitor::<Self>::new(context))
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

    fn deserialize_nested<'de, D: Deserializer<'de>>(
        d: D,
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error> {
        d.deserialize_seq(NestedVisitor::<Self>::new(context))
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

    fn deserialize_nested<'de, D: Deserializer<'de>>(
        d: D,
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error> {
        N::deserialize_nested(d, context).map(Box::new)
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

/// Reads an `Option` or `Vec` of nested records through the enclosing record's door.
struct NestedVisitor<'a, C> {
    context: &'a DeContext<'a>,
    _c: PhantomData<fn() -> C>,
}

impl<'a, C> NestedVisitor<'a, C> {
    fn new(context: &'a DeContext<'a>) -> Self {
        Self {
            context,
            _c: PhantomData,
        }
    }
}

impl<'de, N: NestedField> Visitor<'de> for NestedVisitor<'_, Option<N>> {
    type Value = Option<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional nested record")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        N::deserialize_nested(d, self.context).map(Some)
    }
}

impl<'de, N: NestedField> Visitor<'de> for NestedVisitor<'_, Vec<N>> {
    type Value = Vec<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of nested records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(n) = seq.next_element_seed(NestedSeed::<N>::new(self.context))? {
            out.push(n);
        }
        Ok(out)
    }
}
