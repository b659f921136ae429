//! [`GroupCommit`]: a store's audit events from many threads, committed in batches. Every event
//! still gets its own chained line and is durable before its `record` returns; what the threads
//! share is the transaction, and so the sync. While one thread commits, the events of the others
//! queue; the next thread to take the chain commits all of them at once. A service's reveals
//! then cost one sync per batch instead of one each.

use super::{AuditEvent, Chain};
use crate::error::Error;
use crate::monitor::Tally;
use crate::token::TokenEntry;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::Thread;

/// What a batch stores: an event, with the monitor's counts to take in the same commit (if
/// any), or a vault token's row (a proxy's token of a value a third party sent back: no event,
/// but a sync of its own unless it shares the batch's).
pub(crate) enum Entry {
    Event {
        event: Box<AuditEvent>,
        tally: Option<Tally>,
    },
    Token(Box<TokenEntry>),
}

/// What became of one entry of a stored batch.
#[derive(Debug)]
pub(crate) enum Stored {
    /// The event is stored; the counts its tally found before it (empty without a tally).
    Event(Vec<u32>),
    /// Its tally was refused (blocked, or at the hard limit): nothing of it was stored.
    Refused,
    /// The token's row as stored (the one already there, when its id was taken).
    Token(Box<TokenEntry>),
}

/// The events waiting for a batch, and the outcomes of those a batch took.
#[derive(Default)]
struct Queue {
    next_ticket: u64,
    /// Each entry with its ticket and the thread waiting for it.
    waiting: Vec<(u64, Entry, Thread)>,
    outcomes: HashMap<u64, Result<Stored, Error>>,
    /// A thread is storing a batch: the others wait for its outcome or for their turn.
    storing: bool,
    /// Threads in [`GroupCommit::record_all`] waiting for the batch being stored.
    idle_waiters: usize,
}

impl Queue {
    /// Ends a batch: the thread of the first entry waiting (if any) is the one to wake, to
    /// store the next batch.
    fn release(&mut self) -> (Option<Thread>, bool) {
        self.storing = false;
        (
            self.waiting.first().map(|(_, _, thread)| thread.clone()),
            self.idle_waiters > 0,
        )
    }
}

/// The writer's chain and the events waiting for it.
///
/// A thread waits parked; a batch wakes only the threads whose entries it stored, and the
/// first one waiting, to store the next batch (not every waiting thread: with many threads
/// waking them all costs more than the batch).
pub(crate) struct GroupCommit {
    chain: Mutex<Chain>,
    queue: Mutex<Queue>,
    /// For [`record_all`](Self::record_all), which waits for no entry of its own.
    idle: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The outcome of a failed batch, for each of its events (errors are not `Clone`: an audit
/// error is rebuilt; anything else is reported as a store failure).
fn again(error: &Error) -> Error {
    match error {
        Error::Audit { reason } => Error::Audit { reason },
        Error::AuditChain { line, problem } => Error::AuditChain {
            line: *line,
            problem: *problem,
        },
        _ => Error::Audit {
            reason: "cannot store the event",
        },
    }
}

impl GroupCommit {
    pub(crate) fn new(chain: Chain) -> Self {
        Self {
            chain: Mutex::new(chain),
            queue: Mutex::new(Queue::default()),
            idle: Condvar::new(),
        }
    }

    /// The head after the last event this writer stored.
    #[cfg(test)]
    pub(crate) fn head(&self) -> super::ChainHead {
        lock(&self.chain).head()
    }

    /// Records `entry` in a batch with whatever other threads are waiting to record. `store` is
    /// called with the chain and one batch's entries, in order; it must chain and store all of
    /// them (but those whose tally it refuses) in one transaction and say what became of each,
    /// or store none (stepping the chain back) and fail.
    pub(crate) fn record(
        &self,
        entry: Entry,
        store: impl FnOnce(&mut Chain, &[Entry]) -> Result<Vec<Stored>, Error>,
    ) -> Result<Stored, Error> {
        let mut queue = lock(&self.queue);
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push((ticket, entry, std::thread::current()));
        // Wait until a batch took this event and answered, or until no batch is being stored:
        // then this thread stores everything waiting, its own event among it. (A wake-up
        // before the park is kept by it; a spurious one only checks again.)
        loop {
            if let Some(outcome) = queue.outcomes.remove(&ticket) {
                return outcome;
            }
            if !queue.storing {
                break;
            }
            drop(queue);
            std::thread::park();
            queue = lock(&self.queue);
        }
        queue.storing = true;
        let mut tickets = Vec::with_capacity(queue.waiting.len());
        let mut entries = Vec::with_capacity(queue.waiting.len());
        let mut threads = Vec::with_capacity(queue.waiting.len());
        for (t, entry, thread) in std::mem::take(&mut queue.waiting) {
            tickets.push(t);
            entries.push(entry);
            if t != ticket {
                threads.push(thread);
            }
        }
        drop(queue);

        // A panic while storing must not leave the others waiting for ever: they are answered
        // with an error, and the panic goes on in this thread. (A chain left mid-batch is
        // re-read from the stored head by the next batch, whose head check fails.)
        let stored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store(&mut lock(&self.chain), &entries)
        }));
        drop(entries);
        let (result, panic) = match stored {
            Ok(Ok(outcomes)) if outcomes.len() == tickets.len() => (Ok(outcomes), None),
            Ok(Ok(_)) => (
                Err(Error::Audit {
                    reason: "the audit writer lost an event",
                }),
                None,
            ),
            Ok(Err(e)) => (Err(e), None),
            Err(panic) => (
                Err(Error::Audit {
                    reason: "the audit writer failed",
                }),
                Some(panic),
            ),
        };

