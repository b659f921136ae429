//! Refusals before authentication, on the record without flooding it. A caller that cannot
//! authenticate could otherwise make every request a durable audit event (11,500 a second
//! grew the store by 58 MB in ten seconds). Here each such refusal is only counted, per source
//! address and cause, and once per window the counts become one summary event per cause,
//! chained like every other (`request_refused`, denied, principal `anonymous`). A source
//! refused more than `per_source` times in a window is answered `429` before its token is even
//! looked at — a correct guess included — until the window ends.
//!
//! Sources are counted, never written: an address is personal data. The summary says how many
//! requests, from how many sources, and how many were over the per-source limit.

use piiguard::Reason;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// The most sources counted one by one in a window; past it, new sources share one count.
const MAX_SOURCES: usize = 65_536;

/// A refusal before authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Cause {
    /// No bearer token of a declared caller (or, with mutual TLS, no client certificate of
    /// the clients' CA).
    Unauthenticated,
    /// A connection cut because its request's head (or its TLS handshake) did not arrive
    /// within `header_timeout_seconds`.
    SlowHead,
    /// A connection cut on a malformed request: a line not ending in CRLF, a request hyper
    /// could not parse.
    Malformed,
}

impl Cause {
    fn reason(self) -> Reason {
        match self {
            Self::Unauthenticated => Reason::Unauthenticated,
            Self::SlowHead | Self::Malformed => Reason::BadRequest,
        }
    }

    /// What the summary counts.
    fn counted(self) -> &'static str {
        match self {
            Self::Unauthenticated => "requests refused",
            Self::SlowHead => "connections cut before their request's head arrived",
            Self::Malformed => "connections cut on a malformed request",
        }
    }
}

/// One window's counts of one cause.
#[derive(Default, Debug)]
struct Counts {
    requests: u64,
    limited: u64,
}

#[derive(Debug)]
struct Window {
    opened: Instant,
    by_source: HashMap<IpAddr, u64>,
    /// Sources past `MAX_SOURCES`, counted together.
    overflow: u64,
    causes: HashMap<Cause, Counts>,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            opened: Instant::now(),
            by_source: HashMap::new(),
            overflow: 0,
            causes: HashMap::new(),
        }
    }
}

/// The counts of the current window.
#[derive(Debug)]
pub(crate) struct Tally {
    per_source: u64,
    window: Mutex<Window>,
}

/// One cause's summary, to be written as one event.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) reason: Reason,
    pub(crate) detail: String,
}

impl Tally {
    /// Counts with at most `per_source` refusals per source and window answered normally.
    pub(crate) fn new(per_source: u64) -> Self {
        Self {
            per_source,
            window: Mutex::new(Window::default()),
        }
    }

    /// Whether `source` is over its limit in this window (then it is refused before its token
    /// is read).
    pub(crate) fn limited(&self, source: IpAddr) -> bool {
        let window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        window
            .by_source
            .get(&source)
            .is_some_and(|&n| n >= self.per_source)
    }

    /// Counts one refusal of `source` for `cause`; `limited` when it was answered `429`.
    pub(crate) fn count(&self, source: IpAddr, cause: Cause, limited: bool) {
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let sources = window.by_source.len();
        match window.by_source.get_mut(&source) {
            Some(n) => *n += 1,
            None if sources < MAX_SOURCES => {
                window.by_source.insert(source, 1);
            }
            None => window.overflow += 1,
        }
        let counts = window.causes.entry(cause).or_default();
        counts.requests += 1;
        counts.limited += u64::from(limited);
    }

    /// Ends the window: one summary per cause seen in it, and the counts start again.
    pub(crate) fn close(&self) -> Vec<Summary> {
        let window = std::mem::take(&mut *self.window.lock().unwrap_or_else(|e| e.into_inner()));
        let seconds = window.opened.elapsed().as_secs_f64().round();
        let busiest = window.by_source.values().copied().max().unwrap_or(0);
        let sources = window.by_source.len() + usize::from(window.overflow > 0);
        let mut out: Vec<Summary> = window
            .causes
            .into_iter()
            .map(|(cause, counts)| Summary {
                reason: cause.reason(),
                detail: {
                    let mut detail = format!(
                        "{} {} in {seconds} s from {sources} {} (the busiest {busiest})",
                        counts.requests,
                        cause.counted(),
                        if sources == 1 { "source" } else { "sources" },
                    );
                    if cause == Cause::Unauthenticated {
                        detail.push_str(&format!(
                            "; {} answered 429 over the limit of {} per source",
                            counts.limited, self.per_source
                        ));
                    }
                    detail
                },
            })
            .collect();
        out.sort_by(|a, b| (a.reason.code(), &a.detail).cmp(&(b.reason.code(), &b.detail)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{Cause, Tally};
    use std::net::IpAddr;

    #[test]
    fn a_window_of_refusals_is_one_summary_and_a_busy_source_is_limited() {
        let tally = Tally::new(3);
        let (a, b): (IpAddr, IpAddr) =
            ("192.0.2.7".parse().unwrap(), "2001:db8::9".parse().unwrap());
        for _ in 0..10 {
            let limited = tally.limited(a);
            tally.count(a, Cause::Unauthenticated, limited);
        }
        assert!(tally.limited(a));
        assert!(!tally.limited(b));
        tally.count(b, Cause::Unauthenticated, false);
        let summaries = tally.close();
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].reason.code(), "unauthenticated");
        assert_eq!(
            summaries[0].detail,
            "11 requests refused in 0 s from 2 sources (the busiest 10); 7 answered 429 over the limit of 3 per source"
        );
        assert!(!summaries[0].detail.contains("192.0.2.7"));
        // Connections cut before a request: counted apart, summarized by what they were.
        tally.count(b, Cause::SlowHead, false);
        tally.count(b, Cause::SlowHead, false);
        tally.count(a, Cause::Malformed, false);
        let summaries = tally.close();
        let details: Vec<(&str, &str)> = summaries
            .iter()
            .map(|s| (s.reason.code(), s.detail.as_str()))
            .collect();
        assert_eq!(
            details,
            [
                (
                    "bad_request",
                    "1 connections cut on a malformed request in 0 s from 2 sources (the busiest 2)"
                ),
                (
                    "bad_request",
                    "2 connections cut before their request's head arrived in 0 s from 2 sources (the busiest 2)"
                ),
            ]
        );
        // A new window: nothing to say, and nobody limited.
        assert!(tally.close().is_empty());
        assert!(!tally.limited(a));
    }
}
