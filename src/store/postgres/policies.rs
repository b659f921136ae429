//! The policy in force in PostgreSQL: every installed version kept, the newest in force.

use super::PgStore;
use crate::error::Error;
use crate::policy::PolicyStore;

fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl PolicyStore for PgStore {
    fn current_policy(&self) -> Result<Option<(u64, String)>, Error> {
        self.call("cannot read the policy", |client| {
            Ok(client
                .query_opt(
                    "SELECT seq, text FROM piiguard_policies ORDER BY seq DESC LIMIT 1",
                    &[],
                )?
                .map(|row| (unsigned(row.get(0)), row.get(1))))
        })
    }

    fn policy_seq(&self) -> Result<Option<u64>, Error> {
        self.call("cannot read the policy's sequence number", |client| {
            let seq: Option<i64> = client
                .query_one("SELECT MAX(seq) FROM piiguard_policies", &[])?
                .get(0);
            Ok(seq.map(unsigned))
        })
    }

    fn install_policy(
        &self,
        text: &str,
        source: &str,
        expected: Option<u64>,
    ) -> Result<Option<u64>, Error> {
        let (text, source) = (text.to_owned(), source.to_owned());
        self.call("cannot store the policy", move |client| {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock(7146417264651586)", &[])?;
            let current: Option<i64> = tx
                .query_one("SELECT MAX(seq) FROM piiguard_policies", &[])?
                .get(0);
            if current.map(unsigned) != expected {
                return Ok(None);
            }
            let next = current.unwrap_or(0) + 1;
            tx.execute(
                "INSERT INTO piiguard_policies (seq, text, source) VALUES ($1, $2, $3)",
                &[&next, &text, &source],
            )?;
            tx.commit()?;
            Ok(Some(unsigned(next)))
        })
    }

    fn latest_from(&self, source: &str) -> Result<Option<String>, Error> {
        let source = source.to_owned();
        self.call("cannot read the policy", move |client| {
            Ok(client
                .query_opt(
                    "SELECT text FROM piiguard_policies WHERE source = $1
                     ORDER BY seq DESC LIMIT 1",
                    &[&source],
                )?
                .map(|row| row.get(0)))
        })
    }
}
