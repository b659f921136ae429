//! The memory-dump test: no cleartext personal data, and no key material, in the memory of a
//! running application that piiguard protects.
//!
//! The test re-runs its own binary as a helper (the ignored test `helper`) that plays a real
//! application: it parses a few thousand records with distinctive sentinel values from JSON,
//! serializes them through every view, writes them to an SQLite table and reads them back,
//! masks them, logs them through `tracing` and the scrubbing writer, reveals some under policy
//! and lets the reveals end; then it reports that it is idle. The test reads the helper's whole
//! address space through `/proc/PID/mem`, region by region as `/proc/PID/smaps` lists them,
//! leaving out what a core dump leaves out (regions marked `dd`, `MADV_DONTDUMP`), and searches
//! it for every sentinel by 8-byte fragments: the allocator overwrites the first 16 bytes of a
//! freed block, and a search for whole values would miss the rest.
//!
//! Sentinels are random lowercase strings generated from a seed in both processes. Fragments are
//! 8 bytes rather than 6 because with about 130,000 planted fragments a 6-letter fragment would
//! also turn up by chance in ordinary text memory (26^6 ≈ 3·10^8); at 26^8 ≈ 2·10^11 a chance
//! match is still possible where megabytes of lowercase text lie, which is in the executable's
//! constants (a CI run found one there). Files mapped read-only hold only the file's bytes,
//! written before the helper ran, so they are searched for keys only.
//!
//! A positive control (one sentinel kept in a plain `String`) must be found, or the scan is
//! void; and a variant that keeps a reveal open must find the revealed value.
#![cfg(all(target_os = "linux", feature = "tracing"))]

use piiguard_testkit as common;

use common::memscan::{Needles, Scan, scan};
use common::rng::Rng;
use piiguard::keys::{KekSource, KeyProvider, StoredKeySet};
use piiguard::scrub::Scrubbed;
use piiguard::{Access, Classified, Guard, Pii, Principal, SecretBuf, View, in_view};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const MODE_VAR: &str = "PIIGUARD_DUMP_MODE";
const SEED_VAR: &str = "PIIGUARD_DUMP_SEED";
const DIR_VAR: &str = "PIIGUARD_DUMP_DIR";
const RECORDS_VAR: &str = "PIIGUARD_DUMP_RECORDS";
const IDLE: &str = "piiguard-dump-helper: idle";

#[derive(Classified)]
#[pii(subject = id)]
struct Patient {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = free_text)]
    notes: Pii<String>,
    #[pii(class = health)]
    diagnosis: Pii<String>,
    ward: String,
}

const POLICY: &str = r#"
version = "dump-test"

[[rule]]
roles = ["doctor"]
classes = ["name", "email", "free_text", "health"]
treatment = "reveal"
"#;

// ---------------------------------------------------------------------------------------------
// Sentinels: the same random strings in both processes.

/// The secret parts of one record, in the order they are generated: name words (12 + 12),
/// email local part (24), notes (32), diagnosis (24).
const PARTS: [(&str, usize); 5] = [
    ("name", 12),
    ("name", 12),
    ("email", 24),
    ("notes", 32),
    ("diagnosis", 24),
];

/// Writes record `id`'s JSON object, its secrets drawn from `rng`, into `out`.
fn write_record(rng: &mut Rng, id: usize, out: &mut SecretBuf) {
    out.push_str(&format!("{{\"id\":{id},\"name\":\""));
    rng.letters(12, &mut |c| out.push(c));
    out.push(' ');
    rng.letters(12, &mut |c| out.push(c));
    out.push_str("\",\"email\":\"");
    rng.letters(24, &mut |c| out.push(c));
    out.push_str("@example.com\",\"notes\":\"");
    // A JSON escape inside the value: the parser then builds it in a scratch buffer.
    rng.letters(16, &mut |c| out.push(c));
    out.push_str("\\n");
    rng.letters(16, &mut |c| out.push(c));
    out.push_str("\",\"diagnosis\":\"");
    rng.letters(24, &mut |c| out.push(c));
    out.push_str("\",\"ward\":\"B\"}");
}

