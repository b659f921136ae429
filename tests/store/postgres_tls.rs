//! TLS to PostgreSQL, against a server that accepts connections only over TLS, with a test CA
//! (`scripts/test-services.sh` starts it; these tests fail without it): a verified connection
//! works, with or without a client certificate where the server asks for one; a wrong CA, a
//! wrong host name and plain text are each refused with their cause; and TLS required of a
//! server that has none is refused too.

use piiguard::Error;
use piiguard::store::{DatabaseCause, PgStore};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the suite with scripts/test.sh, which starts PostgreSQL over TLS")
    })
}

/// The TLS-only server's URL with `query`, as `user` on `host`.
fn url(user: &str, host: &str, query: &str) -> String {
    let base = env("PIIGUARD_TEST_POSTGRES_TLS")
        .replacen("://postgres@", &format!("://{user}@"), 1)
        .replacen("@localhost:", &format!("@{host}:"), 1);
    format!("{base}?{query}")
}

fn cause(result: Result<piiguard::store::Migrated, Error>) -> DatabaseCause {
    match result {
        Err(Error::Database { cause, .. }) => cause,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_verified_connection_works_over_tls_and_reaches_the_store() {
    let ca = env("PIIGUARD_TEST_POSTGRES_TLS_CA");
    // `require` (verified in full, as libpq's verify-full), and libpq's own verify-full.
    for mode in ["require", "verify-full", "verify-ca"] {
        let url = url(
            "postgres",
            "localhost",
            &format!("sslmode={mode}&sslrootcert={ca}"),
        );
        let migrated = PgStore::migrate(&url).unwrap();
        assert_eq!(migrated.after, PgStore::SCHEMA_VERSION);
        PgStore::connect(&url, 2).unwrap();
    }
    // Without sslmode, TLS is used when the server offers it (this one only accepts TLS).
    PgStore::connect(
        &url("postgres", "localhost", &format!("sslrootcert={ca}")),
        1,
    )
    .unwrap();
}

#[test]
fn a_wrong_ca_a_wrong_host_and_plain_text_are_refused_with_their_cause() {
    let ca = env("PIIGUARD_TEST_POSTGRES_TLS_CA");
    let other = env("PIIGUARD_TEST_POSTGRES_TLS_OTHER_CA");
    let wrong_ca = url(
        "postgres",
        "localhost",
        &format!("sslmode=require&sslrootcert={other}"),
    );
    assert_eq!(
        cause(PgStore::migrate(&wrong_ca)),
        DatabaseCause::TlsUntrusted
    );
    // The certificate names localhost; 127.0.0.1 is the same server under another name.
    let wrong_host = url(
        "postgres",
        "127.0.0.1",
        &format!("sslmode=require&sslrootcert={ca}"),
    );
    assert_eq!(
        cause(PgStore::migrate(&wrong_host)),
        DatabaseCause::TlsWrongHost
    );
    // The server refuses plain text.
    let plain = url("postgres", "localhost", "sslmode=disable");
    assert_eq!(cause(PgStore::migrate(&plain)), DatabaseCause::TlsRequired);
    let shown = PgStore::migrate(&plain).unwrap_err().to_string();
    assert!(shown.contains("only over TLS"), "{shown}");
    // And a server without TLS is refused when TLS is required.
    let no_tls = format!("{}?sslmode=require", env("PIIGUARD_TEST_POSTGRES"));
    assert_eq!(
        cause(PgStore::migrate(&no_tls)),
        DatabaseCause::TlsUnavailable
    );
    // A CA file that is not there is named.
    let missing = url(
        "postgres",
        "localhost",
        "sslmode=require&sslrootcert=/nonexistent/ca.pem",
    );
    let shown = PgStore::migrate(&missing).unwrap_err().to_string();
    assert!(shown.contains("sslrootcert"), "{shown}");
}

#[test]
fn a_client_certificate_is_presented_when_the_server_asks_for_one() {
    let ca = env("PIIGUARD_TEST_POSTGRES_TLS_CA");
    let (cert, key) = (
        env("PIIGUARD_TEST_POSTGRES_TLS_CLIENT_CERT"),
        env("PIIGUARD_TEST_POSTGRES_TLS_CLIENT_KEY"),
    );
    // The tables, made by the role the other tests use: migrations run by two roles would
    // fail (a sequence must have its table's owner).
    let dba = url(
        "postgres",
        "localhost",
        &format!("sslmode=require&sslrootcert={ca}"),
    );
    PgStore::migrate(&dba).unwrap();
    // piiguard_cert authenticates by certificate (`cert` in pg_hba.conf).
    let with = url(
        "piiguard_cert",
        "localhost",
        &format!("sslmode=require&sslrootcert={ca}&sslcert={cert}&sslkey={key}"),
    );
    PgStore::connect(&with, 1).unwrap();
    let without = url(
        "piiguard_cert",
        "localhost",
        &format!("sslmode=require&sslrootcert={ca}"),
    );
    assert!(matches!(
        PgStore::connect(&without, 1),
        Err(Error::Database { .. })
    ));
    // Half an identity is a mistake, said before connecting.
    let half = url(
        "piiguard_cert",
        "localhost",
        &format!("sslmode=require&sslrootcert={ca}&sslcert={cert}"),
    );
    let shown = PgStore::migrate(&half).unwrap_err().to_string();
    assert!(shown.contains("both sslcert and sslkey"), "{shown}");
}
