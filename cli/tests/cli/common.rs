//! Running the built `piiguard` binary as a user would, for every CLI test.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `piiguard args…` with `stdin` as its standard input, outside any configured
/// environment (no passphrase, no `PIIGUARD_ENV`).
#[allow(dead_code)] // the page suites run no command
pub(crate) fn piiguard(args: &[&str], stdin: &str) -> Output {
    piiguard_with(args, stdin, &[])
}

/// The same with these environment variables set.
#[allow(dead_code)] // not every suite sets any
pub(crate) fn piiguard_with(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_piiguard"))
        .args(args)
        .env_remove("PIIGUARD_KEK_PASSPHRASE")
        .env_remove("PIIGUARD_ENV")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    // A program that stops at a bad argument exits without reading its input.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

/// The record the CLI suites write: a customer with an email, the customer its subject.
#[cfg(feature = "store")]
#[derive(piiguard::Classified)]
#[pii(subject = id)]
pub(crate) struct Customer {
    pub(crate) id: u64,
    #[pii(class = email)]
    pub(crate) email: piiguard::Pii<String>,
}

/// The keys of `keys list|init|rotate --json`'s object.
#[allow(dead_code)]
pub(crate) fn key_list(stdout: &[u8]) -> Vec<serde_json::Value> {
    let out: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    out["keys"].as_array().expect("a `keys` array").clone()
}

/// Output as text.
#[allow(dead_code)]
pub(crate) fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

/// A new, migrated PostgreSQL database named `name` on the server `scripts/test.sh` started
/// (`PIIGUARD_TEST_POSTGRES`; a test fails without it): its URL, and a connection to the
/// server for dropping it afterwards with [`drop_database`].
#[cfg(feature = "postgres")]
#[allow(dead_code)] // not every suite uses PostgreSQL
pub(crate) fn postgres_database(name: &str) -> (String, postgres::Client) {
    let (url, admin) = postgres_empty_database(name);
    piiguard::store::PgStore::migrate(&url).unwrap();
    (url, admin)
}

/// The same without piiguard's tables.
#[cfg(feature = "postgres")]
#[allow(dead_code)]
pub(crate) fn postgres_empty_database(name: &str) -> (String, postgres::Client) {
    let server = std::env::var("PIIGUARD_TEST_POSTGRES").expect(
        "PIIGUARD_TEST_POSTGRES is not set: run the suite with scripts/test.sh, which starts \
         PostgreSQL",
    );
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin.batch_execute(&statement).unwrap();
    }
    let url = format!("{}/{name}", &server[..server.rfind('/').unwrap()]);
    (url, admin)
}

/// Drops a database [`postgres_database`] made.
#[cfg(feature = "postgres")]
#[allow(dead_code)]
pub(crate) fn drop_database(admin: &mut postgres::Client, name: &str) {
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}

/// A guard on the PostgreSQL store at `url`, with `policy` put in force there first (as an
/// operator would), its key set sealed under `passphrase`.
#[cfg(feature = "postgres")]
#[allow(dead_code)]
pub(crate) fn postgres_guard(url: &str, policy: &str, passphrase: &str) -> piiguard::Guard {
    use piiguard::policy::PolicyStore as _;
    use piiguard::store::PgStore;
    PgStore::connect(url, 1)
        .unwrap()
        .install_policy(policy, "test", None)
        .unwrap()
        .unwrap();
    piiguard::Guard::shared(
        PgStore::connect(url, 1).unwrap(),
        piiguard::keys::KekSource::passphrase(passphrase),
    )
    .unwrap()
    .build()
    .unwrap()
}

/// Runs headless Chromium (`PIIGUARD_TEST_CHROMIUM`, which `scripts/test.sh` sets, installing
/// it if needed) on the page at `page` with `extra` arguments (`--dump-dom`, `--screenshot=…`):
/// its standard output. A test fails without Chromium.
#[cfg(feature = "chromium-tests")]
#[allow(dead_code)] // not every suite renders a page
pub(crate) fn chromium(page: &std::path::Path, extra: &[&str]) -> Vec<u8> {
    let chromium = std::env::var("PIIGUARD_TEST_CHROMIUM").expect(
        "PIIGUARD_TEST_CHROMIUM is not set: run the suite with scripts/test.sh, which installs \
         Chromium",
    );
    let profile = page.with_file_name("chromium-profile");
    let out = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,2600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}
