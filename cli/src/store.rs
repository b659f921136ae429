//! Opening a piiguard store for the subcommands that work on one: a local directory
//! (`store.db`, its key set sealed under the directory's `kek` file or `PIIGUARD_KEK_PASSPHRASE`)
//! or, with the `postgres` feature, a PostgreSQL store (`--postgres URL`, the key set sealed
//! under `PIIGUARD_KEK_PASSPHRASE`, or with `aws-kms` the AWS KMS key `PIIGUARD_KEK_AWS_KMS`
//! names). The audit trail's readers may open it with an auditor's key file instead
//! (`--audit-key`). Stores are opened as they are: nothing is created, and a store without a key
//! set is an error, never a new key set (`keys init` is the one exception).

use crate::Usage;
use piiguard::keys::Keyring;
use piiguard::store::{SqliteAudit, SqliteStore};
use piiguard::{Error, Guard, Principal};
use std::path::{Path, PathBuf};

/// The local directory `Guard::open_local` uses by default in the examples.
const LOCAL_DIR: &str = ".piiguard";

/// Where the store is.
#[derive(clap::Args)]
pub(crate) struct At {
    /// The piiguard directory (its `store.db`).
    #[arg(long, value_name = "DIR", default_value = LOCAL_DIR)]
    pub(crate) dir: PathBuf,
    /// A PostgreSQL store instead (`postgres://user@host/db`); reading the audit trail needs a
    /// role that may read `piiguard_audit_events` (an auditor's, not the service's).
    #[cfg(feature = "postgres")]
    #[arg(long, value_name = "URL", conflicts_with = "dir")]
    pub(crate) postgres: Option<String>,
    /// Read the audit trail with an auditor's key file (made by `audit export-key`) instead
    /// of the key set: no key-encryption key, no key that opens data. Its passphrase is in
    /// PIIGUARD_AUDITOR_PASSPHRASE. For `audit verify|tail|report` and `retention register`.
    #[arg(long, value_name = "FILE")]
    pub(crate) audit_key: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The variable holding the passphrase of an auditor's key file.
pub(crate) const AUDITOR_PASSPHRASE_VAR: &str = "PIIGUARD_AUDITOR_PASSPHRASE";

/// The auditor's key file `path`, sealed under PIIGUARD_AUDITOR_PASSPHRASE.
pub(crate) fn auditor_key_file(path: &Path) -> Result<piiguard::keys::LocalKeyFile, Usage> {
    let passphrase = std::env::var(AUDITOR_PASSPHRASE_VAR).map_err(|_| {
        Usage(format!(
            "{}: {AUDITOR_PASSPHRASE_VAR} must hold the auditor's key file's passphrase",
            path.display()
        ))
    })?;
    Ok(piiguard::keys::LocalKeyFile::new(
        path,
        piiguard::keys::KekSource::passphrase(passphrase),
    ))
}

/// The auditor's keyring, when `at` names an auditor's key file.
fn auditor_keyring(at: &At) -> Result<Option<Keyring>, Usage> {
    at.audit_key
        .as_deref()
        .map(|path| {
            Keyring::open_integrity_keys(&auditor_key_file(path)?)
                .map_err(|e| Usage(format!("{}: {e}", path.display())))
        })
        .transpose()
}

/// Refuses an auditor's key file where the key set is needed.
fn key_set_needed(at: &At) -> Result<(), Usage> {
    match &at.audit_key {
        Some(path) => Err(Usage(format!(
            "{}: an auditor's key file only reads the audit trail; this needs the key set",
            path.display()
        ))),
        None => Ok(()),
    }
}

/// Who performs an administrative act: written to the audit trail, and allowed only with one of
/// the policy's `admin_roles`.
#[derive(clap::Args)]
pub(crate) struct Operator {
    /// Who acts (written to the audit trail).
    #[arg(long = "as", value_name = "OPERATOR")]
    operator: String,
    /// The operator's role: one of the policy's `admin_roles`.
    #[arg(long)]
    role: String,
}

impl Operator {
    /// The operator as a principal of the guard's environment.
    pub(crate) fn principal(&self, guard: &Guard) -> Principal {
        Principal::new(&self.operator)
            .role(&self.role)
            .in_environment(guard.keyring().environment())
    }
}

/// A store's audit trail, on either engine.
pub(crate) enum Trail {
    Local(SqliteAudit),
    #[cfg(feature = "postgres")]
    Postgres(piiguard::store::PgAudit),
}

impl Trail {
    pub(crate) fn verify_each(
        &self,
        each: impl FnMut(u64, &piiguard::audit::AuditEvent),
    ) -> Result<piiguard::audit::ChainReport, Error> {
        match self {
            Self::Local(audit) => audit.verify_each(None, each),
            #[cfg(feature = "postgres")]
            Self::Postgres(audit) => audit.verify_each(None, each),
        }
    }

