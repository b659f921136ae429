//! `piiguard keys list|init|rotate|destroy` on either store engine. Rotation and destruction
//! go through the guard: the operator needs one of the policy's admin roles, and the act is
//! audited before it happens.

use crate::Usage;
use crate::store::{At, Operator, confirmed, failed, guard, keyring, name};
use piiguard::keys::{Environment, KeyInfo, Keyring, Purpose, Scope};
use std::process::ExitCode;

/// Arguments of `piiguard keys`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Lists the key set's environment and every root key version: id, version, purpose,
    /// region, state, when it was made and its age (never material). With `--due DAYS`, only
    /// the active versions older than that, and exit 1 when there is one.
    List(List),
    /// Makes a new store's key set (a local directory is created with its key file; a
    /// PostgreSQL store must be migrated first: `piiguard store migrate`). Refuses a store that
    /// already has one.
    Init(Init),
    /// Rotates the root key of a purpose (`field`, `index`, `pseudonym`, `integrity`,
    /// `token`): a new version becomes active, the previous one decrypt-only. Admin role;
    /// audited.
    Rotate(Rotate),
    /// Destroys a decrypt-only root key version: everything still under it becomes unreadable
    /// for good (rewrap first). Admin role; audited; asks for the key id again unless `--yes`.
    Destroy(Destroy),
}

#[derive(clap::Args)]
struct List {
    /// Only the active versions made more than DAYS days ago (due for rotation); exit 1 when
    /// there is one. Versions whose age is not known (sealed before piiguard recorded it) are
    /// listed as due.
    #[arg(long, value_name = "DAYS")]
    due: Option<u64>,
    #[command(flatten)]
    at: At,
}

#[derive(clap::Args)]
struct Init {
    /// The environment sealed into the key set: `dev`, `staging` or `prod`. Every instance
    /// runs in it, and a principal of another environment is refused. Required on PostgreSQL;
    /// a local directory's comes from `PIIGUARD_ENV` (default `dev`).
    #[arg(long = "env", value_name = "ENV")]
    environment: Option<String>,
    #[command(flatten)]
    at: At,
}

#[derive(clap::Args)]
struct Rotate {
    /// The purpose whose key rotates.
    purpose: String,
    /// The region whose key rotates (default: the store's default region).
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    operator: Operator,
    #[command(flatten)]
    at: At,
}

