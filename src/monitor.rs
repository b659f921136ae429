//! Access-rate monitoring: sliding-window counts of reveals per principal (and per principal ×
//! class), with alerts when a principal's rate looks like a script rather than a person, and an
//! optional hard limit.
//!
//! The defaults follow the usual reading of manual work: up to 100 reveals a day is normal,
//! above 100 is elevated, above 150 is suspicious. Thresholds live in the policy's `[monitor]`
//! section.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};
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
    pub(crate) alerts: Vec<Alert>,
}

#[derive(Debug, Default)]
struct Track {
    /// The newest event times (ms), at most `cap`: enough to tell every threshold.
    times: VecDeque<i64>,
    /// The highest level reported since the count was last below it.
    level: u8,
}

impl Track {
    /// Drops times that left the window; returns the count still in it.
    fn slide(&mut self, now: i64, window_ms: i64) -> u32 {
        while self.times.front().is_some_and(|&t| now - t >= window_ms) {
            self.times.pop_front();
        }
        u32::try_from(self.times.len()).unwrap_or(u32::MAX)
    }

    fn push(&mut self, now: i64, cap: usize) -> u32 {
        if self.times.len() >= cap {
            self.times.pop_front();
        }
        self.times.push_back(now);
        u32::try_from(self.times.len()).unwrap_or(u32::MAX)
    }

    /// Records the level of `count`; returns the new level if it rose.
    fn rise(&mut self, count: u32, levels: Levels) -> Option<AlertKind> {
        let level = match count {
            c if c > levels.suspicious_after => 2,
            c if c > levels.elevated_after => 1,
            _ => 0,
        };
        let rose = level > self.level;
        self.level = level;
        match (rose, level) {
            (true, 2) => Some(AlertKind::Suspicious),
            (true, _) => Some(AlertKind::Elevated),
            _ => None,
        }
    }
}

/// The track of `principal`, created on first use (looked up without allocating after that).
fn track<'s>(tracks: &'s mut HashMap<String, Track>, principal: &str) -> &'s mut Track {
    if !tracks.contains_key(principal) {
        tracks.insert(principal.to_owned(), Track::default());
    }
    tracks
        .get_mut(principal)
        .unwrap_or_else(|| unreachable!("inserted just above"))
}

#[derive(Debug, Default)]
struct State {
    totals: HashMap<String, Track>,
    classes: HashMap<(String, String), Track>,
    denials: HashMap<String, Track>,
    blocked: HashSet<String>,
}

/// Sliding-window counts of reveals and denials per principal. Held by the guard; shared by
/// every thread.
///
/// ```
/// use piiguard::monitor::{Monitor, Thresholds};
/// let monitor = Monitor::new(Thresholds::default());
/// assert_eq!(monitor.reveals_in_window("agent-17", 0), 0);
/// ```
#[derive(Debug)]
pub struct Monitor {
    thresholds: Thresholds,
    state: Mutex<State>,
}

impl Monitor {
    /// A monitor with these thresholds.
    pub fn new(thresholds: Thresholds) -> Self {
        Self {
            thresholds,
            state: Mutex::new(State::default()),
        }
    }

