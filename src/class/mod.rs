//! Classes of personal data: what a value is, how sensitive it is, and how to validate,
//! normalize and mask it.
//!
//! Every rule works on the value's canonical bytes (see [`PiiValue`](crate::value::PiiValue)),
//! writes derived text into a [`SecretBuf`] (never into a plain `String`), and reports problems as
//! a fixed [`Invalid`] reason. A mask never fails: a value its class cannot mask (an email with no
//! `@`, a card failing Luhn) is redacted instead — fail-closed.
//!
//! Masks always contain the mask character `*` (or are the redacted placeholder), and every
//! built-in validator refuses `*`, so a masked value fed back as input is refused rather than
//! taken for a value.

mod address;
mod card;
pub(crate) mod checksum;
mod date;
mod document;
mod email;
mod geo;
mod iban;
mod ip;
pub(crate) mod masked;
mod name;
pub(crate) mod national;
mod phone;
pub(crate) mod text;

pub use crate::error::Invalid;
pub use crate::names::{ClassName, Sensitivity, UnknownName};
pub use masked::Masked;

use crate::error::Error;
use crate::mem::buffer::SecretBuf;
use std::fmt;

/// Validation and normalization rules of a custom class.
///
/// Both methods have defaults (accept anything that is not a placeholder; normalize to the value
/// itself), so a class that only needs a name and a sensitivity implements nothing. Its mask
/// comes from the [`Masker`] supertrait, whose default redacts.
///
/// A validator should refuse the class's own mask format so that masked output fed back as
/// input is refused (the built-in classes refuse `*`).
pub trait ClassRules: Masker {
    /// Checks a value; the reason must be fixed text, never the value.
    ///
    /// # Errors
    /// A fixed reason when the value is not valid for the class.
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        let _ = value;
        Ok(())
    }

    /// Writes the value's canonical form (used for blind indexes and pseudonyms).
    ///
    /// # Errors
    /// A fixed reason when the value cannot be normalized.
    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        out.push_str(text::utf8(value)?);
        Ok(())
    }
}

/// Writes the masked form of a value.
///
/// Implement it to give a custom class its mask, or to override a built-in class's mask on one
/// field (`#[pii(class = email, masker = MY_MASKER)]`). The default redacts. A mask should
/// contain `*` so that it can never be mistaken for a value.
///
/// ```
/// use piiguard::class::Masker;
/// use piiguard::{class::Invalid, SecretBuf};
///
/// /// Shows only the first character.
/// struct FirstChar;
/// impl Masker for FirstChar {
///     fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
///         let text = std::str::from_utf8(value).map_err(|_| Invalid("not text"))?;
///         let first = text.chars().next().ok_or(Invalid("empty"))?;
///         out.push(first);
///         out.push_str("***");
///         Ok(())
///     }
/// }
/// let masked = piiguard::Class::Email.mask_with(&FirstChar, b"jane@example.com");
/// assert_eq!(masked.as_str(), "j***");
/// ```
pub trait Masker: Send + Sync {
    /// Writes the mask of `value` into `out`; returning an error makes the caller redact.
    ///
    /// # Errors
    /// A fixed reason when the value cannot be masked; the caller then redacts it.
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let _ = (value, out);
        Err(Invalid("this class is always redacted"))
    }
}

/// A class defined by the application.
///
/// ```
/// use piiguard::class::{ClassRules, CustomClass, Masker};
/// use piiguard::{Class, class::Invalid, class::Sensitivity};
///
/// struct LoyaltyNumber;
/// impl Masker for LoyaltyNumber {}
/// impl ClassRules for LoyaltyNumber {
///     fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
///         if value.len() == 10 && value.iter().all(u8::is_ascii_digit) {
///             Ok(())
///         } else {
///             Err(Invalid("expected 10 digits"))
///         }
///     }
/// }
///
/// const LOYALTY: Class = Class::Custom(&CustomClass {
///     name: "loyalty_number",
///     sensitivity: Sensitivity::Personal,
///     rules: &LoyaltyNumber,
/// });
/// assert_eq!(LOYALTY.name(), "loyalty_number");
/// assert!(LOYALTY.validate(b"0123456789").is_ok());
/// assert!(LOYALTY.validate(b"12").is_err());
/// assert_eq!(LOYALTY.mask(b"0123456789").as_str(), "[REDACTED:loyalty_number]");
/// ```
pub struct CustomClass {
    /// The class's stable name (appears in placeholders, schemas and audit records).
    pub name: &'static str,
    /// The default sensitivity.
    pub sensitivity: Sensitivity,
    /// Validation, normalization and masking.
    pub rules: &'static dyn ClassRules,
}

