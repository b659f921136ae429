//! The guard's two other doors: [`Storage`] (records and columns as stored, lookups, tokens,
//! activity, the deletion register and the monitor's blocks: nothing of it discloses a value,
//! so nothing is decided by the policy) and
//! [`Admin`] (keys, erasure, policy, the monitor, break-glass approvals, retention: each act
//! allowed to the policy's admin roles, or approver roles for grants, and audited). The
//! policy's own door, the one that discloses, is [`Guard`] itself.

use super::Guard;
use super::retention::RetentionSweep;
use crate::at_rest::{Column, Forgotten, TokenTarget};
use crate::envelope::Envelope;
use crate::error::Error;
use crate::keys::{KeyInfo, Purpose};
use crate::lifecycle::Deletion;
use crate::names::View;
use crate::pii::Pii;
use crate::policy::{GrantToken, Policy, Principal, RequestId};
use crate::token::TokenFormat;
use crate::value::PiiValue;
use crate::view::Classified;
use std::fmt;
use std::sync::Arc;

/// The storage door of a guard ([`Guard::storage`]): records and columns as stored (envelopes,
/// blind indexes, tokens), read back still encrypted, lookups, the activity that retention
/// counts from, the deletion register and the monitor's blocks. Nothing here discloses a
/// value, so nothing is decided by the policy or audited (but a column read refused as
/// tampered or swapped, which is evidence).
///
/// ```
/// use piiguard::{Classified, Guard, Pii, Policy};
/// use piiguard::audit::MemorySink;
/// use piiguard::keys::{Environment, Keyring};
///
/// #[derive(Classified)]
/// #[pii(subject = id)]
/// struct Customer {
///     id: u64,
///     #[pii(class = email, index)]
///     email: Pii<String>,
/// }
///
/// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
///     .policy(Policy::starter())
///     .audit(std::sync::Arc::new(MemorySink::new()))
///     .build()?;
/// let storage = guard.storage();
/// let row = storage.to_json(&Customer { id: 7, email: Pii::new("jane@example.com".into()) })?;
/// let back: Customer = storage.from_json(&row)?; // still encrypted
/// let wanted = storage.blind_index_candidates::<Customer>("email", "JANE@example.com")?;
/// assert!(wanted.iter().any(|index| row.contains(index.as_str())));
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Storage<'g> {
    guard: &'g Guard,
}

/// The administrative door of a guard for one principal ([`Guard::admin`]): each act is
/// allowed to the policy's admin roles (a grant's approval to its approver roles), audited
/// before it is carried out, and refused and audited otherwise. Each act works under the
/// policy in force when it starts.
///
/// ```
/// use piiguard::{Error, Guard, Policy, Principal, Reason};
/// use piiguard::audit::MemorySink;
/// use piiguard::keys::{Environment, Keyring, Purpose};
///
/// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
///     .policy(Policy::starter())
///     .audit(std::sync::Arc::new(MemorySink::new()))
///     .build()?;
/// let ops = Principal::new("ops-1").role("admin");
/// let rotated = guard.admin(&ops).rotate_key(Purpose::FieldEncryption)?;
/// assert_eq!(rotated.version, 2);
/// let agent = Principal::new("agent-17").role("support");
/// let refused = guard.admin(&agent).rotate_key(Purpose::FieldEncryption);
/// assert!(matches!(refused, Err(Error::Denied { reason: Reason::NotAdmin })));
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Admin<'g> {
    guard: &'g Guard,
    principal: &'g Principal,
}

impl Guard {
    /// The storage door: records and columns as stored, lookups, tokens, activity. See
    /// [`Storage`].
    pub fn storage(&self) -> Storage<'_> {
        Storage { guard: self }
    }

    /// The administrative door for `principal`: keys, erasure, policy, the monitor,
    /// break-glass approvals, retention. See [`Admin`].
    pub fn admin<'g>(&'g self, principal: &'g Principal) -> Admin<'g> {
        Admin {
            guard: self,
            principal,
        }
    }
}

