//! Administrative actions through the guard: key rotation and subject erasure, allowed to the
//! policy's admin roles and audited.

use super::Guard;
use crate::audit::{Action, AuditEvent, Outcome};
use crate::error::Error;
use crate::keys::{Forgotten, KeyInfo, Purpose};
use crate::policy::{Principal, Reason};
use std::fmt;

impl Guard {
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

    /// Rotates the guard region's root key for `purpose` ([`Keyring::rotate`](crate::keys::Keyring::rotate)).
    /// Needs an admin role; audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`]; the keyring's errors; audit errors.
    pub fn rotate_key(&self, principal: &Principal, purpose: Purpose) -> Result<KeyInfo, Error> {
        let mut event = self.admin_event(Action::KeyRotation, principal)?;
        let region = self.region().to_owned();
        match self.keyring().rotate(purpose, &region) {
            Ok(info) => {
                event.detail = Some(format!("{} version {}", info.id, info.version));
                self.record(&event)?;
                Ok(info)
            }
            Err(error) => {
                event.outcome = Outcome::Failed;
                event.detail = Some(format!("{purpose}: {error}"));
                self.record(&event)?;
                Err(error)
            }
        }
    }

    /// Erases a data subject by destroying their key ([`ScopedKeys::forget_subject`](crate::keys::ScopedKeys::forget_subject)).
    /// Needs an admin role; audited.
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
        match self.keys().forget_subject(subject) {
            Ok(forgotten) => {
                event.detail = Some(format!("{forgotten:?}").to_lowercase());
                self.record(&event)?;
                Ok(forgotten)
            }
            Err(error) => {
                event.outcome = Outcome::Failed;
                self.record(&event)?;
                Err(error)
            }
        }
    }
}
