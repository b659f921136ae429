//! One classified field per SQL column, on a real SQLite file (rusqlite) and a real PostgreSQL
//! database (the server `scripts/test.sh` starts): written with `Storage::column`, found by blind
//! index, read back with `Storage::read_column` and revealed; every mix-up a typed error.

use piiguard::{Classified, Envelope, Error, Guard, Pii, Principal};
use std::path::PathBuf;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: String,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = id)]
struct Supplier {
    id: String,
    #[pii(class = email)]
    email: Pii<String>,
}

const SENTINEL: &str = "sentinel.q8z7@example.com";

const POLICY: &str = r#"
version = "sql-1"
[[rule]]
roles = ["service"]
sensitivities = ["personal"]
treatment = "reveal"
"#;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("pg-sql-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database of its own on the server `scripts/test.sh` started, dropped at the end. Fails
/// when no server was started.
struct Database {
    url: String,
    server: String,
    name: String,
}

impl Database {
    fn new(name: &str) -> Self {
        let server = std::env::var("PIIGUARD_TEST_POSTGRES").expect(
            "PIIGUARD_TEST_POSTGRES is not set: run the suite with scripts/test.sh, which starts \
             PostgreSQL",
        );
        let name = format!("pgt_{name}_{}", std::process::id());
        let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = format!("{}/{name}", &server[..server.rfind('/').unwrap()]);
        Self { url, server, name }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The embedded default in `dir/keys`, with a policy that lets a service read email addresses.
fn guard(dir: &TempDir) -> Guard {
    let keys = dir.0.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("policy.toml"), POLICY).unwrap();
    Guard::open_local(keys).unwrap()
}

/// A subject id made before the insert (as a UUID would be), so the row is written once.
fn uuid_like(n: u32) -> String {
    format!("6f1c2a9e-0000-4000-8000-{n:012}")
}

fn customer(n: u32, email: &str) -> Customer {
    Customer {
        id: uuid_like(n),
        email: Pii::new(email.to_owned()),
        passport: Pii::new(format!("X{n:08}")),
    }
}

fn mailer() -> Principal {
    Principal::new("mailer").role("service")
}

fn reveal_email(guard: &Guard, c: &Customer) -> String {
    guard
        .reveal(&mailer(), c, |c| &c.email, "send_receipt")
        .unwrap()
        .expose()
        .clone()
}

/// Reads one row's columns back into a `Customer`.
fn assemble(
    guard: &Guard,
    id: String,
    email: Envelope,
    passport: Envelope,
) -> Result<Customer, Error> {
    Ok(Customer {
        email: guard
            .storage()
            .read_column::<Customer, _>("email", Some(&id), email)?,
        passport: guard
            .storage()
            .read_column::<Customer, _>("passport", Some(&id), passport)?,
        id,
    })
}

/// A refused column read is evidence of tampering: it is on the record (as a failed view of
/// the row would be), and a good read or a caller's mistake is not.
#[test]
fn a_refused_column_read_is_audited() {
    use piiguard::audit::{Action, MemorySink, Outcome};
    use piiguard::keys::{Environment, Keyring};
    let audit = std::sync::Arc::new(MemorySink::new());
    let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
        .audit(audit.clone())
        .build()
        .unwrap();
    let (a, b) = (customer(1, SENTINEL), customer(2, "john.q8z@example.com"));
    let email = guard
        .storage()
        .column(&a, |c| &c.email)
        .unwrap()
        .envelope()
        .clone();
    let other = guard
        .storage()
        .column(&b, |c| &c.email)
        .unwrap()
        .envelope()
        .clone();
    guard
        .storage()
        .read_column::<Customer, String>("email", Some(&a.id), email.clone())
        .unwrap();
    assert!(matches!(
        guard
            .storage()
            .read_column::<Customer, String>("nope", Some(&a.id), email.clone()),
        Err(Error::FieldNotFound)
    ));
    assert!(audit.events().is_empty(), "a good read discloses nothing");
    // b's value swapped into a's row; a's value read as its passport; a flipped byte.
    assert!(mismatch(guard.storage().read_column::<Customer, String>(
        "email",
        Some(&a.id),
        other
    )));
    assert!(mismatch(guard.storage().read_column::<Customer, String>(
        "passport",
        Some(&a.id),
        email.clone()
    )));
    let mut bytes = email.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let flipped = Envelope::parse_bytes(&bytes).unwrap();
    assert!(
        guard
            .storage()
            .read_column::<Customer, String>("email", Some(&a.id), flipped)
            .is_err()
    );
    let events = audit.events();
    assert_eq!(events.len(), 3, "{events:?}");
    for (event, field) in events.iter().zip(["email", "passport", "email"]) {
        assert_eq!(
            (event.action, event.outcome),
            (Action::View, Outcome::Failed)
        );
        assert_eq!(event.reason.code(), "open_failed");
        assert_eq!(event.object.record.as_deref(), Some("Customer"));
        assert_eq!(event.object.field.as_deref(), Some(field));
        assert_eq!(event.object.subject.as_deref(), Some(a.id.as_str()));
        let line = format!("{event:?}");
        assert!(
            !line.contains(SENTINEL) && !line.contains("john.q8z"),
            "{line}"
        );
    }
}

fn mismatch(result: Result<Pii<String>, Error>) -> bool {
    matches!(result, Err(Error::ColumnMismatch { .. }))
}

#[test]
fn rusqlite_one_field_per_column() {
    let dir = TempDir::new("sqlite");
    let guard = guard(&dir);
    let db_path = dir.0.join("app.db");
    let db = rusqlite::Connection::open(&db_path).unwrap();
    db.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE customers (
             id TEXT PRIMARY KEY,
             email TEXT NOT NULL,
             email_bidx TEXT NOT NULL,
             passport BLOB NOT NULL
         );
         CREATE INDEX customers_email_bidx ON customers (email_bidx);",
    )
    .unwrap();
    for (n, email) in [(1, SENTINEL), (2, "john.q8z@example.com")] {
        let c = customer(n, email);
        let email = guard.storage().column(&c, |c| &c.email).unwrap();
        let passport = guard.storage().column(&c, |c| &c.passport).unwrap();
        assert!(passport.blind_index().is_none());
        db.execute(
            "INSERT INTO customers (id, email, email_bidx, passport) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                c.id,
                email.envelope(),
                email.blind_index(),
                passport.bytes()
            ],
        )
        .unwrap();
    }

    // Found by blind index, read back, revealed.
    let candidates = guard
        .storage()
        .blind_index_candidates::<Customer>("email", SENTINEL)
        .unwrap();
    let (id, email, passport): (String, Envelope, Envelope) = db
        .query_row(
            "SELECT id, email, passport FROM customers WHERE email_bidx = ?1",
            [&candidates[0]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let c = assemble(&guard, id.clone(), email.clone(), passport.clone()).unwrap();
    assert_eq!(reveal_email(&guard, &c), SENTINEL);

    // Every mix-up is refused when read, with a typed error.
    let other_id = uuid_like(2);
    assert!(mismatch(guard.storage().read_column::<Customer, String>(
        "email",
        Some(&other_id),
        email.clone()
    )));
    assert!(mismatch(guard.storage().read_column::<Customer, String>(
        "passport",
        Some(&id),
        email.clone()
    )));
    assert!(mismatch(guard.storage().read_column::<Supplier, String>(
        "email",
        Some(&id),
        email.clone()
    )));
    assert!(matches!(
        guard
            .storage()
            .read_column::<Customer, String>("no_such_field", Some(&id), email.clone()),
        Err(Error::FieldNotFound)
    ));
    assert!(matches!(
        guard
            .storage()
            .read_column::<Customer, u64>("email", Some(&id), email),
        Err(Error::Decode { .. })
    ));
    // Cleartext or garbage in a column is not an envelope.
    db.execute(
        "UPDATE customers SET email = 'plain@example.com' WHERE id = ?1",
        [&other_id],
    )
    .unwrap();
    let read: rusqlite::Result<Envelope> = db.query_row(
        "SELECT email FROM customers WHERE id = ?1",
        [&other_id],
        |r| r.get(0),
    );
    let message = read.unwrap_err().to_string();
    assert!(!message.contains("plain@example.com"), "{message}");

    // No cleartext in the database or beside it.
    drop(db);
    for entry in std::fs::read_dir(&dir.0).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes
                    .windows(SENTINEL.len())
                    .any(|w| w == SENTINEL.as_bytes()),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn postgres_one_field_per_column() {
    let database = Database::new("columns");
    let url = database.url.clone();
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    db.batch_execute(
        "CREATE TABLE customers (
             id TEXT PRIMARY KEY,
             email TEXT NOT NULL,
             email_bidx TEXT NOT NULL,
             passport BYTEA NOT NULL
         );
         CREATE INDEX customers_email_bidx ON customers (email_bidx);",
    )
    .unwrap();
    let dir = TempDir::new("pg");
    let guard = guard(&dir);
    for (n, email) in [(1, SENTINEL), (2, "john.q8z@example.com")] {
        let c = customer(n, email);
        let email = guard.storage().column(&c, |c| &c.email).unwrap();
        let passport = guard.storage().column(&c, |c| &c.passport).unwrap();
        db.execute(
            "INSERT INTO customers (id, email, email_bidx, passport) VALUES ($1, $2, $3, $4)",
            &[
                &c.id,
                email.envelope(),
                &email.blind_index(),
                passport.envelope(),
            ],
        )
        .unwrap();
    }
    let candidates = guard
        .storage()
        .blind_index_candidates::<Customer>("email", SENTINEL)
        .unwrap();
    let row = db
        .query_one(
            "SELECT id, email, passport FROM customers WHERE email_bidx = ANY($1)",
            &[&candidates],
        )
        .unwrap();
    let (id, email, passport): (String, Envelope, Envelope) = (row.get(0), row.get(1), row.get(2));
    let c = assemble(&guard, id.clone(), email.clone(), passport).unwrap();
    assert_eq!(reveal_email(&guard, &c), SENTINEL);
    assert!(mismatch(guard.storage().read_column::<Customer, String>(
        "email",
        Some(&uuid_like(2)),
        email
    )));
    // Stored as text in `text` and as bytes in `bytea`; neither holds the value.
    let raw = db
        .query_one(
            "SELECT email, encode(passport, 'hex') FROM customers WHERE id = $1",
            &[&id],
        )
        .unwrap();
    let text: String = raw.get(0);
    assert!(text.starts_with("pg1.") && !text.contains("sentinel"));
    drop(db);
}

#[test]
fn sqlx_postgres_one_field_per_column() {
    let database = Database::new("sqlx");
    let url = database.url.clone();
    let dir = TempDir::new("sqlx");
    let guard = guard(&dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection as _;
        let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(
            "CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT NOT NULL,
             email_bidx TEXT NOT NULL, passport BYTEA NOT NULL)",
        )
        .execute(&mut db)
        .await
        .unwrap();
        let c = customer(1, SENTINEL);
        let email = guard.storage().column(&c, |c| &c.email).unwrap();
        let passport = guard.storage().column(&c, |c| &c.passport).unwrap();
        sqlx::query("INSERT INTO customers VALUES ($1, $2, $3, $4)")
            .bind(&c.id)
            .bind(email.envelope())
            .bind(email.blind_index())
            .bind(passport.bytes())
            .execute(&mut db)
            .await
            .unwrap();
        let candidates = guard
            .storage()
            .blind_index_candidates::<Customer>("email", SENTINEL)
            .unwrap();
        let (id, email, passport): (String, Envelope, Envelope) =
            sqlx::query_as("SELECT id, email, passport FROM customers WHERE email_bidx = ANY($1)")
                .bind(&candidates)
                .fetch_one(&mut db)
                .await
                .unwrap();
        let c = assemble(&guard, id.clone(), email.clone(), passport).unwrap();
        assert_eq!(reveal_email(&guard, &c), SENTINEL);
        // Read as another field of the same row: refused.
        assert!(mismatch(guard.storage().read_column::<Customer, String>(
            "passport",
            Some(&id),
            email.clone()
        )));
        // Read for a subject that never had a key: refused too (as forgotten).
        assert!(matches!(
            guard
                .storage()
                .read_column::<Customer, String>("email", Some(&uuid_like(9)), email),
            Err(Error::SubjectForgotten)
        ));
        db.close().await.unwrap();
    });
}
