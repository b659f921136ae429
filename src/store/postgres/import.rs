//! Moving a local directory's store (SQLite) into PostgreSQL: how a service grows from one host
//! to a fleet without losing a key, a subject or an audit event.

use super::PgStore;
use crate::error::Error;
use crate::keys::{KekSource, KeyProvider as _, StoredKeySet};
use crate::lifecycle::{Activity, Deletion};
use crate::store::SqliteStore;
use crate::token::TokenEntry;
use rusqlite::Connection;

/// What [`PgStore::import_sqlite`] moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ImportReport {
    /// Root key versions in the key set.
    pub root_keys: usize,
    /// Subject keys.
    pub subject_keys: usize,
    /// Audit events (the chain continues after them).
    pub audit_events: usize,
    /// Installed policy versions.
    pub policies: usize,
    /// Pending break-glass requests and revoked grants.
    pub grants: usize,
    /// Vault tokens.
    pub tokens: usize,
    /// Retention activity rows, legal holds and deletion register entries.
    pub lifecycle: usize,
}

type SubjectRow = (String, String, String, String, i32, Vec<u8>);

struct Tables {
    subject_keys: Vec<SubjectRow>,
    audit: Vec<(i64, String, i64, String)>,
    writers: Vec<(String, i64, i64)>,
    checkpoints: Vec<(i64, i64, String)>,
    requests: Vec<(String, String, String, i64)>,
    revoked: Vec<String>,
    events: Vec<(String, String, i64, i64, i64)>,
    blocks: Vec<String>,
    policies: Vec<(String, String)>,
    tokens: Vec<TokenEntry>,
    activity: Vec<(String, Activity)>,
    holds: Vec<(String, String, String, String, i64)>,
    deletions: Vec<(String, Deletion)>,
    erasures: i64,
}

fn all<T>(
    conn: &Connection,
    sql: &str,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    conn.prepare(sql)?.query_map([], row)?.collect()
}

