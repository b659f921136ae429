//! Files piiguard writes: owner-only directories and files, written atomically (a temporary
//! file, synced, renamed over the old one, and the directory synced).

use crate::error::Error;
use std::fs;
#[cfg(feature = "local-key-file")]
use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to a new temporary file beside `path` (owner-only permissions), syncs it,
/// renames it over `path` and syncs the directory: readers see the old or the new file whole.
#[cfg(feature = "local-key-file")]
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("piiguard");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(Error::io("creating a file"))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(Error::io("writing a file"))?;
    fs::rename(&tmp, path).map_err(Error::io("replacing a file"))?;
    if let Ok(d) = fs::File::open(dir) {
        d.sync_all().map_err(Error::io("syncing a directory"))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` unless it exists, atomically as [`write_atomic`] does: returns
/// `false` (and writes nothing) when another writer made `path` first.
#[cfg(feature = "local-key-file")]
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("new.{}.{n}.tmp", std::process::id()));
    write_atomic(&tmp, bytes)?;
    let linked = fs::hard_link(&tmp, path);
    fs::remove_file(&tmp).map_err(Error::io("removing a temporary file"))?;
    match linked {
        Ok(()) => {
            if let Ok(d) = fs::File::open(dir) {
                d.sync_all().map_err(Error::io("syncing a directory"))?;
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::io("creating a file")(e)),
    }
}

/// Makes `path` readable and writable by its owner only (an SQLite database SQLite created with
/// the process umask; its journal files copy the database's permissions).
#[cfg(feature = "sqlite")]
pub(crate) fn make_private(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(Error::io("restricting a file's permissions"))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `dir` (and parents) with owner-only permissions if it does not exist.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), Error> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(Error::io("creating a directory"))
}
