//! The key set and subject keys in PostgreSQL.

use super::PgStore;
use crate::error::Error;
use crate::keys::{KeySetStore, KeyStore, StoreKey, WrappedKey};

fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn wrapped(row: &postgres::Row) -> WrappedKey {
    WrappedKey {
        key_id: row.get(0),
        key_version: u32::try_from(row.get::<_, i32>(1)).unwrap_or(0),
        bytes: row.get(2),
    }
}

const SELECT_KEY: &str = "SELECT key_id, key_version, wrapped FROM piiguard_subject_keys
                          WHERE region = $1 AND tenant = $2 AND subject = $3";

/// Runs `sql` with a subject key's place (`$1`–`$3`) and its wrapped key (`$4`–`$6`).
fn write(
    client: &mut postgres::Client,
    sql: &str,
    key: &StoreKey,
    wrapped: &WrappedKey,
) -> Result<u64, postgres::Error> {
    let version = i32::try_from(wrapped.key_version).unwrap_or(i32::MAX);
    let params: [&(dyn postgres::types::ToSql + Sync); 6] = [
        &key.region,
        &key.tenant,
        &key.subject,
        &wrapped.key_id,
        &version,
        &wrapped.bytes,
    ];
    client.execute(sql, &params)
}

impl KeyStore for PgStore {
    fn get(&self, key: &StoreKey) -> Result<Option<WrappedKey>, Error> {
        let key = key.clone();
        self.call("cannot read a subject key", move |client| {
            Ok(client
                .query_opt(SELECT_KEY, &[&key.region, &key.tenant, &key.subject])?
                .map(|row| wrapped(&row)))
        })
    }

    fn insert_if_absent(
        &self,
        key: &StoreKey,
        wrapped_key: WrappedKey,
    ) -> Result<WrappedKey, Error> {
        let key = key.clone();
        self.call("cannot store a subject key", move |client| {
            write(
                client,
                "INSERT INTO piiguard_subject_keys
                 (region, tenant, subject, key_id, key_version, wrapped)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                &key,
                &wrapped_key,
            )?;
            let row = client.query_one(SELECT_KEY, &[&key.region, &key.tenant, &key.subject])?;
            Ok(wrapped(&row))
        })
    }

    fn replace(&self, key: &StoreKey, wrapped_key: WrappedKey) -> Result<bool, Error> {
        let key = key.clone();
        self.call("cannot rewrap a subject key", move |client| {
            let updated = write(
                client,
                "UPDATE piiguard_subject_keys SET key_id = $4, key_version = $5, wrapped = $6
                 WHERE region = $1 AND tenant = $2 AND subject = $3",
                &key,
                &wrapped_key,
            )?;
            Ok(updated > 0)
        })
    }

    /// Deletes the key and counts the erasure in one transaction, so every instance notices.
    fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        let key = key.clone();
        self.call("cannot delete a subject key", move |client| {
            let mut tx = client.transaction()?;
            let deleted = tx.execute(
                "DELETE FROM piiguard_subject_keys
                 WHERE region = $1 AND tenant = $2 AND subject = $3",
                &[&key.region, &key.tenant, &key.subject],
            )?;
            // The subject's vault tokens go with its key, in the same transaction.
            tx.execute(
                "DELETE FROM piiguard_tokens WHERE region = $1 AND tenant = $2 AND subject = $3",
                &[&key.region, &key.tenant, &key.subject],
            )?;
            if deleted > 0 {
                tx.execute(
                    "UPDATE piiguard_tallies SET value = value + 1 WHERE name = 'erasures'",
                    &[],
                )?;
            }
            tx.commit()?;
            Ok(deleted > 0)
        })
    }

    fn erasures(&self) -> Result<u64, Error> {
        self.call("cannot read the erasure count", |client| {
            let row = client.query_one(
                "SELECT value FROM piiguard_tallies WHERE name = 'erasures'",
                &[],
            )?;
            Ok(unsigned(row.get(0)))
        })
    }
}

impl KeySetStore for PgStore {
    fn load_sealed(&self) -> Result<Option<(u64, Vec<u8>)>, Error> {
        self.call("cannot read the key set", |client| {
            Ok(client
                .query_opt(
                    "SELECT version, sealed FROM piiguard_key_set WHERE id = 1",
                    &[],
                )?
                .map(|row| (unsigned(row.get(0)), row.get(1))))
        })
    }

    fn sealed_version(&self) -> Result<Option<u64>, Error> {
        self.call("cannot read the key set's version", |client| {
            Ok(client
                .query_opt("SELECT version FROM piiguard_key_set WHERE id = 1", &[])?
                .map(|row| unsigned(row.get(0))))
        })
    }

    fn swap_sealed(&self, expected: Option<u64>, sealed: &[u8]) -> Result<Option<u64>, Error> {
        let sealed = sealed.to_vec();
        self.call("cannot store the key set", move |client| {
            let changed = match expected {
                None => client.execute(
                    "INSERT INTO piiguard_key_set (id, version, sealed) VALUES (1, 1, $1)
                     ON CONFLICT DO NOTHING",
                    &[&sealed],
                )?,
                Some(v) => client.execute(
                    "UPDATE piiguard_key_set SET version = version + 1, sealed = $2
                     WHERE id = 1 AND version = $1",
                    &[&signed(v), &sealed],
                )?,
            };
            Ok((changed == 1).then(|| expected.map_or(1, |v| v + 1)))
        })
    }
}
