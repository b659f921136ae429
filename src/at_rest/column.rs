//! One classified field in a SQL column of its own: [`Column`] (the envelope and, when the
//! field has one, its blind index) written from a record, and a column value read back into a
//! still-encrypted [`Pii`] for one field of one record type and subject — checked there and then,
//! so a value of another field, record, subject or tenant is a typed error at once, not at the
//! next reveal.

use super::digest::Digest;
use super::storage_keys::{StorageKeys, classified_field};
use crate::envelope::Envelope;
use crate::error::Error;
use crate::keys::Purpose;
use crate::names::{Treatment, View};
use crate::pii::{Pii, Revealed};
use crate::schema::SubjectId;
use crate::value::PiiValue;
use crate::view::{Classified, FieldRef, OwnedFieldRef};
use std::fmt;

/// One classified field of a record, as stored in a column of its own: the envelope (bound to
/// the record type, field, subject, tenant and region) and, for a `#[pii(index)]` field, the
/// blind index for a column beside it.
///
/// ```
/// use piiguard::keys::{Environment, Keyring};
/// use piiguard::{Classified, Pii};
///
/// #[derive(Classified)]
/// #[pii(subject = id)]
/// struct Customer {
///     id: u64,
///     #[pii(class = email, index)]
///     email: Pii<String>,
/// }
///
/// let keyring = Keyring::in_memory(Environment::Dev);
/// let keys = piiguard::unaudited::keys(&keyring);
/// let customer = Customer { id: 7, email: Pii::new("jane@example.com".into()) };
/// let email = keys.column(&customer, |c| &c.email)?;
/// assert!(email.text().starts_with("pg1."));
/// assert!(email.blind_index().is_some());
/// // Read back for the same field and subject: still encrypted.
/// let back: Pii<String> = keys.read_column::<Customer, _>("email", Some(&7), email.envelope().clone())?;
/// assert!(back.envelope().is_some());
/// // For another subject (or field, or record type), refused at once.
/// keys.column(&Customer { id: 8, email: Pii::new("john@example.com".into()) }, |c| &c.email)?;
/// let wrong = keys.read_column::<Customer, String>("email", Some(&8), email.envelope().clone());
/// assert!(matches!(wrong, Err(piiguard::Error::ColumnMismatch { .. })));
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Clone)]
pub struct Column {
    envelope: Envelope,
    index: Option<String>,
}

impl Column {
    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The envelope's text form (`pg1.…`), for a `TEXT` column.
    pub fn text(&self) -> String {
        self.envelope.to_text()
    }

    /// The envelope's binary form, for a `BLOB`/`BYTEA` column.
    pub fn bytes(&self) -> &[u8] {
        self.envelope.as_bytes()
    }

    /// The blind index, for the field's index column (`None` for a field without `index`).
    pub fn blind_index(&self) -> Option<&str> {
        self.index.as_deref()
    }

    /// The envelope and the blind index, by value.
    pub fn into_parts(self) -> (Envelope, Option<String>) {
        (self.envelope, self.index)
    }
}

impl fmt::Debug for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Column")
            .field("envelope", &self.envelope)
            .field("blind_index", &self.index.is_some())
            .finish()
    }
}

impl StorageKeys<'_> {
    /// One classified field of `record` (`field` picks it: `|c| &c.email`) for a column of its
    /// own: encrypted with the record's full context, and its blind index when the field has
    /// `index`. A value already loaded from storage keeps its envelope. Discloses nothing.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if `field` is not one of the record's classified values;
    /// [`Error::Unsupported`] if the field's storage treatment is not `encrypt`; key errors.
    pub fn column<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        record: &'r T,
        field: impl FnOnce(&'r T) -> &'r Pii<V>,
    ) -> Result<Column, Error> {
        let value = field(record);
        OwnedFieldRef::with(record, value, |at| self.column_at(at, value))
            .ok_or(Error::FieldNotFound)?
    }

    fn column_at<V: PiiValue>(&self, at: &FieldRef<'_>, value: &Pii<V>) -> Result<Column, Error> {
        if at.pii().treatment(View::Storage) != Treatment::Encrypt {
            return Err(Error::Unsupported {
                what: "a column for a field whose storage treatment is not encrypt",
            });
        }
        let indexed = at.pii().blind_index().is_some();
        let digest = |bytes: &[u8], out: &mut String| {
            let digest = Digest::BlindIndex(self.keyring.index_len());
            self.digest(at, Purpose::BlindIndex, digest, bytes, out)
        };
        let mut index = None;
        let envelope = match value.envelope() {
            Some(envelope) => {
                if indexed {
                    let bytes = self.open_at(at, envelope)?;
                    digest(&bytes, index.insert(String::new()))?;
                }
                envelope.clone()
            }
            None => value.with_cleartext_bytes(|bytes| {
                if indexed {
                    digest(bytes, index.insert(String::new()))?;
                }
                self.encrypt(at, bytes)
            })??,
        };
        Ok(Column { envelope, index })
    }

    /// A column value read back as the field named `field` (stable or Rust name) of record type
    /// `T` for `subject` (the record's subject id; `None` for a record type without one): still
    /// encrypted, ready to sit in that field of a `T`. It is checked now, by opening it in
    /// that context and wiping what it held, so that a value written for another field, record
    /// type, subject or tenant — a row mix-up, a swapped column — is a typed error here and not
    /// a surprise at the next reveal. Discloses nothing.
    ///
    /// # Errors
    /// [`Error::ColumnMismatch`] for a value of another field, record, subject or tenant, or a
    /// tampered one; [`Error::FieldNotFound`] if `T` has no classified field `field`;
    /// [`Error::Decode`] if `V` is not the field's type; [`Error::SubjectForgotten`] if
    /// `subject` has no key (forgotten, or never written under this keyring — so a value read
    /// for an unknown subject is refused this way too); [`Error::KeyDestroyed`] and the other
    /// key errors.
    pub fn read_column<T: Classified, V: PiiValue>(
        &self,
        field: &str,
        subject: Option<&dyn fmt::Display>,
        envelope: Envelope,
    ) -> Result<Pii<V>, Error> {
        let schema = T::SCHEMA;
        let (field_schema, pii) = classified_field(schema, field, |_| true)?;
        let subject = subject.map(SubjectId::from_display);
        let at = FieldRef::new(schema, field_schema, pii, subject.as_ref());
        self.check_envelope(&envelope)?;
        let cleartext = self.open_at(&at, &envelope).map_err(|e| match e {
            Error::OpenFailed => Error::ColumnMismatch {
                record: schema.name(),
                field: field_schema.name(),
            },
            other => other,
        })?;
        // Decoded as a reveal would (a value of another type is an error now), and wiped.
        drop(Revealed::new(V::decode(cleartext)?));
        Ok(Pii::from_envelope(envelope, Some(pii.class())))
    }
}
