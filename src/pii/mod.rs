//! [`Pii<T>`]: a classified value, sealed in memory between uses.

mod de;
mod quiet;
mod revealed;
pub(crate) mod seal;
mod slot;

pub(crate) use de::PiiSeed;
pub(crate) use quiet::deserialize_quietly;
pub use revealed::Revealed;
pub(crate) use slot::Internal;
pub use slot::PiiSlot;

use crate::class::{Class, Masked, Masker};
use crate::envelope::Envelope;
use crate::error::Error;
use crate::pii::seal::Sealed;
use crate::value::PiiValue;
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

/// A classified value, encrypted in memory under the per-process key whenever it is not in use.
///
/// - Construction takes the value by move and wipes the original (for `String` and `Vec<u8>`
///   the whole allocation).
/// - There is no `Deref`. `Debug`, `Display` and `Serialize` print a redacted placeholder,
///   `[REDACTED:email]` (or `[REDACTED]` with no class), so `?email` and `%email` in a `tracing`
///   macro are both safe. Inside a `#[derive(Classified)]` record the field's class and view
///   decide (mask, redact, encrypt…). `to_string()` therefore gives the placeholder, never the
///   value.
/// - The cleartext is reachable only through [`expose`](Self::expose), which
///   lends it to a closure and wipes it afterwards. Policy-gated, audited reveals are built on
///   top of it by the guard.
/// - `Clone` re-seals under a fresh nonce; `==` compares in constant time (for equal lengths).
/// - A value deserialized from the storage view stays an encrypted [`Envelope`] until a guard
///   reveals it ([`Guard::reveal`](crate::Guard::reveal), decided and audited); until then it
///   masks as a redaction and `expose` answers [`Error::Enveloped`].
///
/// ```
/// use piiguard::{Class, Pii};
///
/// let email = Pii::classified(String::from("jane.doe@example.com"), Class::Email)?;
/// assert_eq!(format!("{email:?}"), "[REDACTED:email]");
/// assert_eq!(email.mask().as_str(), "j***@example.com");
/// let domain_len = email.expose(|e| e.split('@').nth(1).map(str::len))?;
/// assert_eq!(domain_len, Some(11));
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct Pii<T: PiiValue> {
    held: Held,
    class: Option<Class>,
    mask: OnceLock<FieldMask>,
    _value: PhantomData<fn() -> T>,
}

impl<T: PiiValue> Pii<T> {
    /// Seals an unclassified value (its placeholder is `[REDACTED]`, its mask a redaction).
    ///
    /// ```
    /// let account = piiguard::Pii::new(48_213_977_u64);
    /// assert_eq!(format!("{account:?}"), "[REDACTED]");
    /// ```
    pub fn new(mut value: T) -> Self {
        let sealed = value.with_encoded(Sealed::seal);
        value.wipe();
        Self {
            held: Held::Sealed(sealed),
            class: None,
            mask: OnceLock::new(),
            _value: PhantomData,
        }
    }

