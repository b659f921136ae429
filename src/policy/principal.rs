//! [`Principal`] (who asks) and [`Access`] (why: purpose, justification, a break-glass grant).

use super::grant::GrantToken;
use crate::keys::Environment;
use std::fmt;

/// Who asks for personal data: an id, roles, the environment and region they work in, and —
/// for an end user reading their own data — the data subject they are.
///
/// ```
/// use piiguard::Principal;
/// use piiguard::keys::Environment;
///
/// let agent = Principal::new("agent-17")
///     .role("support")
///     .in_environment(Environment::Prod)
///     .in_region("eu");
/// assert_eq!(agent.id(), "agent-17");
/// assert!(agent.has_role("support"));
/// let user = Principal::new("user-42").as_subject("42");
/// assert_eq!(user.subject_id(), Some("42"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    id: String,
    roles: Vec<String>,
    environment: Environment,
    region: Option<String>,
    subject: Option<String>,
}

impl Principal {
    /// A principal with no roles, in the `dev` environment and no particular region.
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            roles: Vec::new(),
            environment: Environment::Dev,
            region: None,
            subject: None,
        }
    }

    /// Adds a role.
    pub fn role(mut self, role: &str) -> Self {
        self.roles.push(role.to_owned());
        self
    }

    /// The environment the principal works in (must be the guard's for any access).
    pub fn in_environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// The region the principal works from.
    pub fn in_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self
    }

    /// The principal is this data subject: the policy's owner rule applies to records about them.
    pub fn as_subject(mut self, subject_id: &str) -> Self {
        self.subject = Some(subject_id.to_owned());
        self
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The roles.
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// Whether the principal has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// The environment.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The region, if set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The data subject the principal is, if any.
    pub fn subject_id(&self) -> Option<&str> {
        self.subject.as_deref()
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("id", &self.id)
            .field("roles", &self.roles)
            .field("environment", &self.environment)
            .field("region", &self.region)
            .field("subject", &self.subject.is_some())
            .finish()
    }
}

/// Why a principal asks: the purpose, a justification where the policy wants one, and a
/// break-glass grant if they hold one.
///
/// A plain `&str` converts to an access with that purpose and nothing else.
///
/// ```
/// use piiguard::Access;
///
/// let access = Access::new("customer_support").justified_by("ticket 4411");
/// assert_eq!(access.purpose(), "customer_support");
/// assert_eq!(access.justification(), Some("ticket 4411"));
/// let plain: Access = "billing".into();
/// assert_eq!(plain.justification(), None);
/// ```
#[derive(Clone, Default)]
pub struct Access {
    purpose: String,
    justification: Option<String>,
    grant: Option<GrantToken>,
    channel: Option<String>,
    subject: Option<String>,
}

/// The longest justification kept (bytes); longer text is cut at a character boundary.
pub const MAX_JUSTIFICATION: usize = 1024;

impl Access {
    /// An access for `purpose` (`customer_support`, `billing`, `fraud_review`…).
    pub fn new(purpose: &str) -> Self {
        Self {
            purpose: purpose.to_owned(),
            ..Self::default()
        }
    }

    /// Adds a justification (a ticket number, a reason). Blank text counts as none. It is
    /// written to the audit trail as given: do not put personal data in it.
    pub fn justified_by(mut self, text: &str) -> Self {
        let text = text.trim();
        let mut end = text.len().min(MAX_JUSTIFICATION);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.justification = (!text.is_empty()).then(|| text[..end].to_owned());
        self
    }

    /// Presents a break-glass grant.
    pub fn with_grant(mut self, grant: GrantToken) -> Self {
        self.grant = Some(grant);
        self
    }

    /// Names the channel the access comes through — a proxy's route, a job — written to the
    /// audit event's detail as `via NAME`. The policy does not read it.
    ///
    /// ```
    /// use piiguard::Access;
    /// let access = Access::new("payment").via("route charge");
    /// assert_eq!(access.channel(), Some("route charge"));
    /// ```
    pub fn via(mut self, channel: &str) -> Self {
        let channel = channel.trim();
        self.channel = (!channel.is_empty()).then(|| channel.to_owned());
        self
    }

    /// Says whose data the access is for: [`Guard::detokenize`](crate::Guard::detokenize)
    /// then refuses a vault token whose entry names another subject, or none (failed,
    /// `token_refused`) — a proxy's charge for customer 7 cannot carry customer 8's card
    /// token. Format-preserving (FF1) tokens carry no subject: this cannot be checked for
    /// them.
    ///
    /// ```
    /// use piiguard::Access;
    /// let access = Access::new("payment").about(&7);
    /// assert_eq!(access.subject(), Some("7"));
    /// ```
    pub fn about(mut self, subject: &dyn fmt::Display) -> Self {
        self.subject = Some(subject.to_string());
        self
    }

    /// The subject named by [`Access::about`], if any.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The channel named by [`Access::via`], if any.
    pub fn channel(&self) -> Option<&str> {
        self.channel.as_deref()
    }

    /// The purpose.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// The justification, if any.
    pub fn justification(&self) -> Option<&str> {
        self.justification.as_deref()
    }

    /// The grant presented, if any.
    pub fn grant(&self) -> Option<&GrantToken> {
        self.grant.as_ref()
    }
}

impl From<&str> for Access {
    fn from(purpose: &str) -> Self {
        Self::new(purpose)
    }
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Access")
            .field("purpose", &self.purpose)
            .field("justified", &self.justification.is_some())
            .field("grant", &self.grant)
            .field("channel", &self.channel)
            // A subject id may itself be personal data: only whether one was named.
            .field("about_subject", &self.subject.is_some())
            .finish()
    }
}
