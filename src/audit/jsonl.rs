//! [`JsonlSink`]: the audit trail as a JSON-lines file with a hash chain.
//!
//! Durability: with [`Durability::Sync`] (the default) `record` returns only after the line is
//! written and `fdatasync`ed. Concurrent appends share syncs (group commit): a thread whose
//! line was already covered by another thread's sync does not sync again. Each line is written
//! with a single `write` to a file opened for appending, so a crash leaves at most one torn
//! last line — which [`JsonlSink::open`] and [`verify_jsonl`] report
//! ([`ChainProblem::Torn`](super::ChainProblem::Torn)) and [`JsonlSink::recover`] cuts off,
//! recording that it did.

use super::chain::{Chain, ChainHead, ChainReport, verify_lines};
use super::event::{Action, Actor, AuditEvent, Object, Outcome};
use super::{AuditSink, ChainProblem, Text};
use crate::error::Error;
use crate::keys::Keyring;
use crate::policy::Reason;
use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How durable an append is when `record` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Written and synced to the device (group commit across threads).
    #[default]
    Sync,
    /// Written to the OS; the OS syncs when it likes (lines may be lost in a power cut, never
    /// reordered, and a torn last line is still detected).
    Buffered,
}

struct Writer {
    file: File,
    chain: Chain,
    /// A write failed part-way: the file's end is unknown, so nothing more is appended.
    broken: bool,
}

/// A JSON-lines audit file with a keyed BLAKE3 hash chain.
///
/// ```
/// use piiguard::audit::{JsonlSink, verify_jsonl, AuditSink};
/// use piiguard::keys::{Environment, Keyring};
///
/// let dir = std::env::temp_dir().join(format!("pg-doc-audit-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("audit.jsonl");
/// let keyring = Keyring::in_memory(Environment::Dev);
/// let sink = JsonlSink::open(&path, &keyring)?;
/// assert_eq!(sink.head().seq, 0);
/// assert_eq!(verify_jsonl(&path, &keyring, Some(&sink.head()))?.events, 0);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct JsonlSink {
    path: PathBuf,
    keyring: Keyring,
    durability: Durability,
    writer: Mutex<Writer>,
    sync_file: File,
    written: AtomicU64,
    synced: Mutex<u64>,
}

impl std::fmt::Debug for JsonlSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonlSink")
            .field("durability", &self.durability)
            .field("events", &self.written.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn io(operation: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    Error::io(operation)
}

/// The number of complete lines of a file, and whether it ends in a torn line.
fn scan(path: &Path) -> Result<(u64, Option<String>, bool), Error> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, None, false)),
        Err(e) => return Err(io("open the audit log")(e)),
    };
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut last = None;
    let mut count = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(io("read the audit log"))?;
        if n == 0 {
            return Ok((count, last, false));
        }
        if line.last() != Some(&b'\n') {
            return Ok((count, last, true));
        }
        count += 1;
        line.pop();
        last = Some(String::from_utf8_lossy(&line).into_owned());
    }
}

impl JsonlSink {
    /// Opens (or creates, owner-only) the audit file at `path` with [`Durability::Sync`],
    /// continuing its chain.
    ///
    /// # Errors
    /// [`Error::AuditChain`] with [`ChainProblem::Torn`] if the last line is incomplete (use
    /// [`recover`](Self::recover)), or [`ChainProblem::BadMac`] if the last line does not
    /// verify; I/O and key errors.
    pub fn open(path: impl AsRef<Path>, keyring: &Keyring) -> Result<Self, Error> {
        Self::open_with(path, keyring, Durability::Sync)
    }

