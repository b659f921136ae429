//! Checkpoints of a store's audit trail: at intervals, one signed line binds the head (last
//! number and MAC) of every writer whose chain moved since the checkpoint before, and the
//! hash of that checkpoint's line — a chain of checkpoints, as CloudTrail's hourly digests
//! chain its log files.
//!
//! A checkpoint line is `{"checkpoint":n,"time":…,"writers":[{"writer":…,"seq":…,"mac":…}],
//! "prev":"<BLAKE3 of checkpoint n-1's line>","key":"<integrity key id.version>",
//! "public":"<Ed25519 public key>","sig":"<Ed25519 signature>"}`, the signature over a domain
//! tag and every byte before `,"sig"`, closed with `}`. The signing key is derived from the
//! keyring's integrity root key; its public half, printed by `piiguard audit verify`, checks
//! checkpoints without any key that opens data.
//!
//! Together, the checkpoints bind each writer to at least the head they name: a writer whose
//! events were cut below it, or dropped whole, fails verification. What a writer wrote after
//! the last checkpoint that names it is verified in its own chain but is *unsealed*: its last
//! events could be cut without a trace until the next checkpoint (see `docs/AUDIT.md`).

use super::chain::GENESIS;
use crate::codec::{hex, hex32, unhex, unhex32};
use crate::error::{ChainProblem, Error};
use crate::keys::Keyring;
use crate::keys::integrity::CheckpointKey;
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

const DOMAIN: &[u8] = b"piiguard/audit-checkpoint/v1\n";
/// `,"sig":"` + 128 hex digits + `"}`.
const SIG_SUFFIX_LEN: usize = 8 + 128 + 2;

/// One writer's head as a checkpoint binds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WriterHead {
    pub(crate) writer: String,
    pub(crate) seq: u64,
    pub(crate) mac: String,
}

#[derive(Serialize)]
struct BodyOut<'a> {
    checkpoint: u64,
    time: &'a str,
    writers: &'a [WriterHead],
    prev: &'a str,
    key: &'a str,
    public: &'a str,
}

#[derive(Deserialize)]
struct BodyIn {
    checkpoint: u64,
    writers: Vec<WriterHead>,
    prev: String,
    key: String,
    public: String,
}

/// The hash that the next checkpoint names as `prev`.
pub(crate) fn line_hash(line: &str) -> [u8; 32] {
    crate::crypto::keyed_hash::digest(line.as_bytes())
}

/// The MAC (hex) at the end of a chained event line: the head a checkpoint binds.
pub(crate) fn mac_of(line: &str) -> Option<&str> {
    let mac = line.strip_suffix("\"}")?;
    mac.get(mac.len().checked_sub(64)?..)
}

/// Checkpoint number `seq`, after the one whose line hashes to `prev`, binding `heads`,
/// signed with `key` (the keyring's [`checkpoint_key`](Keyring::checkpoint_key)).
pub(crate) fn seal(
    key: &CheckpointKey,
    seq: u64,
    prev: [u8; 32],
    time: &str,
    heads: &[WriterHead],
) -> Result<String, Error> {
    let mut line = serde_json::to_string(&BodyOut {
        checkpoint: seq,
        time,
        writers: heads,
        prev: &hex32(&prev),
        key: key.key_ref(),
        public: &hex32(&key.public()),
    })
    .map_err(|_| Error::Audit {
        reason: "a checkpoint could not be serialized",
    })?;
    let signature = key.sign(&[DOMAIN, line.as_bytes()].concat());
    line.pop();
    line.push_str(",\"sig\":\"");
    line.push_str(&hex(&signature));
    line.push_str("\"}");
    Ok(line)
}

/// What the checkpoints bind, read in order.
#[derive(Debug, Default)]
pub(crate) struct Sealed {
    /// The last checkpoint: its number and its line's hash.
    pub(crate) last: Option<(u64, [u8; 32])>,
    /// Each writer's head as the latest checkpoint naming it binds it.
    pub(crate) heads: HashMap<String, (u64, [u8; 32])>,
}

impl Sealed {
    /// The next checkpoint's number and `prev`.
    pub(crate) fn next(&self) -> (u64, [u8; 32]) {
        self.last
            .map_or((1, GENESIS), |(seq, hash)| (seq + 1, hash))
    }
}

