//! Vault tokens in PostgreSQL. A subject's tokens are deleted with its key (in `key_tables.rs`, one
//! transaction).

use super::PgStore;
use crate::error::Error;
use crate::token::{TokenEntry, TokenStore};

const SELECT_TOKEN: &str =
    "SELECT subject, record, field, class, created, expires, token, envelope,
                                   key_id, key_version
                            FROM piiguard_tokens WHERE region = $1 AND tenant = $2 AND id = $3";

fn entry(region: &str, tenant: &str, id: &str, row: &postgres::Row) -> TokenEntry {
    TokenEntry {
        id: id.to_owned(),
        region: region.to_owned(),
        tenant: tenant.to_owned(),
        subject: row.get(0),
        record: row.get(1),
        field: row.get(2),
        class: row.get(3),
        created: row.get(4),
        expires: row.get(5),
        token: row.get(6),
        envelope: row.get(7),
        key_id: row.get(8),
        key_version: u32::try_from(row.get::<_, i32>(9)).unwrap_or(0),
    }
}

impl TokenStore for PgStore {
    fn insert_if_absent(&self, new: TokenEntry) -> Result<TokenEntry, Error> {
        self.call("cannot store a token", move |client| {
            client.execute(
                "INSERT INTO piiguard_tokens
                 (region, tenant, id, subject, record, field, class, created, expires, token,
                  envelope, key_id, key_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 ON CONFLICT DO NOTHING",
                &[
                    &new.region,
                    &new.tenant,
                    &new.id,
                    &new.subject,
                    &new.record,
                    &new.field,
                    &new.class,
                    &new.created,
                    &new.expires,
                    &new.token,
                    &new.envelope,
                    &new.key_id,
                    &i32::try_from(new.key_version).unwrap_or(i32::MAX),
                ],
            )?;
            let row = client.query_one(SELECT_TOKEN, &[&new.region, &new.tenant, &new.id])?;
            Ok(entry(&new.region, &new.tenant, &new.id, &row))
        })
    }

    fn get(&self, region: &str, tenant: &str, id: &str) -> Result<Option<TokenEntry>, Error> {
        let (region, tenant, id) = (region.to_owned(), tenant.to_owned(), id.to_owned());
        self.call("cannot read a token", move |client| {
            Ok(client
                .query_opt(SELECT_TOKEN, &[&region, &tenant, &id])?
                .map(|row| entry(&region, &tenant, &id, &row)))
        })
    }

    fn delete_subject(&self, region: &str, tenant: &str, subject: &str) -> Result<u64, Error> {
        let (region, tenant, subject) = (region.to_owned(), tenant.to_owned(), subject.to_owned());
        self.call("cannot delete a subject's tokens", move |client| {
            client.execute(
                "DELETE FROM piiguard_tokens WHERE region = $1 AND tenant = $2 AND subject = $3",
                &[&region, &tenant, &subject],
            )
        })
    }

    fn uses_key(&self, region: &str, key_id: &str, key_version: u32) -> Result<bool, Error> {
        let (region, key_id) = (region.to_owned(), key_id.to_owned());
        let version = i32::try_from(key_version).unwrap_or(i32::MAX);
        self.call("cannot read the tokens' keys", move |client| {
            let row = client.query_one(
                "SELECT EXISTS (SELECT 1 FROM piiguard_tokens
                 WHERE region = $1 AND key_id = $2 AND key_version = $3)",
                &[&region, &key_id, &version],
            )?;
            Ok(row.get(0))
        })
    }

    fn sweep_expired(&self, now: i64, limit: usize) -> Result<u64, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.call("cannot sweep expired tokens", move |client| {
            client.execute(
                "DELETE FROM piiguard_tokens WHERE (region, tenant, id) IN (
                     SELECT region, tenant, id FROM piiguard_tokens
                     WHERE expires IS NOT NULL AND expires <= $1 LIMIT $2)",
                &[&now, &limit],
            )
        })
    }
}