impl Storage<'_> {
    /// The record as stored: envelopes and blind indexes. Discloses nothing, so it is not
    /// audited.
    ///
    /// # Errors
    /// The typed error of whatever failed (a missing region, a forgotten subject…).
    pub fn to_json<T: Classified + ?Sized>(&self, record: &T) -> Result<String, Error> {
        self.guard.storage_keys().to_json::<T>(record)
    }

    /// The record in a view that needs keys but discloses no cleartext: [`View::Storage`] or
    /// [`View::Export`] (pseudonyms), or any keyless view. Not audited.
    ///
    /// # Errors
    /// The typed error of whatever failed.
    pub fn to_json_in<T: Classified + ?Sized>(
        &self,
        record: &T,
        view: View,
    ) -> Result<String, Error> {
        self.guard.storage_keys().to_json_in::<T>(record, view)
    }

    /// Reads a stored record; its values stay encrypted until revealed.
    ///
    /// # Errors
    /// [`Error::Json`], [`Error::Envelope`], [`Error::NotEncrypted`],
    /// [`Error::EnvironmentMismatch`], [`Error::RegionMismatch`].
    pub fn from_json<T: Classified>(&self, json: &str) -> Result<T, Error> {
        self.guard.storage_keys().from_json::<T>(json)
    }

    /// One classified field of `record` for a SQL column of its own: its envelope (bound to the
    /// record type, field, subject, tenant and region) and, for an `index` field, its blind
    /// index for the column beside it. Discloses nothing, so it is not audited. See
    /// `docs/SQL.md`.
    ///
    /// # Errors
    /// As [`StorageKeys::column`](crate::at_rest::StorageKeys::column).
    pub fn column<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        record: &'r T,
        field: impl FnOnce(&'r T) -> &'r Pii<V>,
    ) -> Result<Column, Error> {
        self.guard.storage_keys().column(record, field)
    }

    /// [`column`](Self::column) for an `Option<Pii<_>>` field: `None` (a `NULL` column) when
    /// the record has no value there. Read one back with `row.map(|e| storage.read_column…)`.
    ///
    /// ```
    /// use piiguard::{Classified, Guard, Pii, Policy};
    /// use piiguard::audit::MemorySink;
    /// use piiguard::keys::{Environment, Keyring};
    ///
    /// #[derive(Classified)]
    /// #[pii(subject = id)]
    /// struct Customer {
    ///     id: u64,
    ///     #[pii(class = phone)]
    ///     phone: Option<Pii<String>>,
    /// }
    ///
    /// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
    ///     .policy(Policy::starter())
    ///     .audit(std::sync::Arc::new(MemorySink::new()))
    ///     .build()?;
    /// let storage = guard.storage();
    /// let with = Customer { id: 7, phone: Some(Pii::new("+1-555-0100".into())) };
    /// let without = Customer { id: 8, phone: None };
    /// let column = storage.optional_column(&with, |c| c.phone.as_ref())?;
    /// assert!(column.is_some());
    /// assert!(storage.optional_column(&without, |c| c.phone.as_ref())?.is_none());
    /// // Read back: a NULL stays None.
    /// let read: Option<Pii<String>> = column
    ///     .map(|c| storage.read_column::<Customer, _>("phone", Some(&7), c.envelope().clone()))
    ///     .transpose()?;
    /// assert!(read.is_some());
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`column`](Self::column).
    pub fn optional_column<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        record: &'r T,
        field: impl FnOnce(&'r T) -> Option<&'r Pii<V>>,
    ) -> Result<Option<Column>, Error> {
        match field(record) {
            Some(value) => self.column(record, |_| value).map(Some),
            None => Ok(None),
        }
    }

    /// A column value read back as field `field` of record type `T` for `subject`: still
    /// encrypted, and checked to belong there (another field's, record's, subject's or
    /// tenant's value is [`Error::ColumnMismatch`]). A column read that succeeds is not
    /// audited: it discloses nothing. One that is refused — a tampered, swapped or foreign
    /// value — is evidence, and is audited as a view of the row would be (`view`, failed,
    /// `open_failed`, naming the record type, field and subject, by the principal
    /// `piiguard`); if that event cannot be written, its error is returned instead.
    ///
    /// # Errors
    /// As [`StorageKeys::read_column`](crate::at_rest::StorageKeys::read_column); the audit
    /// sink's errors.
    pub fn read_column<T: Classified, V: PiiValue>(
        &self,
        field: &str,
        subject: Option<&dyn fmt::Display>,
        envelope: Envelope,
    ) -> Result<Pii<V>, Error> {
        self.guard.read_column::<T, V>(field, subject, envelope)
    }

    /// The blind indexes a lookup of `value` in field `field` of record type `T` must match,
    /// one per still-valid index key version (use them as `WHERE email_bidx IN (…)`). A lookup
    /// discloses no value, so it is not audited.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if the field has no blind index; [`Error::InvalidValue`] if
    /// the value is not valid for the field's class.
    pub fn blind_index_candidates<T: Classified + ?Sized>(
        &self,
        field: &str,
        value: &str,
    ) -> Result<Vec<String>, Error> {
        self.guard
            .storage_keys()
            .blind_index_candidates::<T>(field, value)
    }

    /// What the store says of a vault token of field `field` of record type `T` for
    /// `subject` — its class, field, creation and expiry — without detokenizing it. Not
    /// audited: it discloses nothing.
    ///
    /// # Errors
    /// As [`StorageKeys::token_metadata`](crate::at_rest::StorageKeys::token_metadata).
    pub fn token_metadata<T: Classified>(
        &self,
        field: &str,
        subject: Option<&dyn fmt::Display>,
        token: &str,
    ) -> Result<crate::at_rest::TokenMetadata, Error> {
        self.guard
            .storage_keys()
            .token_metadata::<T>(field, subject, token)
    }

    /// The convergent token that field `field` of record type `T` holds for `value`, if one
    /// was made: a lookup in a tokenized column. Not audited: it discloses nothing, as a
    /// blind-index lookup.
    ///
    /// # Errors
    /// As [`StorageKeys::convergent_token`](crate::at_rest::StorageKeys::convergent_token).
    pub fn convergent_token<T: Classified>(
        &self,
        field: &str,
        value: &str,
    ) -> Result<Option<String>, Error> {
        self.guard
            .storage_keys()
            .convergent_token::<T>(field, value)
    }

    /// The token of `value` for a tokenized field named by `target`, for `subject`: what a
    /// proxy gives the application in place of a value a third party sent back. Not audited:
    /// it discloses nothing.
    ///
    /// # Errors
    /// As [`StorageKeys::tokenize_value`](crate::at_rest::StorageKeys::tokenize_value).
    pub fn tokenize(
        &self,
        target: &crate::at_rest::TokenTarget,
        subject: Option<&dyn fmt::Display>,
        value: &str,
    ) -> Result<String, Error> {
        self.guard
            .storage_keys()
            .tokenize_value(target, subject, value)
    }

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
    /// use piiguard::{Class, Guard, schema::PiiField};
    /// use std::sync::Arc;
    ///
    /// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
    ///     .audit(Arc::new(MemorySink::new()))
    ///     .build()?;
    /// let card = TokenTarget::named("Payment", "card", PiiField::of(Class::CardNumber));
    /// let format = TokenFormat::Card { keep_first_six: false };
    /// let token = guard.storage().tokenize_preserving(&card, format, "4111111111111111")?;
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
        self.guard
            .storage_keys()
            .tokenize_preserving(target, format, value)
    }

    /// Records that `record` was stored now, for retention: its subject's data of this record
    /// type was created (the first time) and last used (every time). Call it where the
    /// application stores the record. A record without a subject is not tracked.
    ///
    /// # Errors
    /// The lifecycle store's errors.
    pub fn track<T: Classified>(&self, record: &T) -> Result<(), Error> {
        self.guard.track_at(record, None)
    }

    /// As [`track`](Storage::track), with the date the application gives for retention rules
    /// that run `from = "given"` (a contract's end, a case's closing).
    ///
    /// # Errors
    /// The lifecycle store's errors.
    pub fn track_from<T: Classified>(
        &self,
        record: &T,
        given: time::OffsetDateTime,
    ) -> Result<(), Error> {
        self.guard.track_at(record, Some(given.unix_timestamp()))
    }

    /// The deletion register's entries for `subject` (by its pseudonym, computed here): what
    /// was erased, when, why and by whom — without the data. Not audited: it discloses none.
    ///
    /// # Errors
    /// The keys' and store's errors.
    pub fn deletions_of(&self, subject: &impl fmt::Display) -> Result<Vec<Deletion>, Error> {
        self.guard.deletions_of(subject)
    }

    /// The deletion register of the guard's region, oldest first, at most `limit` entries.
    ///
    /// # Errors
    /// The store's errors.
    pub fn deletion_register(&self, limit: usize) -> Result<Vec<Deletion>, Error> {
        self.guard.deletion_register(limit)
    }

    /// Whether `principal` reached the policy's hard limit of reveals and is refused until an
    /// admin calls [`reset_monitor`](Admin::reset_monitor).
    ///
    /// # Errors
    /// The monitor's store error.
    pub fn is_blocked(&self, principal: &str) -> Result<bool, Error> {
        self.guard.current().monitor.is_blocked(principal)
    }
}

