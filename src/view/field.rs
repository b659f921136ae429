//! [`ProtectedField`]: how a classified field (`Pii<T>`) is shown in `Debug`, serialized in a
//! view, indexed and deserialized. The containers (`Option`, `Vec`, `Box`) are in
//! `containers.rs`.
//!
//! The security rules of every view live here: only a guard's decision may say `Clear`, a view
//! without keys never falls back to cleartext, and anything unknown is redacted.

use super::context::{DeContext, Door};
use super::context::{FieldRef, ViewContext};
use crate::class::Masked;
use crate::error::Error;
use crate::names::{Treatment, View};
use crate::pii::{Pii, PiiSeed, PiiSlot, mask_bytes};
use crate::schema::PiiField;
use crate::value::{PiiValue, ValueShape};
use serde::Serializer;
use serde::de::{DeserializeSeed, Deserializer};
use std::fmt;

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
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error>;

    /// The value of the field when the input leaves it out: `None` for an `Option`, else a
    /// `missing field` error.
    ///
    /// # Errors
    /// `missing field`, naming the field.
    fn missing<E: serde::de::Error>(name: &'static str) -> Result<Self, E> {
        Err(E::missing_field(name))
    }

    /// Calls `f` with every value held.
    fn visit(&self, f: &mut dyn FnMut(&dyn PiiSlot));

    /// Calls `f` with every value held, mutably.
    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut dyn PiiSlot));
}

/// A classified field being serialized: where it is and for which view.
pub struct FieldAt<'a> {
    pub(super) field: FieldRef<'a>,
    pub(super) context: &'a ViewContext<'a>,
}

/// A field's identity for the masks a value keeps: its schema's address. Schemas are
/// statics, so one address is one class and masker (two equal schemas merged into one address
/// mask alike).
fn field_id(pii: &'static PiiField) -> usize {
    std::ptr::from_ref(pii).addr()
}

impl<T: PiiValue> ProtectedField for Pii<T> {
    fn fmt_field(&self, pii: &'static PiiField, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match pii.treatment(View::Log) {
            Treatment::Mask => {
                self.with_field_mask(field_id(pii), pii.class(), pii.masker(), |m| {
                    fmt::Debug::fmt(m, f)
                })
            }
            _ => fmt::Debug::fmt(&Masked::redacted(Some(pii.class())), f),
        }
    }

    fn serialize_field<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        let pii = at.field.pii();
        let view = at.context.view();
        match at.context.treatment(&at.field) {
            // Only a policy decision attached by the guard can say `Clear`.
            Treatment::Clear if at.context.has_decisions() => {
                let bytes = match (self.envelope(), at.context.protector()) {
                    (Some(envelope), Some(protector)) => protector
                        .open(&at.field, envelope)
                        .map_err(|e| at.context.fail(e))?,
                    (Some(_), None) => {
                        return Err(at.context.fail(Error::KeysRequired {
                            view,
                            treatment: "clear",
                        }));
                    }
                    (None, _) => self.cleartext_bytes().map_err(|e| at.context.fail(e))?,
                };
                serialize_clear::<T, S>(&bytes, at.context, s)
            }
            Treatment::Mask => match (self.envelope(), at.context.protector()) {
                // Loaded from storage: masked through the keys, else redacted (fail closed).
                (Some(envelope), Some(protector)) => {
                    let bytes = protector
                        .open(&at.field, envelope)
                        .map_err(|e| at.context.fail(e))?;
                    s.serialize_str(mask_bytes(pii.class(), pii.masker(), &bytes).as_str())
                }
                _ => self.with_field_mask(field_id(pii), pii.class(), pii.masker(), |m| {
                    s.serialize_str(m.as_str())
                }),
            },
            Treatment::Omit => s.serialize_none(),
            keyed if keyed.needs_keys() => {
                let protector = at.context.protector().ok_or_else(|| {
                    at.context.fail(Error::KeysRequired {
                        view,
                        treatment: keyed.name(),
                    })
                })?;
                let mut out = String::new();
                match self.envelope() {
                    // Already encrypted at rest: written as it is, without opening it.
                    Some(envelope) if keyed == Treatment::Encrypt => envelope.write_text(&mut out),
                    Some(envelope) => {
                        let bytes = protector
                            .open(&at.field, envelope)
                            .map_err(|e| at.context.fail(e))?;
                        protector
                            .protect(&at.field, keyed, &bytes, &mut out)
                            .map_err(|e| at.context.fail(e))?;
                    }
                    None => self
                        .with_cleartext_bytes(|bytes| {
                            protector.protect(&at.field, keyed, bytes, &mut out)
                        })
                        .and_then(|r| r)
                        .map_err(|e| at.context.fail(e))?,
                }
                s.serialize_str(&out)
            }
            // Redact, and `Clear`, which no view may use: fail closed.
            _ => s.serialize_str(Masked::redacted(Some(pii.class())).as_str()),
        }
    }

    fn serialize_index<S: Serializer>(&self, at: &FieldAt<'_>, s: S) -> Result<S::Ok, S::Error> {
        let protector = at.context.protector().ok_or_else(|| {
            at.context.fail(Error::KeysRequired {
                view: at.context.view(),
                treatment: "index",
            })
        })?;
        let mut out = String::new();
        match self.envelope() {
            Some(envelope) => {
                let bytes = protector
                    .open(&at.field, envelope)
                    .map_err(|e| at.context.fail(e))?;
                protector.blind_index(&at.field, &bytes, &mut out)
            }
            None => self
                .with_cleartext_bytes(|bytes| protector.blind_index(&at.field, bytes, &mut out))
                .and_then(|r| r),
        }
        .map_err(|e| at.context.fail(e))?;
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
        context: &DeContext<'_>,
    ) -> Result<Self, D::Error> {
        let class = Some(pii.class());
        match context.door() {
            Door::Input => PiiSeed::input(class, context.errors()).deserialize(d),
            Door::Storage => PiiSeed::storage(class, context.errors()).deserialize(d),
        }
    }
}

/// Serializes canonical cleartext bytes as the value's own type would be (a string, a number,
/// a boolean, bytes).
fn serialize_clear<T: PiiValue, S: Serializer>(
    bytes: &[u8],
    context: &ViewContext<'_>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let bad = || context.fail(Error::Decode { kind: T::KIND });
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

/// `Debug` of one element with its field's schema.
pub(super) struct DebugWith<'a, P>(pub(super) &'a P, pub(super) &'static PiiField);

impl<P: ProtectedField> fmt::Debug for DebugWith<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_field(self.1, f)
    }
}

pub(super) struct SerWith<'a, P>(pub(super) &'a P, pub(super) &'a FieldAt<'a>);

impl<P: ProtectedField> serde::Serialize for SerWith<'_, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_field(self.1, s)
    }
}

pub(super) struct IndexWith<'a, P>(pub(super) &'a P, pub(super) &'a FieldAt<'a>);

impl<P: ProtectedField> serde::Serialize for IndexWith<'_, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_index(self.1, s)
    }
}
