//! Access-rate monitoring: sliding-window counts of reveals per principal (and per principal ×
//! class), with alerts when a principal's rate looks like a script rather than a person, and an
//! optional hard limit.
//!
//! The defaults follow the usual reading of manual work: up to 100 reveals a day is normal,
//! above 100 is elevated, above 150 is suspicious. Thresholds live in the policy's `[monitor]`
//! section.

mod counters;
mod tally;

pub use counters::{Counters, MemoryCounters, Steps};
pub use tally::Tally;

use crate::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Thresholds of one count: alerts when the count in the window goes above each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels {
    /// Above this many reveals in the window, the rate is elevated.
    pub elevated_after: u32,
    /// Above this many, it is suspicious.
    pub suspicious_after: u32,
}

/// The monitor's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    /// The sliding window (default one day).
    pub window: Duration,
    /// Levels of a principal's total reveals (default 100 / 150).
    pub total: Levels,
    /// Levels per class for a principal (`[monitor.classes.passport]`); none by default.
    pub per_class: Vec<(String, Levels)>,
    /// Reveals in the window after which further reveals are denied until
    /// [`Monitor::reset`]; none by default.
    pub hard_limit: Option<u32>,
    /// Above this many denials in the window, a principal's denials alert (default 10).
    pub denials_after: u32,
    /// Levels of a principal's reads of their *own* data (a customer reading their record),
    /// counted apart from the staff counts above; `None` (the default) counts none. The staff
    /// thresholds are about people and scripts reading other people's data.
    pub owner: Option<Levels>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(24 * 60 * 60),
            total: Levels {
                elevated_after: 100,
                suspicious_after: 150,
            },
            per_class: Vec::new(),
            hard_limit: None,
            denials_after: 10,
            owner: None,
        }
    }
}

crate::names::name_enum! {
    /// What an alert is about.
    pub enum AlertKind: "alert kind" {
        /// The count went above the elevated threshold.
        Elevated = "elevated",
        /// The count went above the suspicious threshold.
        Suspicious = "suspicious",
        /// The principal reached the hard limit: further reveals are denied until reset.
        LimitReached = "limit_reached",
        /// The principal's denials went above the threshold.
        RepeatedDenials = "repeated_denials",
    }
}

/// An access-rate alert: passed to the guard's alert callback and written to the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The principal.
    pub principal: String,
    /// The class, for a per-class count.
    pub class: Option<String>,
    /// What crossed which threshold.
    pub kind: AlertKind,
    /// The count in the window when it crossed.
    pub count: u32,
    /// The window.
    pub window: Duration,
}

/// Whether a reveal may go ahead, and the alerts it raised.
#[derive(Debug, Default)]
pub(crate) struct Admission {
    pub(crate) denied: bool,
    /// Denied because the counters could not be asked.
    pub(crate) unavailable: bool,
    pub(crate) alerts: Vec<Alert>,
}

impl Admission {
    /// Refused because the counters failed (fail closed).
    pub(crate) fn unavailable() -> Self {
        Self {
            denied: true,
            unavailable: true,
            alerts: Vec::new(),
        }
    }

    /// The reason of a denial.
    pub(crate) fn reason(&self) -> crate::reason::Reason {
        if self.unavailable {
            crate::reason::Reason::MonitorUnavailable
        } else {
            crate::reason::Reason::RateLimited
        }
    }
}

/// The tracks a principal's counts are kept on: staff counts, or the counts of reads of one's
/// own data, apart.
#[derive(Debug)]
struct Tracks {
    reveals: &'static str,
    denials: &'static str,
    /// Before `class:<class>` for per-class counts.
    prefix: &'static str,
}

const STAFF: Tracks = Tracks {
    reveals: "reveals",
    denials: "denials",
    prefix: "",
};

const OWNER: Tracks = Tracks {
    reveals: "owner:reveals",
    denials: "owner:denials",
    prefix: "owner:",
};

/// The alert, if a count going from `before` to `after` (one more, capped) crossed a level.
fn crossing(before: u32, after: u32, levels: Levels) -> Option<AlertKind> {
    let crossed = |threshold: u32| before <= threshold && after > threshold;
    if crossed(levels.suspicious_after) {
        Some(AlertKind::Suspicious)
    } else if crossed(levels.elevated_after) {
        Some(AlertKind::Elevated)
    } else {
        None
    }
}

