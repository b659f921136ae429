//! The static schema of a classified record: pure data, built by the derive with `const fn`s.
//!
//! Fields are private and every type is `#[non_exhaustive]`: a schema can only be built through
//! its constructors, so rules such as "a field may raise its class's sensitivity, never lower
//! it" cannot be bypassed with struct-update syntax.

use crate::class::{Class, Masker};
use crate::generalize::Generalize;
use crate::names::{Sensitivity, Treatment, View};
use std::fmt;

/// The identifier of the person a record is about (never itself classified).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubjectId(Box<str>);

impl SubjectId {
    /// The identifier's text form.
    pub fn from_display(id: &(impl fmt::Display + ?Sized)) -> Self {
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
/// use piiguard::{Class, Classified, Pii, class::Sensitivity, view::Treatment, View};
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
/// assert_eq!(schema.subject(), Some("id"));
/// let passport = schema.field("passport").and_then(|f| f.pii()).unwrap();
/// assert_eq!(passport.class(), Class::Passport);
/// assert_eq!(passport.sensitivity(), Sensitivity::Sensitive);
/// assert_eq!(passport.treatment(View::Log), Treatment::Redact);
/// assert_eq!(passport.treatment(View::Storage), Treatment::Encrypt);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct RecordSchema {
    name: &'static str,
    rust_name: &'static str,
    subject: Option<&'static str>,
    fields: &'static [FieldSchema],
    stored_in: Option<&'static str>,
}

impl RecordSchema {
    /// A record's schema: its stable name, Rust name, subject field and fields.
    pub const fn new(
        name: &'static str,
        rust_name: &'static str,
        subject: Option<&'static str>,
        fields: &'static [FieldSchema],
    ) -> Self {
        Self {
            name,
            rust_name,
            subject,
            fields,
            stored_in: None,
        }
    }

    /// Where the application says it stores records of this type
    /// (`#[pii(stored_in = "postgres:customers")]`), for the [data map](crate::data_map::data_map()).
    pub const fn with_stored_in(mut self, place: &'static str) -> Self {
        self.stored_in = Some(place);
        self
    }

    /// Where the application says it stores records of this type, if it said.
    pub const fn stored_in(&self) -> Option<&'static str> {
        self.stored_in
    }

