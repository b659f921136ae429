//! Crypto-shredding: destroying a subject's key makes every envelope of theirs unreadable.

use super::storage_keys::StorageKeys;
use crate::error::Error;
use crate::schema::SubjectId;
use std::fmt;

/// What `forget_subject` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgotten {
    /// The subject's key existed and was destroyed.
    Destroyed,
    /// The subject had no key (never had one, or was already forgotten): nothing to do.
    NoKey,
}

impl StorageKeys<'_> {
    /// Crypto-shredding: destroys the subject's own key in this scope (tenant and region), so
    /// that every envelope of that subject becomes permanently unreadable. Idempotent. Only the
    /// guard's audited [`forget_subject`](crate::guard::Admin::forget_subject) calls it.
    pub(crate) fn destroy_subject_key(
        &self,
        subject: &impl fmt::Display,
    ) -> Result<Forgotten, Error> {
        let key = self.store_key(SubjectId::from_display(subject).as_str());
        let destroyed = self.keyring.destroy_subject_key(&key)?;
        // The store engines delete the subject's tokens with its key; another token store
        // (in memory) is told here. Either way its tokens no longer resolve.
        self.delete_subject_tokens(&key.subject)?;
        Ok(if destroyed {
            Forgotten::Destroyed
        } else {
            Forgotten::NoKey
        })
    }
}
