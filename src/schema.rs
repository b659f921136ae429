//! The static schema of a classified record, and the [`Classified`] trait the derive implements.

use crate::class::{Class, Masker, Sensitivity};
use crate::pii::PiiSlot;
use crate::view::{FieldRef, Treatment, View, ViewContext};
use std::fmt;

/// A record type that knows which of its fields are personal data.
///
/// Implemented by `#[derive(Classified)]`, which also generates `Debug` (log view), `Serialize`
/// (redacted view) and `Deserialize` (cleartext input sealed at once, placeholders refused).
pub trait Classified {
    /// The record's static schema: fields, classes, sensitivities and treatments.
    const SCHEMA: &'static RecordSchema;

    /// The record's subject (the person it is about), when the record names one.
    fn subject_id(&self) -> Option<SubjectId>;

    /// Serializes the record with each field treated as `context` says.
    ///
    /// # Errors
    /// The serializer's error, or a treatment that needs keys when none are attached.
    fn serialize_in<S: serde::Serializer>(
        &self,
        context: &ViewContext<'_>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;

    /// Calls `visitor` with every classified value of the record (and of nested records), and
    /// where it sits. Used by the keys to find a field for a reveal and to rewrap envelopes.
    fn visit_pii(&self, visitor: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot));

    /// [`visit_pii`](Self::visit_pii) with mutable access (key rotation).
    fn visit_pii_mut(&mut self, visitor: &mut dyn FnMut(&FieldRef<'_>, &mut dyn PiiSlot));
}

/// The identifier of the person a record is about (never itself classified).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubjectId(Box<str>);

impl SubjectId {
    /// The identifier's text form.
    pub fn from_display(id: &impl fmt::Display) -> Self {
        Self(id.to_string().into_boxed_str())
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SubjectId").field(&self.0).finish()
    }
}

/// The schema of a `#[derive(Classified)]` record.
///
/// ```
/// use piiguard::{Class, Classified, Pii, Sensitivity, Treatment, View};
///
/// #[derive(Classified)]
/// #[pii(subject = id)]
/// struct Customer {
///     id: u64,
///     #[pii(class = passport)]
///     passport: Pii<String>,
/// }
///
/// let schema = Customer::SCHEMA;
/// assert_eq!(schema.subject, Some("id"));
/// let passport = schema.field("passport").and_then(|f| f.pii()).unwrap();
/// assert_eq!(passport.class, Class::Passport);
/// assert_eq!(passport.sensitivity, Sensitivity::Sensitive);
/// assert_eq!(passport.treatment(View::Log), Treatment::Redact);
/// assert_eq!(passport.treatment(View::Storage), Treatment::Encrypt);
/// ```
#[derive(Debug)]
pub struct RecordSchema {
    /// The stable name of the record type (bound into ciphertexts; `#[pii(name = "…")]`).
    pub name: &'static str,
    /// The Rust type name.
    pub rust_name: &'static str,
    /// The Rust name of the field that holds the subject id, if any.
    pub subject: Option<&'static str>,
    /// Every field, in declaration order.
    pub fields: &'static [FieldSchema],
}

impl RecordSchema {
    /// A field by its Rust name.
    pub fn field(&self, rust_name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.rust_name == rust_name)
    }

    /// The classified fields.
    pub fn classified_fields(
        &self,
    ) -> impl Iterator<Item = (&'static FieldSchema, &'static PiiField)> {
        self.fields.iter().filter_map(|f| f.pii().map(|p| (f, p)))
    }

    /// How many fields a serialization in `view` writes: omitted fields are not written, and
    /// the storage view adds a blind-index column for each field that asks for one.
    pub fn serialized_len(&self, view: View) -> usize {
        self.fields
            .iter()
            .map(|f| match f.pii() {
                None => 1,
                Some(p) if p.treatment(view) == Treatment::Omit => 0,
                Some(p) if p.writes_index(view) => 2,
                Some(_) => 1,
            })
            .sum()
    }
}

/// One field of a record.
#[derive(Debug)]
pub struct FieldSchema {
    /// The stable name: the serialized key, and the name bound into ciphertexts.
    pub name: &'static str,
    /// The Rust field name (`"0"`, `"1"`… for tuple structs).
    pub rust_name: &'static str,
    /// What the field holds.
    pub kind: FieldKind,
}

impl FieldSchema {
    /// The field's classification, if it holds personal data directly.
    pub fn pii(&self) -> Option<&PiiField> {
        match &self.kind {
            FieldKind::Classified(p) => Some(p),
            _ => None,
        }
    }
}

/// What a field holds.
#[derive(Debug)]
pub enum FieldKind {
    /// Not personal data.
    Plain,
    /// A `Pii<T>` (or an `Option`, `Vec` or `Box` of one).
    Classified(PiiField),
    /// A nested `Classified` record (or an `Option`, `Vec` or `Box` of one).
    Nested(fn() -> &'static RecordSchema),
}

/// How one classified field is treated: its class, sensitivity and per-view treatments.
///
/// Built by the derive with `const fn` steps, so a sensitivity lower than the class's default
/// is a compile-time error.
#[derive(Clone, Copy)]
pub struct PiiField {
    /// The class of the data.
    pub class: Class,
    /// The sensitivity (the class's default, or raised by the field).
    pub sensitivity: Sensitivity,
    /// Treatment in logs and `Debug`.
    pub log: Treatment,
    /// Treatment at rest.
    pub storage: Treatment,
    /// Treatment in exports.
    pub export: Treatment,
    /// The column the storage view writes a blind index to, for equality lookups
    /// (`#[pii(index)]` names it `<field>_bidx`).
    pub blind_index: Option<&'static str>,
    /// A masker replacing the class's own mask.
    pub masker: Option<&'static dyn Masker>,
}

impl PiiField {
    /// A field of `class` with the class's default sensitivity and treatments.
    pub const fn of(class: Class) -> Self {
        Self::defaults(class, class.sensitivity())
    }

