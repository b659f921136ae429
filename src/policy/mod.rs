//! Policy: who may see what. Roles × classes (or sensitivities) → a [`Disclosure`], per
//! environment and region, with purposes, justifications, owner access and break-glass grants.
//! Deny by default: a principal no rule covers gets the redacted placeholder.
//!
//! A policy is loaded from TOML ([`Policy::from_toml`]); the format is documented in
//! `docs/POLICY.md`, and [`Policy::starter`] is the policy a new local guard begins with.
//!
//! ```
//! use piiguard::{Access, policy::Disclosure, Principal, Policy, Reason, class::Sensitivity};
//! use piiguard::policy::Target;
//! use piiguard::keys::Environment;
//!
//! let policy = Policy::from_toml(r#"
//!     version = "2026-11"
//!     [[rule]]
//!     roles = ["support"]
//!     sensitivities = ["personal"]
//!     treatment = "mask"
//!     [[rule]]
//!     roles = ["support"]
//!     classes = ["email"]
//!     treatment = "reveal"
//!     purposes = ["customer_support"]
//! "#)?;
//! let agent = Principal::new("agent-17").role("support");
//! let email = Target::new("email", Sensitivity::Personal);
//! let phone = Target::new("phone", Sensitivity::Personal);
//! let access = Access::new("customer_support");
//! let dev = Environment::Dev;
//! assert_eq!(policy.decide(&agent, &access, &email, dev).disclosure, Disclosure::Reveal);
//! assert_eq!(policy.decide(&agent, &access, &phone, dev).disclosure, Disclosure::Mask);
//! let other = policy.decide(&agent, &Access::new("marketing"), &email, dev);
//! assert_eq!((other.disclosure, other.reason), (Disclosure::Mask, Reason::RoleRule));
//! let nobody = policy.decide(&Principal::new("x"), &access, &email, dev);
//! assert_eq!((nobody.disclosure, nobody.reason), (Disclosure::Redact, Reason::NoMatchingRule));
//! # Ok::<(), piiguard::Error>(())
//! ```

mod contradictions;
mod decision;
mod file;
pub(crate) mod grant;
pub(crate) mod grant_store;
mod lines;
mod policy_store;
mod principal;
mod retention;

pub use crate::reason::Reason;
pub use decision::{Decision, Disclosure};
pub use grant::{GrantRequest, GrantToken, RequestId};
pub use grant_store::{GrantStore, MemoryGrantStore, PendingRequest};
pub use policy_store::PolicyStore;
pub use principal::{Access, MAX_JUSTIFICATION, Principal};
pub use retention::{Retention, RetentionClock};

use crate::class::Sensitivity;
use crate::error::Error;
use crate::keys::Environment;
use crate::monitor::Thresholds;
use std::time::Duration;

/// The data a decision is about: its class (by name) and sensitivity, and whether the
/// principal is the record's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// The class name (`email`, `passport`, a custom class's name).
    pub class: &'a str,
    /// The field's sensitivity (the class's default or raised).
    pub sensitivity: Sensitivity,
    /// Whether the principal is the record's subject.
    pub owner: bool,
}

impl<'a> Target<'a> {
    /// A target that the principal does not own.
    pub const fn new(class: &'a str, sensitivity: Sensitivity) -> Self {
        Self {
            class,
            sensitivity,
            owner: false,
        }
    }

    /// The same target, owned (or not) by the principal.
    pub const fn owned(mut self, owner: bool) -> Self {
        self.owner = owner;
        self
    }
}

/// What a rule applies to: named classes, or every class of some sensitivities. A class rule
/// is more specific than a sensitivity rule and wins over it for the same role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selector {
    Classes(Vec<String>),
    Sensitivities(Vec<Sensitivity>),
}

impl Selector {
    fn selects(&self, target: &Target<'_>) -> bool {
        match self {
            Self::Classes(c) => c.iter().any(|c| c == target.class),
            Self::Sensitivities(s) => s.contains(&target.sensitivity),
        }
    }
}

/// One `[[rule]]` of a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) line: usize,
    pub(crate) roles: Vec<String>,
    pub(crate) selector: Selector,
    pub(crate) disclosure: Disclosure,
    /// `None`: every environment.
    pub(crate) environments: Option<Vec<Environment>>,
    /// `None`: every region (and principals with none).
    pub(crate) regions: Option<Vec<String>>,
    /// `None`: every purpose.
    pub(crate) purposes: Option<Vec<String>>,
    /// Overrides the default justification requirement for reveals under this rule.
    pub(crate) justification: Option<bool>,
}

impl Rule {
    fn covers(&self, role: &str, environment: Environment, region: Option<&str>) -> bool {
        self.roles.iter().any(|r| r == role)
            && self
                .environments
                .as_ref()
                .is_none_or(|e| e.contains(&environment))
            && self
                .regions
                .as_ref()
                .is_none_or(|rs| region.is_some_and(|r| rs.iter().any(|x| x == r)))
    }

    fn allows_purpose(&self, purpose: &str) -> bool {
        self.purposes
            .as_ref()
            .is_none_or(|p| p.iter().any(|x| x == purpose))
    }
}

/// Break-glass settings: who approves, and for how long at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlass {
    /// Roles that may approve a request (never their own).
    pub approvers: Vec<String>,
    /// The longest a grant may last.
    pub max_ttl: Duration,
    /// How long a request waits for approval before it expires (default one day).
    pub request_ttl: Duration,
}

