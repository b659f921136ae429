//! Precision and recall of the scrubber per class over labelled lines, shared by the accuracy
//! corpora.

use piiguard::scrub::Scrubber;
use std::collections::BTreeMap;

/// Counts per class: true positives, false positives, false negatives; and every problem.
#[derive(Default)]
pub struct Score {
    counts: BTreeMap<&'static str, (u32, u32, u32)>,
    /// Each miss or false find, described.
    pub problems: Vec<String>,
}

impl Score {
    /// Scores one line against what it holds (`(value, class)`); returns the indices of the
    /// expected values that were missed.
    pub fn line<'a>(
        &mut self,
        scrubber: &Scrubber,
        line: &str,
        expected: impl IntoIterator<Item = (&'a str, &'static str)>,
    ) -> Vec<usize> {
        let expected: Vec<(&str, &'static str)> = expected.into_iter().collect();
        let found: Vec<(&str, &'static str)> = scrubber
            .find(line)
            .into_iter()
            .map(|f| (&line[f.range], f.class))
            .collect();
        let mut missed = Vec::new();
        for (k, &(value, class)) in expected.iter().enumerate() {
            let c = self.counts.entry(class).or_default();
            if found.contains(&(value, class)) {
                c.0 += 1;
            } else {
                c.2 += 1;
                missed.push(k);
                self.problems
                    .push(format!("missed {class} {value:?} in {line:?}: {found:?}"));
            }
        }
        for &(value, class) in &found {
            if !expected.contains(&(value, class)) {
                self.counts.entry(class).or_default().1 += 1;
                self.problems
                    .push(format!("false {class} {value:?} in {line:?}"));
            }
        }
        missed
    }

    /// The classes seen.
    pub fn classes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.counts.keys().copied()
    }

    /// A line per class (`extra` adds a column), and whether every class meets the floors.
    pub fn report(
        &self,
        precision_floor: f64,
        recall_floor: f64,
        extra: impl Fn(&str) -> String,
    ) -> (String, bool) {
        let mut report = String::new();
        let mut met = true;
        for (class, (tp, fp, fneg)) in &self.counts {
            let precision = f64::from(*tp) / f64::from(tp + fp).max(1.0);
            let recall = f64::from(*tp) / f64::from(tp + fneg).max(1.0);
            met &= precision >= precision_floor && recall >= recall_floor;
            report.push_str(&format!(
                "{class:<12} n={:<5} {}precision={precision:.4} recall={recall:.4}\n",
                tp + fneg,
                extra(class),
            ));
        }
        (report, met)
    }
}
