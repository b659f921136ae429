//! [`PiiSlot`]: a classified value seen through a record, whatever its Rust type.

use super::Pii;
use crate::class::Class;
use crate::envelope::Envelope;
use crate::value::PiiValue;

/// Proof that a call comes from inside piiguard: it cannot be built elsewhere.
#[derive(Debug)]
pub struct Internal(());

impl Internal {
    pub(crate) const fn new() -> Self {
        Self(())
    }
}

/// One classified value of a record, as [`Classified::visit_pii`](crate::Classified::visit_pii)
/// hands it out. It gives no access to the cleartext.
pub trait PiiSlot {
    /// The value's class, when known.
    fn class(&self) -> Option<Class>;

    /// The at-rest envelope, for a value loaded from storage and not yet revealed.
    fn envelope(&self) -> Option<&Envelope>;

    /// The vault token the storage door read, until it is swapped for its envelope.
    #[doc(hidden)]
    fn token(&self, internal: Internal) -> Option<&str>;

    /// Replaces the value with an envelope (key rotation). Only piiguard can call it.
    #[doc(hidden)]
    fn replace_envelope(&mut self, internal: Internal, envelope: Envelope);
}

impl<T: PiiValue> PiiSlot for Pii<T> {
    fn class(&self) -> Option<Class> {
        Pii::class(self)
    }

    fn envelope(&self) -> Option<&Envelope> {
        Pii::envelope(self)
    }

    fn token(&self, _: Internal) -> Option<&str> {
        Pii::token(self)
    }

    fn replace_envelope(&mut self, _: Internal, envelope: Envelope) {
        Pii::replace_envelope(self, envelope);
    }
}