    /// [`open`](Self::open) with a chosen durability.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with(
        path: impl AsRef<Path>,
        keyring: &Keyring,
        durability: Durability,
    ) -> Result<Self, Error> {
        let path = path.as_ref();
        let (lines, last, torn) = scan(path)?;
        if torn {
            return Err(Error::AuditChain {
                line: lines + 1,
                problem: ChainProblem::Torn,
            });
        }
        let chain = match &last {
            Some(line) => Chain::resume(keyring, line).map_err(|e| match e {
                Error::AuditChain { problem, .. } => Error::AuditChain {
                    line: lines,
                    problem,
                },
                other => other,
            })?,
            None => Chain::start(keyring)?,
        };
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(io("open the audit log"))?;
        let sync_file = file.try_clone().map_err(io("open the audit log"))?;
        let seq = chain.head().seq;
        Ok(Self {
            path: path.to_owned(),
            keyring: keyring.clone(),
            durability,
            writer: Mutex::new(Writer {
                file,
                chain,
                broken: false,
            }),
            sync_file,
            written: AtomicU64::new(seq),
            synced: Mutex::new(seq),
        })
    }

    /// Cuts a damaged last line off the file at `path`, records an `audit_recovered` event
    /// saying what was cut, and opens the sink. The last line may be torn (a crash during a
    /// write) or complete but garbled (a crash of the disk or file system under it), and is cut
    /// only if every line before it verifies: damage anywhere else is not a crash's, and is
    /// refused. A file whose last line is sound is opened unchanged.
    ///
    /// # Errors
    /// [`Error::AuditChain`] for damage before the last line; the errors of
    /// [`open`](Self::open).
    pub fn recover(path: impl AsRef<Path>, keyring: &Keyring) -> Result<Self, Error> {
        let path = path.as_ref();
        let (lines, _, torn) = scan(path)?;
        let bytes = std::fs::read(path).unwrap_or_default();
        let garbled = !torn
            && matches!(
                Self::open(path, keyring),
                Err(Error::AuditChain { line, .. }) if line == lines
            );
        if !torn && !garbled {
            return Self::open(path, keyring);
        }
        // The lines kept: everything before the damaged last one.
        let body = if torn {
            &bytes[..]
        } else {
            &bytes[..bytes.len() - 1]
        };
        let keep = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let kept = bytes[..keep].strip_suffix(b"\n").unwrap_or(&bytes[..keep]);
        let kept_lines = (!kept.is_empty())
            .then(|| kept.split(|&b| b == b'\n'))
            .into_iter()
            .flatten()
            .map(|l| std::str::from_utf8(l).unwrap_or(""));
        verify_lines(keyring, kept_lines, true, None, |_, _| {})?;
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io("open the audit log"))?;
        file.set_len(keep as u64).map_err(io("cut the torn line"))?;
        file.sync_all().map_err(io("cut the torn line"))?;
        let sink = Self::open(path, keyring)?;
        sink.record(&AuditEvent {
            time: super::timestamp(time::OffsetDateTime::now_utc()),
            action: Action::AuditRecovered,
            outcome: Outcome::Allowed,
            reason: Reason::Recovered,
            subsystem: "piiguard".into(),
            principal: Actor::system(),
            object: Object::default(),
            purpose: None,
            justification: None,
            policy_version: Text::default(),
            grant: None,
            detail: Some(
                format!(
                    "cut {} bytes of a {} last line",
                    bytes.len() - keep,
                    if torn { "torn" } else { "garbled" }
                )
                .into(),
            ),
        })?;
        Ok(sink)
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The head of the chain: the last event number and its MAC.
    pub fn head(&self) -> ChainHead {
        self.writer().chain.head()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AuditSink for JsonlSink {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        let seq = {
            let mut writer = self.writer();
            if writer.broken {
                return Err(Error::Audit {
                    reason: "an earlier append failed part-way; reopen (or recover) the log",
                });
            }
            let mut line = writer.chain.seal(event)?;
            line.push('\n');
            if let Err(e) = writer.file.write_all(line.as_bytes()) {
                writer.broken = true;
                return Err(io("append to the audit log")(e));
            }
            let seq = writer.chain.head().seq;
            self.written.store(seq, Ordering::Release);
            seq
        };
        if self.durability == Durability::Sync {
            let mut synced = self.synced.lock().unwrap_or_else(PoisonError::into_inner);
            if *synced < seq {
                let upto = self.written.load(Ordering::Acquire);
                self.sync_file
                    .sync_data()
                    .map_err(io("sync the audit log"))?;
                *synced = upto;
            }
        }
        Ok(())
    }

    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        let head = self.head();
        verify_jsonl(&self.path, &self.keyring, Some(&head)).map(Some)
    }

    fn chain_head(&self) -> Option<ChainHead> {
        Some(JsonlSink::head(self))
    }
}

/// Verifies a JSON-lines audit file: every MAC, the numbering and the links; a torn last line;
/// and, given the head the writer reported (`JsonlSink::head`), lines cut off the end.
///
/// # Errors
/// [`Error::AuditChain`] at the first bad line; I/O errors.
pub fn verify_jsonl(
    path: impl AsRef<Path>,
    keyring: &Keyring,
    expected: Option<&ChainHead>,
) -> Result<ChainReport, Error> {
    let bytes = std::fs::read(path.as_ref()).map_err(io("read the audit log"))?;
    let complete = bytes.is_empty() || bytes.ends_with(b"\n");
    let body = if complete && !bytes.is_empty() {
        &bytes[..bytes.len() - 1]
    } else {
        &bytes[..]
    };
    let lines = (!bytes.is_empty())
        .then(|| body.split(|&b| b == b'\n'))
        .into_iter()
        .flatten()
        .map(|l| std::str::from_utf8(l).unwrap_or(""));
    verify_lines(keyring, lines, complete, expected, |_, _| {})
}

impl Drop for JsonlSink {
    fn drop(&mut self) {
        let _ = self.writer().file.flush();
    }
}
