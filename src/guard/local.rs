//! The embedded default guard: everything in one local directory, shared by every process
//! that opens it.

use super::Guard;
use crate::audit::ChainHead;
use crate::error::Error;
use crate::keys::Keyring;
use crate::policy::{Policy, STARTER_POLICY};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to open the local guard: [`Guard::local`] gives one, [`open`](Self::open) opens.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("pg-doc-local-{}", std::process::id()));
/// let guard = piiguard::Guard::local(&dir).open()?;
/// let head = guard.audit_head().expect("the local trail keeps a chain");
/// drop(guard);
/// // Later: the head kept elsewhere proves no event was cut off the end meanwhile.
/// let guard = piiguard::Guard::local(&dir).expect_head(head).open()?;
/// # drop(guard); std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct LocalGuard {
    dir: PathBuf,
    head: Option<ChainHead>,
}

impl LocalGuard {
    /// The audit trail must still hold this checkpoint (reported by [`Guard::audit_head`] and
    /// kept where the trail's writers cannot change it): checkpoints cut off its end are
    /// refused with [`ChainProblem::Truncated`](crate::audit::ChainProblem::Truncated), and every
    /// writer must reach the head it bound. The whole trail is verified.
    pub fn expect_head(mut self, head: ChainHead) -> Self {
        self.head = Some(head);
        self
    }

    /// Opens the guard over the directory's store (`store.db`): the keyring of
    /// [`Keyring::open_local`], the audit trail (a chain per process, and checkpoints), break-glass
    /// requests and revocations, the access monitor's counts and vault tokens — all shared with the other
    /// processes serving the directory. The policy in force is kept in the store too: when
    /// `policy.toml` holds another policy than the one in force (the
    /// [starter policy](crate::policy::STARTER_POLICY) is written there when absent; edit
    /// it), opening puts it in force for every process, audited as `policy_change`; so does
    /// [`Admin::install_policy`](crate::guard::Admin::install_policy).
    ///
    /// # Errors
    /// The keyring's errors; [`Error::Policy`] for a bad policy file; [`Error::AuditChain`]
    /// for a trail that does not verify where it continues, or that was cut before the
    /// expected head; store and I/O errors.
    pub fn open(self) -> Result<Guard, Error> {
        let dir = self.dir.as_path();
        crate::fs::create_private_dir(dir)?;
        let store = crate::store::open_store(dir, false)?;
        let keyring = Keyring::local_in(dir, &store, false)?;
        let policy_path = dir.join("policy.toml");
        if !policy_path.exists() {
            // Two processes starting together may both write it: the same bytes, atomically.
            crate::fs::write_atomic(&policy_path, STARTER_POLICY.as_bytes())?;
        }
        let text =
            std::fs::read_to_string(&policy_path).map_err(Error::io("reading policy.toml"))?;
        let policy = Policy::from_toml(&text)?;
        let audit = store.audit(&keyring)?;
        if let Some(head) = &self.head {
            audit.verify_reaching(Some(head))?;
        }
        let guard = Guard::builder(keyring)
            .policy(policy)
            .audit(Arc::new(audit))
            .grants(Arc::new(store.clone()))
            .counters(Arc::new(store.clone()))
            .tokens(Arc::new(store.clone()))
            .lifecycle(Arc::new(store.clone()))
            .policies(Arc::new(store))
            .tallied()
            .build()?;
        guard.adopt_policy_file(&text)?;
        Ok(guard)
    }
}

impl Guard {
    /// The embedded default, all in `dir` (created owner-only on first use): see
    /// [`LocalGuard::open`]. The same as `Guard::local(dir).open()`.
    ///
    /// # Errors
    /// As [`LocalGuard::open`].
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn open_local(dir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::local(dir).open()
    }

    /// Options for opening the local guard in `dir`: a known audit head.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn local(dir: impl AsRef<Path>) -> LocalGuard {
        LocalGuard {
            dir: dir.as_ref().to_owned(),
            head: None,
        }
    }

    /// The head of the audit trail, for sinks that keep a chain: a file's last event number and
    /// MAC; a store's new checkpoint (made now, binding every writer's head: its number and
    /// hash). Keep it where the trail's writers cannot change it, and hand it to
    /// [`LocalGuard::expect_head`] at the next start.
    pub fn audit_head(&self) -> Option<ChainHead> {
        self.inner.audit.chain_head()
    }
}