#[derive(clap::Args)]
struct Destroy {
    /// The key id (as `keys list` shows it).
    id: String,
    /// The version to destroy.
    version: u32,
    /// Do not ask: the key id is not typed again to confirm.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    operator: Operator,
    #[command(flatten)]
    at: At,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    match &args.command {
        Command::List(list) => {
            let at = &list.at;
            let keyring = keyring(at)?;
            let Some(days) = list.due else {
                print(at, &keyring);
                return Ok(ExitCode::SUCCESS);
            };
            let now = now();
            let due: Vec<KeyInfo> = keyring
                .key_infos()
                .into_iter()
                .filter(|k| is_due(k, now, days))
                .collect();
            print_keys(at, Some(keyring.environment()), &due);
            Ok(if due.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Init(init_args) => init(init_args),
        Command::Rotate(rotate) => {
            let at = &rotate.at;
            let purpose = Purpose::from_name(&rotate.purpose).ok_or_else(|| {
                Usage(format!(
                    "`{}` is not a key purpose (field, index, pseudonym, integrity or token)",
                    rotate.purpose
                ))
            })?;
            let mut guard = guard(at)?;
            if let Some(region) = &rotate.region {
                guard = guard.scoped(Scope::new().region(region));
            }
            let operator = rotate.operator.principal(&guard);
            let key = guard
                .admin(&operator)
                .rotate_key(purpose)
                .map_err(failed(at))?;
            print_keys(at, None, &[key]);
            Ok(ExitCode::SUCCESS)
        }
        Command::Destroy(destroy) => {
            let at = &destroy.at;
            let guard = guard(at)?;
            let prompt = "destroying is permanent: type the key id again to confirm";
            if !destroy.yes && !confirmed(prompt, &destroy.id) {
                return Err(Usage("not confirmed: nothing was destroyed".to_owned()));
            }
            let operator = destroy.operator.principal(&guard);
            guard
                .admin(&operator)
                .destroy_key(&destroy.id, destroy.version)
                .map_err(failed(at))?;
            if at.json {
                let out = serde_json::json!({
                    "id": destroy.id, "version": destroy.version, "state": "destroyed",
                });
                println!("{out}");
            } else {
                println!("{} version {}: destroyed", destroy.id, destroy.version);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A new store's key set.
fn init(args: &Init) -> Result<ExitCode, Usage> {
    let at = &args.at;
    let exists = || Usage(format!("{}: this store already has a key set", name(at)));
    let environment = args
        .environment
        .as_deref()
        .map(|e| {
            e.parse::<Environment>()
                .map_err(|_| Usage(format!("unknown environment `{e}` (dev, staging or prod)")))
        })
        .transpose()?;
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        use piiguard::keys::{KeySetStore as _, StoredKeySet};
        let environment = environment.ok_or_else(|| {
            Usage(format!(
                "{}: give the key set's environment: --env dev, staging or prod (every \
                 instance will run in it)",
                name(at)
            ))
        })?;
        let store = crate::store::connect(url)?;
        if store.sealed_version().map_err(failed(at))?.is_some() {
            return Err(exists());
        }
        let keyring = Keyring::builder()
            .environment(environment)
            .provider(StoredKeySet::new(store.clone(), crate::store::kek(url)?))
            .store(store)
            .build()
            .map_err(failed(at))?;
        print(at, &keyring);
        return Ok(ExitCode::SUCCESS);
    }
    if at.dir.join("store.db").exists() {
        return Err(exists());
    }
    let from_variable = std::env::var(piiguard::keys::ENVIRONMENT_VAR)
        .ok()
        .and_then(|e| e.parse::<Environment>().ok())
        .unwrap_or_default();
    if let Some(wanted) = environment
        && wanted != from_variable
    {
        return Err(Usage(format!(
            "{}: a local directory's environment comes from {}: set it to {wanted} (it is \
             {from_variable})",
            name(at),
            piiguard::keys::ENVIRONMENT_VAR
        )));
    }
    let keyring: Keyring = piiguard::Guard::open_local(&at.dir)
        .map(|guard| guard.keyring().clone())
        .map_err(failed(at))?;
    print(at, &keyring);
    Ok(ExitCode::SUCCESS)
}

/// The keyring's environment and keys.
fn print(at: &At, keyring: &Keyring) {
    print_keys(at, Some(keyring.environment()), &keyring.key_infos());
}

const DAY: u64 = 86_400;

/// An active version made more than `days` days before `now`, or whose age is not known.
fn is_due(key: &KeyInfo, now: u64, days: u64) -> bool {
    key.state == piiguard::keys::KeyState::Active
        && key
            .created
            .is_none_or(|c| now.saturating_sub(c) > days * DAY)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A version's creation date (UTC) and age in whole days, or `unknown`.
fn made(created: Option<u64>, now: u64) -> (String, String) {
    let date = created
        .and_then(|c| i64::try_from(c).ok())
        .and_then(|c| time::OffsetDateTime::from_unix_timestamp(c).ok())
        .map(|t| t.date().to_string());
    match (date, created) {
        (Some(date), Some(c)) => (date, format!("{} d", now.saturating_sub(c) / DAY)),
        _ => ("unknown".to_owned(), "unknown".to_owned()),
    }
}

fn print_keys(at: &At, environment: Option<Environment>, keys: &[KeyInfo]) {
    let now = now();
    if at.json {
        let list: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "id": k.id, "version": k.version, "purpose": k.purpose.name(),
                    "region": k.region, "state": k.state.name(), "created": k.created,
                    "age_days": k.created.map(|c| now.saturating_sub(c) / DAY),
                })
            })
            .collect();
        let out = match environment {
            Some(environment) => serde_json::json!({
                "environment": environment.to_string(), "keys": list,
            }),
            None => serde_json::json!({ "keys": list }),
        };
        println!("{out}");
    } else {
        if let Some(environment) = environment {
            println!("environment: {environment}");
        }
        println!(
            "{:<24} {:>7}  {:<18} {:<10} {:<14} {:<10} age",
            "id", "version", "purpose", "region", "state", "made"
        );
        for k in keys {
            let (date, age) = made(k.created, now);
            println!(
                "{:<24} {:>7}  {:<18} {:<10} {:<14} {:<10} {age}",
                k.id,
                k.version,
                k.purpose.name(),
                k.region,
                k.state.name(),
                date
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DAY, is_due};
    use piiguard::keys::{KeyInfo, KeyState, Purpose};

    fn key(state: KeyState, created: Option<u64>) -> KeyInfo {
        KeyInfo {
            id: "field-local".into(),
            version: 1,
            purpose: Purpose::FieldEncryption,
            region: "local".into(),
            state,
            created,
        }
    }

    #[test]
    fn due_means_active_and_older_than_the_days_or_of_unknown_age() {
        let now = 100 * DAY;
        assert!(is_due(
            &key(KeyState::Active, Some(now - 91 * DAY)),
            now,
            90
        ));
        assert!(!is_due(
            &key(KeyState::Active, Some(now - 89 * DAY)),
            now,
            90
        ));
        assert!(
            is_due(&key(KeyState::Active, None), now, 90),
            "age not known"
        );
        assert!(
            !is_due(&key(KeyState::DecryptOnly, Some(0)), now, 90),
            "not active"
        );
    }
}