/// What kind of personal data a value is.
///
/// ```
/// use piiguard::{Class, class::Sensitivity};
/// assert_eq!(Class::Email.mask(b"jane.doe@example.com").as_str(), "j***@example.com");
/// assert_eq!(Class::CardNumber.sensitivity(), Sensitivity::Sensitive);
/// assert_eq!(Class::from_name("iban"), Some(Class::Iban));
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Class {
    /// An email address. Mask: `j***@example.com`.
    Email,
    /// A phone number. Mask: last 2–4 digits. Normalizes to E.164.
    Phone,
    /// A person's name. Mask: initials (`J*** D***`).
    Name,
    /// A postal address. Mask: the last two comma-separated parts (city, country), or redacted.
    Address,
    /// A date of birth. Mask: the year.
    BirthDate,
    /// A passport number. Mask: last 2–3 characters.
    Passport,
    /// A national identity number. Mask: last 2–3 characters.
    NationalId,
    /// A payment card number (Luhn-checked). Mask: first 6 and last 4 digits at most (PCI DSS).
    CardNumber,
    /// An IBAN (mod-97-checked). Mask: country code and last 4.
    Iban,
    /// An IPv4 or IPv6 address. Mask: the /24 (v4) or /48 (v6) network.
    IpAddress,
    /// A `latitude,longitude` pair. Mask: one decimal place (about 11 km).
    GeoLocation,
    /// Health data (GDPR art. 9). Always redacted.
    Health,
    /// Biometric data (GDPR art. 9). Always redacted.
    Biometric,
    /// Free text that may contain anything. Always redacted.
    FreeText,
    /// A class defined by the application.
    Custom(&'static CustomClass),
}

/// Every built-in class, in the order of [`ClassName::ALL`].
pub const BUILT_IN: [Class; ClassName::ALL.len()] = {
    let mut out = [Class::FreeText; ClassName::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = Class::built_in(ClassName::ALL[i]);
        i += 1;
    }
    out
};

impl Class {
    /// The built-in class of this name.
    pub const fn built_in(name: ClassName) -> Self {
        match name {
            ClassName::Email => Self::Email,
            ClassName::Phone => Self::Phone,
            ClassName::Name => Self::Name,
            ClassName::Address => Self::Address,
            ClassName::BirthDate => Self::BirthDate,
            ClassName::Passport => Self::Passport,
            ClassName::NationalId => Self::NationalId,
            ClassName::CardNumber => Self::CardNumber,
            ClassName::Iban => Self::Iban,
            ClassName::IpAddress => Self::IpAddress,
            ClassName::GeoLocation => Self::GeoLocation,
            ClassName::Health => Self::Health,
            ClassName::Biometric => Self::Biometric,
            ClassName::FreeText => Self::FreeText,
        }
    }

    /// The name of a built-in class; `None` for a custom one.
    pub const fn class_name(self) -> Option<ClassName> {
        Some(match self {
            Self::Email => ClassName::Email,
            Self::Phone => ClassName::Phone,
            Self::Name => ClassName::Name,
            Self::Address => ClassName::Address,
            Self::BirthDate => ClassName::BirthDate,
            Self::Passport => ClassName::Passport,
            Self::NationalId => ClassName::NationalId,
            Self::CardNumber => ClassName::CardNumber,
            Self::Iban => ClassName::Iban,
            Self::IpAddress => ClassName::IpAddress,
            Self::GeoLocation => ClassName::GeoLocation,
            Self::Health => ClassName::Health,
            Self::Biometric => ClassName::Biometric,
            Self::FreeText => ClassName::FreeText,
            Self::Custom(_) => return None,
        })
    }

    /// The class's stable name (`email`, `card_number`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Custom(custom) => custom.name,
            _ => match self.class_name() {
                Some(name) => name.name(),
                None => "custom",
            },
        }
    }

    /// The class's default sensitivity (a field may raise it, never lower it).
    pub const fn sensitivity(self) -> Sensitivity {
        match self {
            Self::IpAddress | Self::GeoLocation => Sensitivity::Technical,
            Self::Email
            | Self::Phone
            | Self::Name
            | Self::Address
            | Self::BirthDate
            | Self::FreeText => Sensitivity::Personal,
            Self::Passport | Self::NationalId | Self::CardNumber | Self::Iban => {
                Sensitivity::Sensitive
            }
            Self::Health | Self::Biometric => Sensitivity::Special,
            Self::Custom(custom) => custom.sensitivity,
        }
    }

    /// Looks up a built-in class by its name.
    pub fn from_name(name: &str) -> Option<Self> {
        ClassName::from_name(name).map(Self::built_in)
    }

    /// Checks a value against the class's rules.
    ///
    /// ```
    /// use piiguard::{Class, Error};
    /// assert!(Class::CardNumber.validate(b"4111 1111 1111 1111").is_ok());
    /// assert_eq!(
    ///     Class::CardNumber.validate(b"4111 1111 1111 1112"),
    ///     Err(Error::InvalidValue { class: "card_number", reason: "fails the Luhn check" })
    /// );
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`] naming the class and a fixed reason.
    pub fn validate(self, value: &[u8]) -> Result<(), Error> {
        self.rules()
            .validate(value)
            .map_err(|e| e.for_class(self.name()))
    }

    /// The canonical form used for blind indexes and pseudonyms: lower-cased emails, E.164
    /// phones, card numbers and IBANs without separators.
    ///
    /// ```
    /// use piiguard::Class;
    /// let n = Class::Phone.normalize(b"+1 (555) 010-0199").unwrap();
    /// assert_eq!(n.as_str(), "+15550100199");
    /// let n = Class::Email.normalize(b" Jane.Doe@Example.COM ").unwrap();
    /// assert_eq!(n.as_str(), "jane.doe@example.com");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`] if the value is not valid for the class.
    pub fn normalize(self, value: &[u8]) -> Result<SecretBuf, Error> {
        let composed = std::str::from_utf8(value).ok().and_then(text::nfc);
        let value = composed.as_ref().map_or(value, |c| c.as_str().as_bytes());
        let rules = self.rules();
        rules
            .validate(value)
            .map_err(|e| e.for_class(self.name()))?;
        let mut out = SecretBuf::with_capacity(value.len() + 4);
        rules
            .normalize(value, &mut out)
            .map_err(|e| e.for_class(self.name()))?;
        Ok(out)
    }

    /// The class's default mask of a value; a value the class cannot mask is redacted.
    pub fn mask(self, value: &[u8]) -> Masked {
        self.mask_with(self.rules(), value)
    }

    /// Masks with another masker, labelled with this class; redacts if the masker refuses or
    /// the value fails validation.
    pub fn mask_with(self, masker: &dyn Masker, value: &[u8]) -> Masked {
        if self.rules().validate(value).is_err() {
            return Masked::redacted(Some(self));
        }
        let mut out = SecretBuf::with_capacity(value.len() + 8);
        match masker.mask(value, &mut out) {
            Ok(()) => Masked::from_buf(out),
            Err(_) => Masked::redacted(Some(self)),
        }
    }

    fn rules(self) -> &'static dyn ClassRules {
        match self {
            Self::Email => &email::Email,
            Self::Phone => &phone::Phone,
            Self::Name => &name::Name,
            Self::Address => &address::Address,
            Self::BirthDate => &date::BirthDate,
            Self::Passport | Self::NationalId => &document::Document,
            Self::CardNumber => &card::CardNumber,
            Self::Iban => &iban::Iban,
            Self::IpAddress => &ip::IpAddress,
            Self::GeoLocation => &geo::GeoLocation,
            Self::Health | Self::FreeText => &text::RedactedText,
            Self::Biometric => &text::RedactedBytes,
            Self::Custom(custom) => custom.rules,
        }
    }
}

