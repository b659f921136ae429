//! Scanning a child process's memory (`/proc/PID/smaps` and `/proc/PID/mem`) for 8-byte
//! fragments of planted values and of keys, region by region, the way a core dump would see it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};

/// One readable region of the helper's memory, as `/proc/PID/smaps` describes it.
pub struct Region {
    /// The first address.
    pub start: u64,
    /// The address after the last.
    pub end: u64,
    /// What is mapped there: a file's path, `[heap]`, `[stack]`, or `[anon]`.
    pub name: String,
    /// Marked `MADV_DONTDUMP` (`dd` among its `VmFlags`): a core dump leaves it out.
    pub dont_dump: bool,
    /// A file mapped without write permission (the executable's code and constants, a
    /// library's): its bytes are the file's, written before the process ran.
    pub read_only_file: bool,
}

/// The readable regions of process `pid`'s memory (panics if `/proc/PID/smaps` cannot be read).
pub fn regions(pid: u32) -> Vec<Region> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap();
    let mut out: Vec<Region> = Vec::new();
    let mut readable = Vec::new();
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if let Some((start, end)) = first.split_once('-')
            && let (Ok(start), Ok(end)) =
                (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
        {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let perms = fields.get(1).copied().unwrap_or("");
            readable.push(perms.starts_with('r'));
            let name = fields.get(5).copied().unwrap_or("[anon]").to_owned();
            out.push(Region {
                start,
                end,
                read_only_file: name.starts_with('/') && perms.get(1..2) != Some("w"),
                name,
                dont_dump: false,
            });
        } else if let Some(flags) = line.strip_prefix("VmFlags:")
            && let Some(last) = out.last_mut()
        {
            last.dont_dump = flags.split_whitespace().any(|f| f == "dd");
        }
    }
    out.into_iter()
        .zip(readable)
        .filter(|(r, readable)| *readable && r.name != "[vvar]" && r.name != "[vsyscall]")
        .map(|(r, _)| r)
        .collect()
}

/// What to look for: 8-byte fragments, each labelled.
#[derive(Default)]
pub struct Needles {
    fragments: HashMap<u64, String>,
    /// The first two bytes of every fragment, as a bitmap, to skip most positions cheaply.
    prefixes: Vec<u64>,
}

impl Needles {
    /// Adds every 8-byte window of `bytes`, reported as `label` when found.
    pub fn add(&mut self, bytes: &[u8], label: &str) {
        if self.prefixes.is_empty() {
            self.prefixes = vec![0; 1024];
        }
        for window in bytes.windows(8) {
            let key = u64::from_le_bytes(window.try_into().unwrap());
            self.fragments.insert(key, label.to_owned());
            let p = usize::from(u16::from_le_bytes([window[0], window[1]]));
            self.prefixes[p / 64] |= 1 << (p % 64);
        }
    }

    /// The labels of every fragment in `memory`.
    pub fn find(&self, memory: &[u8], hits: &mut Vec<String>) {
        if self.prefixes.is_empty() {
            return;
        }
        for i in 0..memory.len().saturating_sub(7) {
            let p = usize::from(u16::from_le_bytes([memory[i], memory[i + 1]]));
            if self.prefixes[p / 64] & (1 << (p % 64)) == 0 {
                continue;
            }
            let key = u64::from_le_bytes(memory[i..i + 8].try_into().unwrap());
            if let Some(label) = self.fragments.get(&key) {
                hits.push(label.clone());
            }
        }
    }
}

/// What the scan of one helper found.
#[derive(Default)]
pub struct Scan {
    /// Bytes read from regions a core dump would hold.
    pub bytes: u64,
    /// Regions read.
    pub regions: usize,
    /// Bytes of the dump-excluded regions (read for key fragments only).
    pub excluded_bytes: u64,
    /// Bytes of files mapped read-only (read for key fragments only).
    pub file_bytes: u64,
    /// Regions that could not be read.
    pub unreadable: usize,
    /// The labels of the sentinel fragments found where a dump would hold them.
    pub sentinel_hits: Vec<String>,
    /// The region each sentinel hit was in (`[heap]`, `[stack]`, `[anon]`, a file).
    pub sentinel_regions: Vec<String>,
    /// The labels of the key fragments found where a dump would hold them.
    pub key_hits: Vec<String>,
    /// Key fragments found in the dump-excluded regions (where the keys belong).
    pub excluded_key_hits: Vec<String>,
}

/// Scans process `pid`'s memory for `sentinels` and `keys`, as a core dump would hold it (and
/// the dump-excluded regions for `keys` too). Panics without ptrace access to the process.
pub fn scan(pid: u32, sentinels: &Needles, keys: &Needles) -> Scan {
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).expect(
        "reading a child's /proc/PID/mem needs ptrace access (kernel.yama.ptrace_scope <= 1)",
    );
    let mut result = Scan::default();
    let mut buf = Vec::new();
    for region in regions(pid) {
        let len = region.end - region.start;
        buf.resize(len as usize, 0);
        let read = mem
            .seek(SeekFrom::Start(region.start))
            .and_then(|_| mem.read_exact(&mut buf));
        if read.is_err() {
            // `memfd_secret` pages cannot be read even here; they are not dumped either.
            result.unreadable += 1;
            continue;
        }
        if region.read_only_file {
            // The file's own bytes: no value planted at run time can be there, while its
            // megabytes of names and messages would give chance 8-letter matches (a CI run
            // found one in the test binary's constants). Searched for keys only.
            result.file_bytes += len;
            let before = result.key_hits.len();
            keys.find(&buf, &mut result.key_hits);
            for hit in &mut result.key_hits[before..] {
                write!(hit, " in {} at {:#x}", region.name, region.start).unwrap();
            }
            continue;
        }
        if region.dont_dump {
            // Not in a core dump. Searched for keys only, as the control that the key
            // fragments are right and that the keys live here.
            result.excluded_bytes += len;
            keys.find(&buf, &mut result.excluded_key_hits);
            continue;
        }
        result.bytes += len;
        result.regions += 1;
        let before = result.sentinel_hits.len();
        sentinels.find(&buf, &mut result.sentinel_hits);
        result.sentinel_regions.extend(
            (before..result.sentinel_hits.len())
                .map(|_| format!("{} of {} KiB", region.name, len / 1024)),
        );
        let before = result.key_hits.len();
        keys.find(&buf, &mut result.key_hits);
        for hit in &mut result.key_hits[before..] {
            write!(hit, " in {} at {:#x}", region.name, region.start).unwrap();
        }
    }
    result
}
