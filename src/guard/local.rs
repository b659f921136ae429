//! The embedded default guard: everything in one local directory.

use super::Guard;
use crate::audit::JsonlSink;
use crate::error::Error;
use crate::keys::Keyring;
use crate::policy::{Policy, STARTER_POLICY};
use std::path::Path;
use std::sync::Arc;

impl Guard {
    /// The embedded default, all in `dir` (created owner-only on first use): the key file and
    /// subject-key store of [`Keyring::open_local`], `policy.toml` (the
    /// [starter policy](crate::policy::STARTER_POLICY) is written there the first time; edit
    /// it), the chained audit log `audit.jsonl`, and `revoked-grants`.
    ///
    /// # Errors
    /// The keyring's errors; [`Error::Policy`] for a bad policy file; [`Error::AuditChain`] if
    /// the audit log's last line is torn or does not verify (see
    /// [`JsonlSink::recover`]); I/O errors.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn open_local(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        crate::fs::create_private_dir(dir)?;
        let keyring = Keyring::open_local(dir)?;
        let policy_path = dir.join("policy.toml");
        if !policy_path.exists() {
            crate::fs::write_atomic(&policy_path, STARTER_POLICY.as_bytes())?;
        }
        let policy = Policy::from_file(&policy_path)?;
        let audit = JsonlSink::open(dir.join("audit.jsonl"), &keyring)?;
        Self::builder(keyring)
            .policy(policy)
            .audit(Arc::new(audit))
            .revocations_file(dir.join("revoked-grants"))
            .build()
    }
}
