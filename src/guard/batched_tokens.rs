//! A guard's token store when it is the audit trail's store: a new token's row goes in the
//! trail's next commit, sharing its sync with the events being recorded (a proxy's tokens of
//! the values a third party sent back, among the other requests' events). Everything else goes
//! to the store as it is.

use crate::audit::AuditSink;
use crate::error::Error;
use crate::token::{TokenEntry, TokenStore};
use std::sync::Arc;

pub(super) struct BatchedTokens {
    pub(super) audit: Arc<dyn AuditSink>,
    pub(super) store: Arc<dyn TokenStore>,
}

impl TokenStore for BatchedTokens {
    fn insert_if_absent(&self, entry: TokenEntry) -> Result<TokenEntry, Error> {
        match self.audit.store_token(&entry)? {
            Some(stored) => Ok(stored),
            None => self.store.insert_if_absent(entry),
        }
    }

    fn get(&self, region: &str, tenant: &str, id: &str) -> Result<Option<TokenEntry>, Error> {
        self.store.get(region, tenant, id)
    }

    fn delete_subject(&self, region: &str, tenant: &str, subject: &str) -> Result<u64, Error> {
        self.store.delete_subject(region, tenant, subject)
    }

    fn uses_key(&self, region: &str, key_id: &str, key_version: u32) -> Result<bool, Error> {
        self.store.uses_key(region, key_id, key_version)
    }

    fn sweep_expired(&self, now: i64, limit: usize) -> Result<u64, Error> {
        self.store.sweep_expired(now, limit)
    }
}