/// Sliding-window counts of reveals and denials per principal, kept in [`Counters`]: in
/// memory by default, or in a store every instance shares, so thresholds trip on the
/// fleet-wide count. Held by the guard; shared by every thread.
///
/// An alert fires on the access that takes a count above a level (once per crossing); the
/// hard limit is checked and counted in one step of the counters (one transaction in a
/// store), so it holds fleet-wide.
///
/// ```
/// use piiguard::monitor::{Monitor, Thresholds};
/// let monitor = Monitor::new(Thresholds::default());
/// assert_eq!(monitor.reveals_in_window("agent-17", 0)?, 0);
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct Monitor {
    thresholds: Thresholds,
    counters: Arc<dyn Counters>,
    /// Tells the owner counts apart from the staff counts in a shared store.
    tracks: &'static Tracks,
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("thresholds", &self.thresholds)
            .finish_non_exhaustive()
    }
}

impl Monitor {
    /// A monitor with these thresholds, counting in memory.
    pub fn new(thresholds: Thresholds) -> Self {
        Self::with_counters(thresholds, Arc::new(MemoryCounters::new()))
    }

    /// A monitor with these thresholds, counting in `counters`.
    pub fn with_counters(thresholds: Thresholds, counters: Arc<dyn Counters>) -> Self {
        Self {
            thresholds,
            counters,
            tracks: &STAFF,
        }
    }

    /// The same counters, on tracks of their own: the counts of principals reading their own
    /// data.
    pub(crate) fn for_owners(mut self) -> Self {
        self.tracks = &OWNER;
        self
    }

