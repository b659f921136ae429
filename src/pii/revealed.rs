//! [`Revealed`]: cleartext lent out by a reveal, wiped when dropped.

use crate::value::PiiValue;

/// The cleartext of one classified value, handed out by a reveal and wiped when dropped.
///
/// It has no `Debug`, `Display` or `Serialize`: the only way to the value is the greppable
/// [`expose`](Self::expose). Keep it for as short a time as the work needs.
///
/// ```compile_fail
/// fn show(r: piiguard::Revealed<String>) { println!("{r:?}"); }
/// ```
pub struct Revealed<T: PiiValue> {
    value: T,
}

impl<T: PiiValue> Revealed<T> {
    pub(crate) fn new(value: T) -> Self {
        Self { value }
    }

    /// The cleartext.
    pub fn expose(&self) -> &T {
        &self.value
    }
}

impl<T: PiiValue> Drop for Revealed<T> {
    fn drop(&mut self) {
        self.value.wipe();
    }
}
