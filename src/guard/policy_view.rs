//! [`PolicyView`]: a record with the guard's per-field decisions attached, ready to serialize.

use super::Guard;
use crate::error::{Error, ErrorSlot, json_typed};
use crate::policy::{Decision, Disclosure, Reason};
use crate::schema::{FieldSchema, RecordSchema};
use crate::view::{Classified, FieldDecisions, FieldRef, Treatment, View, ViewContext};
use std::fmt;
use zeroize::Zeroizing;

/// The decision for one field of a view.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldDecision {
    pub(super) record: &'static RecordSchema,
    pub(super) field: &'static FieldSchema,
    pub(super) decision: Decision,
}

struct Decisions(Vec<FieldDecision>);

/// Schemas are `const`s: each use may be its own copy, so fields are compared by name (the
/// record's stable name and the field's), with the address as a fast path.
pub(super) fn same_field(
    record: &RecordSchema,
    field: &FieldSchema,
    other_record: &RecordSchema,
    other_field: &FieldSchema,
) -> bool {
    (std::ptr::eq(record, other_record) || record.name() == other_record.name())
        && (std::ptr::eq(field, other_field) || field.name() == other_field.name())
}

impl FieldDecisions for Decisions {
    fn treatment(&self, at: &FieldRef<'_>) -> Treatment {
        self.0
            .iter()
            .find(|d| same_field(d.record, d.field, at.record(), at.field()))
            .map_or(Treatment::Redact, |d| treatment_of(d.decision.disclosure))
    }
}

/// A record as one principal may see it: each classified field revealed, masked, hashed or
/// redacted as the guard decided.
///
/// The guard builds its JSON (opening every value it shows) *before* it writes the view's audit
/// event, so the event records the true outcome: a value that does not open makes the view a
/// `failed` event and an error, never an `allowed` event. [`to_json`](Self::to_json) and
/// [`into_json`](Self::into_json) return that JSON, in a buffer wiped on drop; prefer them.
/// Serializing the view with another serde serializer opens the values again.
pub struct PolicyView<'g, 'r, T: ?Sized> {
    guard: &'g Guard,
    record: &'r T,
    decisions: Decisions,
    json: Zeroizing<String>,
}

impl<'g, 'r, T: Classified + ?Sized> PolicyView<'g, 'r, T> {
    /// The view, fully built: every value it shows is opened here.
    pub(super) fn build(
        guard: &'g Guard,
        record: &'r T,
        decisions: Vec<FieldDecision>,
    ) -> Result<Self, Error> {
        let mut view = Self {
            guard,
            record,
            decisions: Decisions(decisions),
            json: Zeroizing::new(String::new()),
        };
        view.json = view.render()?;
        Ok(view)
    }

    /// The decision for each classified field (stable field name, disclosure, reason).
    pub fn decisions(&self) -> Vec<(&'static str, Disclosure, Reason)> {
        self.decisions
            .0
            .iter()
            .map(|d| (d.field.name(), d.decision.disclosure, d.decision.reason))
            .collect()
    }

    /// The view as JSON, in a buffer wiped when dropped.
    ///
    /// # Errors
    /// None today (the JSON was built with the view); kept fallible for compatibility.
    pub fn to_json(&self) -> Result<Zeroizing<String>, Error> {
        Ok(self.json.clone())
    }

    /// The view as JSON, without a copy.
    pub fn into_json(self) -> Zeroizing<String> {
        self.json
    }

    fn render(&self) -> Result<Zeroizing<String>, Error> {
        // Built in a buffer that wipes what it outgrows: a `String` growing by reallocation
        // would leave earlier copies of the revealed values in freed memory.
        let mut out = crate::mem::buffer::SecretBytes::with_capacity(256);
        json_typed(|errors| serde_json::to_writer(&mut out, &Serialized(self, Some(errors))))?;
        out.into_text().map_err(|_| Error::Json {
            category: "data",
            line: 0,
            column: 0,
        })
    }
}

impl<T: Classified + ?Sized> serde::Serialize for PolicyView<'_, '_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Serialized(self, None).serialize(serializer)
    }
}

/// A policy view serialized with an error slot (typed errors for `to_json`).
struct Serialized<'a, 'g, 'r, T: ?Sized>(&'a PolicyView<'g, 'r, T>, Option<&'a ErrorSlot>);

impl<T: Classified + ?Sized> serde::Serialize for Serialized<'_, '_, '_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        let keys = view.guard.storage_keys();
        let mut context = ViewContext::new(View::Policy)
            .with_protector(&keys)
            .with_decisions(&view.decisions);
        if let Some(errors) = self.1 {
            context = context.with_errors(errors);
        }
        view.record.serialize_in(&context, serializer)
    }
}

impl<T: ?Sized> fmt::Debug for PolicyView<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<(&str, Disclosure)> = self
            .decisions
            .0
            .iter()
            .map(|d| (d.field.name(), d.decision.disclosure))
            .collect();
        f.debug_struct("PolicyView")
            .field("fields", &fields)
            .finish_non_exhaustive()
    }
}

/// The treatment a disclosure becomes in a serialized view.
const fn treatment_of(disclosure: Disclosure) -> Treatment {
    match disclosure {
        Disclosure::Reveal => Treatment::Clear,
        // A record in a view is not a token given alone: its mask.
        Disclosure::Mask | Disclosure::Detokenize => Treatment::Mask,
        Disclosure::Hash => Treatment::Hash,
        Disclosure::Redact => Treatment::Redact,
    }
}
