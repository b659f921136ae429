//! [`SqliteAudit`]: the audit trail in the SQLite store — one hash chain for every process,
//! serialized by the database: each event is chained to the last stored one inside the
//! transaction that stores it, so N writers make one chain with no fork, gap or duplicate.

use super::SqliteStore;
use crate::audit::{
    AuditEvent, AuditSink, Chain, ChainHead, ChainReport, GroupCommit, verify_paged,
};
use crate::error::Error;
use crate::keys::Keyring;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::fmt;

/// The audit trail in the store's `audit_events` table, one row per chained line (the same
/// lines as the JSON-lines file: [`export_jsonl`](Self::export_jsonl) writes one that
/// [`verify_jsonl`](crate::audit::verify_jsonl) checks).
///
/// ```
/// use piiguard::audit::AuditSink;
/// use piiguard::keys::{Environment, Keyring};
/// use piiguard::store::SqliteStore;
///
/// let keyring = Keyring::in_memory(Environment::Dev);
/// let audit = SqliteStore::in_memory()?.audit(&keyring)?;
/// assert_eq!(audit.verify()?.map(|r| r.events), Some(0));
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct SqliteAudit {
    store: SqliteStore,
    keyring: Keyring,
    group: GroupCommit,
}

impl fmt::Debug for SqliteAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteAudit")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

fn audit_failed(reason: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |_| Error::Audit { reason }
}

impl SqliteStore {
    /// The store's audit trail, chained under `keyring`'s integrity key; it writes through a
    /// connection of its own, so an event's commit does not hold up key lookups.
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read; [`Error::AuditChain`] if its last event
    /// does not verify.
    pub fn audit(&self, keyring: &Keyring) -> Result<SqliteAudit, Error> {
        let store = self.sibling()?;
        let chain = match last_line(&store)? {
            Some((_, line)) => Chain::resume(keyring, &line)?,
            None => Chain::start(keyring)?,
        };
        Ok(SqliteAudit {
            store,
            keyring: keyring.clone(),
            group: GroupCommit::new(chain),
        })
    }
}

fn last_line(store: &SqliteStore) -> Result<Option<(u64, String)>, Error> {
    store
        .conn()
        .prepare_cached("SELECT seq, line FROM audit_events ORDER BY seq DESC LIMIT 1")
        .and_then(|mut stmt| {
            stmt.query_row([], |row| {
                Ok((
                    u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                    row.get(1)?,
                ))
            })
            .optional()
        })
        .map_err(audit_failed("cannot read the audit table"))
}

/// How many times an event is chained again when other writers keep getting in first.
const ATTEMPTS: usize = 1000;

