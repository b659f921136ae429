//! The tamper-evident chain shared by the file and SQLite sinks.
//!
//! Each event is written as one JSON line: `{"seq":n, …event…, "prev":"<mac of line n-1>",
//! "key":"<integrity key id.version>","mac":"<64 hex>"}`. The MAC is keyed BLAKE3 (key derived
//! from the keyring's integrity key) over a domain tag and every byte of the line before the
//! `,"mac"` member, closed with `}`. Because each line carries its number and its
//! predecessor's MAC, an edited line fails its MAC, a deleted or reordered line breaks the
//! numbering and the links, an inserted line cannot carry a valid MAC, and a cut-off end is
//! caught by comparing with the last head the writer reported.
//!
//! In a store, each writer (a process's trail, or one of its connections) keeps a chain of its
//! own: its lines begin with `"writer":"<id>"`, so that a line cannot be moved to another
//! writer's chain, and are numbered from 1 per writer. No writer chains onto another's events; the
//! [checkpoints](super::checkpoint) bind every writer's head at intervals. A trail written
//! before writers existed is the writer `legacy`, whose lines carry no writer.

use super::event::AuditEvent;
use crate::codec::{hex32, unhex32};
pub use crate::error::ChainProblem;
use crate::error::Error;
use crate::keys::Keyring;
use crate::keys::integrity::{MacKey, MacUse};
use serde::{Deserialize, Serialize};

const DOMAIN: &[u8] = b"piiguard/audit-chain/v1\n";
/// `,"mac":"` + 64 hex digits + `"}`.
const MAC_SUFFIX_LEN: usize = 8 + 64 + 2;
pub(crate) const GENESIS: [u8; 32] = [0; 32];
/// The writer of a store's events chained before writers existed (one chain for all).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const LEGACY: &str = "legacy";

/// The end of a chain: the last event number and its MAC. Keep it somewhere the log's writer
/// cannot change (another system) to detect lines cut off the end after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainHead {
    /// The last event number (0 for an empty trail).
    pub seq: u64,
    /// Its MAC, hex.
    pub mac: String,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events checked.
    pub events: u64,
    /// The head of the trail: a file's last line; a store's last checkpoint (its number and
    /// the hash of its line).
    pub head: ChainHead,
    /// The chains checked: 1 for a file, one per writer for a store.
    pub writers: u64,
    /// Events after the last checkpoint (a store's): each verified in its writer's chain, but
    /// a cut of a writer's last events in this window is not detectable until the next
    /// checkpoint binds them. Always 0 for a file.
    pub unsealed: u64,
}

#[derive(Serialize)]
struct LineOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    writer: Option<&'a str>,
    seq: u64,
    #[serde(flatten)]
    event: &'a AuditEvent,
    prev: &'a str,
    key: &'a str,
}

#[derive(Deserialize)]
struct LineIn {
    #[serde(default)]
    writer: Option<String>,
    seq: u64,
    prev: String,
    key: String,
    #[serde(flatten)]
    event: AuditEvent,
}

/// The writer's side: the MAC key, the next number and the previous MAC.
pub(crate) struct Chain {
    key: MacKey,
    writer: Option<String>,
    seq: u64,
    prev: [u8; 32],
}

impl Chain {
    /// A new chain (empty trail).
    pub(crate) fn start(keyring: &Keyring) -> Result<Self, Error> {
        Ok(Self {
            key: keyring.mac_key(MacUse::AuditChain)?,
            writer: None,
            seq: 0,
            prev: GENESIS,
        })
    }

    /// A new writer's chain in a store: a fresh id, lines numbered from 1.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn new_writer(keyring: &Keyring) -> Result<Self, Error> {
        let mut id = [0u8; 8];
        crate::crypto::random::fill_public(&mut id);
        Ok(Self {
            writer: Some(format!("w-{}", crate::codec::hex(&id))),
            ..Self::start(keyring)?
        })
    }

    /// The writer this chain belongs to (`None`: a file's single chain).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn writer(&self) -> &str {
        self.writer.as_deref().unwrap_or(LEGACY)
    }

    /// Continues after `last_line` (verified first), under the active key.
    pub(crate) fn resume(keyring: &Keyring, last_line: &str) -> Result<Self, Error> {
        let mut verifier = Verifier::new(keyring);
        let parsed = verifier
            .check(last_line)
            .map_err(|problem| Error::AuditChain { line: 0, problem })?;
        Ok(Self {
            key: keyring.mac_key(MacUse::AuditChain)?,
            writer: parsed.writer,
            seq: parsed.seq,
            prev: parsed.mac,
        })
    }

    /// The head after the last sealed line.
    pub(crate) fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            mac: hex32(&self.prev),
        }
    }

    /// Where the chain is (to step back if a sealed line could not be stored).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn position(&self) -> (u64, [u8; 32]) {
        (self.seq, self.prev)
    }

    /// Steps back to a position taken before sealing.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn restore(&mut self, (seq, prev): (u64, [u8; 32])) {
        self.seq = seq;
        self.prev = prev;
    }

    /// The next line (without its newline), and moves the chain on.
    pub(crate) fn seal(&mut self, event: &AuditEvent) -> Result<String, Error> {
        let seq = self.seq + 1;
        let prev = hex32(&self.prev);
        let mut line = serde_json::to_string(&LineOut {
            writer: self.writer.as_deref(),
            seq,
            event,
            prev: &prev,
            key: self.key.key_ref(),
        })
        .map_err(|_| Error::Audit {
            reason: "an event could not be serialized",
        })?;
        let mac = self.key.mac(&[DOMAIN, line.as_bytes()]);
        line.pop();
        line.push_str(",\"mac\":\"");
        line.push_str(&hex32(&mac));
        line.push_str("\"}");
        self.seq = seq;
        self.prev = mac;
        Ok(line)
    }
}

