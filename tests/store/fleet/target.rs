//! Where a fleet test runs: a local directory (one SQLite store), or a PostgreSQL database of
//! its own on the server `scripts/test.sh` started (`PIIGUARD_TEST_POSTGRES`), reached by the
//! helper processes through a role that has only `PgStore::RUNTIME_GRANTS`.

use piiguard::Guard;
use piiguard::keys::KekSource;
use piiguard::store::PgStore;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable telling a helper process the PostgreSQL URL to use.
pub(crate) const PG_URL: &str = "PIIGUARD_FLEET_PG";

/// The fleet's policy (installed in the PostgreSQL store; `policy.toml` of the directory).
pub(crate) const POLICY: &str = r#"
version = "fleet-1"
admin_roles = ["admin"]

[[rule]]
roles = ["service"]
sensitivities = ["technical", "personal"]
treatment = "reveal"

[[rule]]
roles = ["support"]
sensitivities = ["technical", "personal", "sensitive"]
treatment = "mask"

[break_glass]
approvers = ["security"]
max_ttl_secs = 3600

[monitor]
window_secs = 86400
elevated_after = 100
suspicious_after = 150
hard_limit = 400
denials_alert_after = 1000
"#;

pub(crate) struct Pg {
    /// The test database as a superuser (migrations, the auditor's reads, tampering).
    pub(crate) admin_url: String,
    /// The test database as the service's role.
    pub(crate) app_url: String,
    server_url: String,
    db: String,
    role: String,
}

pub(crate) struct Target {
    dir: PathBuf,
    pub(crate) pg: Option<Pg>,
}

/// The key-encryption key of the PostgreSQL fleet (a passphrase every instance is given).
pub(crate) fn kek() -> KekSource {
    KekSource::passphrase("fleet test passphrase, synthetic")
}

/// A guard on the store at `url`.
pub(crate) fn pg_guard(url: &str) -> Guard {
    Guard::shared(PgStore::connect(url, 2).unwrap(), kek())
        .unwrap()
        .build()
        .unwrap()
}

/// What a helper process opens: the PostgreSQL store it was told of, else the directory.
pub(crate) fn open(dir: &Path) -> Guard {
    match std::env::var(PG_URL) {
        Ok(url) => pg_guard(&url),
        Err(_) => Guard::open_local(dir).unwrap(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pg-fleet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

impl Target {
    /// A local directory with the fleet's `policy.toml`.
    pub(crate) fn sqlite(name: &str) -> Self {
        let dir = temp_dir(name);
        std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
        Self { dir, pg: None }
    }

    /// A database of its own, migrated, with a service role holding only the runtime grants,
    /// and the fleet's policy installed. Fails when no server was started for the tests.
    pub(crate) fn postgres(name: &str) -> Self {
        let server_url = std::env::var("PIIGUARD_TEST_POSTGRES").expect(
            "PIIGUARD_TEST_POSTGRES is not set: run the suite with scripts/test.sh, which starts \
             PostgreSQL",
        );
        let suffix = format!("{}_{}", name, std::process::id());
        let db = format!("pgt_{suffix}");
        let role = format!("pgapp_{suffix}");
        let mut server = admin(&server_url);
        for statement in [
            format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            format!("DROP ROLE IF EXISTS {role}"),
            format!("CREATE DATABASE {db}"),
            format!("CREATE ROLE {role} LOGIN"),
        ] {
            server.batch_execute(&statement).unwrap();
        }
        let base = &server_url[..server_url.rfind('/').unwrap()];
        let admin_url = format!("{base}/{db}");
        let app_url = admin_url.replacen("://postgres@", &format!("://{role}@"), 1);
        assert_ne!(app_url, admin_url, "the server URL names the postgres user");
        assert_eq!(
            PgStore::migrate(&admin_url).unwrap().after,
            PgStore::SCHEMA_VERSION
        );
        admin(&admin_url)
            .batch_execute(&PgStore::RUNTIME_GRANTS.replace("piiguard_app", &role))
            .unwrap();
        // The fleet's policy, installed by an operator before the instances start.
        use piiguard::policy::PolicyStore as _;
        PgStore::connect(&admin_url, 1)
            .unwrap()
            .install_policy(POLICY, "admin", None)
            .unwrap()
            .unwrap();
        Self {
            dir: temp_dir(&format!("{name}-pg")),
            pg: Some(Pg {
                admin_url,
                app_url,
                server_url,
                db,
                role,
            }),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// A guard for the test's own checks (on PostgreSQL, as the superuser: an auditor may
    /// read the trail, the service may not).
    pub(crate) fn guard(&self) -> Guard {
        match &self.pg {
            Some(pg) => pg_guard(&pg.admin_url),
            None => Guard::open_local(&self.dir).unwrap(),
        }
    }

    /// Points a helper process at the store.
    pub(crate) fn configure(&self, command: &mut Command) {
        if let Some(pg) = &self.pg {
            command.env(PG_URL, &pg.app_url);
        }
    }

    /// The trail's rows as `(seq, line)`, in order.
    pub(crate) fn rows(&self) -> Vec<(i64, String)> {
        match &self.pg {
            Some(pg) => admin(&pg.admin_url)
                .query(
                    "SELECT seq, line FROM piiguard_audit_events ORDER BY seq",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect(),
            None => {
                let db = rusqlite::Connection::open(self.dir.join("store.db")).unwrap();
                let mut stmt = db
                    .prepare("SELECT seq, line FROM audit_events ORDER BY seq")
                    .unwrap();
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
        }
    }

    /// Runs SQL on the test database as its superuser.
    pub(crate) fn sql(&self, statements: &str) -> Result<(), postgres::Error> {
        let pg = self.pg.as_ref().unwrap();
        admin(&pg.admin_url).batch_execute(statements)
    }

    /// Runs SQL on the test database as the service's role.
    pub(crate) fn sql_as_app(&self, statements: &str) -> Result<(), postgres::Error> {
        let pg = self.pg.as_ref().unwrap();
        admin(&pg.app_url).batch_execute(statements)
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(pg) = &self.pg
            && let Ok(mut server) = postgres::Client::connect(&pg.server_url, postgres::NoTls)
        {
            let _ =
                server.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.db));
            let _ = server.batch_execute(&format!("DROP ROLE IF EXISTS {}", pg.role));
        }
    }
}
