//! The embedded default guard: everything in one local directory.

use super::Guard;
use crate::audit::{AuditSink, ChainHead, JsonlSink, verify_jsonl};
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
/// // Later: the head kept elsewhere proves no line was cut off the end meanwhile.
/// let guard = piiguard::Guard::local(&dir).expect_head(head).open()?;
/// # drop(guard); std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct LocalGuard {
    dir: PathBuf,
    head: Option<ChainHead>,
    recover: bool,
}

impl LocalGuard {
    /// The audit trail must reach at least this head (reported by [`Guard::audit_head`] and
    /// kept where the trail's writer cannot change it): lines cut off its end, even at a line
    /// boundary, are refused with [`ChainProblem::Truncated`](crate::ChainProblem::Truncated).
    /// The whole trail is verified.
    pub fn expect_head(mut self, head: ChainHead) -> Self {
        self.head = Some(head);
        self
    }

    /// Cuts a damaged last line of the audit trail (torn by a crash, or complete but
    /// garbled) if everything before it verifies, and records an `audit_recovered` event
    /// saying what was cut. Damage elsewhere is still refused.
    pub fn recover_tail(mut self) -> Self {
        self.recover = true;
        self
    }

    /// Opens the guard: the keyring of [`Keyring::open_local`], `policy.toml` (the
    /// [starter policy](crate::policy::STARTER_POLICY) is written there when absent; edit it),
    /// the chained audit trail `audit.jsonl`, and `revoked-grants`.
    ///
    /// # Errors
    /// The keyring's errors; [`Error::Policy`] for a bad policy file; [`Error::AuditTail`] if
    /// the trail's last line is torn or garbled (open with [`recover_tail`](Self::recover_tail));
    /// [`Error::AuditChain`] for other damage, or lines cut off before the expected head; I/O
    /// errors.
    pub fn open(self) -> Result<Guard, Error> {
        let dir = self.dir.as_path();
        crate::fs::create_private_dir(dir)?;
        let keyring = Keyring::open_local(dir)?;
        let policy_path = dir.join("policy.toml");
        if !policy_path.exists() {
            crate::fs::write_atomic(&policy_path, STARTER_POLICY.as_bytes())?;
        }
        let policy = Policy::from_file(&policy_path)?;
        let path = dir.join("audit.jsonl");
        let audit = if self.recover {
            JsonlSink::recover(&path, &keyring)?
        } else {
            JsonlSink::open(&path, &keyring).map_err(|e| match e {
                Error::AuditChain { line, problem } if last_line(&path, line) => {
                    Error::AuditTail { line, problem }
                }
                other => other,
            })?
        };
        if let Some(head) = &self.head {
            verify_jsonl(&path, &keyring, Some(head))?;
        }
        Guard::builder(keyring)
            .policy(policy)
            .audit(Arc::new(audit))
            .revocations_file(dir.join("revoked-grants"))
            .build()
    }
}

/// Whether `line` (1-based) is the last line of the trail, torn or not.
fn last_line(path: &Path, line: u64) -> bool {
    std::fs::read(path).is_ok_and(|bytes| {
        let complete = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        let torn = !bytes.is_empty() && !bytes.ends_with(b"\n");
        line == complete + u64::from(torn)
    })
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

    /// Options for opening the local guard in `dir`: a known audit head, recovery of a damaged
    /// last line.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn local(dir: impl AsRef<Path>) -> LocalGuard {
        LocalGuard {
            dir: dir.as_ref().to_owned(),
            head: None,
            recover: false,
        }
    }

    /// The head of the audit chain (the last event number and its MAC), for sinks that keep
    /// one: keep it where the trail's writer cannot change it, and hand it to
    /// [`LocalGuard::expect_head`] at the next start.
    pub fn audit_head(&self) -> Option<ChainHead> {
        self.inner.audit.chain_head()
    }
}
