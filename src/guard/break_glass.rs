//! Break-glass: request, approve, revoke — each audited.

use super::{Guard, Pinned};
use crate::audit::{Action, Outcome};
use crate::error::Error;
use crate::policy::PendingRequest;
use crate::policy::grant::{self, Claims};
use crate::policy::{GrantRequest, GrantToken, Principal, Reason, RequestId};

impl Guard {
    /// Asks for elevated access: `request` names the subjects, classes or fields, the justification
    /// and how long. Audited; an approver then calls [`approve`](crate::guard::Admin::approve).
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::RequestInvalid`] (no justification, no subject, nothing
    /// in scope, a time limit of zero or above the policy's maximum) or
    /// [`Reason::EnvironmentMismatch`]; the audit sink's errors.
    pub fn request_access(
        &self,
        requester: &Principal,
        request: GrantRequest,
    ) -> Result<RequestId, Error> {
        self.pin().request_access(requester, request)
    }
}

impl Guard {
    /// How long a request waits for approval, in seconds.
    fn request_ttl(&self) -> i64 {
        i64::try_from(self.policy().break_glass().request_ttl.as_secs()).unwrap_or(i64::MAX)
    }
}

impl Pinned {
    /// The operation itself, under the policy pinned for it.
    pub(crate) fn request_access(
        &self,
        requester: &Principal,
        request: GrantRequest,
    ) -> Result<RequestId, Error> {
        let mut event = self.event(
            Action::GrantRequest,
            Outcome::Allowed,
            Reason::Requested,
            requester,
            None,
        );
        event.justification = Some(super::free_text(request.justification()));
        event.detail = Some(
            format!(
                "{} ttl_secs={}",
                request.scope_text(),
                request.ttl().as_secs()
            )
            .into(),
        );
        let reason = if requester.environment() != self.keyring().environment() {
            Some(Reason::EnvironmentMismatch)
        } else if !request.is_valid(self.policy().break_glass().max_ttl) {
            Some(Reason::RequestInvalid)
        } else {
            None
        };
        if let Some(reason) = reason {
            event.outcome = Outcome::Denied;
            event.reason = reason;
            return Err(self.deny(&event, requester)?);
        }
        let now = self.now().unix_timestamp();
        let id = self.inner.grants.add_pending(
            PendingRequest {
                requester: requester.id().to_owned(),
                request,
                requested_at: now,
            },
            now,
            self.request_ttl(),
        )?;
        event.grant = Some(id.as_str().into());
        self.record(&event)?;
        Ok(id)
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn approve(
        &self,
        approver: &Principal,
        request: &RequestId,
    ) -> Result<GrantToken, Error> {
        let mut event = self.event(
            Action::Grant,
            Outcome::Denied,
            Reason::UnknownRequest,
            approver,
            None,
        );
        event.grant = Some(request.as_str().into());
        let pending = match self.inner.grants.pending(
            request,
            self.now().unix_timestamp(),
            self.request_ttl(),
        ) {
            Ok(Some(pending)) => pending,
            Ok(None) => return Err(self.deny(&event, approver)?),
            Err(None) => {
                event.reason = Reason::RequestExpired;
                return Err(self.deny(&event, approver)?);
            }
            Err(Some(e)) => return Err(e),
        };
        event.justification = Some(super::free_text(pending.request.justification()));
        let refusal = if approver.environment() != self.keyring().environment() {
            Some(Reason::EnvironmentMismatch)
        } else if !self.policy().is_approver(approver) {
            Some(Reason::NotApprover)
        } else if approver.id() == pending.requester {
            Some(Reason::SelfApproval)
        } else {
            None
        };
        if let Some(reason) = refusal {
            event.reason = reason;
            return Err(self.deny(&event, approver)?);
        }
        let Some(pending) = self.inner.grants.take_pending(request)? else {
            return Err(self.deny(&event, approver)?);
        };
        let issued = self.now().unix_timestamp();
        let ttl = i64::try_from(pending.request.ttl().as_secs()).unwrap_or(i64::MAX);
        let token = grant::issue(
            self.keyring(),
            Claims {
                id: grant::new_grant_id(),
                principal: pending.requester.clone(),
                approver: approver.id().to_owned(),
                subjects: pending.request.subjects().to_vec(),
                classes: pending.request.classes().to_vec(),
                fields: pending.request.fields().to_vec(),
                issued,
                expires: issued.saturating_add(ttl),
                key: String::new(),
            },
        )?;
        event.outcome = Outcome::Allowed;
        event.reason = Reason::Approver;
        event.grant = Some(token.id().into());
        event.detail = Some(
            format!(
                "request={} for={} {} expires={}",
                request,
                pending.requester,
                pending.request.scope_text(),
                token.expires_at()
            )
            .into(),
        );
        self.record(&event)?;
        Ok(token)
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn revoke(&self, principal: &Principal, token: &GrantToken) -> Result<(), Error> {
        let mut event = self.event(
            Action::GrantRevoke,
            Outcome::Denied,
            Reason::GrantInvalid,
            principal,
            None,
        );
        event.grant = Some(token.id().into());
        // An expired grant can still be revoked (for the record): check only the MAC.
        let claims = match grant::verify(self.keyring(), token, i64::MIN) {
            Ok(claims) => claims,
            Err(_) => return Err(self.deny(&event, principal)?),
        };
        let reason = if self.policy().is_approver(principal) {
            Reason::Approver
        } else if claims.principal == principal.id() {
            Reason::Holder
        } else {
            event.reason = Reason::NotApprover;
            return Err(self.deny(&event, principal)?);
        };
        self.inner.grants.revoke(&claims.id)?;
        event.outcome = Outcome::Allowed;
        event.reason = reason;
        self.record(&event)
    }
}