/// The secrets of every record, as the test searches for them: `(record, field, text)`.
fn secrets(seed: u64, records: usize) -> Vec<(usize, &'static str, String)> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for id in 0..records {
        for (field, len) in PARTS {
            if field == "notes" {
                // Generated in two halves around the escape; searched as the two halves.
                for _ in 0..2 {
                    let mut s = String::new();
                    rng.letters(len / 2, &mut |c| s.push(c));
                    out.push((id, field, s));
                }
            } else {
                let mut s = String::new();
                rng.letters(len, &mut |c| s.push(c));
                out.push((id, field, s));
            }
        }
    }
    out
}

/// The positive control's text: drawn after every record's secrets.
fn control_secret(seed: u64) -> String {
    let mut rng = Rng(seed ^ 0x5eed_c0de);
    let mut s = String::new();
    rng.letters(24, &mut |c| s.push(c));
    s
}

// ---------------------------------------------------------------------------------------------
// The helper: an application.

#[test]
#[ignore = "the application the dump tests run as a child process"]
fn helper() {
    let Ok(mode) = std::env::var(MODE_VAR) else {
        return;
    };
    let seed: u64 = std::env::var(SEED_VAR).unwrap().parse().unwrap();
    let records: usize = std::env::var(RECORDS_VAR).unwrap().parse().unwrap();
    let dir = PathBuf::from(std::env::var(DIR_VAR).unwrap());
    let held = play(&dir, seed, records, mode == "held");

    // The positive control: a sentinel in a plain String, as careless code would keep one.
    let control = std::hint::black_box(control_secret(seed));

    println!("{IDLE}");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    std::hint::black_box((&control, &held));
}

/// Everything an application does with the records; returns a reveal to hold open if asked.
fn play(dir: &Path, seed: u64, records: usize, hold: bool) -> Option<piiguard::Revealed<String>> {
    let log = std::fs::File::create(dir.join("app.log")).unwrap();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(Scrubbed::new(std::sync::Mutex::new(log)))
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    // The caller's input, in a buffer the caller wipes (see docs/THREAT_MODEL.md).
    let mut rng = Rng(seed);
    let mut input = SecretBuf::with_capacity(records * 200);
    input.push('[');
    for id in 0..records {
        if id > 0 {
            input.push(',');
        }
        write_record(&mut rng, id, &mut input);
    }
    input.push(']');
    let fresh: Vec<Patient> = serde_json::from_str(input.as_str()).unwrap();
    drop(input);

    let guard = Guard::open_local(dir).unwrap();
    let keys = piiguard::unaudited::scoped_keys(guard.keyring(), &piiguard::keys::Scope::new());

    // Every view.
    let mut rows = Vec::with_capacity(records);
    let mut sink = 0usize;
    for p in &fresh {
        sink += format!("{p:?} {p:#?} {p}").len();
        sink += serde_json::to_string(p).unwrap().len();
        sink += serde_json::to_string(&in_view(p, View::Log)).unwrap().len();
        sink += keys.to_json_in(p, View::Export).unwrap().len();
        rows.push(keys.to_json(p).unwrap());
    }

    // The embedded store: rows in, rows out.
    let db = rusqlite::Connection::open(dir.join("records.db")).unwrap();
    db.execute_batch("CREATE TABLE patient (id INTEGER PRIMARY KEY, row TEXT NOT NULL)")
        .unwrap();
    {
        let mut insert = db.prepare("INSERT INTO patient VALUES (?1, ?2)").unwrap();
        for (id, row) in rows.iter().enumerate() {
            insert.execute((id as i64, row)).unwrap();
        }
    }
    drop(rows);
    let mut select = db.prepare("SELECT row FROM patient ORDER BY id").unwrap();
    let stored: Vec<Patient> = select
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|row| keys.from_json(&row.unwrap()).unwrap())
        .collect();
    drop(select);

    // Masks and logs.
    for (f, s) in fresh.iter().zip(&stored) {
        sink += f.email.mask().as_str().len() + f.name.mask().as_str().len();
        tracing::info!(patient = ?f, email = %f.email, "admitted");
        tracing::info!(patient = %s, "loaded");
    }

    // Reveals under policy, each ended at once.
    let doctor = Principal::new("dr-1").role("doctor");
    let access = || Access::new("treatment").justified_by("ward round");
    for p in stored.iter().chain(&fresh).step_by(7).take(200) {
        let fields: [fn(&Patient) -> &Pii<String>; 4] =
            [|p| &p.email, |p| &p.name, |p| &p.notes, |p| &p.diagnosis];
        for field in fields {
            let revealed = guard.reveal(&doctor, p, field, access()).unwrap();
            sink += revealed.expose().len();
        }
        let view = guard.view(&doctor, p, access()).unwrap();
        sink += view.to_json().unwrap().len();
    }
    std::hint::black_box(sink);

    hold.then(|| {
        guard
            .reveal(&doctor, &stored[0], |p| &p.email, access())
            .unwrap()
    })
}

