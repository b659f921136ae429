//! Views: where a serialization goes, and so how each classified field is treated.
//!
//! | view | default treatment | needs keys |
//! |---|---|---|
//! | [`View::Redacted`] (plain `Serialize`) | redact every classified field | no |
//! | [`View::Log`] (and `Debug`) | mask technical and personal data, redact sensitive and special | no |
//! | [`View::Storage`] | encrypt | yes |
//! | [`View::Export`] | keyed pseudonym (hash); omit special data | yes |
//! | [`View::Policy`] | as the principal's policy decides, per field; redact without a guard | yes |
//!
//! A field may override its treatment per view with `#[pii(log = …, storage = …, export = …)]`.
//! Treatments that need keys (encrypt, hash, tokenize) are carried out by a [`Protector`]
//! attached to the [`ViewContext`]; without one they fail with
//! [`Error::KeysRequired`](crate::Error::KeysRequired) rather than fall back to cleartext.

use crate::envelope::Envelope;
use crate::error::Error;
pub use crate::names::{Treatment, View};
use crate::schema::{Classified, FieldSchema, PiiField, RecordSchema, SubjectId};
use std::fmt;
use zeroize::Zeroizing;

/// Where a classified field sits: its record, its schema and its record's subject.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef<'a> {
    /// The record's schema.
    pub record: &'static RecordSchema,
    /// The field's schema.
    pub field: &'static FieldSchema,
    /// The field's classification.
    pub pii: &'static PiiField,
    /// The record's subject, when it names one.
    pub subject: Option<&'a SubjectId>,
}

/// Carries out the keyed treatments (encrypt, hash, tokenize) for a view.
///
/// [`ScopedKeys`](crate::keys::ScopedKeys) implements it; a view without one refuses those
/// treatments.
pub trait Protector: Send + Sync {
    /// Writes the protected form of `cleartext` (an envelope, a pseudonym, a token) to `out`.
    ///
    /// # Errors
    /// Any [`Error`]; its message must not contain the value.
    fn protect(
        &self,
        field: &FieldRef<'_>,
        treatment: Treatment,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error>;

    /// Writes the blind index of `cleartext` (for equality lookups) to `out`.
    ///
    /// # Errors
    /// Any [`Error`]; its message must not contain the value.
    fn blind_index(
        &self,
        field: &FieldRef<'_>,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error>;

    /// Opens an at-rest envelope of `field` (a value loaded from storage), for a view that
    /// needs its cleartext (a mask, a pseudonym, a blind index). The library wipes the result.
    ///
    /// # Errors
    /// Any [`Error`]: tampered, wrong context, unknown or destroyed key.
    fn open(&self, field: &FieldRef<'_>, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, Error>;
}

/// Per-field treatments decided by a policy, overriding the schema's (the guard's view).
pub(crate) trait FieldDecisions: Send + Sync {
    /// The treatment of the field at `at`: `Clear`, `Mask`, `Hash` or `Redact`.
    fn treatment(&self, at: &FieldRef<'_>) -> Treatment;
}

/// The view a record is serialized for, and the keys available to it.
#[derive(Clone, Copy, Default)]
pub struct ViewContext<'a> {
    view: View,
    protector: Option<&'a dyn Protector>,
    decisions: Option<&'a dyn FieldDecisions>,
}

impl<'a> ViewContext<'a> {
    /// The fail-closed default: every classified field redacted.
    pub const REDACTED: ViewContext<'static> = ViewContext {
        view: View::Redacted,
        protector: None,
        decisions: None,
    };

    /// A context for `view` with no keys.
    pub const fn new(view: View) -> Self {
        Self {
            view,
            protector: None,
            decisions: None,
        }
    }

    /// Attaches a policy's per-field decisions (only the guard can: they may say `Clear`).
    pub(crate) const fn with_decisions(mut self, decisions: &'a dyn FieldDecisions) -> Self {
        self.decisions = Some(decisions);
        self
    }

    /// Whether a policy's decisions are attached.
    pub(crate) const fn has_decisions(&self) -> bool {
        self.decisions.is_some()
    }

    /// The treatment of the field at `at` in this context: the policy's decision when there is
    /// one, else the schema's treatment for the view.
    pub(crate) fn treatment(&self, at: &FieldRef<'_>) -> Treatment {
        match self.decisions {
            Some(decisions) => decisions.treatment(at),
            None => at.pii.treatment(self.view),
        }
    }

    /// Attaches the keys that carry out encryption, pseudonyms and tokens.
    pub const fn with_protector(mut self, protector: &'a dyn Protector) -> Self {
        self.protector = Some(protector);
        self
    }

    /// The view.
    pub const fn view(&self) -> View {
        self.view
    }

    /// The protector, if keys are attached.
    pub fn protector(&self) -> Option<&'a dyn Protector> {
        self.protector
    }
}

impl fmt::Debug for ViewContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewContext")
            .field("view", &self.view)
            .field("keys", &self.protector.is_some())
            .field("policy", &self.decisions.is_some())
            .finish()
    }
}

/// A record paired with a view: serializing it applies the view's treatments.
///
/// ```
/// use piiguard::{Classified, Pii, View, in_view};
///
/// #[derive(Classified)]
/// struct Contact {
///     #[pii(class = email)]
///     email: Pii<String>,
///     plan: String,
/// }
///
/// let c = Contact { email: Pii::new("jane@example.com".into()), plan: "pro".into() };
/// let log = serde_json::to_string(&in_view(&c, View::Log))?;
/// assert_eq!(log, r#"{"email":"j***@example.com","plan":"pro"}"#);
/// let plain = serde_json::to_string(&c)?;
/// assert_eq!(plain, r#"{"email":"[REDACTED:email]","plan":"pro"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct Viewed<'a, T: ?Sized> {
    record: &'a T,
    context: ViewContext<'a>,
}

/// Pairs a record with a view (no keys).
pub fn in_view<T: Classified + ?Sized>(record: &T, view: View) -> Viewed<'_, T> {
    in_context(record, ViewContext::new(view))
}

/// Pairs a record with a view context (which may carry keys).
pub fn in_context<'a, T: Classified + ?Sized>(
    record: &'a T,
    context: ViewContext<'a>,
) -> Viewed<'a, T> {
    Viewed { record, context }
}

impl<T: Classified + ?Sized> serde::Serialize for Viewed<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.record.serialize_in(&self.context, serializer)
    }
}
