//! Reveals and policy views: decide, count, audit, and only then open.

use super::policy_view::{FieldDecision, PolicyView, same_field};
use super::{Guard, Pinned};
use crate::at_rest::TokenTarget;
use crate::audit::{Action, AuditEvent, Outcome, Text};
use crate::clock::unix_ms;
use crate::error::Error;
use crate::pii::{Pii, Revealed};
use crate::policy::grant::{self, Claims};
use crate::policy::{Access, Decision, Disclosure, GrantToken, Principal, Reason, Target};
use crate::schema::SubjectId;
use crate::value::PiiValue;
use crate::view::Classified;
use crate::view::OwnedFieldRef;

impl Guard {
    /// Reveals one classified field of `record` to `principal`, if the policy (or a break-glass
    /// grant in `access`) allows it: the cleartext comes back in a [`Revealed`], wiped when it
    /// drops, with no `Debug`, `Display` or `Serialize`.
    ///
    /// Every call writes exactly one audit event (allowed, denied or failed), plus one per
    /// access-rate alert it raises. If the event cannot be written, nothing is revealed.
    ///
    /// # Errors
    /// [`Error::Denied`] with the reason code; [`Error::FieldNotFound`]; the key errors of
    /// opening the value; the audit sink's errors.
    pub fn reveal<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        principal: &Principal,
        record: &'r T,
        field: impl FnOnce(&'r T) -> &'r Pii<V>,
        access: impl Into<Access>,
    ) -> Result<Revealed<V>, Error> {
        self.pin().reveal(principal, record, field, access)
    }

    /// Detokenizes a vault token of `target` given alone — a token a proxy finds in a request
    /// on its way to a third party — for `principal`, if the policy allows revealing that
    /// field: the token is checked (its MAC, expiry and store entry, whose subject decides
    /// ownership), then the decision, the access count and the audit event (`detokenize`), and
    /// only then is the value opened. A refused token is audited too (failed,
    /// `token_refused`).
    ///
    /// # Errors
    /// [`Error::Token`] for an altered, foreign, expired or unknown token, or one of another
    /// subject than [`Access::about`] names; [`Error::Denied`]; the key errors of opening the
    /// value; the audit sink's errors.
    pub fn detokenize(
        &self,
        principal: &Principal,
        target: &TokenTarget,
        token: &str,
        access: impl Into<Access>,
    ) -> Result<Revealed<String>, Error> {
        self.pin().detokenize(principal, target, token, access)
    }

    /// Records a request that a front end refused before it reached any data — a proxy's
    /// unauthenticated caller ([`Reason::Unauthenticated`]) or undeclared route
    /// ([`Reason::NoRoute`]) — as one `request_refused` event, denied. `detail` (the method
    /// and path, say) is scrubbed of personal data before it is written.
    ///
    /// ```
    /// use piiguard::audit::MemorySink;
    /// use piiguard::keys::{Environment, Keyring};
    /// use piiguard::{Guard, Principal, Reason};
    /// use std::sync::Arc;
    ///
    /// let audit = Arc::new(MemorySink::new());
    /// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
    ///     .audit(audit.clone())
    ///     .build()?;
    /// guard.refuse(&Principal::new("anonymous"), Reason::Unauthenticated, "POST /v1/charges")?;
    /// assert_eq!(audit.events()[0].reason, Reason::Unauthenticated);
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// The audit sink's errors.
    pub fn refuse(&self, principal: &Principal, reason: Reason, detail: &str) -> Result<(), Error> {
        let mut event = self.event(
            Action::RequestRefused,
            Outcome::Denied,
            reason,
            principal,
            None,
        );
        event.detail = Some(super::free_text(detail));
        self.record(&event)
    }

