//! What the policy decides for one field: a [`Disclosure`] and the [`Reason`] for it.

use crate::reason::Reason;

crate::names::name_enum! {
    /// How much of a value a principal gets, from least to most.
    ///
    /// ```
    /// use piiguard::policy::Disclosure;
    /// assert!(Disclosure::Reveal > Disclosure::Detokenize);
    /// assert!(Disclosure::Detokenize > Disclosure::Mask);
    /// assert_eq!(Disclosure::parse("deny"), Some(Disclosure::Redact));
    /// ```
    #[derive(PartialOrd, Ord)]
    pub enum Disclosure: "disclosure" {
        /// Nothing: the redacted placeholder (a denial, for a reveal).
        Redact = "redact" | "deny",
        /// A keyed pseudonym: linkable, not readable.
        Hash = "hash",
        /// The class's mask (`j***@example.com`).
        Mask = "mask",
        /// The cleartext of a vault token given alone ([`Guard::detokenize`], a proxy's
        /// outbound request), and the mask elsewhere: a record is not revealed.
        ///
        /// [`Guard::detokenize`]: crate::Guard::detokenize
        Detokenize = "detokenize",
        /// The cleartext, under a reveal or a policy view (and a detokenization).
        Reveal = "reveal",
    }
}

impl Disclosure {
    /// Parses a name; `deny` is another name for `redact` (the same as
    /// [`from_name`](Self::from_name)).
    pub fn parse(name: &str) -> Option<Self> {
        Self::from_name(name)
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

    /// Whether the principal gets the cleartext of a vault token given alone.
    pub const fn detokenizes(&self) -> bool {
        matches!(self.disclosure, Disclosure::Reveal | Disclosure::Detokenize)
    }
}
