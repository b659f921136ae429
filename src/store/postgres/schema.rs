//! The PostgreSQL schema: versioned migrations the library runs ([`PgStore::migrate`]) or
//! prints ([`PgStore::migrations`]), and the grants of the service's and the auditor's roles
//! ([`PgStore::grants`]).

use super::PgStore;
use crate::error::Error;

/// The schema versions, in order: each one's statements bring the previous one up to it.
const MIGRATIONS: &[&str] = &[
    // 1: every table of the store.
    "CREATE TABLE piiguard_schema (
         id SMALLINT PRIMARY KEY CHECK (id = 1),
         version INTEGER NOT NULL
     );
     INSERT INTO piiguard_schema (id, version) VALUES (1, 0);
     CREATE TABLE piiguard_key_set (
         id SMALLINT PRIMARY KEY CHECK (id = 1),
         version BIGINT NOT NULL,
         sealed BYTEA NOT NULL
     );
     CREATE TABLE piiguard_subject_keys (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         key_id TEXT NOT NULL,
         key_version INTEGER NOT NULL,
         wrapped BYTEA NOT NULL,
         PRIMARY KEY (region, tenant, subject)
     );
     CREATE TABLE piiguard_tallies (
         name TEXT PRIMARY KEY,
         value BIGINT NOT NULL
     );
     INSERT INTO piiguard_tallies (name, value) VALUES ('erasures', 0);
     CREATE TABLE piiguard_audit_events (
         seq BIGINT PRIMARY KEY,
         line TEXT NOT NULL
     );
     CREATE TABLE piiguard_audit_head (
         id SMALLINT PRIMARY KEY CHECK (id = 1),
         seq BIGINT NOT NULL,
         line TEXT
     );
     INSERT INTO piiguard_audit_head (id, seq, line) VALUES (1, 0, NULL);
     CREATE TABLE piiguard_grant_requests (
         id TEXT PRIMARY KEY,
         requester TEXT NOT NULL,
         request TEXT NOT NULL,
         requested_at BIGINT NOT NULL
     );
     CREATE TABLE piiguard_revoked_grants (
         id TEXT PRIMARY KEY
     );
     CREATE TABLE piiguard_monitor_events (
         principal TEXT NOT NULL,
         track TEXT NOT NULL,
         at_ms BIGINT NOT NULL
     );
     CREATE INDEX piiguard_monitor_events_by_track
         ON piiguard_monitor_events (principal, track, at_ms);
     CREATE TABLE piiguard_monitor_blocks (
         principal TEXT PRIMARY KEY
     );
     CREATE TABLE piiguard_policies (
         seq BIGINT PRIMARY KEY,
         text TEXT NOT NULL,
         source TEXT NOT NULL
     );",
    // 2: vault tokens, each with its value's envelope (deleted with the subject's key).
    "CREATE TABLE piiguard_tokens (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         id TEXT NOT NULL,
         subject TEXT,
         record TEXT NOT NULL,
         field TEXT NOT NULL,
         class TEXT NOT NULL,
         created BIGINT NOT NULL,
         expires BIGINT,
         token TEXT NOT NULL,
         envelope TEXT NOT NULL,
         key_id TEXT NOT NULL,
         key_version INTEGER NOT NULL,
         PRIMARY KEY (region, tenant, id)
     );
     CREATE INDEX piiguard_tokens_by_subject ON piiguard_tokens (region, tenant, subject);
     CREATE INDEX piiguard_tokens_by_expiry ON piiguard_tokens (expires)
         WHERE expires IS NOT NULL;
     CREATE INDEX piiguard_tokens_by_key ON piiguard_tokens (region, key_id, key_version);",
    // 3: the data lifecycle: each subject's activity per record type, legal holds, and the
    // deletion register (append-only for the service's role).
    "CREATE TABLE piiguard_subject_activity (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         record TEXT NOT NULL,
         classes TEXT NOT NULL,
         created BIGINT NOT NULL,
         last BIGINT NOT NULL,
         given BIGINT,
         PRIMARY KEY (region, tenant, subject, record)
     );
     CREATE TABLE piiguard_legal_holds (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         reason TEXT NOT NULL,
         since BIGINT NOT NULL,
         PRIMARY KEY (region, tenant, subject)
     );
     CREATE TABLE piiguard_deletions (
         seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         region TEXT NOT NULL,
         id TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         records TEXT NOT NULL,
         classes TEXT NOT NULL,
         reason TEXT NOT NULL,
         policy_version TEXT NOT NULL,
         at BIGINT NOT NULL,
         actor TEXT NOT NULL,
         UNIQUE (region, id)
     );
     CREATE INDEX piiguard_deletions_by_subject ON piiguard_deletions (region, subject);",
    // 4: the audit trail's writers, each with a chain of its own, and its checkpoints; the
    // events so far are the writer `legacy`, numbered as they were. No more head row: writers
    // never wait for each other's chain. Two functions the service's role may run and nothing more:
    // one stores an event with the monitor's counts of it in one statement (one round trip,
    // one commit), the other reads the writers' heads for a checkpoint. The monitor's counts
    // per step of the window instead of one row per event (those so far in steps of a day's
    // window).
    "ALTER TABLE piiguard_audit_events
         ADD COLUMN writer TEXT NOT NULL DEFAULT 'legacy',
         ADD COLUMN wseq BIGINT;
     UPDATE piiguard_audit_events SET wseq = seq;
     ALTER TABLE piiguard_audit_events
         ALTER COLUMN wseq SET NOT NULL,
         ALTER COLUMN writer DROP DEFAULT;
     CREATE SEQUENCE piiguard_audit_events_seq OWNED BY piiguard_audit_events.seq;
     SELECT setval('piiguard_audit_events_seq',
         COALESCE((SELECT MAX(seq) FROM piiguard_audit_events), 0) + 1, false);
     ALTER TABLE piiguard_audit_events
         ALTER COLUMN seq SET DEFAULT nextval('piiguard_audit_events_seq');
     CREATE UNIQUE INDEX piiguard_audit_events_by_writer
         ON piiguard_audit_events (writer, wseq);
     CREATE TABLE piiguard_audit_writers (
         writer TEXT PRIMARY KEY,
         started BIGINT NOT NULL,
         sealed BIGINT NOT NULL DEFAULT 0
     );
     INSERT INTO piiguard_audit_writers (writer, started)
         SELECT 'legacy', 0 WHERE EXISTS (SELECT 1 FROM piiguard_audit_events);
     CREATE TABLE piiguard_audit_checkpoints (
         seq BIGINT PRIMARY KEY,
         at_ms BIGINT NOT NULL,
         line TEXT NOT NULL
     );
     DROP TABLE piiguard_audit_head;
     CREATE TABLE piiguard_monitor_counts (
         principal TEXT NOT NULL,
         track TEXT NOT NULL,
         width BIGINT NOT NULL,
         bucket BIGINT NOT NULL,
         n BIGINT NOT NULL,
         PRIMARY KEY (principal, track, width, bucket)
     );
     INSERT INTO piiguard_monitor_counts (principal, track, width, bucket, n)
         SELECT principal, track, 864000, at_ms / 864000, COUNT(*) FROM piiguard_monitor_events
         GROUP BY principal, track, at_ms / 864000;
     DROP TABLE piiguard_monitor_events;
     CREATE FUNCTION piiguard_audit_record(
         p_writer TEXT, p_wseq BIGINT, p_line TEXT, p_principal TEXT, p_tracks TEXT[],
         p_caps INTEGER[], p_limit INTEGER, p_now BIGINT, p_window BIGINT
     ) RETURNS INTEGER[] LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
     DECLARE
         v_before INTEGER[] := '{}';
         v_count BIGINT;
         v_width BIGINT := GREATEST(p_window / 100, 1);
         v_step BIGINT := floor(p_now::numeric / GREATEST(p_window / 100, 1));
         v_first BIGINT := floor((p_now - p_window)::numeric / GREATEST(p_window / 100, 1));
     BEGIN
         IF p_principal IS NOT NULL THEN
             IF EXISTS (SELECT 1 FROM piiguard_monitor_blocks WHERE principal = p_principal) THEN
                 RETURN NULL;
             END IF;
             FOR i IN 1 .. COALESCE(array_length(p_tracks, 1), 0) LOOP
                 PERFORM pg_advisory_xact_lock(
                     hashtextextended(p_principal || chr(31) || p_tracks[i], 0));
                 IF random() < 0.02 THEN
                     DELETE FROM piiguard_monitor_counts
                     WHERE principal = p_principal AND track = p_tracks[i]
                       AND (width <> v_width OR bucket < v_first);
                 END IF;
                 SELECT LEAST(COALESCE(SUM(n), 0), p_caps[i]) INTO v_count
                 FROM piiguard_monitor_counts
                 WHERE principal = p_principal AND track = p_tracks[i] AND width = v_width
                   AND bucket >= v_first;
                 IF i = 1 AND p_limit IS NOT NULL AND v_count >= p_limit THEN
                     RETURN NULL;
                 END IF;
                 INSERT INTO piiguard_monitor_counts (principal, track, width, bucket, n)
                     VALUES (p_principal, p_tracks[i], v_width, v_step, 1)
                     ON CONFLICT (principal, track, width, bucket)
                     DO UPDATE SET n = piiguard_monitor_counts.n + 1;
                 v_before := v_before || v_count::INTEGER;
             END LOOP;
         END IF;
         IF p_wseq = 1 THEN
             INSERT INTO piiguard_audit_writers (writer, started) VALUES (p_writer, p_now)
                 ON CONFLICT DO NOTHING;
         END IF;
         INSERT INTO piiguard_audit_events (writer, wseq, line) VALUES (p_writer, p_wseq, p_line);
         RETURN v_before;
     END $$;
     REVOKE EXECUTE ON FUNCTION piiguard_audit_record(
         TEXT, BIGINT, TEXT, TEXT, TEXT[], INTEGER[], INTEGER, BIGINT, BIGINT) FROM PUBLIC;
     CREATE FUNCTION piiguard_audit_heads() RETURNS TABLE (writer TEXT, wseq BIGINT, mac TEXT)
     LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
         SELECT w.writer, e.wseq, substr(e.line, length(e.line) - 65, 64)
         FROM piiguard_audit_writers w
         CROSS JOIN LATERAL (
             SELECT ev.wseq, ev.line FROM piiguard_audit_events ev
             WHERE ev.writer = w.writer ORDER BY ev.wseq DESC LIMIT 1) e
         WHERE e.wseq > w.sealed ORDER BY w.writer
     $$;
     REVOKE EXECUTE ON FUNCTION piiguard_audit_heads() FROM PUBLIC;",
];

