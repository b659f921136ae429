//! [`SqliteAudit`]: the audit trail in the SQLite store — one hash chain per writer (each
//! opened trail is a writer of its own, so processes never chain onto each other's events),
//! and signed checkpoints binding every writer's head at intervals. A batch of events, with
//! the monitor's counts of those that carry them, is one write transaction: one sync.

use super::SqliteStore;
use crate::audit::{
    AuditEvent, AuditSink, Chain, ChainHead, ChainReport, Entry, GroupCommit, Row, Stored, Tallied,
    Tally, WriterHead, line_hash, mac_of, seal_checkpoint, verify_trail,
};
use crate::clock::{Pace, now_unix_ms as now_ms};
use crate::error::Error;
use crate::keys::Keyring;
use crate::token::TokenEntry;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::fmt;
use std::time::Duration;

/// How often a writer makes sure a checkpoint binds the trail's heads.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);

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
    /// When this writer last made sure of a checkpoint.
    checked: Pace,
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
    /// The store's audit trail, chained under `keyring`'s integrity key as a writer of its
    /// own; it writes through a connection of its own, so an event's commit does not hold up
    /// key lookups.
    ///
    /// # Errors
    /// [`Error::Audit`] if the store cannot be opened again; the keyring's errors.
    pub fn audit(&self, keyring: &Keyring) -> Result<SqliteAudit, Error> {
        Ok(SqliteAudit {
            store: self.sibling()?,
            keyring: keyring.clone(),
            group: GroupCommit::new(Chain::new_writer(keyring)?),
            checked: Pace::due_now(CHECKPOINT_EVERY),
        })
    }
}

