//! The subcommands that read a piiguard store: `audit verify` and `keys list`, on a local
//! directory (`store.db`, its key set sealed under `kek` or `PIIGUARD_KEK_PASSPHRASE`) or, with
//! the `postgres` feature, a PostgreSQL store (`--postgres URL`, the key set sealed under
//! `PIIGUARD_KEK_PASSPHRASE`). They open the store as it is — no policy put in force, nothing
//! created: a store without a key set is an error, never a new key set.

use crate::Usage;
use piiguard::Error;
use piiguard::keys::Keyring;
use piiguard::store::SqliteStore;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The local directory `Guard::open_local` uses by default in the examples.
const LOCAL_DIR: &str = ".piiguard";

/// Where the store is.
#[derive(clap::Args)]
pub(crate) struct At {
    /// The piiguard directory (its `store.db`).
    #[arg(long, value_name = "DIR", default_value = LOCAL_DIR)]
    dir: PathBuf,
    /// A PostgreSQL store instead (`postgres://user@host/db`); verifying needs a role that may
    /// read `piiguard_audit_events` (an auditor's, not the service's).
    #[cfg(feature = "postgres")]
    #[arg(long, value_name = "URL", conflicts_with = "dir")]
    postgres: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `piiguard audit`.
#[derive(clap::Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(clap::Subcommand)]
enum AuditCommand {
    /// Verifies the whole audit trail (every writer's events, one hash chain). Exit 0 when it
    /// verifies, 1 at the first bad event (its number and what is wrong).
    Verify(At),
}

/// Arguments of `piiguard keys`.
#[derive(clap::Args)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(clap::Subcommand)]
enum KeysCommand {
    /// Lists every root key version: id, version, purpose, region and state (never material).
    List(At),
}

fn failed(dir: &Path) -> impl Fn(Error) -> Usage + '_ {
    move |e| Usage(format!("{}: {e}", dir.display()))
}

/// Refuses a directory that holds no store: the subcommands open stores, never create them.
pub(crate) fn require_store(dir: &Path) -> Result<(), Usage> {
    if dir.join("store.db").is_file() {
        Ok(())
    } else {
        Err(Usage(format!(
            "{}: no piiguard store here (store.db is missing)",
            dir.display()
        )))
    }
}

/// The directory's keyring, refusing a directory that holds no store.
fn keyring(dir: &Path) -> Result<Keyring, Usage> {
    require_store(dir)?;
    Keyring::open_local(dir).map_err(failed(dir))
}

/// What the command names: the directory, or the PostgreSQL store (its URL without the
/// password).
fn name(at: &At) -> String {
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        return redact_password(url);
    }
    at.dir.display().to_string()
}

/// `postgres://user:secret@host/db` as `postgres://user@host/db`.
#[cfg(feature = "postgres")]
fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The PostgreSQL store and its keyring, refusing a store without a key set.
#[cfg(feature = "postgres")]
fn postgres(url: &str) -> Result<(piiguard::store::PgStore, Keyring), Usage> {
    use piiguard::keys::{KEK_PASSPHRASE_VAR, KekSource, KeySetStore as _, StoredKeySet};
    let shown = redact_password(url);
    let fail = |e: Error| Usage(format!("{shown}: {e}"));
    let passphrase = std::env::var(KEK_PASSPHRASE_VAR).map_err(|_| {
        Usage(format!(
            "{shown}: {KEK_PASSPHRASE_VAR} must hold the key-encryption passphrase"
        ))
    })?;
    let store = piiguard::store::PgStore::connect(url, 1).map_err(fail)?;
    if store.sealed_version().map_err(fail)?.is_none() {
        return Err(Usage(format!("{shown}: no key set in this store")));
    }
    let keyring = Keyring::builder()
        .provider(StoredKeySet::new(
            store.clone(),
            KekSource::passphrase(passphrase),
        ))
        .store(store.clone())
        .build()
        .map_err(fail)?;
    Ok((store, keyring))
}

/// The trail verified, on the engine `at` names.
fn verify(at: &At) -> Result<Result<piiguard::audit::ChainReport, Error>, Usage> {
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        let (store, keyring) = postgres(url)?;
        let audit = store
            .audit(&keyring)
            .map_err(|e| Usage(format!("{}: {e}", name(at))))?;
        return Ok(audit.verify_reaching(None));
    }
    let dir = &at.dir;
    let keyring = keyring(dir)?;
    let audit = SqliteStore::open(dir.join("store.db"))
        .and_then(|store| store.audit(&keyring))
        .map_err(failed(dir))?;
    Ok(audit.verify_reaching(None))
}

pub(crate) fn audit(args: &AuditArgs) -> Result<ExitCode, Usage> {
    let AuditCommand::Verify(at) = &args.command;
    let shown = name(at);
    match verify(at)? {
        Ok(report) => {
            if at.json {
                let out = serde_json::json!({
                    "store": shown, "intact": true, "events": report.events,
                    "head": { "seq": report.head.seq, "mac": report.head.mac },
                });
                println!("{out}");
            } else {
                println!(
                    "{shown}: {} events, the chain is intact (head {} {})",
                    report.events, report.head.seq, report.head.mac
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::AuditChain { line, problem }) => {
            if at.json {
                let out = serde_json::json!({
                    "store": shown, "intact": false, "event": line,
                    "problem": problem.to_string(),
                });
                println!("{out}");
            } else {
                println!("{shown}: the chain breaks at event {line}: {problem}");
            }
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(Usage(format!("{shown}: {e}"))),
    }
}

pub(crate) fn keys(args: &KeysArgs) -> Result<ExitCode, Usage> {
    let KeysCommand::List(at) = &args.command;
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        return list(at, &postgres(url)?.1);
    }
    list(at, &keyring(&at.dir)?)
}

fn list(at: &At, keyring: &Keyring) -> Result<ExitCode, Usage> {
    let keys = keyring.key_infos();
    if at.json {
        let list: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "id": k.id, "version": k.version, "purpose": k.purpose.name(),
                    "region": k.region, "state": k.state.name(),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        println!(
            "{:<24} {:>7}  {:<18} {:<10} state",
            "id", "version", "purpose", "region"
        );
        for k in &keys {
            println!(
                "{:<24} {:>7}  {:<18} {:<10} {}",
                k.id,
                k.version,
                k.purpose.name(),
                k.region,
                k.state.name()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    #[test]
    fn a_password_in_a_url_is_not_shown() {
        assert_eq!(
            super::redact_password("postgres://auditor:s3cret@db.example.com:5432/app"),
            "postgres://auditor@db.example.com:5432/app"
        );
        assert_eq!(
            super::redact_password("postgres://postgres@127.0.0.1/app"),
            "postgres://postgres@127.0.0.1/app"
        );
        assert_eq!(super::redact_password("host=db"), "host=db");
    }
}
