//! [`Classified`]: what `#[derive(Classified)]` implements; [`Viewed`]: a record paired with a
//! view for serialization.

use super::context::{DeContext, FieldRef, ViewContext};
use crate::names::View;
use crate::pii::PiiSlot;
use crate::schema::{RecordSchema, SubjectId};

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

    /// Deserializes the record through the door `context` names (client input or storage),
    /// keeping typed errors in its slot.
    ///
    /// # Errors
    /// The deserializer's error, or a classified value the door refuses.
    #[doc(hidden)]
    fn deserialize_in<'de, D: serde::Deserializer<'de>>(
        context: &DeContext<'_>,
        deserializer: D,
    ) -> Result<Self, D::Error>
    where
        Self: Sized;

    /// Calls `visitor` with every classified value of the record (and of nested records), and
    /// where it sits. Used by the keys to find a field for a reveal and to rewrap envelopes.
    fn visit_pii(&self, visitor: &mut dyn FnMut(&FieldRef<'_>, &dyn PiiSlot));

    /// [`visit_pii`](Self::visit_pii) with mutable access (key rotation).
    fn visit_pii_mut(&mut self, visitor: &mut dyn FnMut(&FieldRef<'_>, &mut dyn PiiSlot));
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
