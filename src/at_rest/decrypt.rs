//! Decrypting one field of a record (what a reveal does once the guard has allowed it).

use super::storage_keys::StorageKeys;
use crate::error::Error;
use crate::pii::{Pii, Revealed};
use crate::value::PiiValue;
use crate::view::{Classified, FieldRef, OwnedFieldRef};
use zeroize::Zeroizing;

impl StorageKeys<'_> {
    /// Decrypts one classified field of `record` **without a policy decision or an audit
    /// record**: `field` picks it (`|c| &c.email`). For operators' tooling only (a migration
    /// that must read every value); applications reveal through
    /// [`Guard::reveal`](crate::Guard::reveal), which is built on it.
    ///
    /// A value loaded from storage is decrypted with the record's context (type, field,
    /// subject) and this scope's tenant and region; the cleartext is wiped when the returned
    /// [`Revealed`] drops.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if `field` does not return one of the record's classified
    /// values; [`Error::OpenFailed`], [`Error::SubjectForgotten`] and the other key errors.
    pub fn expose_unaudited<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        record: &'r T,
        field: impl FnOnce(&'r T) -> &'r Pii<V>,
    ) -> Result<Revealed<V>, Error> {
        let value = field(record);
        OwnedFieldRef::with(record, value, |at| self.open_value(at, value))
            .ok_or(Error::FieldNotFound)?
            .and_then(V::decode)
            .map(Revealed::new)
    }

    /// Decrypts the value `value`, found at `at`: what the guard's reveal runs once the policy
    /// allowed it.
    pub(crate) fn decrypt_at<V: PiiValue>(
        &self,
        at: &OwnedFieldRef,
        value: &Pii<V>,
    ) -> Result<Revealed<V>, Error> {
        self.open_value(&at.at(), value)
            .and_then(V::decode)
            .map(Revealed::new)
    }

    /// The cleartext bytes of `value`, which sits at `at`.
    fn open_value<V: PiiValue>(
        &self,
        at: &FieldRef<'_>,
        value: &Pii<V>,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        match value.envelope() {
            Some(envelope) => self.open_at(at, envelope),
            // Not stored yet: opened from the process seal, without a second copy.
            None => value.cleartext_bytes(),
        }
    }
}