    /// The thresholds.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.thresholds.window.as_millis()).unwrap_or(i64::MAX)
    }

    fn cap(&self, levels: Levels) -> u32 {
        levels
            .suspicious_after
            .max(self.thresholds.hard_limit.unwrap_or(0))
            .saturating_add(1)
    }

    /// Counts one access by `principal` at `now_ms` (Unix milliseconds) that reveals values of
    /// `classes` (one reveal, or one view revealing several fields), unless the principal is
    /// over the hard limit. The total counts the access once; each class counts once.
    pub(crate) fn admit_reveal(
        &self,
        principal: &str,
        classes: &[&str],
        now_ms: i64,
    ) -> Result<Admission, Error> {
        let window = self.window_ms();
        let mut admission = Admission::default();
        let alert = |kind, count, class: Option<&str>| Alert {
            principal: principal.to_owned(),
            class: class.map(str::to_owned),
            kind,
            count,
            window: self.thresholds.window,
        };
        if self.counters.is_blocked(principal)? {
            admission.denied = true;
            return Ok(admission);
        }
        let limit = self.thresholds.hard_limit;
        let cap = self.cap(self.thresholds.total);
        let track = self.tracks.reveals;
        let before = self
            .counters
            .push(principal, track, now_ms, window, cap, limit)?;
        if let Some(limit) = limit
            && before >= limit
        {
            admission.denied = true;
            if self.counters.block(principal)? {
                admission
                    .alerts
                    .push(alert(AlertKind::LimitReached, before, None));
            }
            return Ok(admission);
        }
        let count = (before + 1).min(cap);
        if let Some(kind) = crossing(before, count, self.thresholds.total) {
            admission.alerts.push(alert(kind, count, None));
        }
        for class in classes {
            let Some((_, levels)) = self.thresholds.per_class.iter().find(|(c, _)| c == class)
            else {
                continue;
            };
            let cap = self.cap(*levels);
            let track = format!("{}class:{class}", self.tracks.prefix);
            let before = self
                .counters
                .push(principal, &track, now_ms, window, cap, None)?;
            let count = (before + 1).min(cap);
            if let Some(kind) = crossing(before, count, *levels) {
                admission.alerts.push(alert(kind, count, Some(class)));
            }
        }
        Ok(admission)
    }

    /// Counts a denial of `principal`; an alert when the denials go above the threshold.
    pub(crate) fn record_denial(
        &self,
        principal: &str,
        now_ms: i64,
    ) -> Result<Option<Alert>, Error> {
        let levels = Levels {
            elevated_after: self.thresholds.denials_after,
            suspicious_after: u32::MAX,
        };
        let cap = self.thresholds.denials_after.saturating_add(1);
        let before = self.counters.push(
            principal,
            self.tracks.denials,
            now_ms,
            self.window_ms(),
            cap,
            None,
        )?;
        let count = (before + 1).min(cap);
        Ok(crossing(before, count, levels).map(|_| Alert {
            principal: principal.to_owned(),
            class: None,
            kind: AlertKind::RepeatedDenials,
            count,
            window: self.thresholds.window,
        }))
    }

    /// Reveals by `principal` in the window ending at `now_ms` (capped just above the highest
    /// threshold: the monitor keeps no more than it needs).
    ///
    /// # Errors
    /// The counters' error.
    pub fn reveals_in_window(&self, principal: &str, now_ms: i64) -> Result<u32, Error> {
        self.counters.count(
            principal,
            self.tracks.reveals,
            now_ms,
            self.window_ms(),
            self.cap(self.thresholds.total),
        )
    }

    /// Whether `principal` is over the hard limit.
    ///
    /// # Errors
    /// The counters' error.
    pub fn is_blocked(&self, principal: &str) -> Result<bool, Error> {
        self.counters.is_blocked(principal)
    }

    /// Lifts the hard limit for `principal` and clears their counts.
    ///
    /// # Errors
    /// The counters' error.
    pub fn reset(&self, principal: &str) -> Result<(), Error> {
        self.counters.reset(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn monitor(hard_limit: Option<u32>) -> Monitor {
        Monitor::new(Thresholds {
            window: Duration::from_secs(60),
            total: Levels {
                elevated_after: 3,
                suspicious_after: 5,
            },
            per_class: vec![(
                "passport".into(),
                Levels {
                    elevated_after: 1,
                    suspicious_after: 2,
                },
            )],
            hard_limit,
            denials_after: 2,
            owner: None,
        })
    }

    #[test]
    fn alerts_fire_exactly_when_a_count_goes_above_a_threshold() {
        let m = monitor(None);
        let kinds: Vec<Vec<AlertKind>> = (1..=7)
            .map(|i| {
                m.admit_reveal("a", &["email"], i)
                    .unwrap()
                    .alerts
                    .iter()
                    .map(|a| a.kind)
                    .collect()
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                vec![],
                vec![],
                vec![],
                vec![AlertKind::Elevated],
                vec![],
                vec![AlertKind::Suspicious],
                vec![]
            ]
        );
        // Another principal has their own count.
        assert!(
            m.admit_reveal("b", &["email"], 8)
                .unwrap()
                .alerts
                .is_empty()
        );
    }

    #[test]
    fn per_class_counts_alert_on_their_own_levels() {
        let m = monitor(None);
        assert!(
            m.admit_reveal("a", &["passport"], 1)
                .unwrap()
                .alerts
                .is_empty()
        );
        let second = m.admit_reveal("a", &["passport"], 2).unwrap().alerts;
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].class.as_deref(), Some("passport"));
        assert_eq!((second[0].kind, second[0].count), (AlertKind::Elevated, 2));
    }

    #[test]
    fn the_window_slides_and_a_new_rise_alerts_again() {
        let m = monitor(None);
        for t in 0..4 {
            m.admit_reveal("a", &["email"], t * 1000).unwrap();
        }
        assert_eq!(m.reveals_in_window("a", 3000).unwrap(), 4);
        // 60 s after the first reveal it has left the window; after the last, all have.
        assert_eq!(m.reveals_in_window("a", 60_000).unwrap(), 3);
        assert_eq!(m.reveals_in_window("a", 63_000).unwrap(), 0);
        let again: Vec<_> = (0..4)
            .flat_map(|i| m.admit_reveal("a", &["email"], 70_000 + i).unwrap().alerts)
            .collect();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].kind, AlertKind::Elevated);
    }

    #[test]
    fn the_hard_limit_denies_until_reset() {
        let m = monitor(Some(4));
        for t in 0..4 {
            assert!(!m.admit_reveal("a", &["email"], t).unwrap().denied);
        }
        let fifth = m.admit_reveal("a", &["email"], 4).unwrap();
        assert!(fifth.denied);
        assert_eq!(fifth.alerts[0].kind, AlertKind::LimitReached);
        // Still denied after the window has passed: only a reset lifts it.
        assert!(m.admit_reveal("a", &["email"], 1_000_000).unwrap().denied);
        assert!(m.is_blocked("a").unwrap());
        m.reset("a").unwrap();
        assert!(!m.admit_reveal("a", &["email"], 1_000_001).unwrap().denied);
    }

    #[test]
    fn repeated_denials_alert_once_per_crossing() {
        let m = monitor(None);
        let alerts: Vec<_> = (0..5)
            .filter_map(|t| m.record_denial("a", t).unwrap())
            .collect();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].count, 3);
    }
}
