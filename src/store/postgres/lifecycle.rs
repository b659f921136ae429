//! The data lifecycle in PostgreSQL: activity, legal holds, the deletion register.

use super::PgStore;
use crate::error::Error;
use crate::lifecycle::{Activity, Deletion, LifecycleStore};

fn activity(row: &postgres::Row) -> Activity {
    Activity {
        tenant: row.get(0),
        subject: row.get(1),
        record: row.get(2),
        classes: row.get(3),
        created: row.get(4),
        last: row.get(5),
        given: row.get(6),
    }
}

fn deletion(row: &postgres::Row) -> Deletion {
    Deletion {
        id: row.get(0),
        tenant: row.get(1),
        subject: row.get(2),
        records: row.get(3),
        classes: row.get(4),
        reason: row.get(5),
        policy_version: row.get(6),
        at: row.get(7),
        actor: row.get(8),
    }
}

const ACTIVITY: &str =
    "SELECT tenant, subject, record, classes, created, last, given FROM piiguard_subject_activity";
const DELETION: &str =
    "SELECT id, tenant, subject, records, classes, reason, policy_version, at, actor
                        FROM piiguard_deletions";

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl LifecycleStore for PgStore {
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
        let args = [region, tenant, subject, record, classes].map(str::to_owned);
        self.call("cannot record a subject's activity", move |client| {
            client.execute(
                "INSERT INTO piiguard_subject_activity
                 (region, tenant, subject, record, classes, created, last, given)
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
                 ON CONFLICT (region, tenant, subject, record) DO UPDATE SET
                   classes = excluded.classes,
                   created = least(piiguard_subject_activity.created, excluded.created),
                   last = greatest(piiguard_subject_activity.last, excluded.last),
                   given = coalesce(excluded.given, piiguard_subject_activity.given)",
                &[
                    &args[0], &args[1], &args[2], &args[3], &args[4], &at, &given,
                ],
            )?;
            Ok(())
        })
    }

    fn activity_after(
        &self,
        region: &str,
        after: Option<(&str, &str, &str)>,
        n: usize,
    ) -> Result<Vec<Activity>, Error> {
        let region = region.to_owned();
        let first = after.is_none();
        let (t, s, r) = after.unwrap_or(("", "", ""));
        let (t, s, r) = (t.to_owned(), s.to_owned(), r.to_owned());
        self.call("cannot read subjects' activity", move |client| {
            let rows = client.query(
                &format!(
                    "{ACTIVITY} WHERE region = $1 AND ($2 OR (tenant, subject, record) > ($3, $4, $5))
                     ORDER BY tenant, subject, record LIMIT $6"
                ),
                &[&region, &first, &t, &s, &r, &limit(n)],
            )?;
            Ok(rows.iter().map(activity).collect())
        })
    }

    fn activity_of(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
    ) -> Result<Vec<Activity>, Error> {
        let args = [region, tenant, subject].map(str::to_owned);
        self.call("cannot read a subject's activity", move |client| {
            let rows = client.query(
                &format!(
                    "{ACTIVITY} WHERE region = $1 AND tenant = $2 AND subject = $3 ORDER BY record"
                ),
                &[&args[0], &args[1], &args[2]],
            )?;
            Ok(rows.iter().map(activity).collect())
        })
    }

    fn forget_activity(&self, region: &str, tenant: &str, subject: &str) -> Result<(), Error> {
        let args = [region, tenant, subject].map(str::to_owned);
        self.call("cannot delete a subject's activity", move |client| {
            client.execute(
                "DELETE FROM piiguard_subject_activity WHERE region = $1 AND tenant = $2 AND subject = $3",
                &[&args[0], &args[1], &args[2]],
            )?;
            Ok(())
        })
    }

    fn set_hold(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<(), Error> {
        let args = [region, tenant, subject].map(str::to_owned);
        let reason = reason.map(str::to_owned);
        self.call("cannot change a legal hold", move |client| {
            match reason {
                Some(reason) => client.execute(
                    "INSERT INTO piiguard_legal_holds (region, tenant, subject, reason, since)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (region, tenant, subject) DO UPDATE SET reason = excluded.reason",
                    &[&args[0], &args[1], &args[2], &reason, &at],
                )?,
                None => client.execute(
                    "DELETE FROM piiguard_legal_holds WHERE region = $1 AND tenant = $2 AND subject = $3",
                    &[&args[0], &args[1], &args[2]],
                )?,
            };
            Ok(())
        })
    }

    fn hold(&self, region: &str, tenant: &str, subject: &str) -> Result<Option<String>, Error> {
        let args = [region, tenant, subject].map(str::to_owned);
        self.call("cannot read a legal hold", move |client| {
            let row = client.query_opt(
                "SELECT reason FROM piiguard_legal_holds WHERE region = $1 AND tenant = $2 AND subject = $3",
                &[&args[0], &args[1], &args[2]],
            )?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn record_deletion(&self, region: &str, d: &Deletion) -> Result<bool, Error> {
        let region = region.to_owned();
        let d = d.clone();
        self.call("cannot write the deletion register", move |client| {
            let written = client.execute(
                "INSERT INTO piiguard_deletions
                 (region, id, tenant, subject, records, classes, reason, policy_version, at, actor)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                &[
                    &region,
                    &d.id,
                    &d.tenant,
                    &d.subject,
                    &d.records,
                    &d.classes,
                    &d.reason,
                    &d.policy_version,
                    &d.at,
                    &d.actor,
                ],
            )?;
            Ok(written > 0)
        })
    }

    fn deletions(
        &self,
        region: &str,
        subject: Option<&str>,
        n: usize,
    ) -> Result<Vec<Deletion>, Error> {
        let region = region.to_owned();
        let subject = subject.map(str::to_owned);
        self.call("cannot read the deletion register", move |client| {
            let rows = client.query(
                &format!("{DELETION} WHERE region = $1 AND ($2::TEXT IS NULL OR subject = $2) ORDER BY seq LIMIT $3"),
                &[&region, &subject, &limit(n)],
            )?;
            Ok(rows.iter().map(deletion).collect())
        })
    }
}
