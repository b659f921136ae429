//! What the policy decides for one field: a [`Disclosure`] and the [`Reason`] for it.

use std::fmt;

/// How much of a value a principal gets, from least to most.
///
/// ```
/// use piiguard::Disclosure;
/// assert!(Disclosure::Reveal > Disclosure::Mask);
/// assert_eq!(Disclosure::parse("deny"), Some(Disclosure::Redact));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Disclosure {
    /// Nothing: the redacted placeholder (a denial, for a reveal).
    Redact,
    /// A keyed pseudonym: linkable, not readable.
    Hash,
    /// The class's mask (`j***@example.com`).
    Mask,
    /// The cleartext, under a reveal or a policy view.
    Reveal,
}

impl Disclosure {
    /// The lower-case name (`reveal`, `mask`, `hash`, `redact`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Redact => "redact",
            Self::Hash => "hash",
            Self::Mask => "mask",
            Self::Reveal => "reveal",
        }
    }

    /// Parses a name; `deny` is another name for `redact`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "redact" | "deny" => Some(Self::Redact),
            "hash" => Some(Self::Hash),
            "mask" => Some(Self::Mask),
            "reveal" => Some(Self::Reveal),
            _ => None,
        }
    }
}

impl fmt::Display for Disclosure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Why a decision came out as it did: a stable code, written to every audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// A role rule of the policy gave the disclosure.
    RoleRule,
    /// The principal is the record's subject and the policy lets owners see their data.
    Owner,
    /// A valid break-glass grant covers the access.
    BreakGlass,
    /// No rule covers any of the principal's roles for this data (deny by default).
    NoMatchingRule,
    /// Rules exist, but none for this purpose.
    PurposeNotAllowed,
    /// A reveal the policy allows only with a justification, and none was given.
    JustificationRequired,
    /// The principal's environment is not the guard's.
    EnvironmentMismatch,
    /// The rules give the principal less than a reveal.
    RevealNotPermitted,
    /// The principal went over the policy's hard limit of reveals; reset by an operator.
    RateLimited,
    /// The grant token is malformed or its MAC does not verify.
    GrantInvalid,
    /// The grant has expired.
    GrantExpired,
    /// The grant was revoked.
    GrantRevoked,
    /// The grant does not cover this principal, subject, class or field.
    GrantOutOfScope,
    /// The principal has no approver role of the policy's break-glass section.
    NotApprover,
    /// A principal tried to approve their own request.
    SelfApproval,
    /// The access request does not exist (or was already decided).
    UnknownRequest,
    /// The request asks for longer than the policy's maximum grant time, or for nothing.
    RequestInvalid,
    /// An administrative action by a principal with an admin role.
    AdminRole,
    /// An administrative action by a principal without an admin role.
    NotAdmin,
    /// An access-rate threshold was crossed.
    Threshold,
    /// The data could not be opened (tampered, wrong context, destroyed key).
    OpenFailed,
    /// The audit log's torn last line was cut off when it was recovered.
    Recovered,
    /// A break-glass request was recorded, awaiting approval.
    Requested,
    /// The principal holds an approver role.
    Approver,
    /// The principal holds the grant.
    Holder,
}

impl Reason {
    /// The stable `snake_case` code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::RoleRule => "role_rule",
            Self::Owner => "owner",
            Self::BreakGlass => "break_glass",
            Self::NoMatchingRule => "no_matching_rule",
            Self::PurposeNotAllowed => "purpose_not_allowed",
            Self::JustificationRequired => "justification_required",
            Self::EnvironmentMismatch => "environment_mismatch",
            Self::RevealNotPermitted => "reveal_not_permitted",
            Self::RateLimited => "rate_limited",
            Self::GrantInvalid => "grant_invalid",
            Self::GrantExpired => "grant_expired",
            Self::GrantRevoked => "grant_revoked",
            Self::GrantOutOfScope => "grant_out_of_scope",
            Self::NotApprover => "not_approver",
            Self::SelfApproval => "self_approval",
            Self::UnknownRequest => "unknown_request",
            Self::RequestInvalid => "request_invalid",
            Self::AdminRole => "admin_role",
            Self::NotAdmin => "not_admin",
            Self::Threshold => "threshold",
            Self::OpenFailed => "open_failed",
            Self::Recovered => "recovered",
            Self::Requested => "requested",
            Self::Approver => "approver",
            Self::Holder => "holder",
        }
    }
}

impl Reason {
    /// Every reason code.
    pub const ALL: [Reason; 25] = [
        Self::RoleRule,
        Self::Owner,
        Self::BreakGlass,
        Self::NoMatchingRule,
        Self::PurposeNotAllowed,
        Self::JustificationRequired,
        Self::EnvironmentMismatch,
        Self::RevealNotPermitted,
        Self::RateLimited,
        Self::GrantInvalid,
        Self::GrantExpired,
        Self::GrantRevoked,
        Self::GrantOutOfScope,
        Self::NotApprover,
        Self::SelfApproval,
        Self::UnknownRequest,
        Self::RequestInvalid,
        Self::AdminRole,
        Self::NotAdmin,
        Self::Threshold,
        Self::OpenFailed,
        Self::Recovered,
        Self::Requested,
        Self::Approver,
        Self::Holder,
    ];

    /// The reason with this code.
    ///
    /// ```
    /// use piiguard::Reason;
    /// assert_eq!(Reason::from_code("grant_expired"), Some(Reason::GrantExpired));
    /// ```
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_code(&code).ok_or_else(|| serde::de::Error::custom("unknown reason code"))
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

/// The policy's answer for one field: how much the principal gets, why, and which line of the
/// policy file decided it (if a rule did).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// How much of the value the principal gets.
    pub disclosure: Disclosure,
    /// Why.
    pub reason: Reason,
    /// The line of the rule that decided, if a rule did.
    pub rule_line: Option<usize>,
}

impl Decision {
    pub(crate) const fn deny(reason: Reason) -> Self {
        Self {
            disclosure: Disclosure::Redact,
            reason,
            rule_line: None,
        }
    }

    /// Whether the principal gets the cleartext.
    pub const fn reveals(&self) -> bool {
        matches!(self.disclosure, Disclosure::Reveal)
    }
}