pub(crate) struct Parsed {
    pub(crate) writer: Option<String>,
    pub(crate) seq: u64,
    pub(crate) prev: String,
    pub(crate) mac: [u8; 32],
    pub(crate) event: AuditEvent,
}

impl Parsed {
    /// Whether this line comes right after its chain's line number `seq` whose MAC is `mac`.
    pub(crate) fn follows(&self, seq: u64, mac: [u8; 32]) -> Result<(), ChainProblem> {
        let expected = seq + 1;
        if self.seq > expected {
            return Err(ChainProblem::Gap {
                expected,
                found: self.seq,
            });
        }
        if self.seq < expected {
            return Err(ChainProblem::OutOfOrder {
                expected,
                found: self.seq,
            });
        }
        if unhex32(&self.prev) != Some(mac) {
            return Err(ChainProblem::BrokenLink);
        }
        Ok(())
    }
}

/// Checks lines one by one, caching MAC keys by reference.
pub(crate) struct Verifier<'k> {
    keyring: &'k Keyring,
    keys: Vec<MacKey>,
}

impl<'k> Verifier<'k> {
    pub(crate) fn new(keyring: &'k Keyring) -> Self {
        Self {
            keyring,
            keys: Vec::new(),
        }
    }

    pub(crate) fn check(&mut self, line: &str) -> Result<Parsed, ChainProblem> {
        let split = line
            .len()
            .checked_sub(MAC_SUFFIX_LEN)
            .filter(|&at| line.is_char_boundary(at))
            .ok_or(ChainProblem::Malformed)?;
        let (head, tail) = line.split_at(split);
        let mac_hex = tail
            .strip_prefix(",\"mac\":\"")
            .and_then(|t| t.strip_suffix("\"}"))
            .ok_or(ChainProblem::Malformed)?;
        let mac = unhex32(mac_hex).ok_or(ChainProblem::Malformed)?;
        let mut body = String::with_capacity(head.len() + 1);
        body.push_str(head);
        body.push('}');
        let parsed: LineIn = serde_json::from_str(&body).map_err(|_| ChainProblem::Malformed)?;
        let key = match self.keys.iter().position(|k| k.key_ref() == parsed.key) {
            Some(i) => &self.keys[i],
            None => {
                let key = self
                    .keyring
                    .mac_key_for(&parsed.key, MacUse::AuditChain)
                    .map_err(|_| ChainProblem::BadMac)?;
                self.keys.push(key);
                &self.keys[self.keys.len() - 1]
            }
        };
        if !key.verify(&[DOMAIN, body.as_bytes()], &mac) {
            return Err(ChainProblem::BadMac);
        }
        Ok(Parsed {
            writer: parsed.writer,
            seq: parsed.seq,
            prev: parsed.prev,
            mac,
            event: parsed.event,
        })
    }
}

/// Verifies a whole trail given as lines (each without its newline; `complete` is false when
/// the text did not end with a newline). `expected` is a head reported earlier by the writer.
/// A file holds one chain; an export of a store's trail holds each writer's, interleaved in
/// the order they were stored, and each is verified on its own.
pub(crate) fn verify_lines(
    keyring: &Keyring,
    lines: impl IntoIterator<Item = impl AsRef<str>>,
    complete: bool,
    expected: Option<&ChainHead>,
    mut each: impl FnMut(u64, &AuditEvent),
) -> Result<ChainReport, Error> {
    let mut verifier = Verifier::new(keyring);
    let mut chains: Vec<(Option<String>, u64, [u8; 32])> = Vec::new();
    let (mut seq, mut prev) = (0, GENESIS);
    let mut lines = lines.into_iter().peekable();
    let mut number = 0u64;
    while let Some(line) = lines.next() {
        number += 1;
        let fail = |problem| Error::AuditChain {
            line: number,
            problem,
        };
        if !complete && lines.peek().is_none() {
            return Err(fail(ChainProblem::Torn));
        }
        let parsed = verifier.check(line.as_ref()).map_err(fail)?;
        let chain = match chains.iter().position(|(w, _, _)| *w == parsed.writer) {
            Some(i) => i,
            None => {
                chains.push((parsed.writer.clone(), 0, GENESIS));
                chains.len() - 1
            }
        };
        let (_, chain_seq, chain_prev) = &mut chains[chain];
        parsed.follows(*chain_seq, *chain_prev).map_err(fail)?;
        each(number, &parsed.event);
        (*chain_seq, *chain_prev) = (parsed.seq, parsed.mac);
        (seq, prev) = (parsed.seq, parsed.mac);
    }
    let head = ChainHead {
        seq,
        mac: hex32(&prev),
    };
    if let Some(expected) = expected
        && (expected.seq > seq || (expected.seq == seq && expected.mac != head.mac))
    {
        return Err(Error::AuditChain {
            line: number + 1,
            problem: ChainProblem::Truncated {
                expected: expected.seq,
                found: seq,
            },
        });
    }
    Ok(ChainReport {
        events: number,
        head,
        writers: chains.len().max(1) as u64,
        unsealed: 0,
    })
}