impl PgStore {
    /// The schema version this piiguard reads and writes.
    pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

    /// What the service's own role needs (replace `piiguard_app` with it), once the tables
    /// exist: no DDL, no superuser, and no privilege on the audit events at all — it stores
    /// them through `piiguard_audit_record` (with the monitor's counts, in one statement) and
    /// reads its writers' heads for a checkpoint through `piiguard_audit_heads`, two functions
    /// the migrations own; its rows can be neither changed nor read back by the service (an
    /// auditor's role with `SELECT` on the audit tables verifies them).
    pub const RUNTIME_GRANTS: &'static str = "\
GRANT SELECT ON piiguard_schema TO piiguard_app;
GRANT SELECT, INSERT, UPDATE ON piiguard_key_set TO piiguard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON piiguard_subject_keys TO piiguard_app;
GRANT SELECT, UPDATE ON piiguard_tallies TO piiguard_app;
GRANT EXECUTE ON FUNCTION piiguard_audit_record(
    TEXT, BIGINT, TEXT, TEXT, TEXT[], INTEGER[], INTEGER, BIGINT, BIGINT) TO piiguard_app;
GRANT EXECUTE ON FUNCTION piiguard_audit_heads() TO piiguard_app;
GRANT SELECT, UPDATE ON piiguard_audit_writers TO piiguard_app;
GRANT SELECT, INSERT ON piiguard_audit_checkpoints TO piiguard_app;
GRANT SELECT, INSERT, DELETE ON piiguard_grant_requests TO piiguard_app;
GRANT SELECT, INSERT ON piiguard_revoked_grants TO piiguard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON piiguard_monitor_counts TO piiguard_app;
GRANT SELECT, INSERT, DELETE ON piiguard_monitor_blocks TO piiguard_app;
GRANT SELECT, INSERT ON piiguard_policies TO piiguard_app;
GRANT SELECT, INSERT, DELETE ON piiguard_tokens TO piiguard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON piiguard_subject_activity TO piiguard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON piiguard_legal_holds TO piiguard_app;
GRANT SELECT, INSERT ON piiguard_deletions TO piiguard_app;
";

