//! The monitor's counts in PostgreSQL: one row per principal, track and step of the window
//! ([`Steps`]), so every host counts the fleet-wide window and a count reads about a
//! hundred rows; a transaction-scoped advisory lock per principal and track makes the
//! check and the count of the hard limit one step. Counts commit without waiting for the
//! server's WAL flush (`synchronous_commit = off` for their transactions only).

use super::PgStore;
use crate::error::Error;
use crate::monitor::{Counters, Steps};

const COUNT: &str =
    "SELECT LEAST(COALESCE(SUM(n), 0)::BIGINT, $5::BIGINT) FROM piiguard_monitor_counts
                     WHERE principal = $1 AND track = $2 AND width = $3 AND bucket >= $4";

/// How many events `track` holds in the window's steps, capped at `cap`.
fn count_in(
    client: &mut impl postgres::GenericClient,
    principal: &String,
    track: &String,
    steps: Steps,
    cap: u32,
) -> Result<u32, postgres::Error> {
    let row = client.query_one(
        COUNT,
        &[
            principal,
            track,
            &steps.width,
            &steps.first,
            &i64::from(cap),
        ],
    )?;
    Ok(u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX))
}

impl Counters for PgStore {
    fn push(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
        limit: Option<u32>,
    ) -> Result<u32, Error> {
        let (principal, track) = (principal.to_owned(), track.to_owned());
        let steps = Steps::of(now_ms, window_ms);
        self.call("cannot count an access", move |client| {
            let mut tx = client.transaction()?;
            // A count need not wait for the server's disk (as on SQLite): it survives a crash
            // of the service; the server's own crash may lose the last fraction of a second.
            tx.batch_execute("SET LOCAL synchronous_commit = off")?;
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))",
                &[&principal, &track],
            )?;
            tx.execute(
                "DELETE FROM piiguard_monitor_counts WHERE principal = $1 AND track = $2
                 AND (width <> $3 OR bucket < $4)",
                &[&principal, &track, &steps.width, &steps.first],
            )?;
            let before = count_in(&mut tx, &principal, &track, steps, cap)?;
            if limit.is_some_and(|l| before >= l) {
                tx.commit()?;
                return Ok(before);
            }
            tx.execute(
                "INSERT INTO piiguard_monitor_counts (principal, track, width, bucket, n)
                 VALUES ($1, $2, $3, $4, 1) ON CONFLICT (principal, track, width, bucket)
                 DO UPDATE SET n = piiguard_monitor_counts.n + 1",
                &[&principal, &track, &steps.width, &steps.now],
            )?;
            tx.commit()?;
            Ok(before)
        })
    }

    fn count(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
    ) -> Result<u32, Error> {
        let (principal, track) = (principal.to_owned(), track.to_owned());
        let steps = Steps::of(now_ms, window_ms);
        self.call("cannot count", move |client| {
            count_in(client, &principal, &track, steps, cap)
        })
    }

    fn block(&self, principal: &str) -> Result<bool, Error> {
        let principal = principal.to_owned();
        self.call("cannot record a block", move |client| {
            Ok(client.execute(
                "INSERT INTO piiguard_monitor_blocks (principal) VALUES ($1)
                 ON CONFLICT DO NOTHING",
                &[&principal],
            )? == 1)
        })
    }

    fn is_blocked(&self, principal: &str) -> Result<bool, Error> {
        let principal = principal.to_owned();
        self.call("cannot read the blocks", move |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM piiguard_monitor_blocks WHERE principal = $1)",
                    &[&principal],
                )?
                .get(0))
        })
    }

    fn reset(&self, principal: &str) -> Result<(), Error> {
        let principal = principal.to_owned();
        self.call("cannot reset a principal's counts", move |client| {
            let mut tx = client.transaction()?;
            tx.execute(
                "DELETE FROM piiguard_monitor_blocks WHERE principal = $1",
                &[&principal],
            )?;
            tx.execute(
                "DELETE FROM piiguard_monitor_counts WHERE principal = $1",
                &[&principal],
            )?;
            tx.commit()
        })
    }
}
