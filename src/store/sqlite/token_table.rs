//! Vault tokens in the SQLite store. A subject's tokens are deleted with its key (in
//! `key_tables.rs`, one transaction).

use super::{SqliteStore, failed};
use crate::error::Error;
use crate::token::{TokenEntry, TokenStore};
use rusqlite::{Connection, OptionalExtension, params};

fn select(
    conn: &Connection,
    region: &str,
    tenant: &str,
    id: &str,
) -> Result<Option<TokenEntry>, Error> {
    conn.prepare_cached(
        "SELECT subject, record, field, class, created, expires, token, envelope, key_id,
                key_version FROM tokens WHERE region = ?1 AND tenant = ?2 AND id = ?3",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![region, tenant, id], |row| {
            Ok(TokenEntry {
                id: id.to_owned(),
                region: region.to_owned(),
                tenant: tenant.to_owned(),
                subject: row.get(0)?,
                record: row.get(1)?,
                field: row.get(2)?,
                class: row.get(3)?,
                created: row.get(4)?,
                expires: row.get(5)?,
                token: row.get(6)?,
                envelope: row.get(7)?,
                key_id: row.get(8)?,
                key_version: row.get(9)?,
            })
        })
        .optional()
    })
    .map_err(failed("cannot read a token"))
}

/// Stores `entry` unless its id is taken, on `conn` (in the caller's transaction, if any);
/// the row as stored.
pub(super) fn insert_in(conn: &Connection, entry: &TokenEntry) -> Result<TokenEntry, Error> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO tokens
         (region, tenant, id, subject, record, field, class, created, expires, token, envelope,
          key_id, key_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            entry.region,
            entry.tenant,
            entry.id,
            entry.subject,
            entry.record,
            entry.field,
            entry.class,
            entry.created,
            entry.expires,
            entry.token,
            entry.envelope,
            entry.key_id,
            entry.key_version
        ])
    })
    .map_err(failed("cannot store a token"))?;
    select(conn, &entry.region, &entry.tenant, &entry.id)?.ok_or(Error::KeyStore {
        reason: "a stored token vanished",
    })
}

impl TokenStore for SqliteStore {
    fn insert_if_absent(&self, entry: TokenEntry) -> Result<TokenEntry, Error> {
        insert_in(&self.conn(), &entry)
    }

    fn get(&self, region: &str, tenant: &str, id: &str) -> Result<Option<TokenEntry>, Error> {
        select(&self.conn(), region, tenant, id)
    }

    fn delete_subject(&self, region: &str, tenant: &str, subject: &str) -> Result<u64, Error> {
        let deleted = self
            .conn()
            .prepare_cached("DELETE FROM tokens WHERE region = ?1 AND tenant = ?2 AND subject = ?3")
            .and_then(|mut stmt| stmt.execute(params![region, tenant, subject]))
            .map_err(failed("cannot delete a subject's tokens"))?;
        Ok(deleted as u64)
    }

    fn uses_key(&self, region: &str, key_id: &str, key_version: u32) -> Result<bool, Error> {
        self.conn()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM tokens
                 WHERE region = ?1 AND key_id = ?2 AND key_version = ?3)",
            )
            .and_then(|mut stmt| stmt.query_row(params![region, key_id, key_version], |r| r.get(0)))
            .map_err(failed("cannot read the tokens' keys"))
    }

    fn sweep_expired(&self, now: i64, limit: usize) -> Result<u64, Error> {
        let deleted = self
            .conn()
            .prepare_cached(
                "DELETE FROM tokens WHERE (region, tenant, id) IN (SELECT region, tenant, id
                 FROM tokens WHERE expires IS NOT NULL AND expires <= ?1 LIMIT ?2)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![now, i64::try_from(limit).unwrap_or(i64::MAX)])
            })
            .map_err(failed("cannot sweep expired tokens"))?;
        Ok(deleted as u64)
    }
}