fn read(conn: &Connection) -> rusqlite::Result<Tables> {
    Ok(Tables {
        subject_keys: all(
            conn,
            "SELECT region, tenant, subject, key_id, key_version, wrapped FROM subject_keys",
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?,
        audit: all(
            conn,
            "SELECT seq, writer, wseq, line FROM audit_events ORDER BY seq",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?,
        writers: all(
            conn,
            "SELECT writer, started, sealed FROM audit_writers",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?,
        checkpoints: all(
            conn,
            "SELECT seq, at_ms, line FROM audit_checkpoints ORDER BY seq",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?,
        requests: all(
            conn,
            "SELECT id, requester, request, requested_at FROM grant_requests",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?,
        revoked: all(conn, "SELECT id FROM revoked_grants", |r| r.get(0))?,
        events: all(
            conn,
            "SELECT principal, track, width, bucket, n FROM monitor_counts",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?,
        blocks: all(conn, "SELECT principal FROM monitor_blocks", |r| r.get(0))?,
        policies: all(
            conn,
            "SELECT text, source FROM policies ORDER BY seq",
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?,
        tokens: all(
            conn,
            "SELECT region, tenant, id, subject, record, field, class, created, expires, token,
                    envelope, key_id, key_version FROM tokens",
            |r| {
                Ok(TokenEntry {
                    region: r.get(0)?,
                    tenant: r.get(1)?,
                    id: r.get(2)?,
                    subject: r.get(3)?,
                    record: r.get(4)?,
                    field: r.get(5)?,
                    class: r.get(6)?,
                    created: r.get(7)?,
                    expires: r.get(8)?,
                    token: r.get(9)?,
                    envelope: r.get(10)?,
                    key_id: r.get(11)?,
                    key_version: r.get(12)?,
                })
            },
        )?,
        activity: all(
            conn,
            "SELECT region, tenant, subject, record, classes, created, last, given
             FROM subject_activity",
            |r| {
                Ok((
                    r.get(0)?,
                    Activity {
                        tenant: r.get(1)?,
                        subject: r.get(2)?,
                        record: r.get(3)?,
                        classes: r.get(4)?,
                        created: r.get(5)?,
                        last: r.get(6)?,
                        given: r.get(7)?,
                    },
                ))
            },
        )?,
        holds: all(
            conn,
            "SELECT region, tenant, subject, reason, since FROM legal_holds",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?,
        deletions: all(
            conn,
            "SELECT region, id, tenant, subject, records, classes, reason, policy_version, at, actor
             FROM deletions ORDER BY seq",
            |r| {
                Ok((
                    r.get(0)?,
                    Deletion {
                        id: r.get(1)?,
                        tenant: r.get(2)?,
                        subject: r.get(3)?,
                        records: r.get(4)?,
                        classes: r.get(5)?,
                        reason: r.get(6)?,
                        policy_version: r.get(7)?,
                        at: r.get(8)?,
                        actor: r.get(9)?,
                    },
                ))
            },
        )?,
        erasures: conn.query_row(
            "SELECT COALESCE((SELECT value FROM tallies WHERE name = 'erasures'), 0)",
            [],
            |r| r.get(0),
        )?,
    })
}

impl PgStore {
    /// Moves everything in a local store into this one, which must hold no key set, subject
    /// key or audit event yet: the key set (opened under `from_kek`, sealed again under
    /// `to_kek` — a fleet's KEK is usually not the development `kek` file), subject keys, the
    /// audit trail (the same chained lines, so it verifies as one trail and continues), the
    /// installed policies (the last one in force), break-glass requests and revocations, the
    /// monitor's counts and blocks, vault tokens, and the data lifecycle (activity, legal holds,
    /// the deletion register). All in one transaction: on any error nothing is
    /// written. Stop the local processes first; the local store is only read.
    ///
    /// # Errors
    /// [`Error::KeyStore`] if this store is not empty or a table cannot be read or written;
    /// [`Error::KeyFile`] if the key set does not open under `from_kek`.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn import_sqlite(
        &self,
        from: &SqliteStore,
        from_kek: KekSource,
        to_kek: KekSource,
    ) -> Result<ImportReport, Error> {
        let (_, set) =
            StoredKeySet::new(from.clone(), from_kek)
                .load()?
                .ok_or(Error::KeyStore {
                    reason: "the local store has no key set to move",
                })?;
        let sealed = to_kek.seal(&set, true)?;
        let tables = read(&from.conn()).map_err(|_| Error::KeyStore {
            reason: "cannot read the local store",
        })?;
        let report = ImportReport {
            root_keys: set.keys.len(),
            subject_keys: tables.subject_keys.len(),
            audit_events: tables.audit.len(),
            policies: tables.policies.len(),
            grants: tables.requests.len() + tables.revoked.len(),
            tokens: tables.tokens.len(),
            lifecycle: tables.activity.len() + tables.holds.len() + tables.deletions.len(),
        };
        let empty = self.run(move |client| {
            let mut tx = client.transaction()?;
            let empty: bool = tx
                .query_one(
                    "SELECT NOT EXISTS (SELECT 1 FROM piiguard_key_set)
                        AND NOT EXISTS (SELECT 1 FROM piiguard_subject_keys)
                        AND NOT EXISTS (SELECT 1 FROM piiguard_audit_writers)",
                    &[],
                )?
                .get(0);
            if !empty {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO piiguard_key_set (id, version, sealed) VALUES (1, 1, $1)",
                &[&sealed],
            )?;
            for (region, tenant, subject, key_id, version, wrapped) in &tables.subject_keys {
                tx.execute(
                    "INSERT INTO piiguard_subject_keys
                     (region, tenant, subject, key_id, key_version, wrapped)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[region, tenant, subject, key_id, version, wrapped],
                )?;
            }
            for (writer, started, sealed) in &tables.writers {
                tx.execute(
                    "INSERT INTO piiguard_audit_writers (writer, started, sealed)
                     VALUES ($1, $2, $3)",
                    &[writer, started, sealed],
                )?;
            }
            for (seq, writer, wseq, line) in &tables.audit {
                tx.execute(
                    "INSERT INTO piiguard_audit_events (seq, writer, wseq, line)
                     VALUES ($1, $2, $3, $4)",
                    &[seq, writer, wseq, line],
                )?;
            }
            // Events of the service's writers go after the imported ones.
            tx.execute(
                "SELECT setval('piiguard_audit_events_seq',
                     COALESCE((SELECT MAX(seq) FROM piiguard_audit_events), 0) + 1, false)",
                &[],
            )?;
            for (seq, at, line) in &tables.checkpoints {
                tx.execute(
                    "INSERT INTO piiguard_audit_checkpoints (seq, at_ms, line) VALUES ($1, $2, $3)",
                    &[seq, at, line],
                )?;
            }
            for (id, requester, request, at) in &tables.requests {
                tx.execute(
                    "INSERT INTO piiguard_grant_requests (id, requester, request, requested_at)
                     VALUES ($1, $2, $3, $4)",
                    &[id, requester, request, at],
                )?;
            }
            for id in &tables.revoked {
                tx.execute(
                    "INSERT INTO piiguard_revoked_grants (id) VALUES ($1)
                     ON CONFLICT DO NOTHING",
                    &[id],
                )?;
            }
            for (principal, track, width, bucket, n) in &tables.events {
                tx.execute(
                    "INSERT INTO piiguard_monitor_counts (principal, track, width, bucket, n)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[principal, track, width, bucket, n],
                )?;
            }
            for principal in &tables.blocks {
                tx.execute(
                    "INSERT INTO piiguard_monitor_blocks (principal) VALUES ($1)
                     ON CONFLICT DO NOTHING",
                    &[principal],
                )?;
            }
            for (text, source) in &tables.policies {
                tx.execute(
                    "INSERT INTO piiguard_policies (seq, text, source)
                     VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM piiguard_policies), $1, $2)",
                    &[text, source],
                )?;
            }
            for t in &tables.tokens {
                tx.execute(
                    "INSERT INTO piiguard_tokens
                     (region, tenant, id, subject, record, field, class, created, expires,
                      token, envelope, key_id, key_version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    &[
                        &t.region,
                        &t.tenant,
                        &t.id,
                        &t.subject,
                        &t.record,
                        &t.field,
                        &t.class,
                        &t.created,
                        &t.expires,
                        &t.token,
                        &t.envelope,
                        &t.key_id,
                        &i32::try_from(t.key_version).unwrap_or(i32::MAX),
                    ],
                )?;
            }
            for (region, a) in &tables.activity {
                tx.execute(
                    "INSERT INTO piiguard_subject_activity
                     (region, tenant, subject, record, classes, created, last, given)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[region, &a.tenant, &a.subject, &a.record, &a.classes, &a.created, &a.last, &a.given],
                )?;
            }
            for (region, tenant, subject, reason, since) in &tables.holds {
                tx.execute(
                    "INSERT INTO piiguard_legal_holds (region, tenant, subject, reason, since)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[region, tenant, subject, reason, since],
                )?;
            }
            for (region, d) in &tables.deletions {
                tx.execute(
                    "INSERT INTO piiguard_deletions
                     (region, id, tenant, subject, records, classes, reason, policy_version, at, actor)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    &[region, &d.id, &d.tenant, &d.subject, &d.records, &d.classes, &d.reason, &d.policy_version, &d.at, &d.actor],
                )?;
            }
            tx.execute(
                "UPDATE piiguard_tallies SET value = value + $1 WHERE name = 'erasures'",
                &[&tables.erasures],
            )?;
            tx.commit()?;
            Ok(true)
        });
        match empty {
            Ok(true) => Ok(report),
            Ok(false) => Err(Error::KeyStore {
                reason: "the PostgreSQL store already holds a key set, subject keys or audit \
                         events: import only into a new one",
            }),
            Err(_) => Err(Error::KeyStore {
                reason: "cannot write the imported store (nothing was written)",
            }),
        }
    }
}