    /// What an auditor's role needs to verify the trail, follow it, read the report and the
    /// deletion register (`piiguard audit verify|tail|report`, `piiguard retention register`):
    /// reading only, and nothing of the key set, the subject keys or the tokens. The auditor
    /// verifies with an auditor's key file (the integrity keys alone:
    /// [`Keyring::export_integrity_keys`](crate::keys::Keyring::export_integrity_keys)), not the
    /// key-encryption key. Replace `piiguard_auditor` with the role, or print them for it with
    /// [`PgStore::grants`].
    pub const AUDITOR_GRANTS: &'static str = "\
GRANT SELECT ON piiguard_schema TO piiguard_auditor;
GRANT SELECT ON piiguard_audit_events TO piiguard_auditor;
GRANT SELECT ON piiguard_audit_writers TO piiguard_auditor;
GRANT SELECT ON piiguard_audit_checkpoints TO piiguard_auditor;
GRANT SELECT ON piiguard_policies TO piiguard_auditor;
GRANT SELECT ON piiguard_deletions TO piiguard_auditor;
";

    /// The grants `role` needs, for the database role `to` (quoted when it is not a plain
    /// lower-case name): the statements a DBA runs once the tables exist, as
    /// `piiguard store grants --role service|auditor --to NAME` prints them.
    ///
    /// ```
    /// use piiguard::store::{DbRole, PgStore};
    ///
    /// let sql = PgStore::grants(DbRole::Service, "orders_app");
    /// assert!(sql.contains("GRANT SELECT ON piiguard_schema TO orders_app;"));
    /// // The service never reads the audit events; the auditor reads nothing else's rows.
    /// assert!(!sql.contains("ON piiguard_audit_events"));
    /// let sql = PgStore::grants(DbRole::Auditor, "Audit Team");
    /// assert!(sql.contains("GRANT SELECT ON piiguard_audit_events TO \"Audit Team\";"));
    /// ```
    #[must_use]
    pub fn grants(role: DbRole, to: &str) -> String {
        let (template, placeholder) = match role {
            DbRole::Service => (Self::RUNTIME_GRANTS, "piiguard_app"),
            DbRole::Auditor => (Self::AUDITOR_GRANTS, "piiguard_auditor"),
        };
        template.replace(
            &format!("TO {placeholder};"),
            &format!("TO {};", quote_ident(to)),
        )
    }