// ---------------------------------------------------------------------------------------------
// The scan.

/// The key material the helper holds: every root key in its key file, and the key-encryption
/// key that wraps them, and a derived key (checked against the stored blind index of
/// `first_email`, record 0's email). Also returns the root keys' labels.
fn key_needles(dir: &Path, first_email: &str) -> (Needles, Vec<String>) {
    let mut needles = Needles::default();
    let store = piiguard::store::SqliteStore::open(dir.join("store.db")).unwrap();
    let file = StoredKeySet::new(store, KekSource::RandomFile(dir.join("kek")));
    let (_, set) = file.load().unwrap().expect("the helper created its keys");
    let mut roots = Vec::new();
    for key in &set.keys {
        if let Some(material) = key.expose_material() {
            let label = format!("root key {} v{}", key.id(), key.version());
            needles.add(material, &label);
            roots.push(label);
        }
    }
    let mut derived_index_keys = Vec::new();
    // A derived key: the email field's blind-index key, derived as docs/ENVELOPE.md says from
    // each root key (only the blind-index root's will be the real one).
    for key in &set.keys {
        if let Some(material) = key.expose_material() {
            let mut info = b"piiguard/v1".to_vec();
            for part in ["blind-index", "dev", key.region(), "", "Patient", "email"] {
                info.extend_from_slice(&(part.len() as u32).to_be_bytes());
                info.extend_from_slice(part.as_bytes());
            }
            let mut derived = [0u8; 32];
            hkdf::Hkdf::<sha2::Sha256>::new(Some(b"piiguard/v1/data-key"), material)
                .expand(&info, &mut derived)
                .unwrap();
            needles.add(&derived, &format!("blind-index key from {}", key.id()));
            derived_index_keys.push((key.id().to_owned(), key.version(), derived));
        }
    }
    let kek = std::fs::read(dir.join("kek")).unwrap();
    needles.add(&kek, "key-encryption key");
    assert!(roots.len() >= 2, "field and integrity root keys at least");
    assert_blind_index_key_is_right(dir, first_email, &derived_index_keys);
    field_key_needles(dir, &set, first_email, &mut needles);
    (needles, roots)
}

/// `part(x)` of docs/ENVELOPE.md: a 4-byte big-endian length, then the bytes.
fn part(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn hkdf(salt: &[u8], ikm: &[u8], parts: &[&str]) -> [u8; 32] {
    let mut info = b"piiguard/v1".to_vec();
    for p in parts {
        part(&mut info, p.as_bytes());
    }
    let mut okm = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm)
        .expand(&info, &mut okm)
        .unwrap();
    okm
}

/// Records whose subject keys and derived AES field keys are searched for.
const KEYED_RECORDS: u64 = 100;

