//! The key set and subject keys in the SQLite store.

use super::{SqliteStore, failed};
use crate::error::Error;
use crate::keys::{KeySetStore, KeyStore, StoreKey, WrappedKey};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

fn select(conn: &Connection, key: &StoreKey) -> Result<Option<WrappedKey>, Error> {
    conn.prepare_cached(
        "SELECT key_id, key_version, wrapped FROM subject_keys
         WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![key.region, key.tenant, key.subject], |row| {
            Ok(WrappedKey {
                key_id: row.get(0)?,
                key_version: row.get(1)?,
                bytes: row.get(2)?,
            })
        })
        .optional()
    })
    .map_err(failed("cannot read a subject key"))
}

/// Runs `sql` with a subject key's place (`?1`–`?3`) and its wrapped key (`?4`–`?6`).
fn write(
    conn: &Connection,
    sql: &str,
    key: &StoreKey,
    wrapped: &WrappedKey,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql).and_then(|mut stmt| {
        stmt.execute(params![
            key.region,
            key.tenant,
            key.subject,
            wrapped.key_id,
            wrapped.key_version,
            wrapped.bytes
        ])
    })
}

impl KeyStore for SqliteStore {
    fn get(&self, key: &StoreKey) -> Result<Option<WrappedKey>, Error> {
        select(&self.conn(), key)
    }

    fn insert_if_absent(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<WrappedKey, Error> {
        let conn = self.conn();
        write(
            &conn,
            "INSERT OR IGNORE INTO subject_keys
             (region, tenant, subject, key_id, key_version, wrapped)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            key,
            &wrapped,
        )
        .map_err(failed("cannot store a subject key"))?;
        select(&conn, key)?.ok_or(Error::KeyStore {
            reason: "a stored subject key vanished",
        })
    }

    fn replace(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<bool, Error> {
        let updated = write(
            &self.conn(),
            "UPDATE subject_keys SET key_id = ?4, key_version = ?5, wrapped = ?6
             WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
            key,
            &wrapped,
        )
        .map_err(failed("cannot rewrap a subject key"))?;
        Ok(updated > 0)
    }

    /// Deletes the key and counts the erasure in one transaction, so every instance notices.
    fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("cannot start a transaction on the store"))?;
        let deleted = tx
            .execute(
                "DELETE FROM subject_keys WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
                params![key.region, key.tenant, key.subject],
            )
            .map_err(failed("cannot delete a subject key"))?;
        // The subject's vault tokens go with its key, in the same transaction.
        tx.execute(
            "DELETE FROM tokens WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
            params![key.region, key.tenant, key.subject],
        )
        .map_err(failed("cannot delete a subject's tokens"))?;
        if deleted > 0 {
            tx.execute(
                "INSERT INTO tallies (name, value) VALUES ('erasures', 1)
                 ON CONFLICT (name) DO UPDATE SET value = value + 1",
                [],
            )
            .map_err(failed("cannot count an erasure"))?;
        }
        tx.commit()
            .map_err(failed("cannot commit a subject key's deletion"))?;
        if deleted > 0 {
            // The deleted page's earlier image stays in the write-ahead log until it is
            // checkpointed: move it into the database (where secure_delete zeroed the key)
            // and empty the log. Readers holding an older snapshot can keep part of it for a
            // moment; the next erasure or checkpoint clears it.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(deleted > 0)
    }

    fn erasures(&self) -> Result<u64, Error> {
        let value: Option<i64> = self
            .conn()
            .prepare_cached("SELECT value FROM tallies WHERE name = 'erasures'")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)).optional())
            .map_err(failed("cannot read the erasure count"))?;
        Ok(value.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
    }
}

fn version_from(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl KeySetStore for SqliteStore {
    fn load_sealed(&self) -> Result<Option<(u64, Vec<u8>)>, Error> {
        self.conn()
            .query_row(
                "SELECT version, sealed FROM key_set WHERE id = 1",
                [],
                |row| Ok((version_from(row.get(0)?), row.get(1)?)),
            )
            .optional()
            .map_err(failed("cannot read the key set"))
    }

    fn sealed_version(&self) -> Result<Option<u64>, Error> {
        self.conn()
            .prepare_cached("SELECT version FROM key_set WHERE id = 1")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)).optional())
            .map(|v: Option<i64>| v.map(version_from))
            .map_err(failed("cannot read the key set's version"))
    }

    fn swap_sealed(&self, expected: Option<u64>, sealed: &[u8]) -> Result<Option<u64>, Error> {
        let conn = self.conn();
        let changed = match expected {
            None => conn.execute(
                "INSERT OR IGNORE INTO key_set (id, version, sealed) VALUES (1, 1, ?1)",
                params![sealed],
            ),
            Some(v) => conn.execute(
                "UPDATE key_set SET version = version + 1, sealed = ?2
                 WHERE id = 1 AND version = ?1",
                params![i64::try_from(v).unwrap_or(i64::MAX), sealed],
            ),
        }
        .map_err(failed("cannot store the key set"))?;
        Ok((changed == 1).then(|| expected.map_or(1, |v| v + 1)))
    }
}
