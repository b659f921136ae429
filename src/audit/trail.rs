//! Verifying a store's trail: the checkpoints first, then every writer's chain in one pass
//! over the events in the order they were stored (memory bounded by a page and the number of
//! writers, whatever the trail's length).

use super::chain::{GENESIS, LEGACY, Verifier};
use super::checkpoint::CheckpointVerifier;
use super::{AuditEvent, ChainHead, ChainReport};
use crate::codec::{hex32, unhex32};
use crate::error::{ChainProblem, Error};
use crate::keys::Keyring;
use hashbrown::HashMap;

/// Rows this many at a time from a store.
pub(crate) const PAGE: usize = 1000;

/// One stored event: its storage number (the order rows were stored in, every writer's
/// merged), its writer and its chained line.
pub(crate) type Row = (u64, String, String);

/// Verifies a store's trail. `checkpoints` gives the checkpoint lines in order; `read(after,
/// limit)` at most `limit` rows after storage number `after`, in order; `each` is called with
/// every verified event. `expected` is a checkpoint's head kept elsewhere: the trail must
/// still hold that checkpoint. A failed read ends the walk with its error.
pub(crate) fn verify_trail(
    keyring: &Keyring,
    checkpoints: impl IntoIterator<Item = Result<String, Error>>,
    expected: Option<&ChainHead>,
    mut read: impl FnMut(u64, usize) -> Result<Vec<Row>, Error>,
    mut each: impl FnMut(u64, &AuditEvent),
) -> Result<ChainReport, Error> {
    let mut sealing = CheckpointVerifier::new(keyring);
    for line in checkpoints {
        let line = line?;
        sealing.check(&line)?;
        if let (Some(expected), Some((seq, hash))) = (expected, sealing.sealed.last)
            && expected.seq == seq
            && unhex32(&expected.mac) != Some(hash)
        {
            return Err(Error::AuditChain {
                line: seq,
                problem: ChainProblem::BadCheckpoint,
            });
        }
    }
    let sealed = sealing.sealed;
    let last = sealed.last.map_or(0, |(seq, _)| seq);
    if let Some(expected) = expected
        && expected.seq > last
    {
        return Err(Error::AuditChain {
            line: last + 1,
            problem: ChainProblem::Truncated {
                expected: expected.seq,
                found: last,
            },
        });
    }

    let mut verifier = Verifier::new(keyring);
    let mut chains: HashMap<String, (u64, [u8; 32])> = HashMap::new();
    let (mut events, mut unsealed, mut after) = (0u64, 0u64, 0u64);
    loop {
        let page = read(after, PAGE)?;
        let done = page.len() < PAGE;
        for (number, writer, line) in page {
            after = number;
            let fail = |problem| Error::AuditChain {
                line: number,
                problem,
            };
            let parsed = verifier.check(&line).map_err(fail)?;
            if parsed.writer.as_deref().unwrap_or(LEGACY) != writer {
                return Err(fail(ChainProblem::WrongWriter));
            }
            let (seq, prev) = chains.get(&writer).copied().unwrap_or((0, GENESIS));
            parsed.follows(seq, prev).map_err(fail)?;
            match sealed.heads.get(&writer) {
                Some(&(bound, mac)) if bound == parsed.seq && mac != parsed.mac => {
                    return Err(fail(ChainProblem::BadCheckpoint));
                }
                Some(&(bound, _)) if bound >= parsed.seq => {}
                _ => unsealed += 1,
            }
            each(number, &parsed.event);
            events += 1;
            chains.insert(writer, (parsed.seq, parsed.mac));
        }
        if done {
            break;
        }
    }
    // Every writer a checkpoint bound must reach its head: its end was not cut, nor was it
    // dropped whole.
    let mut short: Vec<(&String, u64, u64)> = sealed
        .heads
        .iter()
        .filter_map(|(writer, &(bound, _))| {
            let found = chains.get(writer).map_or(0, |(seq, _)| *seq);
            (found < bound).then_some((writer, bound, found))
        })
        .collect();
    short.sort();
    if let Some(&(_, expected, found)) = short.first() {
        return Err(Error::AuditChain {
            line: after + 1,
            problem: ChainProblem::Truncated { expected, found },
        });
    }
    Ok(ChainReport {
        events,
        head: ChainHead {
            seq: last,
            mac: hex32(&sealed.last.map_or(GENESIS, |(_, hash)| hash)),
        },
        writers: chains.len() as u64,
        unsealed,
    })
}
