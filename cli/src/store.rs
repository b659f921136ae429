//! The subcommands that read a piiguard store: `audit verify` and `keys list`, on a local
//! directory (`store.db`, its key set sealed under `kek` or `PIIGUARD_KEK_PASSPHRASE`). They open
//! the store as it is — no policy put in force, nothing created: a directory without a store is
//! an error, never a new key set.

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

/// The directory's keyring, refusing a directory that holds no store.
fn keyring(dir: &Path) -> Result<Keyring, Usage> {
    if !dir.join("store.db").is_file() {
        return Err(Usage(format!(
            "{}: no piiguard store here (store.db is missing)",
            dir.display()
        )));
    }
    Keyring::open_local(dir).map_err(failed(dir))
}

pub(crate) fn audit(args: &AuditArgs) -> Result<ExitCode, Usage> {
    let AuditCommand::Verify(at) = &args.command;
    let dir = &at.dir;
    let keyring = keyring(dir)?;
    let audit = SqliteStore::open(dir.join("store.db"))
        .and_then(|store| store.audit(&keyring))
        .map_err(failed(dir));
    let verified = match audit {
        Ok(audit) => audit.verify_reaching(None),
        Err(e) => return Err(e),
    };
    match verified {
        Ok(report) => {
            if at.json {
                let out = serde_json::json!({
                    "dir": dir.display().to_string(), "intact": true, "events": report.events,
                    "head": { "seq": report.head.seq, "mac": report.head.mac },
                });
                println!("{out}");
            } else {
                println!(
                    "{}: {} events, the chain is intact (head {} {})",
                    dir.display(),
                    report.events,
                    report.head.seq,
                    report.head.mac
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::AuditChain { line, problem }) => {
            if at.json {
                let out = serde_json::json!({
                    "dir": dir.display().to_string(), "intact": false, "event": line,
                    "problem": problem.to_string(),
                });
                println!("{out}");
            } else {
                println!(
                    "{}: the chain breaks at event {line}: {problem}",
                    dir.display()
                );
            }
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(failed(dir)(e)),
    }
}

pub(crate) fn keys(args: &KeysArgs) -> Result<ExitCode, Usage> {
    let KeysCommand::List(at) = &args.command;
    let keys = keyring(&at.dir)?.key_infos();
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
