//! Where the policy in force lives when several instances share it: [`PolicyStore`].

use crate::error::Error;

/// Keeps the policy in force, with a sequence number that grows with each installed version:
/// instances share one policy and pick up a new one without restart.
pub trait PolicyStore: Send + Sync {
    /// The policy in force (its file text) and its sequence number, if one was installed.
    ///
    /// # Errors
    /// The store's error.
    fn current_policy(&self) -> Result<Option<(u64, String)>, Error>;

    /// The sequence number alone (cheap: asked a few times a second).
    ///
    /// # Errors
    /// The store's error.
    fn policy_seq(&self) -> Result<Option<u64>, Error>;

    /// Installs `text` (already checked), saying where it came from (`admin`, `policy.toml`),
    /// if the policy in force is still `expected` (`None`: none yet); returns the new sequence
    /// number, or `Ok(None)` if another instance installed one first.
    ///
    /// # Errors
    /// The store's error.
    fn install_policy(
        &self,
        text: &str,
        source: &str,
        expected: Option<u64>,
    ) -> Result<Option<u64>, Error>;

    /// The text of the newest policy installed from `source` (whether or not it is still in
    /// force): a local directory puts `policy.toml` in force again only when the file changed.
    ///
    /// # Errors
    /// The store's error.
    fn latest_from(&self, source: &str) -> Result<Option<String>, Error>;
}
