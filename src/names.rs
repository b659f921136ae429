//! The vocabulary: every name-like enum is declared through [`name_enum!`], which gives it one
//! table of names and, from it, `name()`, `ALL`, `Display` and `FromStr`.
//!
//! This file is a leaf (it uses only `core`), and `piiguard-derive` compiles it too, through
//! `#[path]`, the way serde_derive shares serde's internals: the names the derive accepts in
//! `#[pii(class = …, sensitivity = …, log = …)]` are the names the runtime parses and prints,
//! from one table. A test in each crate checks that both sides agree.

use core::fmt;

/// A name that is not one of an enum's names. Carries the kind of name, never the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name was expected (`class`, `treatment`, `environment`, …).
    pub kind: &'static str,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} name", self.kind)
    }
}

impl std::error::Error for UnknownName {}

/// Declares a fieldless enum whose variants each have a stable lower-case name (and optional
/// aliases accepted when parsing), and implements `name`, `variant`, `from_name`, `ALL`,
/// `Display` (padded) and `FromStr` for it.
macro_rules! name_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $kind:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $text:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        #[allow(dead_code)]
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [Self; [$(stringify!($variant)),+].len()] = [$(Self::$variant),+];

            /// The stable lower-case name.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }

            /// The Rust variant name (used by the derive to name the variant in generated code).
            #[doc(hidden)]
            pub const fn variant(self) -> &'static str {
                match self {
                    $( Self::$variant => stringify!($variant), )+
                }
            }

            /// The byte that stands for the value in binary formats (envelope headers, key
            /// files): its position in declaration order, so variants are only ever appended.
            pub(crate) const fn byte(self) -> u8 {
                self as u8
            }

            /// The value stored as `byte`.
            pub(crate) fn from_byte(byte: u8) -> Option<Self> {
                Self::ALL.get(usize::from(byte)).copied()
            }

            /// The value with this name (or one of its aliases).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $text $(| $alias)* => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.pad(self.name())
            }
        }

        impl core::str::FromStr for $name {
            type Err = $crate::names::UnknownName;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                Self::from_name(name).ok_or($crate::names::UnknownName { kind: $kind })
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use name_enum;

name_enum! {
    /// How sensitive a class of data is, from least to most.
    ///
    /// ```
    /// use piiguard::class::Sensitivity;
    /// assert!(Sensitivity::Special > Sensitivity::Personal);
    /// assert_eq!("sensitive".parse::<Sensitivity>(), Ok(Sensitivity::Sensitive));
    /// ```
    #[derive(PartialOrd, Ord)]
    pub enum Sensitivity: "sensitivity" {
        /// Technical identifiers: IP addresses, geolocation, device ids.
        Technical = "technical",
        /// Ordinary personal data: name, email, phone, address, birth date.
        Personal = "personal",
        /// Sensitive data: passport, national id, financial data.
        Sensitive = "sensitive",
        /// Special categories (GDPR art. 9): health, biometric.
        Special = "special",
    }
}

name_enum! {
    /// What happens to a classified value on one path.
    ///
    /// ```
    /// use piiguard::view::Treatment;
    /// assert_eq!("encrypt".parse::<Treatment>(), Ok(Treatment::Encrypt));
    /// assert_eq!(Treatment::Mask.to_string(), "mask");
    /// ```
    #[non_exhaustive]
    pub enum Treatment: "treatment" {
        /// Replaced by `[REDACTED:class]`.
        Redact = "redact",
        /// Replaced by the class's mask (`j***@example.com`).
        Mask = "mask",
        /// Replaced by a keyed pseudonym (needs keys).
        Hash = "hash",
        /// Encrypted into an envelope (needs keys).
        Encrypt = "encrypt",
        /// Replaced by a token that can be exchanged back (needs keys; not available yet).
        Tokenize = "tokenize",
        /// Left out of the output.
        Omit = "omit",
        /// Cleartext: only ever under an allowing policy decision (a reveal), never in a view.
        Clear = "clear",
    }
}

impl Treatment {
    /// Whether carrying out the treatment needs keys.
    pub const fn needs_keys(self) -> bool {
        matches!(self, Self::Hash | Self::Encrypt | Self::Tokenize)
    }
}

name_enum! {
    /// Where a serialization goes.
    ///
    /// ```
    /// use piiguard::View;
    /// assert_eq!(View::default(), View::Redacted);
    /// assert_eq!("storage".parse::<View>(), Ok(View::Storage));
    /// ```
    #[derive(Default)]
    #[non_exhaustive]
    pub enum View: "view" {
        /// No view chosen: every classified field is redacted (fail-closed).
        #[default]
        Redacted = "redacted",
        /// Logs and `Debug`: masked or redacted by sensitivity.
        Log = "log",
        /// At rest: encrypted envelopes (and blind indexes where asked).
        Storage = "storage",
        /// Analytics and third parties: keyed pseudonyms; special data omitted.
        Export = "export",
        /// Each field as a principal's policy decides (revealed, masked, hashed or redacted): the
        /// guard's `view`. Without the guard's decisions every field is redacted.
        Policy = "policy",
    }
}

name_enum! {
    /// The built-in classes of personal data, by name. [`Class`](crate::Class) has one variant
    /// of the same name for each, plus custom classes.
    ///
    /// ```
    /// use piiguard::class::ClassName;
    /// assert_eq!("card_number".parse::<ClassName>(), Ok(ClassName::CardNumber));
    /// ```
    pub enum ClassName: "class" {
        /// `email`
        Email = "email",
        /// `phone`
        Phone = "phone",
        /// `name`
        Name = "name",
        /// `address`
        Address = "address",
        /// `birth_date`
        BirthDate = "birth_date",
        /// `passport`
        Passport = "passport",
        /// `national_id`
        NationalId = "national_id",
        /// `card_number`
        CardNumber = "card_number",
        /// `iban`
        Iban = "iban",
        /// `ip_address`
        IpAddress = "ip_address",
        /// `geo_location`
        GeoLocation = "geo_location",
        /// `health`
        Health = "health",
        /// `biometric`
        Biometric = "biometric",
        /// `free_text`
        FreeText = "free_text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_are_unique() {
        fn check<T: Copy + PartialEq + fmt::Debug + fmt::Display + core::str::FromStr>(all: &[T]) {
            for (i, v) in all.iter().enumerate() {
                assert_eq!(v.to_string().parse::<T>().ok(), Some(*v));
                for w in &all[i + 1..] {
                    assert_ne!(v.to_string(), w.to_string());
                }
            }
        }
        check(&Sensitivity::ALL);
        check(&Treatment::ALL);
        check(&View::ALL);
        check(&ClassName::ALL);
        assert_eq!(
            "emails".parse::<ClassName>(),
            Err(UnknownName { kind: "class" })
        );
        assert_eq!(
            UnknownName { kind: "view" }.to_string(),
            "unknown view name"
        );
    }
}
