//! [`ViewContext`]: the view a record is serialized for, the keys available to it, the guard's
//! decisions (if any) and where a typed error is kept; [`FieldRef`]: where a classified field
//! sits.

use crate::envelope::Envelope;
use crate::error::{Error, ErrorSlot};
use crate::names::{Treatment, View};
use crate::schema::{FieldSchema, PiiField, RecordSchema, SubjectId};
use std::fmt;
use zeroize::Zeroizing;

/// Where a classified field sits: its record, its schema and its record's subject.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef<'a> {
    record: &'static RecordSchema,
    field: &'static FieldSchema,
    pii: &'static PiiField,
    subject: Option<&'a SubjectId>,
}

impl<'a> FieldRef<'a> {
    pub(crate) const fn new(
        record: &'static RecordSchema,
        field: &'static FieldSchema,
        pii: &'static PiiField,
        subject: Option<&'a SubjectId>,
    ) -> Self {
        Self {
            record,
            field,
            pii,
            subject,
        }
    }

    /// The record's schema.
    pub const fn record(&self) -> &'static RecordSchema {
        self.record
    }

    /// The field's schema.
    pub const fn field(&self) -> &'static FieldSchema {
        self.field
    }

    /// The field's classification.
    pub const fn pii(&self) -> &'static PiiField {
        self.pii
    }

    /// The record's subject, when it names one.
    pub const fn subject(&self) -> Option<&'a SubjectId> {
        self.subject
    }
}

/// Carries out the keyed treatments (encrypt, hash) for a view. Implemented inside the crate
/// only (by the at-rest key handle): code outside piiguard cannot call it to decrypt.
pub(crate) trait Protector: Send + Sync {
    /// Writes the protected form of `cleartext` (an envelope, a pseudonym) to `out`.
    fn protect(
        &self,
        field: &FieldRef<'_>,
        treatment: Treatment,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error>;

    /// Writes the blind index of `cleartext` (for equality lookups) to `out`.
    fn blind_index(
        &self,
        field: &FieldRef<'_>,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error>;

    /// Opens an at-rest envelope of `field` (a value loaded from storage), for a view that
    /// needs its cleartext (a mask, a pseudonym, a blind index). The library wipes the result.
    fn open(&self, field: &FieldRef<'_>, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, Error>;
}

/// Per-field treatments decided by a policy, overriding the schema's (the guard's view).
pub(crate) trait FieldDecisions: Send + Sync {
    /// The treatment of the field at `at`: `Clear`, `Mask`, `Hash` or `Redact`.
    fn treatment(&self, at: &FieldRef<'_>) -> Treatment;
}

/// The view a record is serialized for, and what is attached to it: the keys that carry out
/// encryption and pseudonyms, and the guard's per-field decisions. Only piiguard attaches
/// those; a context made with [`new`](Self::new) has neither, so keyed treatments fail with
/// [`Error::KeysRequired`] and nothing is ever revealed.
#[derive(Clone, Copy, Default)]
pub struct ViewContext<'a> {
    view: View,
    protector: Option<&'a dyn Protector>,
    decisions: Option<&'a dyn FieldDecisions>,
    errors: Option<&'a ErrorSlot>,
}

impl<'a> ViewContext<'a> {
    /// The fail-closed default: every classified field redacted.
    pub const REDACTED: ViewContext<'static> = ViewContext::new(View::Redacted);

    /// A context for `view` with no keys.
    pub const fn new(view: View) -> Self {
        Self {
            view,
            protector: None,
            decisions: None,
            errors: None,
        }
    }

    /// Attaches a policy's per-field decisions (only the guard can: they may say `Clear`).
    pub(crate) const fn with_decisions(mut self, decisions: &'a dyn FieldDecisions) -> Self {
        self.decisions = Some(decisions);
        self
    }

    /// Attaches the keys that carry out encryption and pseudonyms.
    pub(crate) const fn with_protector(mut self, protector: &'a dyn Protector) -> Self {
        self.protector = Some(protector);
        self
    }

    /// Attaches the slot where a typed error raised during the serialization is kept.
    pub(crate) const fn with_errors(mut self, errors: &'a ErrorSlot) -> Self {
        self.errors = Some(errors);
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

    /// The view.
    pub const fn view(&self) -> View {
        self.view
    }

    /// Whether keys are attached (keyed treatments can be carried out).
    pub const fn has_keys(&self) -> bool {
        self.protector.is_some()
    }

    /// The keys, if attached.
    pub(crate) fn protector(&self) -> Option<&'a dyn Protector> {
        self.protector
    }

    /// A serializer error for `error`, kept typed in the context's slot.
    pub(crate) fn fail<E: serde::ser::Error>(&self, error: Error) -> E {
        ErrorSlot::ser(self.errors, error)
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

/// Which door a record comes in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Door {
    /// Untrusted input (a request body): the derived `Deserialize`.
    Input,
    /// What piiguard wrote (the storage view), read back by the keys.
    Storage,
}

/// How a record is being deserialized: through which door, and where a typed error is kept.
/// The derived `Deserialize` uses [`DeContext::INPUT`]; the keys' `from_json` uses the storage
/// door with an error slot.
#[derive(Debug, Clone, Copy)]
pub struct DeContext<'a> {
    door: Door,
    errors: Option<&'a ErrorSlot>,
}

impl<'a> DeContext<'a> {
    /// Client input, with no error slot: the derived `Deserialize`.
    pub const INPUT: DeContext<'static> = DeContext {
        door: Door::Input,
        errors: None,
    };

    /// Storage input (what piiguard wrote), keeping typed errors in `errors`.
    pub(crate) const fn storage(errors: &'a ErrorSlot) -> Self {
        Self {
            door: Door::Storage,
            errors: Some(errors),
        }
    }

    /// The door.
    pub(crate) const fn door(&self) -> Door {
        self.door
    }

    /// Where typed errors are kept.
    pub(crate) const fn errors(&self) -> Option<&'a ErrorSlot> {
        self.errors
    }
}