    /// The thresholds.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.thresholds.window.as_millis()).unwrap_or(i64::MAX)
    }

    fn cap(&self, levels: Levels) -> usize {
        let top = levels
            .suspicious_after
            .max(self.thresholds.hard_limit.unwrap_or(0));
        usize::try_from(top).unwrap_or(usize::MAX).saturating_add(1)
    }

    /// Counts one access by `principal` at `now_ms` (Unix milliseconds) that reveals values of
    /// `classes` (one reveal, or one view revealing several fields), unless the principal is
    /// over the hard limit. The total counts the access once; each class counts once.
    pub(crate) fn admit_reveal(&self, principal: &str, classes: &[&str], now_ms: i64) -> Admission {
        let window = self.window_ms();
        let mut admission = Admission::default();
        let alert = |kind, count, class: Option<&str>| Alert {
            principal: principal.to_owned(),
            class: class.map(str::to_owned),
            kind,
            count,
            window: self.thresholds.window,
        };
        let mut state = self.state();
        if state.blocked.contains(principal) {
            admission.denied = true;
            return admission;
        }
        let total = track(&mut state.totals, principal);
        let before = total.slide(now_ms, window);
        if let Some(limit) = self.thresholds.hard_limit
            && before >= limit
        {
            state.blocked.insert(principal.to_owned());
            admission.denied = true;
            admission
                .alerts
                .push(alert(AlertKind::LimitReached, before, None));
            return admission;
        }
        let count = total.push(now_ms, self.cap(self.thresholds.total));
        if let Some(kind) = total.rise(count, self.thresholds.total) {
            admission.alerts.push(alert(kind, count, None));
        }
        for class in classes {
            let Some((_, levels)) = self.thresholds.per_class.iter().find(|(c, _)| c == class)
            else {
                continue;
            };
            let track = state
                .classes
                .entry((principal.to_owned(), (*class).to_owned()))
                .or_default();
            track.slide(now_ms, window);
            let count = track.push(now_ms, self.cap(*levels));
            if let Some(kind) = track.rise(count, *levels) {
                admission.alerts.push(alert(kind, count, Some(class)));
            }
        }
        admission
    }

    /// Counts a denial of `principal`; an alert when the denials go above the threshold.
    pub(crate) fn record_denial(&self, principal: &str, now_ms: i64) -> Option<Alert> {
        let window = self.window_ms();
        let levels = Levels {
            elevated_after: self.thresholds.denials_after,
            suspicious_after: u32::MAX,
        };
        let cap = usize::try_from(self.thresholds.denials_after)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let mut state = self.state();
        let track = track(&mut state.denials, principal);
        track.slide(now_ms, window);
        let count = track.push(now_ms, cap);
        track.rise(count, levels).map(|_| Alert {
            principal: principal.to_owned(),
            class: None,
            kind: AlertKind::RepeatedDenials,
            count,
            window: self.thresholds.window,
        })
    }

    /// Reveals by `principal` in the window ending at `now_ms` (capped just above the highest
    /// threshold: the monitor keeps no more than it needs).
    pub fn reveals_in_window(&self, principal: &str, now_ms: i64) -> u32 {
        let window = self.window_ms();
        self.state()
            .totals
            .get_mut(principal)
            .map_or(0, |t| t.slide(now_ms, window))
    }

    /// Whether `principal` is over the hard limit.
    pub fn is_blocked(&self, principal: &str) -> bool {
        self.state().blocked.contains(principal)
    }

    /// Lifts the hard limit for `principal` and clears their counts.
    pub fn reset(&self, principal: &str) {
        let mut state = self.state();
        state.blocked.remove(principal);
        state.totals.remove(principal);
        state.denials.remove(principal);
        state.classes.retain(|(p, _), _| p != principal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor(hard_limit: Option<u32>) -> Monitor {
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
        assert!(m.admit_reveal("b", &["email"], 8).alerts.is_empty());
    }

    #[test]
    fn per_class_counts_alert_on_their_own_levels() {
        let m = monitor(None);
        assert!(m.admit_reveal("a", &["passport"], 1).alerts.is_empty());
        let second = m.admit_reveal("a", &["passport"], 2).alerts;
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].class.as_deref(), Some("passport"));
        assert_eq!((second[0].kind, second[0].count), (AlertKind::Elevated, 2));
    }

    #[test]
    fn the_window_slides_and_a_new_rise_alerts_again() {
        let m = monitor(None);
        for t in 0..4 {
            m.admit_reveal("a", &["email"], t * 1000);
        }
        assert_eq!(m.reveals_in_window("a", 3000), 4);
        // 60 s after the first reveal it has left the window; after the last, all have.
        assert_eq!(m.reveals_in_window("a", 60_000), 3);
        assert_eq!(m.reveals_in_window("a", 63_000), 0);
        let again: Vec<_> = (0..4)
            .flat_map(|i| m.admit_reveal("a", &["email"], 70_000 + i).alerts)
            .collect();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].kind, AlertKind::Elevated);
    }

    #[test]
    fn the_hard_limit_denies_until_reset() {
        let m = monitor(Some(4));
        for t in 0..4 {
            assert!(!m.admit_reveal("a", &["email"], t).denied);
        }
        let fifth = m.admit_reveal("a", &["email"], 4);
        assert!(fifth.denied);
        assert_eq!(fifth.alerts[0].kind, AlertKind::LimitReached);
        // Still denied after the window has passed: only a reset lifts it.
        assert!(m.admit_reveal("a", &["email"], 1_000_000).denied);
        assert!(m.is_blocked("a"));
        m.reset("a");
        assert!(!m.admit_reveal("a", &["email"], 1_000_001).denied);
    }

    #[test]
    fn repeated_denials_alert_once_per_crossing() {
        let m = monitor(None);
        let alerts: Vec<_> = (0..5).filter_map(|t| m.record_denial("a", t)).collect();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].count, 3);
    }
}