    const fn defaults(class: Class, sensitivity: Sensitivity) -> Self {
        Self {
            class,
            sensitivity,
            log: match sensitivity {
                Sensitivity::Technical | Sensitivity::Personal => Treatment::Mask,
                Sensitivity::Sensitive | Sensitivity::Special => Treatment::Redact,
            },
            storage: Treatment::Encrypt,
            export: match sensitivity {
                Sensitivity::Special => Treatment::Omit,
                _ => Treatment::Hash,
            },
            blind_index: None,
            masker: None,
        }
    }

    /// Raises the sensitivity (and resets the default treatments to the new level's).
    ///
    /// # Panics
    /// At compile time (the derive evaluates it in a constant) if `sensitivity` is lower than
    /// the class's default.
    pub const fn sensitivity(self, sensitivity: Sensitivity) -> Self {
        if (sensitivity as u8) < (self.class.sensitivity() as u8) {
            panic!("#[pii(sensitivity)] may raise a class's default sensitivity, never lower it");
        }
        let mut raised = Self::defaults(self.class, sensitivity);
        raised.blind_index = self.blind_index;
        raised.masker = self.masker;
        raised
    }

    /// Overrides the log treatment.
    pub const fn log(mut self, treatment: Treatment) -> Self {
        self.log = treatment;
        self
    }

    /// Overrides the storage treatment.
    pub const fn storage(mut self, treatment: Treatment) -> Self {
        self.storage = treatment;
        self
    }

    /// Overrides the export treatment.
    pub const fn export(mut self, treatment: Treatment) -> Self {
        self.export = treatment;
        self
    }

    /// Asks for a blind index at rest, written to `column`.
    pub const fn blind_index(mut self, column: &'static str) -> Self {
        self.blind_index = Some(column);
        self
    }

    /// Whether serializing in `view` writes the blind-index column (storage view, encrypted).
    pub const fn writes_index(&self, view: View) -> bool {
        self.blind_index.is_some()
            && matches!(view, View::Storage)
            && matches!(self.storage, Treatment::Encrypt)
    }

    /// Replaces the class's mask.
    pub const fn masker(mut self, masker: &'static dyn Masker) -> Self {
        self.masker = Some(masker);
        self
    }

    /// The treatment in `view`. The redacted view always redacts.
    pub const fn treatment(&self, view: View) -> Treatment {
        match view {
            View::Redacted | View::Policy => Treatment::Redact,
            View::Log => self.log,
            View::Storage => self.storage,
            View::Export => self.export,
        }
    }
}

impl fmt::Debug for PiiField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PiiField")
            .field("class", &self.class)
            .field("sensitivity", &self.sensitivity)
            .field("log", &self.log)
            .field("storage", &self.storage)
            .field("export", &self.export)
            .field("blind_index", &self.blind_index)
            .field("custom_masker", &self.masker.is_some())
            .finish()
    }
}
