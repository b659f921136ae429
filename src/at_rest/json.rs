//! Records as JSON in the storage view (and any other view, with these keys attached).

use super::storage_keys::StorageKeys;
use crate::error::{Error, ErrorSlot, json_typed};
use crate::names::{Treatment, View};
use crate::pii::Internal;
use crate::view::context::DeContext;
use crate::view::{Classified, in_context};

impl StorageKeys<'_> {
    /// The storage view as JSON: envelopes, plus blind indexes where fields ask for them.
    ///
    /// # Errors
    /// The typed error of whatever failed (a missing region, a forgotten subject…).
    pub fn to_json<T: Classified + ?Sized>(&self, record: &T) -> Result<String, Error> {
        self.to_json_in(record, View::Storage)
    }

    /// Any view as JSON, with these keys attached.
    ///
    /// # Errors
    /// The typed error of whatever failed.
    pub fn to_json_in<T: Classified + ?Sized>(
        &self,
        record: &T,
        view: View,
    ) -> Result<String, Error> {
        json_typed(|errors| {
            serde_json::to_string(&in_context(record, self.context(view).with_errors(errors)))
        })
    }

    /// Reads a record written by the storage view. Classified values stay encrypted (as
    /// envelopes) until revealed; a field the schema encrypts must hold an envelope of this
    /// keyring's environment and of this scope's region.
    ///
    /// # Errors
    /// [`Error::Json`], [`Error::Envelope`], [`Error::NotEncrypted`],
    /// [`Error::EnvironmentMismatch`], [`Error::RegionMismatch`].
    pub fn from_json<T: Classified>(&self, json: &str) -> Result<T, Error> {
        let errors = ErrorSlot::default();
        let context = DeContext::storage(&errors);
        let mut de = serde_json::Deserializer::from_str(json);
        let record = T::deserialize_in(&context, &mut de)
            .and_then(|r| de.end().map(|()| r))
            .map_err(|e| errors.or_json(&e))?;
        let mut record = record;
        let mut problem = None;
        record.visit_pii_mut(&mut |at, slot| {
            if problem.is_some() {
                return;
            }
            // A vault token is swapped for its envelope, now that the subject is known.
            if let Some(token) = slot.token(Internal::new()) {
                problem = match self.resolve_token(at, token) {
                    Ok(envelope) => {
                        slot.replace_envelope(Internal::new(), envelope);
                        None
                    }
                    Err(error) => Some(error),
                };
                return;
            }
            problem = match slot.envelope() {
                Some(envelope) => self.check_envelope(envelope).err(),
                None if matches!(
                    at.pii().treatment(View::Storage),
                    Treatment::Encrypt | Treatment::Tokenize
                ) =>
                {
                    Some(Error::NotEncrypted {
                        field: at.field().name(),
                    })
                }
                None => None,
            };
        });
        problem.map_or(Ok(record), Err)
    }
}