    /// Seals a value of a known class, after checking it against the class's rules.
    ///
    /// The value is wiped whether or not it is accepted.
    ///
    /// ```
    /// use piiguard::{Class, Error, Pii};
    /// let bad = Pii::classified(String::from("not-an-email"), Class::Email);
    /// assert!(matches!(bad, Err(Error::InvalidValue { class: "email", .. })));
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`] when the class refuses the value.
    pub fn classified(mut value: T, class: Class) -> Result<Self, Error> {
        if let Err(e) = value.with_encoded(|bytes| class.validate(bytes)) {
            value.wipe();
            return Err(e);
        }
        Ok(Self::new(value).with_class(class))
    }

    pub(crate) fn with_class(mut self, class: Class) -> Self {
        self.class = Some(class);
        self
    }

    /// The value's class, when known.
    pub fn class(&self) -> Option<Class> {
        self.class
    }

    /// Lends the cleartext to `f` and wipes it when `f` returns (or panics).
    ///
    /// This is the low-level access primitive: it checks no policy and writes no audit record.
    /// Application code should prefer the guard's `reveal`; this name is meant to be easy to
    /// find in a code review (`grep expose`).
    ///
    /// ```
    /// let phone = piiguard::Pii::new(String::from("+1-555-0100"));
    /// let digits = phone.expose(|p| p.chars().filter(char::is_ascii_digit).count())?;
    /// assert_eq!(digits, 8);
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Enveloped`] if the value was loaded from storage and is still encrypted at
    /// rest: reveal it through the keys instead.
    ///
    /// # Panics
    /// Only if the sealed bytes were corrupted in memory, or `f` panics.
    pub fn expose<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, Error> {
        let value = T::decode(self.cleartext_bytes()?)
            .unwrap_or_else(|_| unreachable!("a sealed value always decodes: it was encoded here"));
        let wiped = WipeOnDrop(value);
        Ok(f(&wiped.0))
    }

    fn sealed(&self) -> Result<&Sealed, Error> {
        match &self.held {
            Held::Sealed(sealed) => Ok(sealed),
            Held::Enveloped(_) | Held::Tokenized(_) => Err(Error::Enveloped {
                class: self.class.map_or("unclassified", Class::name),
            }),
        }
    }

    /// Lends the canonical cleartext bytes (the [`PiiValue`] encoding), wiped afterwards.
    ///
    /// # Errors
    /// [`Error::Enveloped`] for a value still encrypted at rest.
    pub(crate) fn with_cleartext_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> Result<R, Error> {
        Ok(f(&self.cleartext_bytes()?))
    }

    /// The canonical cleartext bytes in an exactly sized buffer that wipes itself on drop.
    ///
    /// # Errors
    /// [`Error::Enveloped`] for a value still encrypted at rest.
    pub(crate) fn cleartext_bytes(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        Ok(self.sealed()?.open())
    }

    /// The at-rest envelope, if the value was loaded from storage and not yet revealed.
    ///
    /// ```
    /// let fresh = piiguard::Pii::new(String::from("jane@example.com"));
    /// assert!(fresh.envelope().is_none());
    /// ```
    pub fn envelope(&self) -> Option<&Envelope> {
        match &self.held {
            Held::Enveloped(envelope) => Some(envelope),
            Held::Sealed(_) | Held::Tokenized(_) => None,
        }
    }

    /// The vault token the storage door read, before it is swapped for its envelope.
    pub(crate) fn token(&self) -> Option<&str> {
        match &self.held {
            Held::Tokenized(token) => Some(token),
            _ => None,
        }
    }

    pub(crate) fn from_token(token: &str, class: Option<Class>) -> Self {
        Self {
            held: Held::Tokenized(token.into()),
            class,
            mask: OnceLock::new(),
            _value: PhantomData,
        }
    }

    pub(crate) fn from_envelope(envelope: Envelope, class: Option<Class>) -> Self {
        Self {
            held: Held::Enveloped(Box::new(envelope)),
            class,
            mask: OnceLock::new(),
            _value: PhantomData,
        }
    }

    pub(crate) fn replace_envelope(&mut self, envelope: Envelope) {
        self.held = Held::Enveloped(Box::new(envelope));
        self.mask = OnceLock::new();
    }

    /// The class's mask of the value, or a redaction when the class is unknown or the value
    /// cannot be masked.
    pub fn mask(&self) -> Masked {
        match self.class {
            Some(class) => self.mask_as(class, None),
            None => Masked::redacted(None),
        }
    }

    /// Masks as `class` would, with an optional masker overriding the class's own.
    ///
    /// A value still encrypted at rest has no mask without keys: it is redacted.
    pub(crate) fn mask_as(&self, class: Class, masker: Option<&dyn Masker>) -> Masked {
        self.with_cleartext_bytes(|bytes| mask_bytes(class, masker, bytes))
            .unwrap_or_else(|_| Masked::redacted(Some(class)))
    }

    /// Calls `f` with the value's mask as field `field` masks it (`class` and `masker`),
    /// made once per value and kept for later calls with the same `field`. `field` must stand
    /// for one class and masker: the view layer passes the address of the field's schema.
    pub(crate) fn with_field_mask<R>(
        &self,
        field: usize,
        class: Class,
        masker: Option<&dyn Masker>,
        f: impl FnOnce(&Masked) -> R,
    ) -> R {
        let kept = self.mask.get_or_init(|| FieldMask {
            field,
            masked: self.mask_as(class, masker),
        });
        if kept.field == field {
            f(&kept.masked)
        } else {
            // The value sits in another field's schema than the first one it was logged in.
            f(&self.mask_as(class, masker))
        }
    }

    /// The redacted placeholder of this value: `[REDACTED:class]` or `[REDACTED]`.
    pub fn redacted(&self) -> Masked {
        Masked::redacted(self.class)
    }
}

