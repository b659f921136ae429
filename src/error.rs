//! The one error type of piiguard.
//!
//! Every field of every variant is a `&'static str` or a small enum chosen by the library, never
//! text taken from a value, so no message can carry personal data. A test formats every variant
//! and checks exactly that.

use crate::view::View;

/// Everything that can go wrong in piiguard. Messages never contain a classified value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value does not satisfy its class's rules (an email without `@`, a card failing Luhn).
    #[error("invalid {class} value: {reason}")]
    InvalidValue {
        /// The class whose rules were applied.
        class: &'static str,
        /// Why the value was refused (fixed text, never the value).
        reason: &'static str,
    },
    /// Stored bytes could not be decoded into the requested Rust type.
    #[error("the cleartext bytes are not a valid {kind}")]
    Decode {
        /// The Rust type that was asked for.
        kind: &'static str,
    },
    /// Input was a redacted or masked placeholder, which never stands for a value.
    #[error("a redacted or masked {class} placeholder is not a value")]
    Placeholder {
        /// The class of the field (or `unclassified`).
        class: &'static str,
    },
    /// A view needs keys (encryption, pseudonyms) but none were provided.
    #[error("the {view} view needs keys for treatment `{treatment}`, and none are configured")]
    KeysRequired {
        /// The view being serialized.
        view: View,
        /// The treatment that needed keys.
        treatment: &'static str,
    },
}

/// Why a class refused a value: a fixed reason, never the value itself.
///
/// Returned by [`ClassRules`](crate::class::ClassRules) and [`Masker`](crate::class::Masker)
/// implementations; the library turns it into [`Error::InvalidValue`] with the class name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl Invalid {
    /// Attaches the class name.
    pub(crate) fn for_class(self, class: &'static str) -> Error {
        Error::InvalidValue {
            class,
            reason: self.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_fixed_text() {
        let all = [
            Error::InvalidValue {
                class: "email",
                reason: "missing @",
            },
            Error::Decode { kind: "u64" },
            Error::Placeholder { class: "phone" },
            Error::KeysRequired {
                view: View::Storage,
                treatment: "encrypt",
            },
        ];
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(shown[0], "invalid email value: missing @");
        assert_eq!(
            shown[3],
            "the storage view needs keys for treatment `encrypt`, and none are configured"
        );
    }
}
