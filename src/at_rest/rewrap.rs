//! Rewrapping: moving envelopes (and subject keys) to the active key after a rotation, so the
//! old key version can be destroyed.

use super::storage_keys::StorageKeys;
use crate::error::Error;
use crate::keys::{KeyLookup, Purpose};
use crate::pii::Internal;
use crate::view::Classified;

/// Counts of a rewrap, reported after every record of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RewrapProgress {
    /// Records seen.
    pub records: usize,
    /// Envelopes moved to the active key.
    pub rewrapped: usize,
    /// Envelopes already under the active key.
    pub current: usize,
    /// Records that could not be rewrapped (left unchanged).
    pub failed: usize,
}

impl StorageKeys<'_> {
    /// Moves every envelope of `record` that is not under the active key to it, keeping its
    /// context; the cleartext never leaves the library. Sealed (not yet stored) values are
    /// left alone. The record's subject keys are re-wrapped under the active key too, so the
    /// old version can be destroyed afterwards. Serialize the record in the storage view to
    /// persist it.
    ///
    /// # Errors
    /// The first envelope that fails to open; the record is then left unchanged.
    pub fn rewrap<T: Classified + ?Sized>(&self, record: &mut T) -> Result<RewrapProgress, Error> {
        // First open and re-seal everything, then swap: a failure leaves the record as it was.
        let mut planned = Vec::new();
        let mut progress = RewrapProgress {
            records: 1,
            ..RewrapProgress::default()
        };
        let mut failure = None;
        let mut subjects: Vec<String> = Vec::new();
        let active = {
            let keys = self.keyring.read()?;
            let root = keys.active(Purpose::FieldEncryption, &self.region)?.key;
            (root.id().to_owned(), root.version())
        };
        record.visit_pii(&mut |at, slot| {
            let Some(envelope) = slot.envelope() else {
                return;
            };
            if failure.is_some() {
                return;
            }
            if let Some(subject) = at.subject().filter(|_| envelope.is_subject_keyed())
                && !subjects.iter().any(|s| s == subject.as_str())
            {
                subjects.push(subject.as_str().to_owned());
            }
            if (envelope.key_id(), envelope.key_version()) == (active.0.as_str(), active.1) {
                progress.current += 1;
                return;
            }
            match self
                .open_at(at, envelope)
                .and_then(|bytes| self.encrypt(at, &bytes))
            {
                Ok(new) => planned.push(new),
                Err(e) => failure = Some(e),
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        {
            let keys = self.keyring.read()?;
            for subject in &subjects {
                self.keyring
                    .rewrap_subject_key(&keys, &self.store_key(subject), &self.tenant)?;
            }
        }
        progress.rewrapped = planned.len();
        let mut next = planned.into_iter();
        record.visit_pii_mut(&mut |_, slot| {
            let stale = slot
                .envelope()
                .is_some_and(|e| (e.key_id(), e.key_version()) != (active.0.as_str(), active.1));
            if stale && let Some(envelope) = next.next() {
                slot.replace_envelope(Internal::new(), envelope);
            }
        });
        Ok(progress)
    }

    /// Rewraps a stream of records, calling `progress` after each one. A record that fails
    /// (a forgotten subject, a tampered envelope) is counted and left unchanged.
    pub fn rewrap_all<'r, T: Classified + 'r>(
        &self,
        records: impl IntoIterator<Item = &'r mut T>,
        mut progress: impl FnMut(&RewrapProgress),
    ) -> RewrapProgress {
        let mut total = RewrapProgress::default();
        for record in records {
            total.records += 1;
            match self.rewrap(record) {
                Ok(one) => {
                    total.rewrapped += one.rewrapped;
                    total.current += one.current;
                }
                Err(_) => total.failed += 1,
            }
            progress(&total);
        }
        total
    }
}
