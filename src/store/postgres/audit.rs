//! [`PgAudit`]: the audit trail in PostgreSQL — one hash chain per writer, and signed
//! checkpoints binding every writer's head at intervals. An instance writes through as many
//! writers as it has connections, so its events never wait for another writer's, in this
//! process or another host: each event, with the monitor's counts of it, is one call of
//! `piiguard_audit_record` — one round trip, one commit — and PostgreSQL's group commit
//! shares the WAL flush among the callers.

use super::PgStore;
use crate::audit::{
    AuditEvent, AuditSink, Chain, ChainHead, ChainReport, Row, Tallied, Tally, WriterHead,
    line_hash, seal_checkpoint, verify_trail,
};
use crate::clock::{Pace, now_unix_ms as now_ms};
use crate::error::Error;
use crate::keys::Keyring;
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How often an instance makes sure a checkpoint binds the trail's heads.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);

/// The advisory lock that one checkpointer at a time holds.
const CHECKPOINT_LOCK: i64 = 0x7069_6967_7561_7264; // "piiguard"

const RECORD: &str = "SELECT piiguard_audit_record($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The writers' chains not in use, and how many exist.
struct Writers {
    free: Vec<Chain>,
    made: usize,
}

/// The audit trail in `piiguard_audit_events`, one row per chained line (the same lines as the
/// JSON-lines file), each writer's numbered on its own.
pub struct PgAudit {
    store: PgStore,
    keyring: Keyring,
    writers: Mutex<Writers>,
    returned: Condvar,
    /// When this instance last made sure of a checkpoint.
    checked: Pace,
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

/// A read of the trail that failed: the cause when an operator can act on it (a missing grant,
/// the connection), an audit error otherwise.
fn read_failed<E: Into<super::RunError>>(reason: &'static str) -> impl Fn(E) -> Error + Copy {
    move |e| match e.into().into_error(reason) {
        Error::KeyStore { reason } => Error::Audit { reason },
        other => other,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PgStore {
    /// The store's audit trail, chained under `keyring`'s integrity key, through writers of its
    /// own (up to one per connection).
    ///
    /// # Errors
    /// The keyring's errors.
    pub fn audit(&self, keyring: &Keyring) -> Result<PgAudit, Error> {
        // The integrity key must be there before any event is recorded.
        drop(Chain::start(keyring)?);
        Ok(PgAudit {
            store: self.clone(),
            keyring: keyring.clone(),
            writers: Mutex::new(Writers {
                free: Vec::new(),
                made: 0,
            }),
            returned: Condvar::new(),
            checked: Pace::due_now(CHECKPOINT_EVERY),
        })
    }
}

impl PgAudit {
    /// The stored lines, every writer's, in the order they were stored (needs `SELECT` on
    /// `piiguard_audit_events`: an auditor's role, not the service's).
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
            .map_err(read_failed("cannot read the audit table"))
    }

    /// At most `limit` stored lines after storage number `after` (0: from the first), in the
    /// order they were stored, each with its number (needs `SELECT` on
    /// `piiguard_audit_events`). Writers commit concurrently: an event may become visible
    /// after one with a higher number (`piiguard audit tail` looks back for those).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn lines_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, String)>, Error> {
        let (after, limit) = (to_i64(after), to_i64(limit as u64));
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
            .map_err(read_failed("cannot read the audit table"))
    }

    /// The storage number of the last stored event (0 for an empty trail).
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
            .map_err(read_failed("cannot read the audit table"))
    }

    /// Records `events`, in order, chained by one writer and stored in one transaction: a bulk
    /// writer's way (an import, a generated trail) to the throughput of one commit for many
    /// events.
    ///
    /// # Errors
    /// As [`AuditSink::record`]: nothing of the batch is stored then.
    pub fn record_all(&self, events: &[AuditEvent]) -> Result<(), Error> {
        self.with_writer(|chain| {
            let mut lines = Vec::with_capacity(events.len());
            for event in events {
                lines.push((to_i64(chain.head().seq + 1), chain.seal(event)?));
            }
            let writer = chain.writer().to_owned();
            self.store
                .run(move |client| {
                    let mut tx = client.transaction()?;
                    let record = tx.prepare(RECORD)?;
                    let none: Option<&str> = None;
                    let (tracks, caps): (Vec<String>, Vec<i32>) = (Vec::new(), Vec::new());
                    for (wseq, line) in &lines {
                        tx.query_one(
                            &record,
                            &[
                                &writer,
                                wseq,
                                line,
                                &none,
                                &tracks,
                                &caps,
                                &None::<i32>,
                                &now_ms(),
                                &0i64,
                            ],
                        )?;
                    }
                    tx.commit()
                })
                .map_err(|_| audit_failed("cannot store the event"))
        })?;
        self.checkpoint_if_due();
        Ok(())
    }