    /// Every migration's statements with the version it brings the schema to, for a DBA to
    /// review and run (each in one transaction, followed by
    /// `UPDATE piiguard_schema SET version = N`).
    pub fn migrations() -> Vec<(u32, &'static str)> {
        (1..).zip(MIGRATIONS.iter().copied()).collect()
    }

    /// Connects with a role that may create tables and brings the schema up to date, one
    /// version per transaction (several hosts migrating at once wait for each other). Returns
    /// the versions before and after (equal when there was nothing to do).
    ///
    /// # Errors
    /// [`Error::KeyStore`] if the database cannot be reached, the role may not create tables,
    /// or the schema is newer than this piiguard.
    pub fn migrate(url: &str) -> Result<Migrated, Error> {
        let store = Self::start(url, 1)?;
        store
            .run(|client| {
                let mut before = None;
                loop {
                    let mut tx = client.transaction()?;
                    // One migrator at a time, across hosts.
                    tx.execute("SELECT pg_advisory_xact_lock(7146417264651585)", &[])?;
                    let exists: bool = tx
                        .query_one("SELECT to_regclass('piiguard_schema') IS NOT NULL", &[])?
                        .get(0);
                    let current: i32 = if exists {
                        tx.query_one("SELECT version FROM piiguard_schema WHERE id = 1", &[])?
                            .get(0)
                    } else {
                        0
                    };
                    let current = u32::try_from(current).unwrap_or(u32::MAX);
                    let before = *before.get_or_insert(current);
                    let Some(statements) = MIGRATIONS.get(current as usize) else {
                        tx.commit()?;
                        return Ok(Migrated {
                            before,
                            after: current,
                        });
                    };
                    tx.batch_execute(statements)?;
                    tx.execute(
                        "UPDATE piiguard_schema SET version = $1 WHERE id = 1",
                        &[&i32::try_from(current + 1).unwrap_or(i32::MAX)],
                    )?;
                    tx.commit()?;
                }
            })
            .map_err(|e| e.into_error("cannot bring the piiguard schema up to date"))
            .and_then(|migrated| {
                if migrated.after > Self::SCHEMA_VERSION {
                    Err(newer())
                } else {
                    Ok(migrated)
                }
            })
    }

