//! Administrative actions through the guard: key rotation and destruction, subject erasure and
//! the monitor's reset, allowed to the policy's admin roles and audited.
//!
//! Every act is audited *before* it is carried out (outcome `allowed`): if the record cannot
//! be written, nothing is done, and a crash between the two leaves a record of an act that may
//! not have happened rather than an act without a record. If the act then fails, a second
//! event with outcome `failed` says so. A refused act is one `denied` event.

use super::{Guard, Pinned};
use crate::at_rest::Forgotten;
use crate::audit::{Action, AuditEvent, Outcome, Text};
use crate::error::Error;
use crate::keys::{KeyInfo, Purpose};
use crate::lifecycle::Activity;
use crate::policy::{Policy, Principal, Reason};
use crate::schema::SubjectId;
use std::fmt;
use std::sync::Arc;

/// Where a local directory's policy comes from.
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
const POLICY_FILE: &str = "policy.toml";

impl Guard {
    /// Checks the admin role, and audits a refusal; the event to record for an allowed act.
    pub(super) fn admin_event(
        &self,
        action: Action,
        principal: &Principal,
        target: impl FnOnce(&mut AuditEvent),
    ) -> Result<AuditEvent, Error> {
        let allowed = self.policy().is_admin(principal)
            && principal.environment() == self.keyring().environment();
        let mut event = self.event(action, Outcome::Allowed, Reason::AdminRole, principal, None);
        // What the act is aimed at goes into its event, allowed or denied.
        target(&mut event);
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
    pub(super) fn administer<R>(
        &self,
        mut event: AuditEvent,
        act: impl FnOnce() -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.record(&event)?;
        act().or_else(|error| {
            event.outcome = Outcome::Failed;
            event.detail = Some(match event.detail.take() {
                Some(detail) => Text::from(format!("{detail}: {error}")),
                None => Text::from(error.to_string()),
            });
            self.record(&event)?;
            Err(error)
        })
    }

    /// Refuses to destroy a key version that vault tokens' envelopes were made under: their
    /// values would be lost with it, and the token store is not rewrapped.
    fn refuse_if_tokens_need(&self, id: &str, version: u32) -> Result<(), Error> {
        let Some(tokens) = &self.inner.tokens else {
            return Ok(());
        };
        let region = self
            .keyring()
            .key_infos()
            .into_iter()
            .find(|k| k.id == id && k.version == version)
            .map(|k| k.region);
        match region {
            Some(region) if tokens.uses_key(&region, id, version)? => Err(Error::Keyring {
                reason: "vault tokens' values are encrypted under this key version: destroying it \
                         would lose them (detokenize and tokenize them again first)",
            }),
            _ => Ok(()),
        }
    }

    /// Puts the local directory's `policy.toml` in force if the file changed since it was last
    /// put in force (a policy installed by an admin since stays in force until the file
    /// changes): found when a process opens the directory. Audited as the library's act.
    #[cfg(all(feature = "sqlite", feature = "local-key-file"))]
    pub(crate) fn adopt_policy_file(&self, text: &str) -> Result<(), Error> {
        if self.inner.live.is_latest_from(text, POLICY_FILE)? {
            return Ok(());
        }
        let policy = Policy::from_toml(text)?;
        let mut event = self.event(
            Action::PolicyChange,
            Outcome::Allowed,
            Reason::PolicyFile,
            &Principal::new("piiguard"),
            None,
        );
        event.principal = crate::audit::Actor::system();
        event.detail = Some(Text::from(format!(
            "version {} from policy.toml",
            policy.version()
        )));
        self.administer(event, || {
            self.inner
                .live
                .install(policy, text, POLICY_FILE)
                .map(|_| ())
        })
    }
}

impl Pinned {
    /// The operation itself, under the policy pinned for it.
    pub(crate) fn rotate_key(
        &self,
        principal: &Principal,
        purpose: Purpose,
    ) -> Result<KeyInfo, Error> {
        let region = self.region().to_owned();
        let event = self.admin_event(Action::KeyRotation, principal, |e| {
            e.detail = Some(Text::from(format!("{purpose} in {region}")));
        })?;
        self.administer(event, || self.keyring().rotate(purpose, &region))
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn destroy_key(
        &self,
        principal: &Principal,
        id: &str,
        version: u32,
    ) -> Result<(), Error> {
        let event = self.admin_event(Action::KeyDestruction, principal, |e| {
            e.detail = Some(Text::from(format!("{id} version {version}")));
        })?;
        self.administer(event, || {
            self.refuse_if_tokens_need(id, version)?;
            self.keyring().destroy_key(id, version)?;
            // Everything under the version is erased: one register entry, naming the key.
            let named = Activity::named(&format!("key {id} version {version}"));
            self.register(None, "key_destruction", &[named], principal.id())
        })
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn sweep_expired_tokens(
        &self,
        principal: &Principal,
        limit: usize,
    ) -> Result<u64, Error> {
        let at = self.now();
        let now = at.unix_timestamp();
        let event = self.admin_event(Action::TokenSweep, principal, |e| {
            e.detail = Some(Text::from(format!(
                "expired before {}, at most {limit}",
                crate::audit::timestamp(at)
            )));
        })?;
        self.administer(event, || match &self.inner.tokens {
            Some(tokens) => tokens.sweep_expired(now, limit),
            None => Err(Error::Unsupported {
                what: "sweeping tokens without a token store",
            }),
        })
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn forget_subject(
        &self,
        principal: &Principal,
        subject: &impl fmt::Display,
    ) -> Result<Forgotten, Error> {
        let event = self.admin_event(Action::SubjectErasure, principal, |e| {
            e.object.subject = Some(subject.to_string().into());
        })?;
        self.administer(event, || {
            let subject = SubjectId::from_display(subject);
            let rows = self.activity_of(subject.as_str())?;
            let forgotten = self.storage_keys().destroy_subject_key(&subject.as_str())?;
            // Only an erasure is registered: a key destroyed, or activity of the subject's
            // on record. A subject already forgotten has neither left.
            if forgotten == Forgotten::Destroyed || !rows.is_empty() {
                self.register(Some(subject.as_str()), "request", &rows, principal.id())?;
            }
            Ok(forgotten)
        })
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn install_policy(
        &self,
        principal: &Principal,
        text: &str,
    ) -> Result<Arc<Policy>, Error> {
        let policy = Policy::from_toml(text)?;
        let event = self.admin_event(Action::PolicyChange, principal, |e| {
            e.detail = Some(Text::from(format!("version {}", policy.version())));
        })?;
        self.administer(event, || self.inner.live.install(policy, text, "admin"))
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn reset_monitor(&self, principal: &Principal, blocked: &str) -> Result<(), Error> {
        let event = self.admin_event(Action::MonitorReset, principal, |e| {
            e.detail = Some(Text::from(format!("principal {blocked}")));
        })?;
        self.administer(event, || self.current().monitor.reset(blocked))
    }
}