/// Checks checkpoints one by one, in order.
pub(crate) struct CheckpointVerifier<'k> {
    keyring: &'k Keyring,
    keys: Vec<(String, [u8; 32])>,
    pub(crate) sealed: Sealed,
}

impl<'k> CheckpointVerifier<'k> {
    pub(crate) fn new(keyring: &'k Keyring) -> Self {
        Self {
            keyring,
            keys: Vec::new(),
            sealed: Sealed::default(),
        }
    }

    /// Checks the next checkpoint's line: its signature under a key the keyring derives, its
    /// number, its link to the one before, and that no writer it names goes back.
    pub(crate) fn check(&mut self, line: &str) -> Result<(), Error> {
        let (expected, prev) = self.sealed.next();
        let fail = || Error::AuditChain {
            line: expected,
            problem: ChainProblem::BadCheckpoint,
        };
        let split = line
            .len()
            .checked_sub(SIG_SUFFIX_LEN)
            .filter(|&at| line.is_char_boundary(at))
            .ok_or_else(fail)?;
        let (head, tail) = line.split_at(split);
        let signature = tail
            .strip_prefix(",\"sig\":\"")
            .and_then(|t| t.strip_suffix("\"}"))
            .and_then(unhex::<64>)
            .ok_or_else(fail)?;
        let mut body = String::with_capacity(head.len() + 1);
        body.push_str(head);
        body.push('}');
        let parsed: BodyIn = serde_json::from_str(&body).map_err(|_| fail())?;
        let public = match self.keys.iter().find(|(r, _)| *r == parsed.key) {
            Some((_, public)) => *public,
            None => {
                let public = self
                    .keyring
                    .checkpoint_key_for(&parsed.key)
                    .map_err(|_| fail())?
                    .public();
                self.keys.push((parsed.key.clone(), public));
                public
            }
        };
        // The line's own public key must be the keyring's: a forger's key pair signs nothing.
        if unhex32(&parsed.public) != Some(public)
            || !crate::crypto::signature::verify(
                &public,
                &[DOMAIN, body.as_bytes()].concat(),
                &signature,
            )
            || parsed.checkpoint != expected
            || unhex32(&parsed.prev) != Some(prev)
        {
            return Err(fail());
        }
        for head in parsed.writers {
            let mac = unhex32(&head.mac).ok_or_else(fail)?;
            if self
                .sealed
                .heads
                .get(&head.writer)
                .is_some_and(|(seq, _)| *seq > head.seq)
            {
                return Err(fail());
            }
            self.sealed.heads.insert(head.writer, (head.seq, mac));
        }
        self.sealed.last = Some((expected, line_hash(line)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Environment;

    fn head(writer: &str, seq: u64) -> WriterHead {
        WriterHead {
            writer: writer.into(),
            seq,
            mac: hex32(&[seq as u8; 32]),
        }
    }

    #[test]
    fn checkpoints_chain_and_refuse_edits_forgeries_and_going_back() {
        let keyring = Keyring::in_memory(Environment::Dev);
        let key = keyring.checkpoint_key().unwrap();
        let first = seal(&key, 1, GENESIS, "t1", &[head("a", 3)]).unwrap();
        let second = seal(&key, 2, line_hash(&first), "t2", &[head("a", 5)]).unwrap();
        let mut ok = CheckpointVerifier::new(&keyring);
        ok.check(&first).unwrap();
        ok.check(&second).unwrap();
        assert_eq!(ok.sealed.heads["a"].0, 5);

        let bad = |lines: &[&str]| {
            let mut v = CheckpointVerifier::new(&keyring);
            lines.iter().try_for_each(|l| v.check(l)).is_err()
        };
        assert!(bad(&[&second]), "a checkpoint without its predecessor");
        assert!(bad(&[&first.replace("\"seq\":3", "\"seq\":4")]), "edited");
        let other = Keyring::in_memory(Environment::Dev);
        let forged = seal(
            &other.checkpoint_key().unwrap(),
            1,
            GENESIS,
            "t1",
            &[head("a", 3)],
        )
        .unwrap();
        assert!(bad(&[&forged]), "signed by a key of another keyring");
        let back = seal(&key, 2, line_hash(&first), "t2", &[head("a", 2)]).unwrap();
        assert!(bad(&[&first, &back]), "a writer going back");
        let relinked = seal(&key, 2, GENESIS, "t2", &[head("a", 5)]).unwrap();
        assert!(bad(&[&first, &relinked]), "a broken link");
    }
}