    pub(super) fn check_schema(&self) -> Result<(), Error> {
        let version: Option<i32> = self
            .run(|client| {
                let exists: bool = client
                    .query_one("SELECT to_regclass('piiguard_schema') IS NOT NULL", &[])?
                    .get(0);
                if !exists {
                    return Ok(None);
                }
                Ok(Some(
                    client
                        .query_one("SELECT version FROM piiguard_schema WHERE id = 1", &[])?
                        .get(0),
                ))
            })
            .map_err(|e| e.into_error("cannot read the piiguard schema version"))?;
        match version.map(|v| u32::try_from(v).unwrap_or(0)) {
            None => Err(Error::KeyStore {
                reason: "the database has no piiguard tables: run `piiguard store migrate` \
                         (PgStore::migrate) with a role that may create tables first",
            }),
            Some(v) if v < Self::SCHEMA_VERSION => Err(Error::KeyStore {
                reason: "the piiguard schema is older than this piiguard: run `piiguard store \
                         migrate` (PgStore::migrate)",
            }),
            Some(v) if v > Self::SCHEMA_VERSION => Err(newer()),
            Some(_) => Ok(()),
        }
    }
}

fn newer() -> Error {
    Error::KeyStore {
        reason: "the piiguard schema was made by a newer piiguard: upgrade this one",
    }
}

/// The schema versions a [`PgStore::migrate`] found and left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// The version before (0: the database had no piiguard tables).
    pub before: u32,
    /// The version after: [`PgStore::SCHEMA_VERSION`].
    pub after: u32,
}

/// Whose grants [`PgStore::grants`] prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbRole {
    /// The application's own role: reads and writes what a guard needs, no DDL, and no
    /// privilege on the audit events (it stores them through a function the migrations own).
    Service,
    /// An auditor's role: reads the audit trail, the policies and the deletion register.
    Auditor,
}

/// `name` as a PostgreSQL identifier: bare when it is a plain lower-case name, quoted otherwise.
fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}
