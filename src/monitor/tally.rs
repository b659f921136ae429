//! [`Tally`]: a disclosure's counts, for a store that takes them in the same commit as the
//! disclosure's audit event.

use super::{Alert, Monitor, crossing};

/// The monitor's counts of one disclosure, for a store that keeps the counts and the audit
/// trail to take in the same commit as the disclosure's event (one round trip, one commit):
/// the principal's tracks, each counted once, the first one under the hard limit.
///
/// A store taking a tally, in one transaction: refuses it (stores nothing) when the principal
/// is blocked or when the first track already holds `limit` events in the window; else counts
/// one event on every track, stores the event, and answers how many each track held before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Whose counts.
    pub principal: String,
    /// `(track, cap)`: the total first, then each class's; a count need not go above its cap.
    pub tracks: Vec<(String, u32)>,
    /// The hard limit of the first track.
    pub limit: Option<u32>,
    /// When, in Unix milliseconds.
    pub now_ms: i64,
    /// The sliding window, in milliseconds.
    pub window_ms: i64,
}

impl Monitor {
    /// The counts one access by `principal` revealing `classes` takes (as
    /// [`admit_reveal`](Self::admit_reveal) would count them), for a store to take with the
    /// access's event.
    pub(crate) fn tally(&self, principal: &str, classes: &[&str], now_ms: i64) -> Tally {
        let mut tracks = vec![(
            self.tracks.reveals.to_owned(),
            self.cap(self.thresholds.total),
        )];
        for class in classes {
            if let Some((_, levels)) = self.thresholds.per_class.iter().find(|(c, _)| c == class) {
                tracks.push((
                    format!("{}class:{class}", self.tracks.prefix),
                    self.cap(*levels),
                ));
            }
        }
        Tally {
            principal: principal.to_owned(),
            tracks,
            limit: self.thresholds.hard_limit,
            now_ms,
            window_ms: self.window_ms(),
        }
    }

    /// The alerts of a tally the store took, from the counts it found before it (one per
    /// track, in the tally's order).
    pub(crate) fn alerts_of(&self, tally: &Tally, before: &[u32]) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for (i, ((track, cap), &before)) in tally.tracks.iter().zip(before).enumerate() {
            let count = (before + 1).min(*cap);
            let class = track
                .strip_prefix(self.tracks.prefix)
                .and_then(|t| t.strip_prefix("class:"))
                .filter(|_| i > 0);
            let levels = match class {
                None => self.thresholds.total,
                Some(class) => match self.thresholds.per_class.iter().find(|(c, _)| c == class) {
                    Some((_, levels)) => *levels,
                    None => continue,
                },
            };
            if let Some(kind) = crossing(before, count, levels) {
                alerts.push(Alert {
                    principal: tally.principal.clone(),
                    class: class.map(str::to_owned),
                    kind,
                    count,
                    window: self.thresholds.window,
                });
            }
        }
        alerts
    }
}

#[cfg(test)]
mod tests {
    use super::super::AlertKind;
    use super::super::tests::monitor;

    #[test]
    fn a_tally_names_the_tracks_admit_counts_and_its_alerts_are_the_same() {
        let m = monitor(Some(9));
        let tally = m.tally("a", &["passport", "email"], 5);
        assert_eq!(
            tally.tracks,
            vec![
                ("reveals".to_owned(), 10),
                ("class:passport".to_owned(), 10)
            ]
        );
        assert_eq!(tally.limit, Some(9));
        // From the counts a store found before, the alerts admit_reveal would raise.
        let alerts = m.alerts_of(&tally, &[3, 1]);
        let kinds: Vec<_> = alerts.iter().map(|a| (a.kind, a.class.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                (AlertKind::Elevated, None),
                (AlertKind::Elevated, Some("passport".to_owned()))
            ]
        );
        assert!(m.alerts_of(&tally, &[0, 0]).is_empty());
        let owner = monitor(None).for_owners().tally("a", &["passport"], 5);
        assert_eq!(owner.tracks[1].0, "owner:class:passport");
    }
}