/// The subject keys of the first records, and the AES-256-GCM-SIV keys of their fields, derived
/// as docs/ENVELOPE.md says: the keys a field's encryption and decryption use, which AWS-LC
/// expands into contexts of its own (each freed and cleansed after one operation). The control:
/// record 0's email envelope opens under the key derived for it.
fn field_key_needles(
    dir: &Path,
    set: &piiguard::keys::KeySet,
    first_email: &str,
    needles: &mut Needles,
) {
    use aes_gcm_siv::aead::{Aead, KeyInit, Payload};
    let root = |id: &str, version: u32| {
        set.keys
            .iter()
            .find(|k| k.id() == id && k.version() == version)
            .and_then(|k| k.expose_material().copied())
            .expect("the envelope's root key is in the set")
    };
    let store = rusqlite::Connection::open(dir.join("store.db")).unwrap();
    let records = rusqlite::Connection::open(dir.join("records.db")).unwrap();
    let mut opened_control = false;
    for id in 0..KEYED_RECORDS {
        let subject = id.to_string();
        let (region, key_id, version, wrapped): (String, String, u32, Vec<u8>) = store
            .query_row(
                "SELECT region, key_id, key_version, wrapped FROM subject_keys
                 WHERE tenant = '' AND subject = ?1",
                [&subject],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        let field_root = root(&key_id, version);
        let wrap_key = hkdf(
            b"piiguard/v1/data-key",
            &field_root,
            &["subject-key-wrap", "dev", &region, "", "", ""],
        );
        let mut aad = b"piiguard/subject-key/v1".to_vec();
        for p in [
            region.as_bytes(),
            b"",
            subject.as_bytes(),
            key_id.as_bytes(),
        ] {
            part(&mut aad, p);
        }
        aad.extend_from_slice(&version.to_be_bytes());
        let (nonce, sealed) = wrapped.split_at(12);
        let subject_key = aes_gcm_siv::Aes256GcmSiv::new(&wrap_key.into())
            .decrypt(
                &<[u8; 12]>::try_from(nonce).unwrap().into(),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .expect("the subject key unwraps as docs/ENVELOPE.md says");
        needles.add(&subject_key, &format!("subject key of record {id}"));

        let row: String = records
            .query_row("SELECT row FROM patient WHERE id = ?1", [id as i64], |r| {
                r.get(0)
            })
            .unwrap();
        let row: serde_json::Value = serde_json::from_str(&row).unwrap();
        for field in ["name", "email", "notes", "diagnosis"] {
            let envelope = piiguard::Envelope::parse_text(row[field].as_str().unwrap()).unwrap();
            let bytes = envelope.as_bytes();
            let (r, k) = (bytes[5] as usize, bytes[6 + bytes[5] as usize] as usize);
            let header_len = 11 + r + k;
            let region = std::str::from_utf8(&bytes[6..6 + r]).unwrap();
            let key_id = std::str::from_utf8(&bytes[7 + r..7 + r + k]).unwrap();
            let version = u32::from_be_bytes(bytes[7 + r + k..header_len].try_into().unwrap());
            let data_key = hkdf(
                &subject_key,
                &root(key_id, version),
                &["field-encryption", "dev", region, "", "Patient", field],
            );
            needles.add(&data_key, &format!("field key of record {id} {field}"));
            if id == 0 && field == "email" {
                let mut aad = b"piiguard/envelope/v1".to_vec();
                part(&mut aad, &bytes[..header_len]);
                part(&mut aad, b"Patient");
                part(&mut aad, b"email");
                aad.push(1);
                part(&mut aad, subject.as_bytes());
                part(&mut aad, b"");
                let body = &bytes[header_len..];
                let clear = aes_gcm_siv::Aes256GcmSiv::new(&data_key.into())
                    .decrypt(
                        &<[u8; 12]>::try_from(&body[..12]).unwrap().into(),
                        Payload {
                            msg: &body[12..],
                            aad: &aad,
                        },
                    )
                    .expect("record 0's email opens under the field key derived for it");
                assert_eq!(clear, first_email.as_bytes());
                opened_control = true;
            }
        }
    }
    assert!(opened_control);
}

/// The control for the derived-key needle: record 0's stored blind index is the keyed BLAKE3
/// of its email under one of the keys derived above, so the derivation matches the helper's.
fn assert_blind_index_key_is_right(dir: &Path, email: &str, derived: &[(String, u32, [u8; 32])]) {
    use base64::Engine as _;
    let db = rusqlite::Connection::open(dir.join("records.db")).unwrap();
    let row: String = db
        .query_row("SELECT row FROM patient WHERE id = 0", [], |r| r.get(0))
        .unwrap();
    let row: serde_json::Value = serde_json::from_str(&row).unwrap();
    let stored = row["email_bidx"].as_str().unwrap().to_owned();
    let found = derived.iter().any(|(id, version, key)| {
        let hash = blake3::keyed_hash(key, email.as_bytes());
        let encoded =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&hash.as_bytes()[..16]);
        stored == format!("bi.{id}.{version}.{encoded}")
    });
    assert!(found, "no derived key reproduces the stored blind index");
}

/// Runs a helper in `mode`, scans it once idle, and ends it. Returns the scan, the number of
/// sentinels planted, and the root keys' labels.
fn run_helper(mode: &str, records: usize) -> (Scan, usize, Vec<String>) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let dir = std::env::temp_dir().join(format!("piiguard-dump-{mode}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();

    let mut child: Child = Command::new(std::env::current_exe().unwrap())
        .args([
            piiguard_testkit::test_name(module_path!(), "helper").as_str(),
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MODE_VAR, mode)
        .env(SEED_VAR, seed.to_string())
        .env(DIR_VAR, &dir)
        .env(RECORDS_VAR, records.to_string())
        .env_remove("PIIGUARD_KEK_PASSPHRASE")
        .env_remove("PIIGUARD_ENV")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "the helper ended before it was idle");
        if line.trim_end().ends_with(IDLE) {
            break;
        }
    }

    let planted = secrets(seed, records);
    let mut sentinels = Needles::default();
    for (id, field, text) in &planted {
        sentinels.add(text.as_bytes(), &format!("record {id} {field}"));
    }
    sentinels.add(control_secret(seed).as_bytes(), "control");
    let email = planted
        .iter()
        .find(|(id, f, _)| *id == 0 && *f == "email")
        .unwrap();
    let (keys, roots) = key_needles(&dir, &format!("{}@example.com", email.2));
    let result = scan(child.id(), &sentinels, &keys);

    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "the helper failed");
    let _ = std::fs::remove_dir_all(&dir);
    (result, planted.len(), roots)
}