    /// Verifies the whole trail, and that it still holds `expected` (a checkpoint's head,
    /// reported earlier by [`checkpoint`](Self::checkpoint) and kept elsewhere).
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad row; [`Error::Audit`] if it cannot be read.
    pub fn verify_reaching(&self, expected: Option<&ChainHead>) -> Result<ChainReport, Error> {
        self.verify_each(expected, |_, _| {})
    }

    /// Verifies the whole trail as [`verify_reaching`](Self::verify_reaching) does — the
    /// checkpoints, then every writer's chain in one pass over the rows in the order they were
    /// stored, all read in one snapshot on a connection of its own, in pages (memory bounded
    /// by a page and the number of writers) — and calls `each` with every verified event and
    /// its storage number. When a chain breaks, `each` has seen the events before the break.
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad row; [`Error::Audit`] if the tables cannot be
    /// read.
    pub fn verify_each(
        &self,
        expected: Option<&ChainHead>,
        each: impl FnMut(u64, &AuditEvent),
    ) -> Result<ChainReport, Error> {
        let unreadable = read_failed::<postgres::Error>("cannot read the audit table");
        let mut client = self.store.connect_own().map_err(unreadable)?;
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(unreadable)?;
        let checkpoints: Vec<String> = tx
            .query(
                "SELECT line FROM piiguard_audit_checkpoints ORDER BY seq",
                &[],
            )
            .map_err(read_failed("cannot read the audit checkpoints"))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let rows = tx
            .prepare(
                "SELECT seq, writer, line FROM piiguard_audit_events WHERE seq > $1 \
                 ORDER BY seq LIMIT $2",
            )
            .map_err(unreadable)?;
        verify_trail(
            &self.keyring,
            checkpoints.into_iter().map(Ok),
            expected,
            |after, limit| {
                let page: Vec<Row> = tx
                    .query(&rows, &[&to_i64(after), &to_i64(limit as u64)])
                    .map_err(read_failed("cannot read the audit table"))?
                    .iter()
                    .map(|row| {
                        (
                            u64::try_from(row.get::<_, i64>(0)).unwrap_or(0),
                            row.get(1),
                            row.get(2),
                        )
                    })
                    .collect();
                Ok(page)
            },
            each,
        )
    }

