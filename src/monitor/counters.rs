//! Where the monitor counts: [`Counters`], in memory or in a store every instance shares.

use crate::error::Error;
use hashbrown::{HashMap, HashSet};
use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

/// Sliding-window event counts per principal and track (`reveals`, `denials`,
/// `class:passport`, …), and the principals over the hard limit.
///
/// With a store every instance shares, the monitor's thresholds and hard limit hold on the
/// fleet-wide count.
pub trait Counters: Send + Sync {
    /// Counts one event on `principal`'s `track` at `now_ms`, and returns how many events the
    /// track held in the window `(now_ms - window_ms, now_ms]` before it, capped at `cap` (a
    /// store need keep no more). With a `limit`, an event that finds `limit` or more before
    /// it is not counted; checking and counting are one step, so concurrent callers never go
    /// past the limit together.
    ///
    /// # Errors
    /// The store's error.
    fn push(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
        limit: Option<u32>,
    ) -> Result<u32, Error>;

    /// How many events the track holds in the window ending at `now_ms`, capped at `cap`.
    ///
    /// # Errors
    /// The store's error.
    fn count(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
    ) -> Result<u32, Error>;

    /// Marks `principal` as over the hard limit; `true` if they were not already (so that of
    /// several instances meeting the limit at once, one reports it).
    ///
    /// # Errors
    /// The store's error.
    fn block(&self, principal: &str) -> Result<bool, Error>;

    /// Whether `principal` is over the hard limit.
    ///
    /// # Errors
    /// The store's error.
    fn is_blocked(&self, principal: &str) -> Result<bool, Error>;

    /// Lifts the block of `principal` and clears every track of theirs.
    ///
    /// # Errors
    /// The store's error.
    fn reset(&self, principal: &str) -> Result<(), Error>;
}

/// How a store keeps a window's counts: in steps of a hundredth of the window (a 24-hour
/// window in 14.4-minute steps), one row per principal, track and step, so that a count costs
/// about a hundred rows, whatever the rate. An event counts until the step it fell in has
/// left the window: up to a hundredth of the window longer than the window, never shorter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    /// The step's length, in milliseconds.
    pub width: i64,
    /// The step `now` falls in.
    pub now: i64,
    /// The first step still in the window.
    pub first: i64,
}

impl Steps {
    /// The steps of a `window_ms` window ending at `now_ms`.
    ///
    /// ```
    /// use piiguard::monitor::Steps;
    /// let day = Steps::of(86_400_000 + 5, 86_400_000);
    /// assert_eq!((day.width, day.now, day.first), (864_000, 100, 0));
    /// ```
    pub fn of(now_ms: i64, window_ms: i64) -> Self {
        let width = (window_ms / 100).max(1);
        Self {
            width,
            now: now_ms.div_euclid(width),
            first: now_ms.saturating_sub(window_ms).div_euclid(width),
        }
    }
}

/// [`Counters`] in memory: one process.
#[derive(Debug, Default)]
pub struct MemoryCounters {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Principal → track → the newest event times (ms), at most `cap`.
    tracks: HashMap<String, HashMap<String, VecDeque<i64>>>,
    blocked: HashSet<String>,
}

impl MemoryCounters {
    /// No counts yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Drops times that left the window; returns how many are left.
fn slide(times: &mut VecDeque<i64>, now_ms: i64, window_ms: i64) -> u32 {
    while times.front().is_some_and(|&t| now_ms - t >= window_ms) {
        times.pop_front();
    }
    u32::try_from(times.len()).unwrap_or(u32::MAX)
}

impl Counters for MemoryCounters {
    fn push(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
        limit: Option<u32>,
    ) -> Result<u32, Error> {
        let mut state = self.state();
        if !state.tracks.contains_key(principal) {
            state.tracks.insert(principal.to_owned(), HashMap::new());
        }
        let tracks = state
            .tracks
            .get_mut(principal)
            .unwrap_or_else(|| unreachable!("inserted just above"));
        if !tracks.contains_key(track) {
            tracks.insert(track.to_owned(), VecDeque::new());
        }
        let times = tracks
            .get_mut(track)
            .unwrap_or_else(|| unreachable!("inserted just above"));
        let before = slide(times, now_ms, window_ms).min(cap);
        if limit.is_some_and(|l| before >= l) {
            return Ok(before);
        }
        if times.len() >= cap as usize {
            times.pop_front();
        }
        times.push_back(now_ms);
        Ok(before)
    }

    fn count(
        &self,
        principal: &str,
        track: &str,
        now_ms: i64,
        window_ms: i64,
        cap: u32,
    ) -> Result<u32, Error> {
        Ok(self
            .state()
            .tracks
            .get_mut(principal)
            .and_then(|t| t.get_mut(track))
            .map_or(0, |times| slide(times, now_ms, window_ms).min(cap)))
    }

    fn block(&self, principal: &str) -> Result<bool, Error> {
        Ok(self.state().blocked.insert(principal.to_owned()))
    }

    fn is_blocked(&self, principal: &str) -> Result<bool, Error> {
        Ok(self.state().blocked.contains(principal))
    }

    fn reset(&self, principal: &str) -> Result<(), Error> {
        let mut state = self.state();
        state.blocked.remove(principal);
        state.tracks.remove(principal);
        Ok(())
    }
}