impl PartialEq for Class {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Class {}

impl fmt::Debug for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Custom(custom) => write!(f, "Custom({:?})", custom.name),
            _ => f.write_str(self.name()),
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for class in BUILT_IN {
            assert_eq!(Class::from_name(class.name()), Some(class));
        }
        assert_eq!(Class::from_name("emails"), None);
    }

    #[test]
    fn no_builtin_class_accepts_its_own_mask_as_a_value() {
        let samples: [(Class, &[u8]); 11] = [
            (Class::Email, b"jane.doe@example.com"),
            (Class::Phone, b"+1-555-0100-199"),
            (Class::Name, b"Jane Doe"),
            (Class::Address, b"1 Main St, Springfield, US"),
            (Class::BirthDate, b"1987-06-05"),
            (Class::Passport, b"X12345678"),
            (Class::NationalId, b"AB123456C"),
            (Class::CardNumber, b"4111111111111111"),
            (Class::Iban, b"DE89370400440532013000"),
            (Class::IpAddress, b"192.0.2.55"),
            (Class::GeoLocation, b"52.5200,13.4050"),
        ];
        for (class, value) in samples {
            assert!(
                class.validate(value).is_ok(),
                "{class} sample must be valid"
            );
            let masked = class.mask(value);
            assert!(
                masked.as_str().contains('*') || masked.is_redacted(),
                "{class}"
            );
            assert!(
                class.validate(masked.as_str().as_bytes()).is_err(),
                "{class} accepted its own mask {:?}",
                masked.as_str()
            );
        }
    }
}