impl SqliteAudit {
    /// The stored lines, in order (what [`verify`](AuditSink::verify) checks).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn lines(&self) -> Result<Vec<String>, Error> {
        let conn = self.store.conn();
        let mut statement = conn
            .prepare("SELECT line FROM audit_events ORDER BY seq")
            .map_err(audit_failed("cannot read the audit table"))?;
        statement
            .query_map([], |row| row.get(0))
            .map_err(audit_failed("cannot read the audit table"))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(audit_failed("cannot read the audit table"))
    }

    /// At most `limit` stored lines after event number `after` (0: from the first), in order,
    /// each with its number: a trail read in pages, or followed as it grows (`piiguard audit
    /// tail -f`).
    ///
    /// ```
    /// use piiguard::store::SqliteStore;
    /// use piiguard::keys::KekSource;
    /// use piiguard::{Guard, Policy, Principal};
    ///
    /// let dir = std::env::temp_dir().join(format!("pg-doc-after-{}", std::process::id()));
    /// let store = SqliteStore::open(dir.join("store.db"))?;
    /// let guard = Guard::shared(store.clone(), KekSource::passphrase("correct horse"))?
    ///     .policy(Policy::starter())
    ///     .build()?;
    /// let stranger = Principal::new("stranger");
    /// assert!(guard.forget_subject(&stranger, &"customer-1").is_err()); // denied, audited
    /// let audit = store.audit(guard.keyring())?;
    /// let page = audit.lines_after(0, 10)?;
    /// assert_eq!(page.len(), 1);
    /// assert_eq!(page[0].0, 1);
    /// assert!(page[0].1.contains("subject_erasure"));
    /// assert!(audit.lines_after(1, 10)?.is_empty());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn lines_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, String)>, Error> {
        let conn = self.store.conn();
        let mut statement = conn
            .prepare_cached(
                "SELECT seq, line FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(audit_failed("cannot read the audit table"))?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        statement
            .query_map(params![after, limit], |row| {
                Ok((
                    u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                    row.get(1)?,
                ))
            })
            .map_err(audit_failed("cannot read the audit table"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(audit_failed("cannot read the audit table"))
    }

    /// The number of the last stored event (0 for an empty trail).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn last_seq(&self) -> Result<u64, Error> {
        let conn = self.store.conn();
        conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM audit_events",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map(|seq| u64::try_from(seq).unwrap_or(0))
        .map_err(audit_failed("cannot read the audit table"))
    }

    /// Records `events`, in order, chained and stored in one transaction: a bulk writer's way
    /// (an import, a generated trail) to the throughput of one commit for many events. Other
    /// writers' events go before or after the whole batch, never inside it.
    ///
    /// # Errors
    /// As [`AuditSink::record`]: nothing of the batch is stored then.
    pub fn record_all(&self, events: &[AuditEvent]) -> Result<(), Error> {
        self.group
            .record_all(events, |chain, events| self.store_batch(chain, events))
    }

    /// Writes the trail as a JSON-lines file (the same chained lines), for archiving or for
    /// [`verify_jsonl`](crate::audit::verify_jsonl) elsewhere.
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read; I/O errors.
    pub fn export_jsonl(&self, path: impl AsRef<std::path::Path>) -> Result<u64, Error> {
        let lines = self.lines()?;
        let mut text = String::new();
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        crate::fs::write_atomic(path.as_ref(), text.as_bytes())?;
        Ok(lines.len() as u64)
    }

    /// Verifies the whole trail, and that it reaches `expected` (a head reported earlier and
    /// kept where the trail's writers cannot change it): rows cut off its end are refused with
    /// [`ChainProblem::Truncated`](crate::ChainProblem::Truncated).
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad row; [`Error::Audit`] if the table cannot be
    /// read.
    pub fn verify_reaching(&self, expected: Option<&ChainHead>) -> Result<ChainReport, Error> {
        self.verify_each(expected, |_, _| {})
    }

    /// Verifies the whole trail as [`verify_reaching`](Self::verify_reaching) does, reading it
    /// in pages (memory bounded by a page, whatever the trail's length), and calls `each` with
    /// every verified event in order: an analysis of the trail (`piiguard audit report`) sees
    /// only events whose chain holds. When the chain breaks, `each` has seen the events before
    /// the break.
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad row; [`Error::Audit`] if the table cannot be
    /// read.
    pub fn verify_each(
        &self,
        expected: Option<&ChainHead>,
        each: impl FnMut(u64, &AuditEvent),
    ) -> Result<ChainReport, Error> {
        verify_paged(
            &self.keyring,
            expected,
            |after, limit| self.lines_after(after, limit),
            each,
        )
    }

    /// Chains and stores one batch of events in one transaction, chaining again from the
    /// stored head while other processes' events get in first.
    fn store_batch(&self, chain: &mut Chain, events: &[AuditEvent]) -> Result<(), Error> {
        for _ in 0..ATTEMPTS {
            if self.try_record(chain, events)?.is_some() {
                return Ok(());
            }
        }
        Err(Error::Audit {
            reason: "other writers kept getting in first",
        })
    }

    /// Tries once to chain `events` to the stored head and store them: `Ok(None)` when another
    /// writer's event is the head now (`chain` is then moved on to it).
    fn try_record(&self, chain: &mut Chain, events: &[AuditEvent]) -> Result<Option<()>, Error> {
        let behind = {
            let mut conn = self.store.conn();
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(audit_failed(
                    "cannot start a transaction on the audit table",
                ))?;
            let head: Option<(i64, String)> = tx
                .prepare_cached("SELECT seq, line FROM audit_events ORDER BY seq DESC LIMIT 1")
                .and_then(|mut stmt| {
                    stmt.query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
                        .optional()
                })
                .map_err(audit_failed("cannot read the audit table"))?;
            let stored = head.as_ref().map_or(0, |(seq, _)| *seq);
            if u64::try_from(stored).ok() == Some(chain.head().seq) {
                let position = chain.position();
                let stored = Self::insert(&tx, chain, events, stored)
                    .and_then(|()| tx.commit().map_err(audit_failed("cannot store the event")));
                if let Err(e) = stored {
                    // Not stored: the next events take these ones' places in the chain.
                    chain.restore(position);
                    return Err(e);
                }
                return Ok(Some(()));
            }
            head
        };
        // Another writer's event is the head: verify it and chain on from it (outside the
        // transaction, since verifying may ask the keyring, which may ask the store).
        match behind {
            Some((_, line)) => *chain = Chain::resume(&self.keyring, &line)?,
            None => *chain = Chain::start(&self.keyring)?,
        }
        Ok(None)
    }

    /// Seals each event on the chain and inserts it after row `stored`.
    fn insert(
        tx: &rusqlite::Transaction<'_>,
        chain: &mut Chain,
        events: &[AuditEvent],
        stored: i64,
    ) -> Result<(), Error> {
        let mut insert = tx
            .prepare_cached("INSERT INTO audit_events (seq, line) VALUES (?1, ?2)")
            .map_err(audit_failed("cannot store the event"))?;
        for (seq, event) in (stored + 1..).zip(events) {
            let line = chain.seal(event)?;
            insert
                .execute(params![seq, line])
                .map_err(audit_failed("cannot store the event"))?;
        }
        Ok(())
    }
}

impl AuditSink for SqliteAudit {
    /// Records `event` durably (a `synchronous = FULL` commit) before returning. Events that
    /// threads record while a commit is under way go into the next commit together: one sync
    /// for all of them.
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        self.group
            .record(event, |chain, events| self.store_batch(chain, events))
    }

    fn chain_head(&self) -> Option<ChainHead> {
        Some(self.group.head())
    }

    /// Verifies the whole trail, every writer's events, and that it still reaches the last
    /// event this instance wrote.
    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        let head = self.chain_head();
        self.verify_reaching(head.as_ref()).map(Some)
    }
}