    pub(crate) fn lines_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, Error> {
        match self {
            Self::Local(audit) => audit.lines_after(after, limit),
            #[cfg(feature = "postgres")]
            Self::Postgres(audit) => audit.lines_after(after, limit),
        }
    }

    pub(crate) fn last_seq(&self) -> Result<u64, Error> {
        match self {
            Self::Local(audit) => audit.last_seq(),
            #[cfg(feature = "postgres")]
            Self::Postgres(audit) => audit.last_seq(),
        }
    }
}

/// What the command names: the directory, or the PostgreSQL store (its URL without the
/// password).
pub(crate) fn name(at: &At) -> String {
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        return redact_password(url);
    }
    at.dir.display().to_string()
}

/// An error of the store `at` names, in the user's terms.
pub(crate) fn failed(at: &At) -> impl Fn(Error) -> Usage + '_ {
    move |e| Usage(format!("{}: {e}", name(at)))
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

/// The keyring of the store `at` names.
pub(crate) fn keyring(at: &At) -> Result<Keyring, Usage> {
    key_set_needed(at)?;
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        return Ok(postgres(url)?.1);
    }
    require_store(&at.dir)?;
    Keyring::open_local(&at.dir).map_err(failed(at))
}

/// The audit trail of the store `at` names, opened with its key set or an auditor's key file.
pub(crate) fn trail(at: &At) -> Result<Trail, Usage> {
    if let Some(keyring) = auditor_keyring(at)? {
        #[cfg(feature = "postgres")]
        if let Some(url) = &at.postgres {
            return connect(url)?
                .audit(&keyring)
                .map(Trail::Postgres)
                .map_err(failed(at));
        }
        require_store(&at.dir)?;
        return SqliteStore::open(at.dir.join("store.db"))
            .and_then(|store| store.audit(&keyring))
            .map(Trail::Local)
            .map_err(failed(at));
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        let (store, keyring) = postgres(url)?;
        return store
            .audit(&keyring)
            .map(Trail::Postgres)
            .map_err(failed(at));
    }
    let keyring = keyring(at)?;
    SqliteStore::open(at.dir.join("store.db"))
        .and_then(|store| store.audit(&keyring))
        .map(Trail::Local)
        .map_err(failed(at))
}

/// The policy in force in the store `at` names (a local directory's `policy.toml` when its
/// store has none recorded yet); `None` when there is neither.
pub(crate) fn policy_in_force(at: &At) -> Result<Option<piiguard::Policy>, Usage> {
    policy_text(at)?
        .map(|text| piiguard::Policy::from_toml(&text))
        .transpose()
        .map_err(failed(at))
}

fn policy_text(at: &At) -> Result<Option<String>, Usage> {
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        use piiguard::policy::PolicyStore as _;
        let current = connect(url)?.current_policy().map_err(failed(at))?;
        return Ok(current.map(|(_, text)| text));
    }
    local_policy(at)
}

fn local_policy(at: &At) -> Result<Option<String>, Usage> {
    use piiguard::policy::PolicyStore as _;
    require_store(&at.dir)?;
    let stored = SqliteStore::open(at.dir.join("store.db"))
        .and_then(|store| store.current_policy())
        .map_err(failed(at))?;
    Ok(match stored {
        Some((_, text)) => Some(text),
        None => std::fs::read_to_string(at.dir.join("policy.toml")).ok(),
    })
}

/// A guard on the store `at` names, under the policy in force there, for administrative acts.
pub(crate) fn guard(at: &At) -> Result<Guard, Usage> {
    guard_under(at, None)
}