impl Default for BreakGlass {
    fn default() -> Self {
        Self {
            approvers: Vec::new(),
            max_ttl: Duration::from_secs(4 * 60 * 60),
            request_ttl: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// A loaded, checked policy. Build one with [`Policy::from_toml`] or [`Policy::starter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub(crate) version: String,
    pub(crate) rules: Vec<Rule>,
    pub(crate) owner: Option<Disclosure>,
    pub(crate) justification_required: Vec<Sensitivity>,
    pub(crate) admin_roles: Vec<String>,
    pub(crate) break_glass: BreakGlass,
    pub(crate) monitor: Thresholds,
    pub(crate) retention: retention::Retention,
}

/// The policy a new local guard starts with (written to `policy.toml` for you to edit).
pub const STARTER_POLICY: &str = include_str!("starter.toml");

impl Policy {
    /// Parses and checks a policy file.
    ///
    /// # Errors
    /// [`Error::Policy`] naming the line for a syntax error, an unknown key, class, sensitivity,
    /// treatment, environment or role list, a rule without a selector, inconsistent thresholds,
    /// or two rules that give one role different treatments for the same data.
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        file::parse(text)
    }

    /// Reads and parses a policy file.
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read; the errors of [`from_toml`](Self::from_toml).
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path.as_ref()).map_err(|e| Error::Io {
            operation: "read the policy file",
            kind: e.kind(),
        })?;
        Self::from_toml(&text)
    }

    /// The built-in starter policy ([`STARTER_POLICY`]).
    pub fn starter() -> Self {
        Self::from_toml(STARTER_POLICY)
            .unwrap_or_else(|e| unreachable!("the starter policy is checked by a test: {e}"))
    }

    /// A policy with no rules: every access denied (no owner access, no approvers).
    pub fn deny_all(version: &str) -> Self {
        Self {
            version: version.to_owned(),
            rules: Vec::new(),
            owner: None,
            justification_required: vec![Sensitivity::Sensitive, Sensitivity::Special],
            admin_roles: Vec::new(),
            break_glass: BreakGlass::default(),
            monitor: Thresholds::default(),
            retention: retention::Retention::default(),
        }
    }

    /// The retention rules (`[retention]`).
    pub fn retention(&self) -> &retention::Retention {
        &self.retention
    }

    /// The version string, written to every audit event.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The access-monitor thresholds.
    pub fn monitor(&self) -> &Thresholds {
        &self.monitor
    }

    /// The break-glass settings.
    pub fn break_glass(&self) -> &BreakGlass {
        &self.break_glass
    }

    /// Whether `principal` has one of the admin roles (key rotation, subject erasure).
    pub fn is_admin(&self, principal: &Principal) -> bool {
        self.admin_roles.iter().any(|r| principal.has_role(r))
    }

    /// Whether `principal` may approve break-glass requests.
    pub fn is_approver(&self, principal: &Principal) -> bool {
        self.break_glass
            .approvers
            .iter()
            .any(|r| principal.has_role(r))
    }

    /// Decides how much of `target` `principal` gets for `access`, in `environment` (the
    /// guard's). Grants are checked by the guard, not here.
    ///
    /// For each of the principal's roles the most specific matching rule decides (a class rule
    /// over a sensitivity rule); across roles the most generous answer wins. A reveal that
    /// needs a justification and has none becomes a redaction with
    /// [`Reason::JustificationRequired`].
    pub fn decide(
        &self,
        principal: &Principal,
        access: &Access,
        target: &Target<'_>,
        environment: Environment,
    ) -> Decision {
        if principal.environment() != environment {
            return Decision::deny(Reason::EnvironmentMismatch);
        }
        let mut best: Option<Decision> = None;
        let mut keep = |d: Decision| {
            if best.is_none_or(|b| d.disclosure > b.disclosure) {
                best = Some(d);
            }
        };
        if target.owner
            && let Some(disclosure) = self.owner
        {
            keep(Decision {
                disclosure,
                reason: Reason::Owner,
                rule_line: None,
            });
        }
        let mut purpose_blocked = false;
        for role in principal.roles() {
            let mut class_rule = None;
            let mut sensitivity_rule = None;
            for rule in &self.rules {
                if !rule.covers(role, environment, principal.region())
                    || !rule.selector.selects(target)
                {
                    continue;
                }
                if !rule.allows_purpose(access.purpose()) {
                    purpose_blocked = true;
                    continue;
                }
                let slot = match rule.selector {
                    Selector::Classes(_) => &mut class_rule,
                    Selector::Sensitivities(_) => &mut sensitivity_rule,
                };
                slot.get_or_insert(rule);
            }
            if let Some(rule) = class_rule.or(sensitivity_rule) {
                keep(self.apply(rule, access, target));
            }
        }
        best.unwrap_or_else(|| {
            Decision::deny(if purpose_blocked {
                Reason::PurposeNotAllowed
            } else {
                Reason::NoMatchingRule
            })
        })
    }

    fn apply(&self, rule: &Rule, access: &Access, target: &Target<'_>) -> Decision {
        let needs_justification = rule
            .justification
            .unwrap_or_else(|| self.justification_required.contains(&target.sensitivity));
        if matches!(rule.disclosure, Disclosure::Reveal | Disclosure::Detokenize)
            && needs_justification
            && access.justification().is_none()
        {
            return Decision {
                disclosure: Disclosure::Redact,
                reason: Reason::JustificationRequired,
                rule_line: Some(rule.line),
            };
        }
        Decision {
            disclosure: rule.disclosure,
            reason: Reason::RoleRule,
            rule_line: Some(rule.line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_policy_loads() {
        let p = Policy::starter();
        assert!(!p.rules.is_empty());
        assert_eq!(p.owner, Some(Disclosure::Reveal));
    }
}
