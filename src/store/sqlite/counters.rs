//! The monitor's counts in the SQLite store: one row per principal, track and step of the
//! window ([`Steps`]), so every instance counts the fleet-wide window and a count reads about
//! a hundred rows.

use super::{SqliteStore, failed};
use crate::error::Error;
use crate::monitor::{Counters, Steps};
use rusqlite::{Connection, TransactionBehavior, params};

fn count_in(
    conn: &Connection,
    principal: &str,
    track: &str,
    steps: Steps,
    cap: u32,
) -> rusqlite::Result<u32> {
    let sum: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(n), 0) FROM monitor_counts
             WHERE principal = ?1 AND track = ?2 AND width = ?3 AND bucket >= ?4",
        )?
        .query_row(params![principal, track, steps.width, steps.first], |row| {
            row.get(0)
        })?;
    Ok(u32::try_from(sum).unwrap_or(u32::MAX).min(cap))
}

/// Drops the steps that left the window (and those of another window length).
fn prune_in(conn: &Connection, principal: &str, track: &str, steps: Steps) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM monitor_counts WHERE principal = ?1 AND track = ?2
         AND (width <> ?3 OR bucket < ?4)",
    )?
    .execute(params![principal, track, steps.width, steps.first])?;
    Ok(())
}

fn add_in(conn: &Connection, principal: &str, track: &str, steps: Steps) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO monitor_counts (principal, track, width, bucket, n) VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (principal, track, width, bucket) DO UPDATE SET n = n + 1",
    )?
    .execute(params![principal, track, steps.width, steps.now])?;
    Ok(())
}

impl Counters for SqliteStore {
    fn push(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
        limit: Option<u32>,
    ) -> Result<u32, Error> {
        let steps = Steps::of(now_ms, window_ms);
        let mut conn = self.counts_conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("cannot start a transaction on the store"))?;
        prune_in(&tx, principal, track, steps).map_err(failed("cannot drop old counts"))?;
        let before = count_in(&tx, principal, track, steps, cap).map_err(failed("cannot count"))?;
        if limit.is_some_and(|l| before >= l) {
            return Ok(before);
        }
        add_in(&tx, principal, track, steps).map_err(failed("cannot count an access"))?;
        tx.commit().map_err(failed("cannot commit a count"))?;
        Ok(before)
    }

    fn count(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
    ) -> Result<u32, Error> {
        count_in(
            &self.counts_conn(),
            principal,
            track,
            Steps::of(now_ms, window_ms),
            cap,
        )
        .map_err(failed("cannot count"))
    }

    fn block(&self, principal: &str) -> Result<bool, Error> {
        self.counts_conn()
            .execute(
                "INSERT OR IGNORE INTO monitor_blocks (principal) VALUES (?1)",
                [principal],
            )
            .map(|added| added == 1)
            .map_err(failed("cannot record a block"))
    }

    fn is_blocked(&self, principal: &str) -> Result<bool, Error> {
        self.counts_conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM monitor_blocks WHERE principal = ?1)")
            .and_then(|mut stmt| stmt.query_row([principal], |row| row.get(0)))
            .map_err(failed("cannot read the blocks"))
    }

    fn reset(&self, principal: &str) -> Result<(), Error> {
        let mut conn = self.counts_conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("cannot start a transaction on the store"))?;
        tx.execute(
            "DELETE FROM monitor_blocks WHERE principal = ?1",
            [principal],
        )
        .and_then(|_| {
            tx.execute(
                "DELETE FROM monitor_counts WHERE principal = ?1",
                [principal],
            )
        })
        .map_err(failed("cannot reset a principal's counts"))?;
        tx.commit().map_err(failed("cannot commit a reset"))
    }
}

/// Takes `tally` in the caller's write transaction (see [`Tally`](crate::monitor::Tally)):
/// `None` when refused (blocked, or at the hard limit), nothing counted then; else the counts
/// each track held before.
pub(super) fn take_tally(
    tx: &rusqlite::Transaction<'_>,
    tally: &crate::monitor::Tally,
) -> rusqlite::Result<Option<Vec<u32>>> {
    let principal = tally.principal.as_str();
    let blocked: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM monitor_blocks WHERE principal = ?1)")?
        .query_row([principal], |row| row.get(0))?;
    if blocked {
        return Ok(None);
    }
    let steps = Steps::of(tally.now_ms, tally.window_ms);
    let mut before = Vec::with_capacity(tally.tracks.len());
    for (i, (track, cap)) in tally.tracks.iter().enumerate() {
        prune_in(tx, principal, track, steps)?;
        let count = count_in(tx, principal, track, steps, *cap)?;
        if i == 0 && tally.limit.is_some_and(|l| count >= l) {
            return Ok(None);
        }
        add_in(tx, principal, track, steps)?;
        before.push(count);
    }
    Ok(Some(before))
}