        let mut queue = lock(&self.queue);
        let mut mine = Err(Error::Audit {
            reason: "the audit writer lost an event",
        });
        match result {
            Ok(outcomes) => {
                for (t, outcome) in tickets.into_iter().zip(outcomes) {
                    if t == ticket {
                        mine = Ok(outcome);
                    } else {
                        queue.outcomes.insert(t, Ok(outcome));
                    }
                }
            }
            Err(error) => {
                for &other in tickets.iter().filter(|&&t| t != ticket) {
                    queue.outcomes.insert(other, Err(again(&error)));
                }
                mine = Err(error);
            }
        }
        let (next, idle_waiters) = queue.release();
        drop(queue);
        for thread in threads.iter().chain(&next) {
            thread.unpark();
        }
        if idle_waiters {
            self.idle.notify_all();
        }
        if let Some(panic) = panic {
            std::panic::resume_unwind(panic);
        }
        mine
    }

    /// Records `events`, in order, as one batch of their own, after the batch being stored (if
    /// any) and before the events waiting now. `store` is called as for [`record`](Self::record).
    pub(crate) fn record_all(
        &self,
        events: &[Entry],
        store: impl FnOnce(&mut Chain, &[Entry]) -> Result<Vec<Stored>, Error>,
    ) -> Result<(), Error> {
        let mut queue = lock(&self.queue);
        queue.idle_waiters += 1;
        while queue.storing {
            queue = self
                .idle
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
        queue.idle_waiters -= 1;
        queue.storing = true;
        drop(queue);
        let stored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store(&mut lock(&self.chain), events)
        }));
        let (next, idle_waiters) = lock(&self.queue).release();
        if let Some(thread) = next {
            thread.unpark();
        }
        if idle_waiters {
            self.idle.notify_all();
        }
        stored
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Action, Actor, Object, Outcome};
    use crate::keys::{Environment, Keyring};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn event(n: usize) -> AuditEvent {
        AuditEvent {
            time: crate::audit::timestamp(time::OffsetDateTime::now_utc()),
            action: Action::Reveal,
            outcome: Outcome::Allowed,
            reason: crate::reason::Reason::RoleRule,
            subsystem: "test".to_owned().into(),
            principal: Actor::system(),
            object: Object {
                record: Some(format!("r{n:05}").into()),
                ..Object::default()
            },
            purpose: None,
            justification: None,
            policy_version: String::new().into(),
            grant: None,
            detail: None,
        }
    }

    fn entry(n: usize) -> Entry {
        Entry::Event {
            event: Box::new(event(n)),
            tally: None,
        }
    }

    fn sealed(chain: &mut Chain, entries: &[Entry]) -> Result<Vec<String>, Error> {
        entries
            .iter()
            .map(|e| match e {
                Entry::Event { event, .. } => chain.seal(event),
                Entry::Token(_) => unreachable!("no tokens here"),
            })
            .collect()
    }

    #[test]
    fn every_event_is_stored_once_in_fewer_batches_than_events() {
        let keyring = Keyring::in_memory(Environment::Dev);
        let group = GroupCommit::new(Chain::start(&keyring).unwrap());
        let stored = Mutex::new(Vec::<String>::new());
        let batches = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for t in 0..8 {
                let (group, stored, batches) = (&group, &stored, &batches);
                scope.spawn(move || {
                    for i in 0..200 {
                        group
                            .record(entry(t * 1000 + i), |chain, entries| {
                                batches.fetch_add(1, Ordering::Relaxed);
                                // A slow commit, as a sync is: others queue meanwhile.
                                std::thread::sleep(std::time::Duration::from_micros(200));
                                stored.lock().unwrap().extend(sealed(chain, entries)?);
                                Ok(entries.iter().map(|_| Stored::Event(Vec::new())).collect())
                            })
                            .unwrap();
                    }
                });
            }
        });
        let stored = stored.into_inner().unwrap();
        assert_eq!(stored.len(), 1600);
        let mut records: Vec<String> = stored
            .iter()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                v["object"]["record"].as_str().unwrap().to_owned()
            })
            .collect();
        records.sort();
        records.dedup();
        assert_eq!(records.len(), 1600, "no event stored twice or lost");
        assert_eq!(group.head().seq, 1600);
        let batches = batches.into_inner();
        assert!(batches < 1600, "{batches} batches for 1600 events");
    }

    #[test]
    fn batches_of_their_own_interleave_with_waiting_threads_and_none_is_left_parked() {
        let keyring = Keyring::in_memory(Environment::Dev);
        let group = GroupCommit::new(Chain::start(&keyring).unwrap());
        let stored = Mutex::new(Vec::<String>::new());
        let store = |chain: &mut Chain, entries: &[Entry]| {
            std::thread::sleep(std::time::Duration::from_micros(50));
            stored.lock().unwrap().extend(sealed(chain, entries)?);
            Ok(entries.iter().map(|_| Stored::Event(Vec::new())).collect())
        };
        std::thread::scope(|scope| {
            for t in 0..6 {
                let (group, store) = (&group, &store);
                scope.spawn(move || {
                    for i in 0..150 {
                        group.record(entry(t * 1000 + i), store).unwrap();
                    }
                });
            }
            let (group, store) = (&group, &store);
            scope.spawn(move || {
                for i in 0..30 {
                    let own: Vec<Entry> = (0..3).map(|k| entry(9000 + i * 10 + k)).collect();
                    group.record_all(&own, store).unwrap();
                }
            });
        });
        let stored = stored.into_inner().unwrap();
        assert_eq!(stored.len(), 6 * 150 + 30 * 3);
        // Each batch of its own stayed together, in order.
        let records: Vec<String> = stored
            .iter()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                v["object"]["record"].as_str().unwrap().to_owned()
            })
            .collect();
        for i in 0..30 {
            let first = format!("r{:05}", 9000 + i * 10);
            let at = records.iter().position(|r| *r == first).unwrap();
            assert_eq!(records[at + 1], format!("r{:05}", 9000 + i * 10 + 1));
            assert_eq!(records[at + 2], format!("r{:05}", 9000 + i * 10 + 2));
        }
        assert_eq!(group.head().seq, 990);
    }

    #[test]
    fn a_panic_while_storing_answers_the_others_and_the_next_batch_is_stored() {
        let keyring = Keyring::in_memory(Environment::Dev);
        let group = GroupCommit::new(Chain::start(&keyring).unwrap());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            group.record(entry(1), |_, _| panic!("the store's driver panicked"))
        }));
        assert!(panicked.is_err());
        // Not stuck: the next event is stored.
        group
            .record(entry(2), |chain, entries| {
                sealed(chain, entries)?;
                Ok(entries.iter().map(|_| Stored::Event(Vec::new())).collect())
            })
            .unwrap();
        assert_eq!(group.head().seq, 1);
    }

    #[test]
    fn a_failed_batch_fails_every_event_in_it() {
        let keyring = Keyring::in_memory(Environment::Dev);
        let group = GroupCommit::new(Chain::start(&keyring).unwrap());
        let failures = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for t in 0..4 {
                let (group, failures) = (&group, &failures);
                scope.spawn(move || {
                    for i in 0..50 {
                        let result = group.record(entry(t * 100 + i), |_, _| {
                            std::thread::sleep(std::time::Duration::from_micros(100));
                            Err(Error::Audit {
                                reason: "disk full",
                            })
                        });
                        match result {
                            Err(Error::Audit { reason }) => {
                                assert_eq!(reason, "disk full");
                                failures.fetch_add(1, Ordering::Relaxed);
                            }
                            other => panic!("unexpected {other:?}"),
                        }
                    }
                });
            }
        });
        assert_eq!(failures.into_inner(), 200);
        assert_eq!(group.head().seq, 0);
    }
}