    /// The stable name of the record type (bound into ciphertexts; `#[pii(name = "…")]`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust type name.
    pub const fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// The Rust name of the field that holds the subject id, if any.
    pub const fn subject(&self) -> Option<&'static str> {
        self.subject
    }

    /// Every field, in declaration order.
    pub const fn fields(&self) -> &'static [FieldSchema] {
        self.fields
    }

    /// A field by its Rust name.
    pub fn field(&self, rust_name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.rust_name == rust_name)
    }

    /// The names of the classes and sensitivities the record holds, nested records' included,
    /// each once, in the order met: what retention rules are matched against.
    pub(crate) fn held_names(&self) -> Vec<&'static str> {
        fn walk(schema: &RecordSchema, out: &mut Vec<&'static str>) {
            for field in schema.fields {
                match field.kind() {
                    FieldKind::Classified(pii) => {
                        for name in [pii.class().name(), pii.sensitivity().name()] {
                            if !out.contains(&name) {
                                out.push(name);
                            }
                        }
                    }
                    FieldKind::Nested(inner) => walk(inner(), out),
                    FieldKind::Plain => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
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
#[non_exhaustive]
pub struct FieldSchema {
    name: &'static str,
    rust_name: &'static str,
    kind: FieldKind,
    quasi: Option<Generalize>,
}

impl FieldSchema {
    /// A field: its stable name, Rust name and what it holds.
    pub const fn new(name: &'static str, rust_name: &'static str, kind: FieldKind) -> Self {
        Self {
            name,
            rust_name,
            kind,
            quasi: None,
        }
    }

    /// Marks the field a quasi-identifier (`#[pii(quasi)]`): the anonymized export keeps it,
    /// coarsened as `how` says, and groups rows by it for k-anonymity.
    pub const fn with_quasi(mut self, how: Generalize) -> Self {
        self.quasi = Some(how);
        self
    }

    /// How the field is coarsened as a quasi-identifier, if it is one.
    pub const fn quasi(&self) -> Option<Generalize> {
        self.quasi
    }

    /// The stable name: the serialized key, and the name bound into ciphertexts.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust field name (`"0"`, `"1"`… for tuple structs).
    pub const fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// What the field holds.
    pub const fn kind(&self) -> &FieldKind {
        &self.kind
    }

    /// The field's classification, if it holds personal data directly.
    pub const fn pii(&self) -> Option<&PiiField> {
        match &self.kind {
            FieldKind::Classified(p) => Some(p),
            _ => None,
        }
    }
}

/// What a field holds.
#[derive(Debug)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct PiiField {
    class: Class,
    sensitivity: Sensitivity,
    log: Treatment,
    storage: Treatment,
    export: Treatment,
    blind_index: Option<&'static str>,
    masker: Option<&'static dyn Masker>,
    tokens: TokenOptions,
}

/// How a field's vault tokens are made: random by default (a new token each time), or
/// convergent (equal values, equal tokens, through a keyed lookup); with an expiry carried in
/// the token, or none. Fixed by the schema: `#[pii(storage = tokenize, convergent,
/// token_ttl_days = 30)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenOptions {
    convergent: bool,
    ttl_secs: u32,
}

impl TokenOptions {
    /// Whether equal values get equal tokens.
    pub const fn convergent(&self) -> bool {
        self.convergent
    }

    /// How long a token is accepted after it is made, in seconds.
    pub const fn ttl_secs(&self) -> Option<u32> {
        if self.ttl_secs == 0 {
            None
        } else {
            Some(self.ttl_secs)
        }
    }
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
            tokens: TokenOptions {
                convergent: false,
                ttl_secs: 0,
            },
        }
    }

    /// Raises the sensitivity (and resets the default treatments to the new level's).
    ///
    /// # Panics
    /// At compile time (the derive evaluates it in a constant) if `sensitivity` is lower than
    /// the class's default.
    pub const fn with_sensitivity(self, sensitivity: Sensitivity) -> Self {
        if (sensitivity as u8) < (self.class.sensitivity() as u8) {
            panic!("#[pii(sensitivity)] may raise a class's default sensitivity, never lower it");
        }
        let mut raised = Self::defaults(self.class, sensitivity);
        raised.blind_index = self.blind_index;
        raised.masker = self.masker;
        raised.tokens = self.tokens;
        raised
    }

    /// Overrides the log treatment.
    pub const fn with_log(mut self, treatment: Treatment) -> Self {
        self.log = treatment;
        self
    }

    /// Overrides the storage treatment.
    pub const fn with_storage(mut self, treatment: Treatment) -> Self {
        self.storage = treatment;
        self
    }

    /// Overrides the export treatment.
    pub const fn with_export(mut self, treatment: Treatment) -> Self {
        self.export = treatment;
        self
    }

    /// Asks for a blind index at rest, written to `column`.
    pub const fn with_blind_index(mut self, column: &'static str) -> Self {
        self.blind_index = Some(column);
        self
    }

    /// Whether serializing in `view` writes the blind-index column (storage view, encrypted).
    pub const fn writes_index(&self, view: View) -> bool {
        self.blind_index.is_some()
            && matches!(view, View::Storage)
            && matches!(self.storage, Treatment::Encrypt)
    }

    /// Makes the field's vault tokens convergent: equal values get equal tokens (a keyed
    /// lookup, never a plain hash), so a tokenized column can be joined on or looked up.
    pub const fn with_convergent_tokens(mut self) -> Self {
        self.tokens.convergent = true;
        self
    }

    /// Makes the field's vault tokens expire `days` after they are made; the expiry is inside
    /// the token, so an expired one is refused without asking the store.
    pub const fn with_token_ttl_days(mut self, days: u32) -> Self {
        self.tokens.ttl_secs = days.saturating_mul(86_400);
        self
    }

    /// How the field's vault tokens are made.
    pub const fn tokens(&self) -> TokenOptions {
        self.tokens
    }

    /// Replaces the class's mask.
    pub const fn with_masker(mut self, masker: &'static dyn Masker) -> Self {
        self.masker = Some(masker);
        self
    }

    /// The class of the data.
    pub const fn class(&self) -> Class {
        self.class
    }

    /// The sensitivity (the class's default, or raised by the field).
    pub const fn sensitivity(&self) -> Sensitivity {
        self.sensitivity
    }

    /// The column the storage view writes a blind index to, for equality lookups
    /// (`#[pii(index)]` names it `<field>_bidx`).
    pub const fn blind_index(&self) -> Option<&'static str> {
        self.blind_index
    }

    /// A masker replacing the class's own mask, if the field has one.
    pub const fn masker(&self) -> Option<&'static dyn Masker> {
        self.masker
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
