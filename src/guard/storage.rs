//! The storage door through the guard: records and columns as stored, lookups. None of it
//! discloses a value, so none of it is audited — but a column read refused as tampered or
//! swapped, which is evidence.

use super::Guard;
use crate::at_rest::Column;
use crate::audit::{Action, Outcome, Text};
use crate::envelope::Envelope;
use crate::error::Error;
use crate::names::View;
use crate::pii::Pii;
use crate::policy::{Principal, Reason};
use crate::value::PiiValue;
use crate::view::Classified;
use std::fmt;

impl Guard {
    /// The record as stored: envelopes and blind indexes. Discloses nothing, so it is not
    /// audited.
    ///
    /// # Errors
    /// The typed error of whatever failed (a missing region, a forgotten subject…).
    pub fn to_json<T: Classified + ?Sized>(&self, record: &T) -> Result<String, Error> {
        self.storage_keys().to_json(record)
    }

    /// The record in a view that needs keys but discloses no cleartext: [`View::Storage`] or
    /// [`View::Export`] (pseudonyms), or any keyless view. Not audited.
    ///
    /// # Errors
    /// The typed error of whatever failed.
    pub fn to_json_in<T: Classified + ?Sized>(
        &self,
        record: &T,
        view: View,
    ) -> Result<String, Error> {
        self.storage_keys().to_json_in(record, view)
    }

    /// Reads a stored record; its values stay encrypted until revealed.
    ///
    /// # Errors
    /// [`Error::Json`], [`Error::Envelope`], [`Error::NotEncrypted`],
    /// [`Error::EnvironmentMismatch`], [`Error::RegionMismatch`].
    pub fn from_json<T: Classified>(&self, json: &str) -> Result<T, Error> {
        self.storage_keys().from_json(json)
    }

    /// One classified field of `record` for a SQL column of its own: its envelope (bound to the
    /// record type, field, subject, tenant and region) and, for an `index` field, its blind
    /// index for the column beside it. Discloses nothing, so it is not audited. See
    /// `docs/SQL.md`.
    ///
    /// # Errors
    /// As [`StorageKeys::column`](crate::at_rest::StorageKeys::column).
    pub fn column<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        record: &'r T,
        field: impl FnOnce(&'r T) -> &'r Pii<V>,
    ) -> Result<Column, Error> {
        self.storage_keys().column(record, field)
    }

    /// A column value read back as field `field` of record type `T` for `subject`: still
    /// encrypted, and checked to belong there (another field's, record's, subject's or
    /// tenant's value is [`Error::ColumnMismatch`]). A column read that succeeds is not
    /// audited: it discloses nothing. One that is refused — a tampered, swapped or foreign
    /// value — is evidence, and is audited as a view of the row would be (`view`, failed,
    /// `open_failed`, naming the record type, field and subject, by the principal
    /// `piiguard`); if that event cannot be written, its error is returned instead.
    ///
    /// # Errors
    /// As [`StorageKeys::read_column`](crate::at_rest::StorageKeys::read_column); the audit
    /// sink's errors.
    pub fn read_column<T: Classified, V: PiiValue>(
        &self,
        field: &str,
        subject: Option<&dyn fmt::Display>,
        envelope: Envelope,
    ) -> Result<Pii<V>, Error> {
        let read = self
            .storage_keys()
            .read_column::<T, V>(field, subject, envelope);
        match read {
            // A field the record type does not have, or a value read as the wrong Rust type,
            // is the caller's mistake, not evidence.
            Err(error) if !matches!(error, Error::FieldNotFound | Error::Decode { .. }) => {
                let mut event = self.event(
                    Action::View,
                    Outcome::Failed,
                    Reason::OpenFailed,
                    &Principal::new("piiguard"),
                    None,
                );
                event.object.record = Some(Text::from_static(T::SCHEMA.name()));
                event.object.field = T::SCHEMA
                    .classified_fields()
                    .find(|(f, _)| f.name() == field || f.rust_name() == field)
                    .map(|(f, p)| {
                        event.object.class = Some(Text::from_static(p.class().name()));
                        Text::from_static(f.name())
                    });
                event.object.subject = subject.map(|s| s.to_string().into());
                event.detail = Some(Text::from(format!("column read refused: {error}")));
                self.record(&event)?;
                Err(error)
            }
            other => other,
        }
    }

    /// The blind indexes a lookup of `value` in field `field` of record type `T` must match,
    /// one per still-valid index key version (use them as `WHERE email_bidx IN (…)`). A lookup
    /// discloses no value, so it is not audited.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if the field has no blind index; [`Error::InvalidValue`] if
    /// the value is not valid for the field's class.
    pub fn blind_index_candidates<T: Classified + ?Sized>(
        &self,
        field: &str,
        value: &str,
    ) -> Result<Vec<String>, Error> {
        self.storage_keys()
            .blind_index_candidates::<T>(field, value)
    }

    /// What the store says of a vault token of field `field` of record type `T` for
    /// `subject` — its class, field, creation and expiry — without detokenizing it. Not
    /// audited: it discloses nothing.
    ///
    /// # Errors
    /// As [`StorageKeys::token_metadata`](crate::at_rest::StorageKeys::token_metadata).
    pub fn token_metadata<T: Classified>(
        &self,
        field: &str,
        subject: Option<&dyn fmt::Display>,
        token: &str,
    ) -> Result<crate::at_rest::TokenMetadata, Error> {
        self.storage_keys()
            .token_metadata::<T>(field, subject, token)
    }

    /// The convergent token that field `field` of record type `T` holds for `value`, if one
    /// was made: a lookup in a tokenized column. Not audited: it discloses nothing, as a
    /// blind-index lookup.
    ///
    /// # Errors
    /// As [`StorageKeys::convergent_token`](crate::at_rest::StorageKeys::convergent_token).
    pub fn convergent_token<T: Classified>(
        &self,
        field: &str,
        value: &str,
    ) -> Result<Option<String>, Error> {
        self.storage_keys().convergent_token::<T>(field, value)
    }

    /// The token of `value` for a tokenized field named by `target`, for `subject`: what a
    /// proxy gives the application in place of a value a third party sent back. Not audited:
    /// it discloses nothing.
    ///
    /// # Errors
    /// As [`StorageKeys::tokenize_value`](crate::at_rest::StorageKeys::tokenize_value).
    pub fn tokenize(
        &self,
        target: &crate::at_rest::TokenTarget,
        subject: Option<&dyn fmt::Display>,
        value: &str,
    ) -> Result<String, Error> {
        self.storage_keys().tokenize_value(target, subject, value)
    }
}