    /// Decides how each classified field of `record` is shown to `principal` for `access`, and
    /// writes one audit event listing the decisions. The returned [`PolicyView`] serializes the
    /// record with every field revealed, masked, hashed or redacted as decided — the "owner"
    /// or "support" view of an API response.
    ///
    /// # Errors
    /// [`Error::Denied`] when the view is denied as a whole: a presented grant that is not
    /// valid, or the access monitor's hard limit or block (`rate_limited`,
    /// `monitor_unavailable`) — a service can answer 403 or 429. A view whose fields the
    /// policy simply does not reveal is not an error: it comes back redacted (and is audited
    /// as denied). The audit sink's errors (then nothing is returned).
    pub fn view<'r, T: Classified + ?Sized>(
        &self,
        principal: &Principal,
        record: &'r T,
        access: impl Into<Access>,
    ) -> Result<PolicyView<'_, 'r, T>, Error> {
        // One policy for the whole view (its decisions, its count and its event).
        let pinned = self.pin();
        let this = &pinned;
        let access = access.into();
        let now = this.now();
        // A view denied as a whole: one denied event, and the error.
        let whole_denial = |reason: Reason| -> Result<Error, Error> {
            let mut event = this.event(
                Action::View,
                Outcome::Denied,
                reason,
                principal,
                Some(&access),
            );
            event.object.record = Some(Text::from_static(T::SCHEMA.name()));
            event.object.subject = record.subject_id().map(|s| s.as_str().into());
            this.deny(&event, principal)
        };
        // A grant that is no longer (or never was) valid is a denial, not a silently redacted
        // view.
        if let Some(reason) = access
            .grant()
            .and_then(|token| this.grant_refusal(principal, token, now.unix_timestamp()))
        {
            return Err(whole_denial(reason)?);
        }
        let mut fields: Vec<FieldDecision> = Vec::new();
        let mut located = Vec::new();
        record.visit_pii(&mut |at, _| {
            let seen = located
                .iter()
                .any(|l: &OwnedFieldRef| same_field(l.record, l.field, at.record(), at.field()));
            if !seen {
                located.push(OwnedFieldRef::of(at));
            }
        });
        for at in &located {
            let decision = this.decide_in_view(principal, &access, at, now.unix_timestamp());
            fields.push(FieldDecision {
                record: at.record,
                field: at.field,
                decision,
            });
        }
        // One view is one access for the monitor, counting each revealed class once (a read of
        // one's own data on the owner counts); over the hard limit (or with the principal
        // blocked) the view as a whole is denied: an error, so that a service answers 429 or
        // 403 rather than a page of redacted fields.
        let mut classes: Vec<&str> = Vec::new();
        let mut owner = true;
        for (f, at) in fields.iter().zip(&located) {
            let class = at.pii.class().name();
            if f.decision.reveals() {
                owner &= f.decision.reason == Reason::Owner;
                if !classes.contains(&class) {
                    classes.push(class);
                }
            }
        }
        // With a store keeping counts and trail, the view is counted with its event, in one
        // commit, once built; else counted first.
        let tallied = this.inner.tallied && !classes.is_empty();
        let mut alerts = Vec::new();
        if !classes.is_empty() && !tallied {
            let mut admission = this.admit(principal, owner, &classes, unix_ms(now));
            alerts = std::mem::take(&mut admission.alerts);
            if admission.denied {
                let denied = whole_denial(admission.reason())?;
                this.raise(principal, alerts)?;
                return Err(denied);
            }
        }
        let main = fields
            .iter()
            .map(|f| f.decision)
            .max_by_key(|d| d.disclosure)
            .map_or(Reason::NoMatchingRule, |d| d.reason);
        let mut event = this.event(
            Action::View,
            Outcome::Allowed,
            main,
            principal,
            Some(&access),
        );
        event.object.record = Some(Text::from_static(T::SCHEMA.name()));
        event.object.subject = record.subject_id().map(|s| s.as_str().into());
        event.detail = Some(
            fields
                .iter()
                .map(|f| {
                    format!(
                        "{}={}({})",
                        f.field.name(),
                        f.decision.disclosure,
                        f.decision.reason
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
                .into(),
        );
        // A view that discloses nothing at all is a denial (and counts as one).
        let nothing = !fields.is_empty()
            && fields
                .iter()
                .all(|f| f.decision.disclosure == Disclosure::Redact);
        // Built before it is audited, so the event says whether it could be.
        let view = match PolicyView::build(self, record, fields) {
            Ok(view) => view,
            Err(error) => {
                event.outcome = Outcome::Failed;
                // A token that turns out not to be one (an FF1 token that does not decrypt
                // to the format) is a refused token, not data that failed to open.
                event.reason = match error {
                    Error::Token { .. } => Reason::TokenRefused,
                    _ => Reason::OpenFailed,
                };
                this.record(&event)?;
                this.raise(principal, alerts)?;
                return Err(error);
            }
        };
        if nothing {
            event.outcome = Outcome::Denied;
            this.deny(&event, principal)?;
        } else if tallied {
            match this.record_counted(&event, principal, owner, &classes, unix_ms(now))? {
                Some(raised) => alerts = raised,
                None => {
                    // Refused in the store: counted again in steps, which decide the denial.
                    let mut admission = this.admit(principal, owner, &classes, unix_ms(now));
                    alerts = std::mem::take(&mut admission.alerts);
                    if admission.denied {
                        drop(view);
                        let denied = whole_denial(admission.reason())?;
                        this.raise(principal, alerts)?;
                        return Err(denied);
                    }
                    this.record(&event)?;
                }
            }
        } else {
            this.record(&event)?;
        }
        this.raise(principal, alerts)?;
        Ok(view)
    }

    /// The decision for one located field: a presented grant is checked first and decides
    /// alone (a reveal), else the policy.
    pub(super) fn decide_at(
        &self,
        principal: &Principal,
        access: &Access,
        at: &OwnedFieldRef,
        now: i64,
    ) -> Decision {
        match access.grant() {
            Some(token) => self.grant_check(principal, token, at, now),
            None => self.policy_decision(principal, access, at),
        }
    }

    /// In a view, a valid grant reveals the fields it covers; the policy decides the others.
    fn decide_in_view(
        &self,
        principal: &Principal,
        access: &Access,
        at: &OwnedFieldRef,
        now: i64,
    ) -> Decision {
        let decision = self.decide_at(principal, access, at, now);
        if decision.reason == Reason::GrantOutOfScope {
            self.policy_decision(principal, access, at)
        } else {
            decision
        }
    }

    fn policy_decision(
        &self,
        principal: &Principal,
        access: &Access,
        at: &OwnedFieldRef,
    ) -> Decision {
        let subject = at.subject.as_ref().map(SubjectId::as_str);
        let target = Target {
            class: at.pii.class().name(),
            sensitivity: at.pii.sensitivity(),
            owner: subject.is_some() && principal.subject_id() == subject,
        };
        self.current()
            .policy
            .decide(principal, access, &target, self.keyring().environment())
    }

    fn grant_check(
        &self,
        principal: &Principal,
        token: &GrantToken,
        at: &OwnedFieldRef,
        now: i64,
    ) -> Decision {
        match grant::verify(self.keyring(), token, now) {
            Err(reason) => Decision::deny(reason),
            Ok(claims) => self.grant_decision(
                &claims,
                principal,
                at,
                principal.environment() == self.keyring().environment(),
            ),
        }
    }

    /// Why a presented grant cannot be used at all (malformed, forged, expired, revoked, or of
    /// another environment); `None` if it is valid (its scope is checked per field).
    fn grant_refusal(&self, principal: &Principal, token: &GrantToken, now: i64) -> Option<Reason> {
        match grant::verify(self.keyring(), token, now) {
            Err(reason) => Some(reason),
            Ok(claims) if self.inner.grants.is_revoked(&claims.id) => Some(Reason::GrantRevoked),
            Ok(_) if principal.environment() != self.keyring().environment() => {
                Some(Reason::EnvironmentMismatch)
            }
            Ok(_) => None,
        }
    }

    fn grant_decision(
        &self,
        claims: &Claims,
        principal: &Principal,
        at: &OwnedFieldRef,
        environment_ok: bool,
    ) -> Decision {
        let subject = at.subject.as_ref().map(SubjectId::as_str);
        if self.inner.grants.is_revoked(&claims.id) {
            Decision::deny(Reason::GrantRevoked)
        } else if !environment_ok {
            Decision::deny(Reason::EnvironmentMismatch)
        } else if !claims.covers(
            principal.id(),
            subject,
            at.record.name(),
            at.field.name(),
            at.pii.class().name(),
        ) {
            Decision::deny(Reason::GrantOutOfScope)
        } else {
            Decision {
                disclosure: Disclosure::Reveal,
                reason: Reason::BreakGlass,
                rule_line: None,
            }
        }
    }
}

/// Names the field `at` in an event: record type, field, class, sensitivity and subject.
pub(super) fn describe(event: &mut AuditEvent, at: &OwnedFieldRef) {
    event.object.record = Some(Text::from_static(at.record.name()));
    event.object.field = Some(Text::from_static(at.field.name()));
    event.object.class = Some(Text::from_static(at.pii.class().name()));
    event.object.sensitivity = Some(Text::from_static(at.pii.sensitivity().name()));
    event.object.subject = at.subject.as_ref().map(|s| s.as_str().into());
}

impl Pinned {
    /// The operation itself, under the policy pinned for it.
    pub(crate) fn reveal<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        principal: &Principal,
        record: &'r T,
        field: impl FnOnce(&'r T) -> &'r Pii<V>,
        access: impl Into<Access>,
    ) -> Result<Revealed<V>, Error> {
        let access = access.into();
        let pii = field(record);
        let at = OwnedFieldRef::find(record, pii).ok_or(Error::FieldNotFound)?;
        // A field stored as a vault token is detokenized, and audited as such.
        let action = match at.pii.treatment(crate::names::View::Storage) {
            crate::names::Treatment::Tokenize => Action::Detokenize,
            _ => Action::Reveal,
        };
        let now = self.now();
        let mut event = self.event_at(
            now,
            action,
            Outcome::Allowed,
            Reason::RoleRule,
            principal,
            Some(&access),
        );
        describe(&mut event, &at);
        self.disclose(
            principal,
            &access,
            &at,
            (event, now),
            Decision::reveals,
            || self.storage_keys().decrypt_at(&at, pii),
        )
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn detokenize(
        &self,
        principal: &Principal,
        target: &TokenTarget,
        token: &str,
        access: impl Into<Access>,
    ) -> Result<Revealed<String>, Error> {
        let access = access.into();
        let now = self.now();
        let mut event = self.event_at(
            now,
            Action::Detokenize,
            Outcome::Allowed,
            Reason::RoleRule,
            principal,
            Some(&access),
        );
        // The field is known before the token is resolved: a refused token is audited with it.
        let mut at = OwnedFieldRef {
            record: target.record_schema(),
            field: target.field_schema(),
            pii: target.pii(),
            subject: None,
        };
        describe(&mut event, &at);
        let keys = self.storage_keys();
        let resolved = keys
            .resolve_target(target, token)
            .and_then(|(subject, envelope)| match access.subject() {
                Some(expected) if subject.as_ref().map(SubjectId::as_str) != Some(expected) => {
                    Err(Error::Token {
                        reason: "the token is not of the subject the access is about",
                    })
                }
                _ => Ok((subject, envelope)),
            });
        let (subject, envelope) = match resolved {
            Ok(found) => found,
            Err(error) => {
                event.outcome = Outcome::Failed;
                event.reason = Reason::TokenRefused;
                self.record(&event)?;
                return Err(error);
            }
        };
        at.subject = subject;
        event.object.subject = at.subject.as_ref().map(|s| s.as_str().into());
        self.disclose(
            principal,
            &access,
            &at,
            (event, now),
            Decision::detokenizes,
            || keys.open_target(target, at.subject.as_ref(), &envelope),
        )
    }
}