/// The log view's mask of the value for one schema field, made the first time the field is
/// logged and kept for the next times: `Debug` of a logged record then formats it without
/// opening the seal or validating again. A mask is what the log view writes to log files that
/// outlive the process, so keeping it beside the seal shows a memory dump nothing the logs do
/// not; it is wiped when the value is dropped.
struct FieldMask {
    /// Which field it was made for (the view layer's identity of the field's schema).
    field: usize,
    masked: Masked,
}

/// What a `Pii` holds: a value sealed under the process key, or an at-rest envelope that only
/// the keys can open.
enum Held {
    Sealed(Sealed),
    Enveloped(Box<Envelope>),
    /// A vault token read by the storage door, until the door swaps it for its envelope.
    Tokenized(Box<str>),
}

/// The mask of `bytes` as `class` (or `masker`) makes it.
pub(crate) fn mask_bytes(class: Class, masker: Option<&dyn Masker>, bytes: &[u8]) -> Masked {
    match masker {
        Some(masker) => class.mask_with(masker, bytes),
        None => class.mask(bytes),
    }
}

/// Wipes a decoded cleartext value however the borrow that used it ends.
struct WipeOnDrop<T: PiiValue>(T);

impl<T: PiiValue> Drop for WipeOnDrop<T> {
    fn drop(&mut self) {
        self.0.wipe();
    }
}

impl<T: PiiValue> From<T> for Pii<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: PiiValue> Clone for Pii<T> {
    /// Re-seals the value under a fresh nonce, so clones are not linkable in memory.
    fn clone(&self) -> Self {
        let held = match &self.held {
            Held::Sealed(sealed) => Held::Sealed(Sealed::seal(&sealed.open())),
            Held::Enveloped(envelope) => Held::Enveloped(envelope.clone()),
            Held::Tokenized(token) => Held::Tokenized(token.clone()),
        };
        Self {
            held,
            class: self.class,
            mask: OnceLock::new(),
            _value: PhantomData,
        }
    }
}

impl<T: PiiValue> PartialEq for Pii<T> {
    /// Compares the cleartexts in constant time (values of different lengths differ at once).
    ///
    /// Values still encrypted at rest have no cleartext here: they equal only an identical
    /// envelope, and never a sealed value.
    fn eq(&self, other: &Self) -> bool {
        match (&self.held, &other.held) {
            (Held::Sealed(a), Held::Sealed(b)) => {
                a.cleartext_len() == b.cleartext_len() && crate::crypto::ct_eq(&a.open(), &b.open())
            }
            (Held::Enveloped(a), Held::Enveloped(b)) => a == b,
            (Held::Tokenized(a), Held::Tokenized(b)) => a == b,
            _ => false,
        }
    }
}

impl<T: PiiValue> Eq for Pii<T> {}

impl<T: PiiValue> fmt::Debug for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.redacted(), f)
    }
}

impl<T: PiiValue> fmt::Display for Pii<T> {
    /// The redacted placeholder, as `Debug`: a `Display` that could print the value would be
    /// one `%` sigil away from a log.
    ///
    /// ```
    /// let phone = piiguard::Pii::classified(String::from("+1-555-0100"), piiguard::Class::Phone)?;
    /// assert_eq!(phone.to_string(), "[REDACTED:phone]");
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.redacted(), f)
    }
}

impl<T: PiiValue> serde::Serialize for Pii<T> {
    /// Always the redacted placeholder: a bare `Pii` has no view to serialize for.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.redacted().as_str())
    }
}

impl<'de, T: PiiValue> serde::Deserialize<'de> for Pii<T> {
    /// Accepts cleartext input (sealing it at once) and refuses placeholders.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::DeserializeSeed::deserialize(PiiSeed::input(None, None), deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_reseals_and_equality_compares_cleartext() {
        let a = Pii::new(String::from("jane@example.com"));
        let b = a.clone();
        assert!(a == b);
        assert!(a != Pii::new(String::from("jane@example.org")));
        assert!(a != Pii::new(String::from("jane@example.co")));
    }

    #[test]
    fn expose_wipes_even_when_the_closure_panics() {
        let pii = Pii::new(String::from("value"));
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pii.expose(|_| panic!("closure failed"))
        }));
        assert!(caught.is_err());
        assert_eq!(pii.expose(String::len), Ok(5));
    }

    #[test]
    fn wipe_empties_a_string() {
        // `new` consumes its String and calls this wipe on it; here on a value we still own.
        let mut s = String::from("sentinel");
        PiiValue::wipe(&mut s);
        assert!(s.is_empty());
    }
}