    /// Binds every writer's head in a new signed checkpoint, unless no writer moved since the
    /// last one (or another instance is making one now), and returns the last checkpoint's
    /// head: keep it where the trail's writers cannot change it. Instances make one on their
    /// own every minute while they write.
    ///
    /// # Errors
    /// [`Error::Audit`] if the store fails; the keyring's errors.
    pub fn checkpoint(&self) -> Result<ChainHead, Error> {
        let key = self.keyring.checkpoint_key()?;
        let time = crate::audit::timestamp(time::OffsetDateTime::now_utc());
        self.store
            .run(move |client| {
                let mut tx = client.transaction()?;
                let locked: bool = tx
                    .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&CHECKPOINT_LOCK])?
                    .get(0);
                let last = tx.query_opt(
                    "SELECT seq, line FROM piiguard_audit_checkpoints ORDER BY seq DESC LIMIT 1",
                    &[],
                )?;
                let (seq, prev) = last.as_ref().map_or((1, [0; 32]), |row| {
                    let seq: i64 = row.get(0);
                    (
                        u64::try_from(seq).unwrap_or(0) + 1,
                        line_hash(row.get::<_, &str>(1)),
                    )
                });
                let heads: Vec<WriterHead> = if locked {
                    tx.query("SELECT writer, wseq, mac FROM piiguard_audit_heads()", &[])?
                        .iter()
                        .map(|row| WriterHead {
                            writer: row.get(0),
                            seq: u64::try_from(row.get::<_, i64>(1)).unwrap_or(0),
                            mac: row.get(2),
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                if heads.is_empty() {
                    return Ok(Ok(ChainHead {
                        seq: seq - 1,
                        mac: crate::codec::hex32(&prev),
                    }));
                }
                let line = match seal_checkpoint(&key, seq, prev, &time, &heads) {
                    Ok(line) => line,
                    Err(e) => return Ok(Err(e)),
                };
                tx.execute(
                    "INSERT INTO piiguard_audit_checkpoints (seq, at_ms, line) VALUES ($1, $2, $3)",
                    &[&to_i64(seq), &now_ms(), &line],
                )?;
                let update =
                    tx.prepare("UPDATE piiguard_audit_writers SET sealed = $2 WHERE writer = $1")?;
                for head in &heads {
                    tx.execute(&update, &[&head.writer, &to_i64(head.seq)])?;
                }
                tx.commit()?;
                Ok(Ok(ChainHead {
                    seq,
                    mac: crate::codec::hex32(&line_hash(&line)),
                }))
            })
            .map_err(|_| audit_failed("cannot write an audit checkpoint"))?
    }

    /// Makes a checkpoint when this instance has not made sure of one for a while (and the
    /// last one is as old). A failure leaves events unsealed until the next one; the events
    /// themselves are stored.
    fn checkpoint_if_due(&self) {
        let _ = self.checked.run(|| {
            let every = to_i64(CHECKPOINT_EVERY.as_millis() as u64);
            let recent = self
                .store
                .run(|client| {
                    Ok(client
                        .query_one(
                            "SELECT COALESCE(MAX(at_ms), 0) FROM piiguard_audit_checkpoints",
                            &[],
                        )?
                        .get::<_, i64>(0))
                })
                .is_ok_and(|at| now_ms().saturating_sub(at) < every);
            if !recent {
                // A failure is not retried before the next turn: the events are stored.
                let _ = self.checkpoint();
            }
            Ok::<(), ()>(())
        });
    }

    /// Runs `work` with a writer's chain to itself: a free one, a new one while there are
    /// fewer than connections, else the next one returned. A chain whose work failed is
    /// retired (whether its last event was stored is not known; its chain ends before or
    /// with it and verifies either way) and a new writer takes its place.
    fn with_writer<T>(
        &self,
        work: impl FnOnce(&mut Chain) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut chain = {
            let mut writers = lock(&self.writers);
            loop {
                if let Some(chain) = writers.free.pop() {
                    break chain;
                }
                if writers.made < self.store.connections() {
                    writers.made += 1;
                    drop(writers);
                    match Chain::new_writer(&self.keyring) {
                        Ok(chain) => break chain,
                        Err(e) => {
                            lock(&self.writers).made -= 1;
                            self.returned.notify_one();
                            return Err(e);
                        }
                    }
                }
                writers = self
                    .returned
                    .wait(writers)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let done = work(&mut chain);
        let mut writers = lock(&self.writers);
        if done.is_ok() {
            writers.free.push(chain);
        } else {
            writers.made -= 1;
        }
        drop(writers);
        self.returned.notify_one();
        done
    }

    /// Stores one event (with a tally, or none) in one call: `None` when the tally was refused
    /// and nothing stored (the chain is then stepped back).
    fn store_one(
        &self,
        event: &AuditEvent,
        tally: Option<&Tally>,
    ) -> Result<Option<Vec<u32>>, Error> {
        let stored = self.with_writer(|chain| {
            let position = chain.position();
            let line = chain.seal(event)?;
            let writer = chain.writer().to_owned();
            let wseq = to_i64(chain.head().seq);
            let (principal, tracks, caps, limit, now, window) = match tally {
                Some(t) => (
                    Some(t.principal.clone()),
                    t.tracks
                        .iter()
                        .map(|(track, _)| track.clone())
                        .collect::<Vec<_>>(),
                    t.tracks
                        .iter()
                        .map(|(_, cap)| i32::try_from(*cap).unwrap_or(i32::MAX))
                        .collect::<Vec<_>>(),
                    t.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)),
                    t.now_ms,
                    t.window_ms,
                ),
                None => (None, Vec::new(), Vec::new(), None, now_ms(), 0),
            };
            let before: Option<Vec<i32>> = self
                .store
                .run_prepared(RECORD, move |client, record| {
                    Ok(client
                        .query_one(
                            record,
                            &[
                                &writer, &wseq, &line, &principal, &tracks, &caps, &limit, &now,
                                &window,
                            ],
                        )?
                        .get(0))
                })
                .map_err(|_| audit_failed("cannot store the event"))?;
            if before.is_none() {
                // Refused: nothing stored, the next event takes this one's place.
                chain.restore(position);
            }
            Ok(before.map(|b| {
                b.into_iter()
                    .map(|n| u32::try_from(n).unwrap_or(0))
                    .collect()
            }))
        })?;
        self.checkpoint_if_due();
        Ok(stored)
    }
}

impl AuditSink for PgAudit {
    /// Records `event` durably before returning: one call, one commit.
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        self.store_one(event, None).map(drop)
    }

    /// The monitor's counts and the event in one statement: one round trip, one commit.
    fn record_tallied(&self, event: &AuditEvent, tally: &Tally) -> Result<Tallied, Error> {
        Ok(self
            .store_one(event, Some(tally))?
            .map_or(Tallied::Refused, Tallied::Recorded))
    }

    /// A new checkpoint's head (see [`checkpoint`](PgAudit::checkpoint)); `None` if it cannot
    /// be written.
    fn chain_head(&self) -> Option<ChainHead> {
        self.checkpoint().ok()
    }

    /// Verifies the whole trail: the checkpoints and every writer's chain (needs `SELECT` on
    /// the audit tables).
    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        self.verify_reaching(None).map(Some)
    }
}
