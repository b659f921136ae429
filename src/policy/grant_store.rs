//! Where break-glass state lives: pending requests and revoked grants, behind [`GrantStore`]
//! (in memory, or in a store every instance shares), and the guard's [`Grants`] over it.

use super::grant::{GrantRequest, RequestId, random_id};
use crate::error::Error;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

/// A break-glass request waiting for approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRequest {
    /// Who asked.
    pub requester: String,
    /// What they asked for.
    pub request: GrantRequest,
    /// When (Unix seconds).
    pub requested_at: i64,
}

/// Keeps pending break-glass requests and revoked grant ids. With a store every instance
/// shares, a request made on one instance can be approved on another, requests survive
/// restarts, and a revocation holds everywhere at once.
pub trait GrantStore: Send + Sync {
    /// Keeps a request under `id`; requests made before `expired_before` may be dropped.
    ///
    /// # Errors
    /// The store's error.
    fn add_pending(
        &self,
        id: &str,
        request: &PendingRequest,
        expired_before: i64,
    ) -> Result<(), Error>;

    /// The pending request `id`, if there is one.
    ///
    /// # Errors
    /// The store's error.
    fn pending(&self, id: &str) -> Result<Option<PendingRequest>, Error>;

    /// Removes and returns the pending request `id`: of two approvers at once, one gets it.
    ///
    /// # Errors
    /// The store's error.
    fn take_pending(&self, id: &str) -> Result<Option<PendingRequest>, Error>;

    /// Whether grant `id` was revoked.
    ///
    /// # Errors
    /// The store's error.
    fn is_revoked(&self, grant_id: &str) -> Result<bool, Error>;

    /// Revokes grant `id`, durably.
    ///
    /// # Errors
    /// The store's error.
    fn revoke(&self, grant_id: &str) -> Result<(), Error>;
}

/// A [`GrantStore`] in memory: one process, lost on restart.
#[derive(Debug, Default)]
pub struct MemoryGrantStore {
    pending: Mutex<HashMap<String, PendingRequest>>,
    revoked: Mutex<HashSet<String>>,
}

impl MemoryGrantStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl GrantStore for MemoryGrantStore {
    fn add_pending(
        &self,
        id: &str,
        request: &PendingRequest,
        expired_before: i64,
    ) -> Result<(), Error> {
        let mut map = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, p| p.requested_at >= expired_before);
        map.insert(id.to_owned(), request.clone());
        Ok(())
    }

    fn pending(&self, id: &str) -> Result<Option<PendingRequest>, Error> {
        Ok(self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned())
    }

    fn take_pending(&self, id: &str) -> Result<Option<PendingRequest>, Error> {
        Ok(self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id))
    }

    fn is_revoked(&self, grant_id: &str) -> Result<bool, Error> {
        Ok(self
            .revoked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(grant_id))
    }

    fn revoke(&self, grant_id: &str) -> Result<(), Error> {
        self.revoked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(grant_id.to_owned());
        Ok(())
    }
}

/// What the guard asks of break-glass state, over a [`GrantStore`].
pub(crate) struct Grants(pub(crate) Arc<dyn GrantStore>);

impl Grants {
    /// Keeps a request (expired ones, older than `ttl` seconds at `now`, may be dropped).
    pub(crate) fn add_pending(
        &self,
        pending: PendingRequest,
        now: i64,
        ttl: i64,
    ) -> Result<RequestId, Error> {
        let id = random_id("req");
        self.0.add_pending(&id, &pending, now.saturating_sub(ttl))?;
        Ok(RequestId(id))
    }

    /// A pending request: `Ok(None)` if unknown, `Err(None)` if it expired (it is dropped),
    /// `Err(Some(e))` if the store failed.
    pub(crate) fn pending(
        &self,
        id: &RequestId,
        now: i64,
        ttl: i64,
    ) -> Result<Option<PendingRequest>, Option<Error>> {
        match self.0.pending(&id.0).map_err(Some)? {
            Some(p) if now.saturating_sub(p.requested_at) > ttl => {
                self.0.take_pending(&id.0).map_err(Some)?;
                Err(None)
            }
            found => Ok(found),
        }
    }

    pub(crate) fn take_pending(&self, id: &RequestId) -> Result<Option<PendingRequest>, Error> {
        self.0.take_pending(&id.0)
    }

    /// Whether a grant was revoked; a store that cannot answer counts as revoked (fail
    /// closed: a grant is a privilege).
    pub(crate) fn is_revoked(&self, grant_id: &str) -> bool {
        self.0.is_revoked(grant_id).unwrap_or(true)
    }

    pub(crate) fn revoke(&self, grant_id: &str) -> Result<(), Error> {
        self.0.revoke(grant_id)
    }
}
