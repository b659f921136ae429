//! The storage door through the guard: records and columns as stored, lookups. None of it
//! discloses a value, so none of it is audited — but a column read refused as tampered or
//! swapped, which is evidence.

use super::Guard;
use crate::audit::{Action, Outcome, Text};
use crate::envelope::Envelope;
use crate::error::Error;
use crate::pii::Pii;
use crate::policy::{Principal, Reason};
use crate::value::PiiValue;
use crate::view::Classified;
use std::fmt;

impl Guard {
    /// What [`Storage::read_column`](super::Storage::read_column) does (the public door is there).
    pub(crate) fn read_column<T: Classified, V: PiiValue>(
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
}
