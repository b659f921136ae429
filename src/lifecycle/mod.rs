//! The data lifecycle's records in the store: when each subject's data of each record type was
//! made and last used (or the date the application gave), legal holds, and the deletion
//! register — one personal-data-free entry per erasure (by request, by retention, by key
//! destruction) that lets an auditor prove "this subject's data was deleted on this date, and
//! why" without the data.
//!
//! The guard writes and reads these through [`LifecycleStore`]; the store engines keep them
//! (`subject_activity`, `legal_holds`, `deletions` in SQLite, `piiguard_…` in PostgreSQL), and
//! [`MemoryLifecycleStore`] keeps them in memory.

mod memory;

pub use crate::generalize::Generalize;
pub use memory::MemoryLifecycleStore;

use crate::error::Error;

/// One subject's data of one record type: when it was first and last stored, and the date the
/// application gave for its retention, if any (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Activity {
    /// The tenant ("" for none).
    pub tenant: String,
    /// The subject's id.
    pub subject: String,
    /// The record type's stable name.
    pub record: String,
    /// The classes and sensitivities the record type holds (`email,personal,card_number,…`).
    pub classes: String,
    /// When it was first stored.
    pub created: i64,
    /// When it was last stored.
    pub last: i64,
    /// The date the application gave.
    pub given: Option<i64>,
}

impl Activity {
    /// A row naming what an erasure without a subject erased (a key version).
    pub(crate) fn named(what: &str) -> Self {
        Self {
            tenant: String::new(),
            subject: String::new(),
            record: what.to_owned(),
            classes: String::new(),
            created: 0,
            last: 0,
            given: None,
        }
    }
}

/// One erasure in the deletion register. It holds no personal data: the subject is a keyed
/// pseudonym (the guard computes it again from the id, for an auditor's question).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deletion {
    /// The entry's id: the same erasure always has the same id, so a resumed sweep or a
    /// repeated request never writes it twice.
    pub id: String,
    /// The tenant ("" for none).
    pub tenant: String,
    /// The subject's pseudonym ("" for a key destruction, which erases everyone under it).
    pub subject: String,
    /// The record types erased, comma-separated ("" when none were tracked).
    pub records: String,
    /// The classes erased, comma-separated.
    pub classes: String,
    /// `request`, `retention` or `key_destruction`.
    pub reason: String,
    /// The policy in force.
    pub policy_version: String,
    /// When (Unix seconds).
    pub at: i64,
    /// Who, or which job.
    pub actor: String,
}

/// Where the lifecycle's records are kept, per region.
pub trait LifecycleStore: Send + Sync {
    /// Records that `subject`'s data of `record` was stored at `at` (first or again), holding
    /// `classes`; `given` sets the application's date.
    ///
    /// # Errors
    /// The store's errors.
    #[allow(clippy::too_many_arguments)]
    fn touch(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
        record: &str,
        classes: &str,
        at: i64,
        given: Option<i64>,
    ) -> Result<(), Error>;

    /// Up to `limit` activity rows after `after` (tenant, subject, record), in that order.
    ///
    /// # Errors
    /// The store's errors.
    fn activity_after(
        &self,
        region: &str,
        after: Option<(&str, &str, &str)>,
        limit: usize,
    ) -> Result<Vec<Activity>, Error>;

    /// One subject's rows.
    ///
    /// # Errors
    /// The store's errors.
    fn activity_of(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
    ) -> Result<Vec<Activity>, Error>;

    /// Deletes one subject's rows (after its erasure is in the register).
    ///
    /// # Errors
    /// The store's errors.
    fn forget_activity(&self, region: &str, tenant: &str, subject: &str) -> Result<(), Error>;

    /// Puts a legal hold on a subject (`Some(reason)`) or lifts it (`None`).
    ///
    /// # Errors
    /// The store's errors.
    fn set_hold(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<(), Error>;

    /// The reason of a subject's legal hold, if it has one.
    ///
    /// # Errors
    /// The store's errors.
    fn hold(&self, region: &str, tenant: &str, subject: &str) -> Result<Option<String>, Error>;

    /// Writes `deletion` unless an entry with its id exists; whether it was written.
    ///
    /// # Errors
    /// The store's errors.
    fn record_deletion(&self, region: &str, deletion: &Deletion) -> Result<bool, Error>;

    /// The register's entries for a subject's pseudonym (all subjects with `None`), oldest
    /// first, at most `limit`.
    ///
    /// # Errors
    /// The store's errors.
    fn deletions(
        &self,
        region: &str,
        subject: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Deletion>, Error>;
}
