//! Format-preserving (FF1) tokens through the guard: made without a decision (they disclose
//! nothing), turned back into values only under the policy, audited as `detokenize`.

use super::access::describe;
use super::{Guard, Pinned};
use crate::at_rest::TokenTarget;
use crate::audit::{Action, Outcome, Text};
use crate::error::Error;
use crate::pii::Revealed;
use crate::policy::{Access, Decision, Principal, Reason};
use crate::token::TokenFormat;
use crate::view::OwnedFieldRef;

impl Guard {
    /// The value of a format-preserving token of `target`, for `principal`, if the policy
    /// allows it (a `reveal` or `detokenize` rule for the field's class): the decision, the
    /// access count and the audit event (`detokenize`, detail `ff1`) come first, and only
    /// then is the token decrypted. A token that does not decrypt (not of the format, a card
    /// token that passes Luhn) is audited as failed, `token_refused`.
    ///
    /// # Errors
    /// [`Error::Denied`]; [`Error::Token`]; the keys' and audit sink's errors.
    pub fn detokenize_preserving(
        &self,
        principal: &Principal,
        target: &TokenTarget,
        format: TokenFormat,
        token: &str,
        access: impl Into<Access>,
    ) -> Result<Revealed<String>, Error> {
        self.pin()
            .detokenize_preserving(principal, target, format, token, access)
    }
}

impl Pinned {
    /// The operation itself, under the policy pinned for it.
    pub(crate) fn detokenize_preserving(
        &self,
        principal: &Principal,
        target: &TokenTarget,
        format: TokenFormat,
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
        let at = OwnedFieldRef {
            record: target.record_schema(),
            field: target.field_schema(),
            pii: target.pii(),
            subject: None,
        };
        describe(&mut event, &at);
        event.detail = Some(Text::from(match event.detail.take() {
            Some(via) => format!("{}; ff1", &*via),
            None => "ff1".to_owned(),
        }));
        let keys = self.storage_keys();
        self.disclose(
            principal,
            &access,
            &at,
            (event, now),
            Decision::detokenizes,
            || keys.open_preserving(target, format, token),
        )
    }
}
