//! Disclosing a value: the decision, the access monitor's count, the audit event and only
//! then the value — in one commit with the store when the audit sink keeps the counts too —
//! and the denials and alerts on the way.

use super::Guard;
use crate::audit::{Action, AuditEvent, AuditSink as _, Outcome, Tallied, Text};
use crate::clock::unix_ms;
use crate::error::Error;
use crate::monitor::{Admission, Alert, AlertKind};
use crate::policy::{Access, Decision, Principal, Reason};
use crate::view::OwnedFieldRef;

impl Guard {
    /// The common end of a reveal and a detokenization: the decision (`allows` it or not),
    /// the access count, the audit event, and only then the value. A refusal is audited and
    /// returned as [`Error::Denied`]; a failure to open is audited as failed.
    ///
    /// When the audit sink keeps the counts too (a store's), the value is opened first and the
    /// count and the event then go in one commit; a refused count (blocked, at the hard limit)
    /// drops the opened value and takes the two-step path, which audits the denial.
    pub(super) fn disclose<R>(
        &self,
        principal: &Principal,
        access: &Access,
        at: &OwnedFieldRef,
        (mut event, now): (AuditEvent, time::OffsetDateTime),
        allows: fn(&Decision) -> bool,
        open: impl FnOnce() -> Result<R, Error>,
    ) -> Result<R, Error> {
        let decision = self.decide_at(principal, access, at, now.unix_timestamp());
        if !self.inner.tallied || !allows(&decision) {
            return self.disclose_in_steps(principal, at, (event, now), decision, allows, open);
        }
        event.reason = decision.reason;
        let revealed = match open() {
            Ok(revealed) => revealed,
            Err(error) => return self.open_failed(event, error),
        };
        let class = [at.pii.class().name()];
        let owner = decision.reason == Reason::Owner;
        match self.record_counted(&event, principal, owner, &class, unix_ms(now))? {
            Some(alerts) => {
                self.raise(principal, alerts)?;
                Ok(revealed)
            }
            None => self.disclose_in_steps(principal, at, (event, now), decision, allows, || {
                Ok(revealed)
            }),
        }
    }

    /// [`disclose`](Self::disclose) in steps: the count (which may deny), then the value, then
    /// the event.
    fn disclose_in_steps<R>(
        &self,
        principal: &Principal,
        at: &OwnedFieldRef,
        (mut event, now): (AuditEvent, time::OffsetDateTime),
        mut decision: Decision,
        allows: fn(&Decision) -> bool,
        open: impl FnOnce() -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut alerts = Vec::new();
        if allows(&decision) {
            let owner = decision.reason == Reason::Owner;
            let mut admission =
                self.admit(principal, owner, &[at.pii.class().name()], unix_ms(now));
            alerts = std::mem::take(&mut admission.alerts);
            if admission.denied {
                decision = Decision::deny(admission.reason());
            }
        }
        event.reason = decision.reason;
        if !allows(&decision) {
            event.outcome = Outcome::Denied;
            if decision.reason == Reason::RoleRule {
                event.reason = Reason::RevealNotPermitted;
                let gives = format!("policy gives {}", decision.disclosure);
                event.detail = Some(Text::from(match event.detail.take() {
                    Some(via) => format!("{}; {gives}", &*via),
                    None => gives,
                }));
            }
            let denied = self.deny(&event, principal)?;
            self.raise(principal, alerts)?;
            return Err(denied);
        }
        match open() {
            Ok(revealed) => {
                self.record(&event)?;
                self.raise(principal, alerts)?;
                Ok(revealed)
            }
            Err(error) => self.open_failed(event, error),
        }
    }

    /// Audits a value that failed to open, and returns the failure.
    pub(super) fn open_failed<R>(&self, mut event: AuditEvent, error: Error) -> Result<R, Error> {
        event.outcome = Outcome::Failed;
        // A token that turns out not to be one (an FF1 token that does not decrypt to the
        // format) is a refused token, not data that failed to open.
        event.reason = match error {
            Error::Token { .. } => Reason::TokenRefused,
            _ => Reason::OpenFailed,
        };
        self.record(&event)?;
        Err(error)
    }

    /// Audits and reports alerts.
    pub(super) fn raise(&self, principal: &Principal, alerts: Vec<Alert>) -> Result<(), Error> {
        for alert in alerts {
            let outcome = match alert.kind {
                AlertKind::LimitReached => Outcome::Denied,
                _ => Outcome::Allowed,
            };
            let mut event = self.event(
                Action::AccessAlert,
                outcome,
                Reason::Threshold,
                principal,
                None,
            );
            event.object.class = alert.class.as_deref().map(Text::from);
            event.detail = Some(
                format!(
                    "{} count={} window_secs={}",
                    alert.kind.name(),
                    alert.count,
                    alert.window.as_secs()
                )
                .into(),
            );
            self.record(&event)?;
            if let Some(handler) = &self.inner.on_alert {
                handler(&alert);
            }
        }
        Ok(())
    }

    /// Counts a disclosure of `classes` to `principal`: reads of the principal's own data
    /// (`owner`) on the owner counts (when the policy keeps them), the others on the staff
    /// counts and limit.
    /// Counters that cannot be asked refuse the access ([`Reason::MonitorUnavailable`]).
    pub(super) fn admit(
        &self,
        principal: &Principal,
        owner: bool,
        classes: &[&str],
        now: i64,
    ) -> Admission {
        let current = self.current();
        let admitted = if owner {
            current.owner_monitor.as_ref().map_or_else(
                || Ok(Admission::default()),
                |m| m.admit_reveal(principal.id(), classes, now),
            )
        } else {
            current.monitor.admit_reveal(principal.id(), classes, now)
        };
        admitted.unwrap_or_else(|_| Admission::unavailable())
    }

    /// Counts a disclosure of `classes` to `principal` and records its `event` in one commit,
    /// when the audit sink keeps the counts too: `Some(alerts)` once both are stored; `None`
    /// when the sink cannot, or refused (the principal blocked or at the hard limit: nothing
    /// stored), and the caller counts and records in two steps instead.
    pub(super) fn record_counted(
        &self,
        event: &AuditEvent,
        principal: &Principal,
        owner: bool,
        classes: &[&str],
        now: i64,
    ) -> Result<Option<Vec<Alert>>, Error> {
        if !self.inner.tallied {
            return Ok(None);
        }
        let current = self.current();
        let monitor = match (owner, &current.owner_monitor) {
            (false, _) => &current.monitor,
            (true, Some(monitor)) => monitor,
            // Reads of one's own data are not counted under this policy.
            (true, None) => {
                self.record(event)?;
                return Ok(Some(Vec::new()));
            }
        };
        let tally = monitor.tally(principal.id(), classes, now);
        match self.inner.audit.record_tallied(event, &tally)? {
            Tallied::Recorded(before) => Ok(Some(monitor.alerts_of(&tally, &before))),
            Tallied::Refused | Tallied::Unsupported => Ok(None),
        }
    }

    /// Records a denial (its event, the denial count, any alert) and returns the
    /// [`Error::Denied`] to give the caller; `Err` if the audit sink failed.
    pub(super) fn deny(&self, event: &AuditEvent, principal: &Principal) -> Result<Error, Error> {
        self.record(event)?;
        let now = unix_ms(self.now());
        let alerts = self
            .current()
            .monitor
            .record_denial(principal.id(), now)?
            .into_iter()
            .collect();
        self.raise(principal, alerts)?;
        Ok(Error::Denied {
            reason: event.reason,
        })
    }
}
