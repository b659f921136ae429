//! Administrative actions through the guard: key rotation and destruction, subject erasure and
//! the monitor's reset, allowed to the policy's admin roles and audited.
//!
//! Every act is audited *before* it is carried out (outcome `allowed`): if the record cannot
//! be written, nothing is done, and a crash between the two leaves a record of an act that may
//! not have happened rather than an act without a record. If the act then fails, a second
//! event with outcome `failed` says so. A refused act is one `denied` event.

use super::Guard;
use crate::at_rest::Forgotten;
use crate::audit::{Action, AuditEvent, Outcome};
use crate::error::Error;
use crate::keys::{KeyInfo, Purpose};
use crate::policy::{Principal, Reason};
use std::fmt;

impl Guard {
    /// Checks the admin role, and audits a refusal; the event to record for an allowed act.
    fn admin_event(&self, action: Action, principal: &Principal) -> Result<AuditEvent, Error> {
        let allowed = self.policy().is_admin(principal)
            && principal.environment() == self.keyring().environment();
        let mut event = self.event(action, Outcome::Allowed, Reason::AdminRole, principal, None);
        if !allowed {
            event.outcome = Outcome::Denied;
            event.reason = if self.policy().is_admin(principal) {
                Reason::EnvironmentMismatch
            } else {
                Reason::NotAdmin
            };
            return Err(self.deny(&event, principal)?);
        }
        Ok(event)
    }

    /// Records the allowed act, carries it out, and records a failure if it fails.
    fn administer<R>(
        &self,
        mut event: AuditEvent,
        act: impl FnOnce() -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.record(&event)?;
        act().or_else(|error| {
            event.outcome = Outcome::Failed;
            event.detail = Some(match event.detail.take() {
                Some(detail) => format!("{detail}: {error}"),
                None => error.to_string(),
            });
            self.record(&event)?;
            Err(error)
        })
    }

    /// Rotates the guard region's root key for `purpose`: a new version becomes active, the
    /// previous one decrypt-only (existing data stays readable). Needs an admin role; audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`]; the keyring's errors; audit errors.
    pub fn rotate_key(&self, principal: &Principal, purpose: Purpose) -> Result<KeyInfo, Error> {
        let mut event = self.admin_event(Action::KeyRotation, principal)?;
        let region = self.region().to_owned();
        event.detail = Some(format!("{purpose} in {region}"));
        self.administer(event, || self.keyring().rotate(purpose, &region))
    }

    /// Destroys a decrypt-only root key version: its material is erased and everything still
    /// under it becomes unreadable (rewrap first). Needs an admin role; audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`]; [`Error::Keyring`] for the active version;
    /// [`Error::UnknownKey`]; the provider's errors; audit errors.
    pub fn destroy_key(&self, principal: &Principal, id: &str, version: u32) -> Result<(), Error> {
        let mut event = self.admin_event(Action::KeyDestruction, principal)?;
        event.detail = Some(format!("{id} version {version}"));
        self.administer(event, || self.keyring().destroy_key(id, version))
    }

    /// Erases a data subject by destroying their key in the guard's scope (crypto-shredding):
    /// every envelope of theirs becomes permanently unreadable. Idempotent. Needs an admin
    /// role; audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`]; key store errors; audit errors.
    pub fn forget_subject(
        &self,
        principal: &Principal,
        subject: &impl fmt::Display,
    ) -> Result<Forgotten, Error> {
        let mut event = self.admin_event(Action::SubjectErasure, principal)?;
        event.object.subject = Some(subject.to_string());
        self.administer(event, || self.storage_keys().destroy_subject_key(subject))
    }

    /// Clears `blocked`'s access-rate counts, lifting a hard-limit block. Needs an admin role;
    /// audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`]; audit errors.
    pub fn reset_monitor(&self, principal: &Principal, blocked: &str) -> Result<(), Error> {
        let mut event = self.admin_event(Action::MonitorReset, principal)?;
        event.detail = Some(format!("principal {blocked}"));
        self.administer(event, || self.inner.monitor.reset(blocked))
    }
}
