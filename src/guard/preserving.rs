//! Format-preserving (FF1) tokens through the guard: made without a decision (they disclose
//! nothing), turned back into values only under the policy, audited as `detokenize`.

use super::Guard;
use super::access::describe;
use crate::at_rest::TokenTarget;
use crate::audit::{Action, Outcome, Text};
use crate::error::Error;
use crate::pii::Revealed;
use crate::policy::{Access, Decision, Principal, Reason};
use crate::token::TokenFormat;
use crate::view::Located;

impl Guard {
    /// The format-preserving token of `value` for the field `target` names: FF1 under a key
    /// the keyring derives for this tenant, record type and field (see
    /// [`StorageKeys::tokenize_preserving`](crate::at_rest::StorageKeys::tokenize_preserving)).
    /// Deterministic: equal values of one field give equal tokens. Not audited: it discloses
    /// nothing.
    ///
    /// ```
    /// use piiguard::at_rest::TokenTarget;
    /// use piiguard::audit::MemorySink;
    /// use piiguard::keys::{Environment, Keyring};
    /// use piiguard::token::TokenFormat;
    /// use piiguard::{Class, Guard, PiiField};
    /// use std::sync::Arc;
    ///
    /// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
    ///     .audit(Arc::new(MemorySink::new()))
    ///     .build()?;
    /// let card = TokenTarget::named("Payment", "card", PiiField::of(Class::CardNumber));
    /// let format = TokenFormat::Card { keep_first_six: false };
    /// let token = guard.tokenize_preserving(&card, format, "4111111111111111")?;
    /// assert!(token.ends_with("1111") && token.len() == 16);
    /// assert_ne!(token, "4111111111111111");
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a value not of the field's class; [`Error::Token`] for a
    /// value the format cannot carry; the keys' errors.
    pub fn tokenize_preserving(
        &self,
        target: &TokenTarget,
        format: TokenFormat,
        value: &str,
    ) -> Result<String, Error> {
        self.storage_keys()
            .tokenize_preserving(target, format, value)
    }

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
        if self.pinned.is_none() {
            return self
                .pin()
                .detokenize_preserving(principal, target, format, token, access);
        }
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
        let at = Located {
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