impl SqliteAudit {
    /// The stored lines, in order (what [`verify`](AuditSink::verify) checks).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn lines(&self) -> Result<Vec<String>, Error> {
        self.all_lines(
            "SELECT line FROM audit_events ORDER BY seq",
            "cannot read the audit table",
        )
    }

    /// Every line `query` selects, in its order; `failed` says what could not be read.
    fn all_lines(&self, query: &str, failed: &'static str) -> Result<Vec<String>, Error> {
        let conn = self.store.conn();
        let mut statement = conn.prepare(query).map_err(audit_failed(failed))?;
        statement
            .query_map([], |row| row.get(0))
            .map_err(audit_failed(failed))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(audit_failed(failed))
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
    /// assert!(guard.admin(&stranger).forget_subject(&"customer-1").is_err()); // denied, audited
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
        Ok(self
            .rows_after(after, limit)?
            .into_iter()
            .map(|(seq, _, line)| (seq, line))
            .collect())
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
    /// (an import, a generated trail) to the throughput of one commit for many events.
    ///
    /// # Errors
    /// As [`AuditSink::record`]: nothing of the batch is stored then.
    pub fn record_all(&self, events: &[AuditEvent]) -> Result<(), Error> {
        let entries: Vec<Entry> = events
            .iter()
            .map(|event| Entry::Event {
                event: Box::new(event.clone()),
                tally: None,
            })
            .collect();
        self.group
            .record_all(&entries, |chain, entries| self.store_batch(chain, entries))?;
        self.checkpoint_if_due();
        Ok(())
    }

    /// Writes the trail as a JSON-lines file (the same chained lines, every writer's, in the
    /// order they were stored), for archiving or for
    /// [`verify_jsonl`](crate::audit::verify_jsonl) elsewhere, which verifies each writer's
    /// chain (the checkpoints stay in the store).
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

    /// Verifies the whole trail, and that it still holds `expected` (a checkpoint's head,
    /// reported earlier by [`checkpoint`](Self::checkpoint) and kept where the trail's writers
    /// cannot change it): checkpoints cut off its end are refused with
    /// [`ChainProblem::Truncated`](crate::audit::ChainProblem::Truncated).
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad row; [`Error::Audit`] if the table cannot be
    /// read.
    pub fn verify_reaching(&self, expected: Option<&ChainHead>) -> Result<ChainReport, Error> {
        self.verify_each(expected, |_, _| {})
    }

    /// Verifies the whole trail as [`verify_reaching`](Self::verify_reaching) does — the
    /// checkpoints, then every writer's chain in one pass over the rows in the order they were
    /// stored (memory bounded by a page and the number of writers) — and calls `each` with
    /// every verified event and its storage number: an analysis of the trail (`piiguard audit
    /// report`) sees only events whose chain holds. When a chain breaks, `each` has seen the
    /// events before the break.
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad row; [`Error::Audit`] if the table cannot be
    /// read.
    pub fn verify_each(
        &self,
        expected: Option<&ChainHead>,
        each: impl FnMut(u64, &AuditEvent),
    ) -> Result<ChainReport, Error> {
        let checkpoints = self.checkpoints()?;
        verify_trail(
            &self.keyring,
            checkpoints.into_iter().map(Ok),
            expected,
            |after, limit| self.rows_after(after, limit),
            each,
        )
    }

    /// The checkpoint lines, in order.
    fn checkpoints(&self) -> Result<Vec<String>, Error> {
        self.all_lines(
            "SELECT line FROM audit_checkpoints ORDER BY seq",
            "cannot read the audit checkpoints",
        )
    }

    /// At most `limit` rows after storage number `after`, with their writers.
    fn rows_after(&self, after: u64, limit: usize) -> Result<Vec<Row>, Error> {
        let conn = self.store.conn();
        let mut statement = conn
            .prepare_cached(
                "SELECT seq, writer, line FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(audit_failed("cannot read the audit table"))?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        statement
            .query_map(params![after, limit], |row| {
                Ok((
                    u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                    row.get(1)?,
                    row.get(2)?,
                ))
            })
            .map_err(audit_failed("cannot read the audit table"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(audit_failed("cannot read the audit table"))
    }

    /// Binds every writer's head in a new signed checkpoint, unless no writer moved since the
    /// last one, and returns the last checkpoint's head: keep it where the trail's writers
    /// cannot change it, and hand it to [`verify_reaching`](Self::verify_reaching) later.
    /// Writers make one on their own every minute while they write.
    ///
    /// ```
    /// use piiguard::audit::AuditSink;
    /// use piiguard::keys::{Environment, Keyring};
    /// use piiguard::store::SqliteStore;
    ///
    /// let keyring = Keyring::in_memory(Environment::Dev);
    /// let store = SqliteStore::in_memory()?;
    /// let audit = store.audit(&keyring)?;
    /// let head = audit.checkpoint()?;
    /// assert_eq!(audit.verify_reaching(Some(&head))?.unsealed, 0);
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Audit`] if the store fails; the keyring's errors.
    pub fn checkpoint(&self) -> Result<ChainHead, Error> {
        // The key first: deriving it may ask the store, outside the transaction.
        let key = self.keyring.checkpoint_key()?;
        let failed = audit_failed("cannot write an audit checkpoint");
        let mut conn = self.store.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(audit_failed("cannot write an audit checkpoint"))?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, line FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(audit_failed("cannot read the audit checkpoints"))?;
        let heads = Self::moved_heads(&tx).map_err(audit_failed("cannot read the audit heads"))?;
        let (seq, prev) = last.as_ref().map_or((1, [0; 32]), |(seq, line)| {
            (u64::try_from(*seq).unwrap_or(0) + 1, line_hash(line))
        });
        if heads.is_empty() {
            return Ok(ChainHead {
                seq: seq - 1,
                mac: crate::codec::hex32(&prev),
            });
        }
        let time = crate::audit::timestamp(time::OffsetDateTime::now_utc());
        let line = seal_checkpoint(&key, seq, prev, &time, &heads)?;
        tx.execute(
            "INSERT INTO audit_checkpoints (seq, at_ms, line) VALUES (?1, ?2, ?3)",
            params![i64::try_from(seq).unwrap_or(i64::MAX), now_ms(), line],
        )
        .map_err(audit_failed("cannot write an audit checkpoint"))?;
        let mut sealed = tx
            .prepare_cached("UPDATE audit_writers SET sealed = ?2 WHERE writer = ?1")
            .map_err(audit_failed("cannot write an audit checkpoint"))?;
        for head in &heads {
            sealed
                .execute(params![
                    head.writer,
                    i64::try_from(head.seq).unwrap_or(i64::MAX)
                ])
                .map_err(audit_failed("cannot write an audit checkpoint"))?;
        }
        drop(sealed);
        tx.commit().map_err(failed)?;
        Ok(ChainHead {
            seq,
            mac: crate::codec::hex32(&line_hash(&line)),
        })
    }

    /// The heads of the writers whose chains moved since the last checkpoint.
    fn moved_heads(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<Vec<WriterHead>> {
        let mut statement = tx.prepare_cached(
            "SELECT w.writer, e.wseq, e.line FROM audit_writers w
             JOIN audit_events e ON e.writer = w.writer
              AND e.wseq = (SELECT MAX(wseq) FROM audit_events WHERE writer = w.writer)
             WHERE e.wseq > w.sealed ORDER BY w.writer",
        )?;
        let rows = statement.query_map([], |row| {
            let line: String = row.get(2)?;
            Ok(WriterHead {
                writer: row.get(0)?,
                seq: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                mac: mac_of(&line).unwrap_or_default().to_owned(),
            })
        })?;
        rows.collect()
    }

    /// Makes a checkpoint when this writer has not made sure of one for a while (and the last
    /// one is as old): a failure leaves the events unsealed until the next, and is not the
    /// event's failure (the event is stored).
    fn checkpoint_if_due(&self) {
        let _ = self.checked.run(|| {
            let recent = self
                .store
                .conn()
                .query_row(
                    "SELECT COALESCE(MAX(at_ms), 0) FROM audit_checkpoints",
                    [],
                    |row| row.get::<_, i64>(0),
                )
                .is_ok_and(|at| {
                    now_ms().saturating_sub(at)
                        < i64::try_from(CHECKPOINT_EVERY.as_millis()).unwrap_or(i64::MAX)
                });
            if !recent {
                // A failure is not retried before the next turn: the events are stored.
                let _ = self.checkpoint();
            }
            Ok::<(), ()>(())
        });
    }

    /// Chains and stores one batch in one transaction: each entry's tally taken (an entry
    /// whose tally is refused is left out), then its event chained and inserted; a token's
    /// row inserted unless its id is taken.
    fn store_batch(&self, chain: &mut Chain, entries: &[Entry]) -> Result<Vec<Stored>, Error> {
        let position = chain.position();
        let stored = self.try_store(chain, entries);
        if stored.is_err() {
            // Not stored: the next events take these ones' places in the chain.
            chain.restore(position);
        }
        stored
    }

    fn try_store(&self, chain: &mut Chain, entries: &[Entry]) -> Result<Vec<Stored>, Error> {
        let failed = audit_failed("cannot store the event");
        let mut conn = self.store.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(audit_failed(
                "cannot start a transaction on the audit table",
            ))?;
        if chain.head().seq == 0 {
            tx.execute(
                "INSERT OR IGNORE INTO audit_writers (writer, started) VALUES (?1, ?2)",
                params![chain.writer(), now_ms()],
            )
            .map_err(audit_failed("cannot register the audit writer"))?;
        }
        let mut outcomes = Vec::with_capacity(entries.len());
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO audit_events (writer, wseq, line) VALUES (?1, ?2, ?3)")
                .map_err(audit_failed("cannot store the event"))?;
            for entry in entries {
                let (event, tally) = match entry {
                    Entry::Event { event, tally } => (event, tally),
                    Entry::Token(token) => {
                        let row = super::token_table::insert_in(&tx, token)?;
                        outcomes.push(Stored::Token(Box::new(row)));
                        continue;
                    }
                };
                let before = match tally {
                    Some(tally) => match super::counters::take_tally(&tx, tally)
                        .map_err(audit_failed("cannot count an access"))?
                    {
                        Some(before) => before,
                        None => {
                            outcomes.push(Stored::Refused);
                            continue;
                        }
                    },
                    None => Vec::new(),
                };
                let line = chain.seal(event)?;
                let wseq = i64::try_from(chain.head().seq).unwrap_or(i64::MAX);
                insert
                    .execute(params![chain.writer(), wseq, line])
                    .map_err(audit_failed("cannot store the event"))?;
                outcomes.push(Stored::Event(before));
            }
        }
        tx.commit().map_err(failed)?;
        Ok(outcomes)
    }
}

impl AuditSink for SqliteAudit {
    /// Records `event` durably (a `synchronous = FULL` commit) before returning. Events that
    /// threads record while a commit is under way go into the next commit together: one sync
    /// for all of them.
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        let entry = Entry::Event {
            event: Box::new(event.clone()),
            tally: None,
        };
        self.group
            .record(entry, |chain, entries| self.store_batch(chain, entries))?;
        self.checkpoint_if_due();
        Ok(())
    }

    /// The monitor's counts and the event in one transaction, batched with the other threads'
    /// events as [`record`](Self::record) is.
    fn record_tallied(&self, event: &AuditEvent, tally: &Tally) -> Result<Tallied, Error> {
        let entry = Entry::Event {
            event: Box::new(event.clone()),
            tally: Some(tally.clone()),
        };
        let stored = self
            .group
            .record(entry, |chain, entries| self.store_batch(chain, entries))?;
        self.checkpoint_if_due();
        Ok(match stored {
            Stored::Event(before) => Tallied::Recorded(before),
            _ => Tallied::Refused,
        })
    }

    /// The token's row in the next batch's transaction, sharing its sync with the other
    /// threads' events.
    fn store_token(&self, entry: &TokenEntry) -> Result<Option<TokenEntry>, Error> {
        let stored = self
            .group
            .record(Entry::Token(Box::new(entry.clone())), |chain, entries| {
                self.store_batch(chain, entries)
            })?;
        match stored {
            Stored::Token(row) => Ok(Some(*row)),
            _ => Err(Error::Audit {
                reason: "the audit writer lost a token",
            }),
        }
    }

    /// A new checkpoint's head (see [`checkpoint`](SqliteAudit::checkpoint)); `None` if it
    /// cannot be written.
    fn chain_head(&self) -> Option<ChainHead> {
        self.checkpoint().ok()
    }

    /// Verifies the whole trail: the checkpoints and every writer's chain.
    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        self.verify_reaching(None).map(Some)
    }
}
