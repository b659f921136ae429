//! [`Reason`]: the stable codes that say why a decision came out as it did; shared by the policy,
//! the guard and the audit trail.

crate::names::name_enum! {
    /// Why a decision came out as it did: a stable code, written to every audit event.
    ///
    /// ```
    /// use piiguard::Reason;
    /// assert_eq!(Reason::from_code("grant_expired"), Some(Reason::GrantExpired));
    /// assert_eq!("owner".parse::<Reason>(), Ok(Reason::Owner));
    /// ```
    #[non_exhaustive]
    pub enum Reason: "reason" {
        /// A role rule of the policy gave the disclosure.
        RoleRule = "role_rule",
        /// The principal is the record's subject and the policy lets owners see their data.
        Owner = "owner",
        /// A valid break-glass grant covers the access.
        BreakGlass = "break_glass",
        /// No rule covers any of the principal's roles for this data (deny by default).
        NoMatchingRule = "no_matching_rule",
        /// Rules exist, but none for this purpose.
        PurposeNotAllowed = "purpose_not_allowed",
        /// A reveal the policy allows only with a justification, and none was given.
        JustificationRequired = "justification_required",
        /// The principal's environment is not the guard's.
        EnvironmentMismatch = "environment_mismatch",
        /// The rules give the principal less than a reveal.
        RevealNotPermitted = "reveal_not_permitted",
        /// The principal went over the policy's hard limit of reveals; reset by an operator.
        RateLimited = "rate_limited",
        /// The grant token is malformed or its MAC does not verify.
        GrantInvalid = "grant_invalid",
        /// The grant has expired.
        GrantExpired = "grant_expired",
        /// The grant was revoked.
        GrantRevoked = "grant_revoked",
        /// The grant does not cover this principal, subject, class or field.
        GrantOutOfScope = "grant_out_of_scope",
        /// The principal has no approver role of the policy's break-glass section.
        NotApprover = "not_approver",
        /// A principal tried to approve their own request.
        SelfApproval = "self_approval",
        /// The access request does not exist (or was already decided).
        UnknownRequest = "unknown_request",
        /// The request asks for longer than the policy's maximum grant time, or for nothing.
        RequestInvalid = "request_invalid",
        /// An administrative action by a principal with an admin role.
        AdminRole = "admin_role",
        /// An administrative action by a principal without an admin role.
        NotAdmin = "not_admin",
        /// An access-rate threshold was crossed.
        Threshold = "threshold",
        /// The data could not be opened (tampered, wrong context, destroyed key).
        OpenFailed = "open_failed",
        /// The audit log's torn last line was cut off when it was recovered.
        Recovered = "recovered",
        /// A break-glass request was recorded, awaiting approval.
        Requested = "requested",
        /// The access request waited longer than the policy's `request_ttl_secs`.
        RequestExpired = "request_expired",
        /// The principal holds an approver role.
        Approver = "approver",
        /// The principal holds the grant.
        Holder = "holder",
        /// The access monitor's counts could not be read or written (its store is down): the
        /// access is refused rather than left uncounted.
        MonitorUnavailable = "monitor_unavailable",
        /// The local directory's `policy.toml` holds a policy not yet in force.
        PolicyFile = "policy_file",
        /// A vault token was refused: altered, another field's or tenant's, expired, or
        /// unknown to the store.
        TokenRefused = "token_refused",
        /// A front end (the proxy) refused a caller it could not authenticate.
        Unauthenticated = "unauthenticated",
        /// A front end (the proxy) refused a request that no declared route allows.
        NoRoute = "no_route",
        /// An anonymized export found groups smaller than k, and was asked to refuse them.
        SmallGroups = "small_groups",
        /// A subject erased because its retention period ended.
        Retention = "retention",
        /// A front end (the proxy) refused a malformed request: a path that does not
        /// normalise, a body that cannot be read.
        BadRequest = "bad_request",
        /// A front end (the proxy) withheld a response holding personal data of a class the
        /// caller may not see, which no rule of the route tokenized.
        ResponseWithheld = "response_withheld",
    }
}

impl Reason {
    /// The stable `snake_case` code (the same as [`name`](Self::name)).
    pub const fn code(self) -> &'static str {
        self.name()
    }

    /// The reason with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::from_name(code)
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
