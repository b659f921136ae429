//! The policy in force in the SQLite store: every installed version kept, the newest in force.

use super::{SqliteStore, failed};
use crate::error::Error;
use crate::policy::PolicyStore;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

fn seq(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl PolicyStore for SqliteStore {
    fn current_policy(&self) -> Result<Option<(u64, String)>, Error> {
        self.conn()
            .query_row(
                "SELECT seq, text FROM policies ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((seq(row.get(0)?), row.get(1)?)),
            )
            .optional()
            .map_err(failed("cannot read the policy"))
    }

    fn policy_seq(&self) -> Result<Option<u64>, Error> {
        self.conn()
            .prepare_cached("SELECT MAX(seq) FROM policies")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get::<_, Option<i64>>(0)))
            .map(|v| v.map(seq))
            .map_err(failed("cannot read the policy's sequence number"))
    }

    fn latest_from(&self, source: &str) -> Result<Option<String>, Error> {
        self.conn()
            .query_row(
                "SELECT text FROM policies WHERE source = ?1 ORDER BY seq DESC LIMIT 1",
                [source],
                |row| row.get(0),
            )
            .optional()
            .map_err(failed("cannot read the policy"))
    }

    fn install_policy(
        &self,
        text: &str,
        source: &str,
        expected: Option<u64>,
    ) -> Result<Option<u64>, Error> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("cannot start a transaction on the store"))?;
        let current: Option<i64> = tx
            .query_row("SELECT MAX(seq) FROM policies", [], |row| row.get(0))
            .map_err(failed("cannot read the policy's sequence number"))?;
        if current.map(seq) != expected {
            return Ok(None);
        }
        let next = current.unwrap_or(0) + 1;
        tx.execute(
            "INSERT INTO policies (seq, text, source) VALUES (?1, ?2, ?3)",
            params![next, text, source],
        )
        .map_err(failed("cannot store the policy"))?;
        tx.commit().map_err(failed("cannot commit the policy"))?;
        Ok(Some(seq(next)))
    }
}
