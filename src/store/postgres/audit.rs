//! [`PgAudit`]: the audit trail in PostgreSQL — one hash chain for the whole fleet,
//! serialized by the database: each event is chained to the head row, locked (`FOR UPDATE`)
//! in the transaction that inserts the event and moves the head on. Writers need `INSERT` on
//! the events table and nothing more there.

use super::PgStore;
use crate::audit::{
    AuditEvent, AuditSink, Chain, ChainHead, ChainReport, GroupCommit, verify_paged,
};
use crate::error::Error;
use crate::keys::Keyring;
use std::fmt;

/// The audit trail in `piiguard_audit_events`, one row per chained line (the same lines as the
/// JSON-lines file).
pub struct PgAudit {
    store: PgStore,
    keyring: Keyring,
    group: GroupCommit,
}

impl fmt::Debug for PgAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgAudit")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

fn audit_failed(reason: &'static str) -> Error {
    Error::Audit { reason }
}

/// How many times an event is chained again when other writers keep getting in first.
const ATTEMPTS: usize = 1000;

impl PgStore {
    /// The store's audit trail, chained under `keyring`'s integrity key.
    ///
    /// # Errors
    /// [`Error::Audit`] if the head cannot be read; [`Error::AuditChain`] if the last event
    /// does not verify.
    pub fn audit(&self, keyring: &Keyring) -> Result<PgAudit, Error> {
        let chain = match self.head()? {
            (_, Some(line)) => Chain::resume(keyring, &line)?,
            (_, None) => Chain::start(keyring)?,
        };
        Ok(PgAudit {
            store: self.clone(),
            keyring: keyring.clone(),
            group: GroupCommit::new(chain),
        })
    }

    fn head(&self) -> Result<(i64, Option<String>), Error> {
        self.run(|client| {
            let row = client.query_one(
                "SELECT seq, line FROM piiguard_audit_head WHERE id = 1",
                &[],
            )?;
            Ok((row.get(0), row.get(1)))
        })
        .map_err(|_| audit_failed("cannot read the audit trail's head"))
    }
}

impl PgAudit {
    /// The stored lines, in order (needs `SELECT` on `piiguard_audit_events`: an auditor's
    /// role, not the service's).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn lines(&self) -> Result<Vec<String>, Error> {
        self.store
            .run(|client| {
                Ok(client
                    .query("SELECT line FROM piiguard_audit_events ORDER BY seq", &[])?
                    .iter()
                    .map(|row| row.get(0))
                    .collect())
            })
            .map_err(|_| audit_failed("cannot read the audit table"))
    }

    /// At most `limit` stored lines after event number `after` (0: from the first), in order,
    /// each with its number (needs `SELECT` on `piiguard_audit_events`).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn lines_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, String)>, Error> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.store
            .run(move |client| {
                Ok(client
                    .query(
                        "SELECT seq, line FROM piiguard_audit_events WHERE seq > $1 \
                         ORDER BY seq LIMIT $2",
                        &[&after, &limit],
                    )?
                    .iter()
                    .map(|row| (u64::try_from(row.get::<_, i64>(0)).unwrap_or(0), row.get(1)))
                    .collect())
            })
            .map_err(|_| audit_failed("cannot read the audit table"))
    }

    /// The number of the last stored event (0 for an empty trail).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn last_seq(&self) -> Result<u64, Error> {
        self.store
            .run(|client| {
                let row = client.query_one(
                    "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM piiguard_audit_events",
                    &[],
                )?;
                Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
            })
            .map_err(|_| audit_failed("cannot read the audit table"))
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

    /// Verifies the whole trail, and that it reaches `expected` (a head kept elsewhere).
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad row; [`Error::Audit`] if it cannot be read.
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
}

impl PgAudit {
    /// Chains and stores one batch of events in one transaction, chaining again from the
    /// stored head while other instances' events get in first.
    fn store_batch(&self, chain: &mut Chain, events: &[AuditEvent]) -> Result<(), Error> {
        for _ in 0..ATTEMPTS {
            let position = chain.position();
            let expected = i64::try_from(chain.head().seq).unwrap_or(i64::MAX);
            let lines = events
                .iter()
                .map(|event| chain.seal(event))
                .collect::<Result<Vec<String>, Error>>();
            let lines = match lines {
                Ok(lines) => lines,
                Err(e) => {
                    chain.restore(position);
                    return Err(e);
                }
            };
            let stored = self.store.run(move |client| {
                let mut tx = client.transaction()?;
                let head = tx.query_one(
                    "SELECT seq, line FROM piiguard_audit_head WHERE id = 1 FOR UPDATE",
                    &[],
                )?;
                if head.get::<_, i64>(0) != expected {
                    return Ok(Some(head.get::<_, Option<String>>(1)));
                }
                let insert =
                    tx.prepare("INSERT INTO piiguard_audit_events (seq, line) VALUES ($1, $2)")?;
                for (seq, line) in (expected + 1..).zip(&lines) {
                    tx.execute(&insert, &[&seq, line])?;
                }
                let last = expected + i64::try_from(lines.len()).unwrap_or(i64::MAX);
                tx.execute(
                    "UPDATE piiguard_audit_head SET seq = $1, line = $2 WHERE id = 1",
                    &[&last, &lines.last()],
                )?;
                tx.commit()?;
                Ok(None)
            });
            match stored {
                Ok(None) => return Ok(()),
                Ok(Some(head)) => {
                    // Another writer's event is the head: verify it and chain on from it.
                    *chain = match head {
                        Some(line) => Chain::resume(&self.keyring, &line)?,
                        None => Chain::start(&self.keyring)?,
                    };
                }
                Err(_) => {
                    // Not stored: the next events take these ones' places in the chain.
                    chain.restore(position);
                    return Err(audit_failed("cannot store the event"));
                }
            }
        }
        Err(audit_failed("other writers kept getting in first"))
    }
}

impl AuditSink for PgAudit {
    /// Records `event` durably before returning. Events that threads record while a commit is
    /// under way go into the next transaction together: one commit for all of them.
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        self.group
            .record(event, |chain, events| self.store_batch(chain, events))
    }

    fn chain_head(&self) -> Option<ChainHead> {
        Some(self.group.head())
    }

    /// Verifies the whole trail, every writer's events, and that it still reaches the last
    /// event this instance wrote (needs `SELECT` on the events table).
    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        let head = self.chain_head();
        self.verify_reaching(head.as_ref()).map(Some)
    }
}