fn report(mode: &str, records: usize, planted: usize, scan: &Scan) {
    let mut by_label: HashMap<String, usize> = HashMap::new();
    for (hit, region) in scan.sentinel_hits.iter().zip(&scan.sentinel_regions) {
        *by_label.entry(format!("{hit} in {region}")).or_default() += 1;
    }
    let fields: HashSet<&str> = scan
        .sentinel_hits
        .iter()
        .map(|h| h.rsplit(' ').next().unwrap_or(""))
        .collect();
    println!(
        "[{mode}] scanned {} bytes in {} regions ({} bytes in dump-excluded regions and {} of \
         read-only files searched for keys only, {} regions unreadable); {records} records, \
         {planted} sentinels planted; \
         sentinel fragment hits: {} ({} distinct values; fields {fields:?}); key hits: {} \
         (and {} in the dump-excluded regions)",
        scan.bytes,
        scan.regions,
        scan.excluded_bytes,
        scan.file_bytes,
        scan.unreadable,
        scan.sentinel_hits.len(),
        by_label.len(),
        scan.key_hits.len(),
        scan.excluded_key_hits.len(),
    );
    let mut labels: Vec<_> = by_label.into_iter().collect();
    labels.sort();
    for (label, n) in labels.iter().take(20) {
        println!("  {label}: {n}");
    }
    for hit in scan.key_hits.iter().take(10) {
        println!("  key: {hit}");
    }
}

#[test]
fn an_idle_application_holds_no_sentinel_and_no_key_in_its_dumpable_memory() {
    let records = 2000;
    let (scan, planted, roots) = run_helper("idle", records);
    report("idle", records, planted, &scan);
    assert!(scan.bytes > 1 << 20, "the scan read the helper's memory");
    assert!(
        scan.sentinel_hits.iter().any(|h| h == "control"),
        "the positive control was not found: the scan is void"
    );
    let leaks: Vec<&String> = scan
        .sentinel_hits
        .iter()
        .filter(|h| *h != "control")
        .collect();
    assert!(leaks.is_empty(), "{} sentinel fragment hits", leaks.len());
    assert!(scan.key_hits.is_empty(), "key material in dumpable memory");
    // The control for keys: each root key is where it belongs, in the excluded pages (unless
    // the OS gave secret memory, which not even /proc/PID/mem can read).
    if piiguard::memory::process_key_protections().secret_memory {
        assert!(scan.unreadable > 0);
    } else {
        for root in &roots {
            assert!(
                scan.excluded_key_hits.iter().any(|h| h == root),
                "{root} not found in the dump-excluded pages"
            );
        }
        // The derived field keys the helper used are held too, in the excluded pages only.
        assert!(
            scan.excluded_key_hits
                .iter()
                .any(|h| h.starts_with("field key of record")),
            "no derived field key found in the dump-excluded pages"
        );
    }
}

#[test]
fn a_reveal_held_open_is_found() {
    let records = 200;
    let (scan, planted, _) = run_helper("held", records);
    report("held", records, planted, &scan);
    assert!(
        scan.sentinel_hits.iter().any(|h| h == "record 0 email"),
        "the revealed email, still held, must be visible to the scan"
    );
}
