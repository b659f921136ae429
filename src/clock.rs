//! Where the guard gets the time: the system clock, or a manual clock in tests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// A source of the current UTC time (audit timestamps, grant expiry, access-rate windows).
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that moves only when told to (tests and simulations).
///
/// ```
/// use piiguard::clock::{Clock, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new(time::OffsetDateTime::UNIX_EPOCH);
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now().unix_timestamp(), 90);
/// ```
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

/// Now, in Unix milliseconds (the system clock: for the store's own bookkeeping, not for what
/// a guard's clock decides).
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn now_unix_ms() -> i64 {
    unix_ms(OffsetDateTime::now_utc())
}

/// Unix milliseconds of a time.
pub(crate) fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Paces a recurring look at what other processes changed: at most once per interval, by one
/// thread at a time (the others go on with what they hold); a look that failed is due again at
/// the next call.
#[derive(Debug)]
pub(crate) struct Pace {
    started: Instant,
    every_ms: u64,
    /// When the last look was claimed, in ms since `started`.
    last_ms: AtomicU64,
}

impl Pace {
    pub(crate) fn new(every: Duration) -> Self {
        Self {
            started: Instant::now(),
            every_ms: u64::try_from(every.as_millis()).unwrap_or(u64::MAX),
            last_ms: AtomicU64::new(0),
        }
    }

    /// A pace whose first look is due at once (not one interval from now).
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn due_now(every: Duration) -> Self {
        let mut pace = Self::new(every);
        // The last look as if one interval ago.
        pace.started = Instant::now().checked_sub(every).unwrap_or(pace.started);
        pace
    }

    /// Runs `look` if the interval has passed since the last one and no other thread claimed
    /// this turn.
    pub(crate) fn run<E>(&self, look: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) < self.every_ms
            || self
                .last_ms
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return Ok(());
        }
        let looked = look();
        if looked.is_err() {
            self.last_ms.store(last, Ordering::Relaxed);
        }
        looked
    }
}

/// How often an instance looks at a shared store for what other instances changed — the key
/// set, destroyed subject keys, the policy in force — by default
/// ([`KeyringBuilder::refresh_every`](crate::keys::KeyringBuilder::refresh_every) for the keys).
pub const REFRESH: std::time::Duration = std::time::Duration::from_millis(250);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pace_due_now_looks_at_once_and_then_once_per_interval() {
        let looks = std::cell::Cell::new(0);
        let look = || {
            looks.set(looks.get() + 1);
            Ok::<(), ()>(())
        };
        let every = Duration::from_secs(60);
        let due = Pace::due_now(every);
        due.run(look).unwrap();
        due.run(look).unwrap();
        assert_eq!(
            looks.get(),
            1,
            "at once, then not again within the interval"
        );
        Pace::new(every).run(look).unwrap();
        assert_eq!(looks.get(), 1, "a plain pace waits an interval first");
    }
}