impl Admin<'_> {
    /// Rotates the guard region's root key for `purpose`: a new version becomes active, the
    /// previous one decrypt-only (existing data stays readable). Needs an admin role; audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`](crate::Reason::NotAdmin); the keyring's errors;
    /// audit errors.
    pub fn rotate_key(&self, purpose: Purpose) -> Result<KeyInfo, Error> {
        self.guard.pin().rotate_key(self.principal, purpose)
    }

    /// Destroys a decrypt-only root key version: its material is erased and everything still
    /// under it becomes unreadable (rewrap first). Needs an admin role; audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`](crate::Reason::NotAdmin); [`Error::Keyring`] for
    /// the active version; [`Error::UnknownKey`]; the provider's errors; audit errors.
    pub fn destroy_key(&self, id: &str, version: u32) -> Result<(), Error> {
        self.guard.pin().destroy_key(self.principal, id, version)
    }

    /// Deletes up to `limit` vault tokens that have expired (they are refused already; this
    /// tidies the store). Returns how many were deleted. Needs an admin role; audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`](crate::Reason::NotAdmin); [`Error::Unsupported`]
    /// without a token store; the store's errors; audit errors.
    pub fn sweep_expired_tokens(&self, limit: usize) -> Result<u64, Error> {
        self.guard.pin().sweep_expired_tokens(self.principal, limit)
    }

    /// Erases a data subject by destroying their key in the guard's scope (crypto-shredding):
    /// every envelope of theirs becomes permanently unreadable, and the erasure is written to
    /// the deletion register. Idempotent: forgetting a subject again finds no key
    /// ([`Forgotten::NoKey`]) and no activity, and registers nothing. Needs an admin role;
    /// audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`](crate::Reason::NotAdmin); key store errors;
    /// audit errors.
    pub fn forget_subject(&self, subject: &impl fmt::Display) -> Result<Forgotten, Error> {
        self.guard.pin().forget_subject(self.principal, subject)
    }

    /// Puts a new policy in force: `text` is checked (a bad policy is refused with its line),
    /// recorded with its version, and then in force on every instance sharing the guard's
    /// policy store within [`REFRESH`](crate::clock::REFRESH). Needs an admin role; audited.
    ///
    /// # Errors
    /// [`Error::Policy`] for a bad policy (nothing is recorded or changed); [`Error::Denied`]
    /// with [`Reason::NotAdmin`](crate::Reason::NotAdmin); store and audit errors.
    pub fn install_policy(&self, text: &str) -> Result<Arc<Policy>, Error> {
        self.guard.pin().install_policy(self.principal, text)
    }

    /// Clears `blocked`'s access-rate counts, lifting a hard-limit block. Needs an admin role;
    /// audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`](crate::Reason::NotAdmin); audit errors.
    pub fn reset_monitor(&self, blocked: &str) -> Result<(), Error> {
        self.guard.pin().reset_monitor(self.principal, blocked)
    }

    /// Puts a legal hold on `subject`: retention will not erase their data until it is
    /// lifted (an erasure request still does). Needs an admin role; audited with the reason.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`](crate::Reason::NotAdmin); the store's and audit
    /// sink's errors.
    pub fn hold_subject(&self, subject: &impl fmt::Display, reason: &str) -> Result<(), Error> {
        self.guard
            .pin()
            .set_hold(self.principal, &subject.to_string(), Some(reason))
    }

    /// Lifts a legal hold. Needs an admin role; audited.
    ///
    /// # Errors
    /// As [`hold_subject`](Admin::hold_subject).
    pub fn release_subject(&self, subject: &impl fmt::Display) -> Result<(), Error> {
        self.guard
            .pin()
            .set_hold(self.principal, &subject.to_string(), None)
    }

    /// Erases every subject whose data is past its retention period (the policy's
    /// `[retention]`), at most `limit` of them: each by crypto-shredding (its key destroyed,
    /// its tokens deleted), with one `subject_erasure` event (reason `retention`) and one
    /// register entry; subjects under a legal hold are kept. Idempotent and resumable: a
    /// sweep stopped half-way (a crash) erases the rest the next time, writing no entry
    /// twice. Covers every tenant of the guard's region. Needs an admin role; audited as
    /// `retention_sweep`.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::NotAdmin`](crate::Reason::NotAdmin); the stores' and audit
    /// sink's errors.
    pub fn sweep_retention(&self, limit: usize) -> Result<RetentionSweep, Error> {
        self.guard.pin().sweep_retention(self.principal, limit)
    }

    /// Approves a pending request: `approver` needs one of the policy's approver roles and
    /// may not approve their own request. Returns the grant token for the requester. Audited.
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::UnknownRequest`](crate::Reason::UnknownRequest),
    /// [`Reason::NotApprover`](crate::Reason::NotApprover),
    /// [`Reason::SelfApproval`](crate::Reason::SelfApproval) or
    /// [`Reason::EnvironmentMismatch`](crate::Reason::EnvironmentMismatch); key and audit errors.
    pub fn approve(&self, request: &RequestId) -> Result<GrantToken, Error> {
        self.guard.pin().approve(self.principal, request)
    }

    /// Revokes a grant before it expires: by an approver, or by the principal who holds it.
    /// Audited; the grant is refused from then on (and, with a revocations file, after a
    /// restart too).
    ///
    /// # Errors
    /// [`Error::Denied`] with [`Reason::GrantInvalid`](crate::Reason::GrantInvalid) for a token
    /// that does not verify, or [`Reason::NotApprover`](crate::Reason::NotApprover); I/O and audit
    /// errors.
    pub fn revoke(&self, token: &GrantToken) -> Result<(), Error> {
        self.guard.pin().revoke(self.principal, token)
    }
}
