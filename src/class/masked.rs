//! [`Masked`]: the displayable output of a mask or a redaction.

use super::Class;
use crate::mem::buffer::SecretBuf;
use std::fmt;

/// The prefix of every redacted placeholder; input starting with it is never a value.
pub(crate) const REDACTED_PREFIX: &str = "[REDACTED";

/// A masked or redacted rendering of a value, safe to print, log and serialize.
///
/// It lives in a zeroizing buffer, since a mask still carries part of the value (the domain of
/// an email, the last digits of a phone).
///
/// ```
/// use piiguard::Class;
/// let m = Class::CardNumber.mask(b"4111 1111 1111 1111");
/// assert_eq!(m.to_string(), "411111******1111");
/// assert_eq!(format!("{m:?}"), "\"411111******1111\"");
/// let r = Class::Health.mask(b"diagnosis");
/// assert!(r.is_redacted());
/// assert_eq!(format!("{r:?}"), "[REDACTED:health]");
/// ```
pub struct Masked {
    text: SecretBuf,
    redacted: bool,
}

impl Masked {
    /// The redacted placeholder: `[REDACTED:class]`, or `[REDACTED]` when the class is unknown.
    pub fn redacted(class: Option<Class>) -> Self {
        let mut text = SecretBuf::with_capacity(32);
        text.push_str(REDACTED_PREFIX);
        if let Some(class) = class {
            text.push(':');
            text.push_str(class.name());
        }
        text.push(']');
        Self {
            text,
            redacted: true,
        }
    }

    pub(crate) fn from_buf(text: SecretBuf) -> Self {
        Self {
            text,
            redacted: false,
        }
    }

    /// The text of the mask or placeholder.
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// Whether this is a full redaction rather than a partial mask.
    pub fn is_redacted(&self) -> bool {
        self.redacted
    }
}

impl fmt::Display for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.redacted {
            f.write_str(self.as_str())
        } else {
            fmt::Debug::fmt(self.as_str(), f)
        }
    }
}

impl serde::Serialize for Masked {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