/// A guard on the store `at` names; `fallback` is in force while the store holds no policy (a
/// new PostgreSQL store: a local directory always has one, its `policy.toml`).
pub(crate) fn guard_under(at: &At, fallback: Option<piiguard::Policy>) -> Result<Guard, Usage> {
    key_set_needed(at)?;
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        let (store, _) = postgres(url)?;
        let mut builder = Guard::shared(store, kek(url)?).map_err(failed(at))?;
        if let Some(policy) = fallback {
            builder = builder.policy(policy);
        }
        return builder.build().map_err(failed(at));
    }
    let _ = fallback;
    require_store(&at.dir)?;
    Guard::open_local(&at.dir).map_err(failed(at))
}

/// The deletion register of the store `at` names, read with an auditor's key file (the
/// region is the key file's): at most `limit` entries, oldest first.
pub(crate) fn deletion_register(
    at: &At,
    limit: usize,
) -> Result<Option<Vec<piiguard::lifecycle::Deletion>>, Usage> {
    use piiguard::lifecycle::LifecycleStore as _;
    let Some(keyring) = auditor_keyring(at)? else {
        return Ok(None);
    };
    let region = keyring.default_region();
    #[cfg(feature = "postgres")]
    if let Some(url) = &at.postgres {
        return connect(url)?
            .deletions(region, None, limit)
            .map(Some)
            .map_err(failed(at));
    }
    require_store(&at.dir)?;
    SqliteStore::open(at.dir.join("store.db"))
        .and_then(|store| store.deletions(region, None, limit))
        .map(Some)
        .map_err(failed(at))
}

/// `postgres://user:secret@host/db` as `postgres://user@host/db`.
#[cfg(feature = "postgres")]
pub(crate) fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The variable naming a key in AWS KMS as the key-encryption key.
#[cfg(feature = "aws-kms")]
pub(crate) const KEK_AWS_KMS_VAR: &str = "PIIGUARD_KEK_AWS_KMS";

/// The key-encryption key: the AWS KMS key `PIIGUARD_KEK_AWS_KMS` names (with `aws-kms`), or
/// the passphrase in `PIIGUARD_KEK_PASSPHRASE`.
#[cfg(feature = "postgres")]
pub(crate) fn kek(url: &str) -> Result<piiguard::keys::KekSource, Usage> {
    use piiguard::keys::{KEK_PASSPHRASE_VAR, KekSource};
    #[cfg(feature = "aws-kms")]
    if let Ok(key) = std::env::var(KEK_AWS_KMS_VAR) {
        let kms = piiguard::keys::AwsKmsKek::from_env(&key)
            .map_err(|e| Usage(format!("{KEK_AWS_KMS_VAR}: {e}")))?;
        return Ok(KekSource::Wrapped(std::sync::Arc::new(kms)));
    }
    let passphrase = std::env::var(KEK_PASSPHRASE_VAR).map_err(|_| {
        Usage(format!(
            "{}: {KEK_PASSPHRASE_VAR} must hold the key-encryption passphrase{}",
            redact_password(url),
            if cfg!(feature = "aws-kms") {
                " (or PIIGUARD_KEK_AWS_KMS name the AWS KMS key)"
            } else {
                ""
            }
        ))
    })?;
    Ok(KekSource::passphrase(passphrase))
}

/// The PostgreSQL store, connected.
#[cfg(feature = "postgres")]
pub(crate) fn connect(url: &str) -> Result<piiguard::store::PgStore, Usage> {
    piiguard::store::PgStore::connect(url, 2)
        .map_err(|e| Usage(format!("{}: {e}", redact_password(url))))
}

/// The PostgreSQL store and its keyring, refusing a store without a key set.
#[cfg(feature = "postgres")]
fn postgres(url: &str) -> Result<(piiguard::store::PgStore, Keyring), Usage> {
    use piiguard::keys::{KeySetStore as _, StoredKeySet};
    let shown = redact_password(url);
    let fail = |e: Error| Usage(format!("{shown}: {e}"));
    let kek = kek(url)?;
    let store = connect(url)?;
    if store.sealed_version().map_err(fail)?.is_none() {
        return Err(Usage(format!("{shown}: no key set in this store")));
    }
    let keyring = Keyring::builder()
        .provider(StoredKeySet::new(store.clone(), kek))
        .store(store.clone())
        .build()
        .map_err(fail)?;
    Ok((store, keyring))
}

/// Asks for `what` to be typed again on standard input; true when it was.
pub(crate) fn confirmed(prompt: &str, what: &str) -> bool {
    use std::io::BufRead as _;
    eprint!("{prompt}: ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim_end() == what
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
