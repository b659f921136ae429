//! Synthetic test data (feature `testdata`): values of every class drawn only from reserved or
//! test ranges — RFC 2606 domains, RFC 5737 and RFC 3849 addresses, NANP 555-0100…0199 and
//! Ofcom's drama numbers, the card networks' test BINs with a valid Luhn digit, IBANs of the
//! registry's formats with valid check digits (through the `idsmith` crate), the UK's never
//! issued `QQ` national insurance prefix — each passing its class's validation, and the same
//! for the same seed.
//!
//! `#[derive(Classified)]` makes whole records: a type marked `#[pii(synthetic)]` implements
//! [`Synthetic`] (with this feature; without it, the mark does nothing), its classified fields
//! drawn by class, its plain and nested fields by their own `Synthetic` (integers, `bool`,
//! `String`, `Option`, `Vec`, `Box`, `time::Date`, other marked records; implement it for your
//! own types).
//!
//! ```
//! use piiguard::testdata::{Synth, Synthetic};
//! use piiguard::{Class, Classified, Pii};
//!
//! #[derive(Classified)]
//! #[pii(subject = id, synthetic)]
//! struct Customer {
//!     id: u64,
//!     #[pii(class = email)]
//!     email: Pii<String>,
//! }
//!
//! let mut synth = Synth::seeded(7);
//! let customer = Customer::synthetic(&mut synth);
//! let again = Customer::synthetic(&mut Synth::seeded(7));
//! assert_eq!(customer.id, again.id);
//! let email = Synth::seeded(1).value(Class::Email);
//! assert!(email.ends_with("@example.com") || email.ends_with("@example.org") || email.ends_with("@example.net"));
//! ```
//!
//! The pre-production convention: fill dev and staging from this layer
//! ([`Synth::for_guard`] refuses a production guard), and never copy production data down.

mod classes;

use crate::class::Class;
use crate::error::Error;
use crate::guard::Guard;
use crate::keys::Environment;
use crate::pii::Pii;
use crate::value::PiiValue;
use rand::{RngExt as _, SeedableRng as _};
use zeroize::Zeroizing;

/// A deterministic source of synthetic values.
pub struct Synth {
    rng: rand::rngs::StdRng,
    serial: u64,
}

impl std::fmt::Debug for Synth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synth")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl Synth {
    /// The values of `seed`: the same seed, the same values, in the same order.
    pub fn seeded(seed: u64) -> Self {
        Self {
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            serial: 0,
        }
    }

    /// A source for filling the store of `guard`, refused for a production guard: production
    /// holds real data, and test data is for dev and staging.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a production guard.
    pub fn for_guard(guard: &Guard, seed: u64) -> Result<Self, Error> {
        match guard.keyring().environment() {
            Environment::Prod => Err(Error::Unsupported {
                what: "test data in a production guard (fill dev and staging from the test-data \
                       layer; production holds real data only)",
            }),
            _ => Ok(Self::seeded(seed)),
        }
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// A random number from the source (for plain fields).
    pub fn number(&mut self) -> u64 {
        self.rng.random()
    }
}

/// A value that can be made up from a [`Synth`].
pub trait Synthetic: Sized {
    /// A synthetic value.
    fn synthetic(synth: &mut Synth) -> Self;
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Synthetic for $t {
            fn synthetic(synth: &mut Synth) -> Self {
                synth.rng.random()
            }
        }
    )*};
}
numbers!(
    u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, bool, f32, f64
);

impl Synthetic for usize {
    fn synthetic(synth: &mut Synth) -> Self {
        // The same values on 32- and 64-bit targets.
        usize::try_from(synth.rng.random::<u32>()).unwrap_or_default()
    }
}

impl Synthetic for isize {
    fn synthetic(synth: &mut Synth) -> Self {
        isize::try_from(synth.rng.random::<i32>()).unwrap_or_default()
    }
}

impl Synthetic for String {
    fn synthetic(synth: &mut Synth) -> Self {
        format!("synthetic-{}", synth.next_serial())
    }
}

impl<T: Synthetic> Synthetic for Option<T> {
    fn synthetic(synth: &mut Synth) -> Self {
        Some(T::synthetic(synth))
    }
}

impl<T: Synthetic> Synthetic for Vec<T> {
    fn synthetic(synth: &mut Synth) -> Self {
        let n = synth.rng.random_range(1..=3);
        (0..n).map(|_| T::synthetic(synth)).collect()
    }
}

impl<T: Synthetic> Synthetic for Box<T> {
    fn synthetic(synth: &mut Synth) -> Self {
        Box::new(T::synthetic(synth))
    }
}

/// A classified field made up for its class (what the derive calls).
#[doc(hidden)]
pub trait SyntheticPii: Sized {
    fn synthetic_pii(synth: &mut Synth, class: Class) -> Self;
}

impl<T: PiiValue + Synthetic> SyntheticPii for Pii<T> {
    fn synthetic_pii(synth: &mut Synth, class: Class) -> Self {
        let text = Zeroizing::new(synth.value(class).into_bytes());
        match T::decode(text) {
            Ok(value) => Pii::new(value),
            // A value type the class's text does not decode to (a number for a phone): the
            // type's own synthetic value.
            Err(_) => Pii::new(T::synthetic(synth)),
        }
    }
}

impl Synthetic for time::Date {
    fn synthetic(synth: &mut Synth) -> Self {
        let start = time::Date::from_calendar_date(1930, time::Month::January, 1)
            .unwrap_or(time::Date::MIN);
        start + time::Duration::days(synth.rng.random_range(0..28_500))
    }
}

impl<T: SyntheticPii> SyntheticPii for Option<T> {
    fn synthetic_pii(synth: &mut Synth, class: Class) -> Self {
        Some(T::synthetic_pii(synth, class))
    }
}

impl<T: SyntheticPii> SyntheticPii for Vec<T> {
    fn synthetic_pii(synth: &mut Synth, class: Class) -> Self {
        let n = synth.rng.random_range(1..=2);
        (0..n).map(|_| T::synthetic_pii(synth, class)).collect()
    }
}

impl<T: SyntheticPii> SyntheticPii for Box<T> {
    fn synthetic_pii(synth: &mut Synth, class: Class) -> Self {
        Box::new(T::synthetic_pii(synth, class))
    }
}
