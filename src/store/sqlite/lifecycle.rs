//! The data lifecycle in the SQLite store: activity, legal holds, the deletion register.

use super::{SqliteStore, failed};
use crate::error::Error;
use crate::lifecycle::{Activity, Deletion, LifecycleStore};
use rusqlite::{OptionalExtension, Row, params};

fn activity(row: &Row<'_>) -> rusqlite::Result<Activity> {
    Ok(Activity {
        tenant: row.get(0)?,
        subject: row.get(1)?,
        record: row.get(2)?,
        classes: row.get(3)?,
        created: row.get(4)?,
        last: row.get(5)?,
        given: row.get(6)?,
    })
}

fn deletion(row: &Row<'_>) -> rusqlite::Result<Deletion> {
    Ok(Deletion {
        id: row.get(0)?,
        tenant: row.get(1)?,
        subject: row.get(2)?,
        records: row.get(3)?,
        classes: row.get(4)?,
        reason: row.get(5)?,
        policy_version: row.get(6)?,
        at: row.get(7)?,
        actor: row.get(8)?,
    })
}

const ACTIVITY: &str =
    "SELECT tenant, subject, record, classes, created, last, given FROM subject_activity";
const DELETION: &str = "SELECT id, tenant, subject, records, classes, reason, policy_version, at, actor FROM deletions";

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl LifecycleStore for SqliteStore {
    fn touch(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
        record: &str,
        classes: &str,
        at: i64,
        given: Option<i64>,
    ) -> Result<(), Error> {
        self.conn()
            .prepare_cached(
                "INSERT INTO subject_activity (region, tenant, subject, record, classes, created, last, given)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
                 ON CONFLICT (region, tenant, subject, record) DO UPDATE SET
                   classes = excluded.classes,
                   created = min(created, excluded.created),
                   last = max(last, excluded.last),
                   given = coalesce(excluded.given, given)",
            )
            .and_then(|mut stmt| stmt.execute(params![region, tenant, subject, record, classes, at, given]))
            .map_err(failed("cannot record a subject's activity"))?;
        Ok(())
    }

    fn activity_after(
        &self,
        region: &str,
        after: Option<(&str, &str, &str)>,
        n: usize,
    ) -> Result<Vec<Activity>, Error> {
        let (t, s, r) = after.unwrap_or(("", "", ""));
        let first = after.is_none();
        self.conn()
            .prepare_cached(&format!(
                "{ACTIVITY} WHERE region = ?1 AND (?2 OR (tenant, subject, record) > (?3, ?4, ?5))
                 ORDER BY tenant, subject, record LIMIT ?6"
            ))
            .and_then(|mut stmt| {
                stmt.query_map(params![region, first, t, s, r, limit(n)], activity)?
                    .collect()
            })
            .map_err(failed("cannot read subjects' activity"))
    }

    fn activity_of(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
    ) -> Result<Vec<Activity>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "{ACTIVITY} WHERE region = ?1 AND tenant = ?2 AND subject = ?3 ORDER BY record"
            ))
            .and_then(|mut stmt| {
                stmt.query_map(params![region, tenant, subject], activity)?
                    .collect()
            })
            .map_err(failed("cannot read a subject's activity"))
    }

    fn forget_activity(&self, region: &str, tenant: &str, subject: &str) -> Result<(), Error> {
        self.conn()
            .prepare_cached(
                "DELETE FROM subject_activity WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
            )
            .and_then(|mut stmt| stmt.execute(params![region, tenant, subject]))
            .map_err(failed("cannot delete a subject's activity"))?;
        Ok(())
    }

    fn set_hold(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<(), Error> {
        let conn = self.conn();
        let done = match reason {
            Some(reason) => conn
                .prepare_cached(
                    "INSERT INTO legal_holds (region, tenant, subject, reason, since) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (region, tenant, subject) DO UPDATE SET reason = excluded.reason",
                )
                .and_then(|mut stmt| stmt.execute(params![region, tenant, subject, reason, at])),
            None => conn
                .prepare_cached("DELETE FROM legal_holds WHERE region = ?1 AND tenant = ?2 AND subject = ?3")
                .and_then(|mut stmt| stmt.execute(params![region, tenant, subject])),
        };
        done.map_err(failed("cannot change a legal hold"))?;
        Ok(())
    }

    fn hold(&self, region: &str, tenant: &str, subject: &str) -> Result<Option<String>, Error> {
        self.conn()
            .prepare_cached(
                "SELECT reason FROM legal_holds WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![region, tenant, subject], |r| r.get(0))
                    .optional()
            })
            .map_err(failed("cannot read a legal hold"))
    }

    fn record_deletion(&self, region: &str, d: &Deletion) -> Result<bool, Error> {
        let written = self
            .conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO deletions
                 (region, id, tenant, subject, records, classes, reason, policy_version, at, actor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    region,
                    d.id,
                    d.tenant,
                    d.subject,
                    d.records,
                    d.classes,
                    d.reason,
                    d.policy_version,
                    d.at,
                    d.actor
                ])
            })
            .map_err(failed("cannot write the deletion register"))?;
        Ok(written > 0)
    }

    fn deletions(
        &self,
        region: &str,
        subject: Option<&str>,
        n: usize,
    ) -> Result<Vec<Deletion>, Error> {
        self.conn()
            .prepare_cached(&format!(
                "{DELETION} WHERE region = ?1 AND (?2 IS NULL OR subject = ?2) ORDER BY seq LIMIT ?3"
            ))
            .and_then(|mut stmt| stmt.query_map(params![region, subject, limit(n)], deletion)?.collect())
            .map_err(failed("cannot read the deletion register"))
    }
}
