//! Files the vault writes beside itself, private from their first byte, and the advisory lock
//! that keeps one process from replacing the vault under another.
//!
//! Every new file is created with `O_CREAT | O_EXCL` and mode 0600 in its final directory, so
//! there is no instant at which another user could open it, and no path an attacker could have
//! placed a symlink at. Nothing is made private afterwards with `chmod`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Result, VaultError};

/// Owner read/write only: the vault is ciphertext, but its size and timing are still private.
const PRIVATE: u32 = 0o600;

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> VaultError {
    let path = path.to_path_buf();
    move |source| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            VaultError::AlreadyExists(path)
        } else {
            VaultError::Io { path, source }
        }
    }
}

/// Create `path`, which must not exist, as an empty file only its owner can read.
pub(super) fn create_private(path: &Path) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(PRIVATE);
    }
    opts.open(path).map_err(io_err(path))
}

/// Copy `from` into a new private file `to` (refusing an existing one) and flush it to disk.
/// Unlike `fs::copy`, the copy does not take over `from`'s permissions.
pub(super) fn copy_private(from: &Path, to: &Path) -> Result<()> {
    let mut src = File::open(from).map_err(io_err(from))?;
    let res = create_private(to).and_then(|mut dst| {
        io::copy(&mut src, &mut dst)
            .and_then(|_| dst.sync_all())
            .map_err(io_err(to))
    });
    if res.is_err() {
        let _ = fs::remove_file(to);
    }
    res
}

/// Flush a directory's entries, so a rename or unlink in it survives a power cut.
pub(super) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Best effort: some file systems refuse to open a directory for syncing.
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
}

/// `path` with `suffix` appended to its file name (`vault.db` → `vault.db-wal`).
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Keep the vault about to be replaced as a dated copy beside it
/// (`vault.db.replaced-20260314-093000`), private, with its WAL if one holds pages not yet in
/// the main file. A byte copy, not a re-encoding: a damaged vault is kept as it is.
pub(super) fn safety_copy(vault: &Path, now: jiff::Timestamp) -> Result<PathBuf> {
    let stamp = now
        .to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%Y%m%d-%H%M%S")
        .to_string();
    let name = vault
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vault.db".into());
    for n in 0u32..100 {
        let extra = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let dest = vault.with_file_name(format!("{name}.replaced-{stamp}{extra}"));
        match copy_private(vault, &dest) {
            Ok(()) => {
                let wal = with_suffix(vault, "-wal");
                if fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                    copy_private(&wal, &with_suffix(&dest, "-wal"))?;
                }
                sync_dir(&dest);
                return Ok(dest);
            }
            Err(VaultError::AlreadyExists(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(VaultError::AlreadyExists(
        vault.with_file_name(format!("{name}.replaced-{stamp}")),
    ))
}

/// An advisory lock on `<vault>.lock`, held for as long as a process has the vault open.
///
/// Opening takes it shared, so any number of processes (CLI commands, the desktop app) can use
/// the vault at once, with SQLite's own locking between their transactions. Replacing the file
/// (restore), deleting it (erase) or re-keying it (passphrase change) needs it exclusive, so
/// none of those can happen to a vault another process has open. The lock is released when the
/// process exits however it exits, so a killed process leaves no stale lock behind.
///
/// A lock file rather than the vault itself: SQLite's POSIX locks on the vault would be dropped
/// by closing any other descriptor of it in this process, and a rename keeps the lock file.
#[derive(Debug)]
pub(super) struct VaultLock {
    file: Option<File>,
    path: PathBuf,
}

impl VaultLock {
    fn lock_path(vault: &Path) -> PathBuf {
        with_suffix(vault, ".lock")
    }

    fn open_file(vault: &Path, create: bool) -> Result<Option<File>> {
        let path = Self::lock_path(vault);
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(create).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(PRIVATE);
        }
        match opts.open(&path) {
            Ok(f) => Ok(Some(f)),
            // A backup, or a vault from before lock files: nothing to share a lock with.
            Err(e) if !create && e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(VaultError::Io { path, source: e }),
        }
    }

    fn in_use(&self) -> VaultError {
        VaultError::InUse(self.path.clone())
    }

    /// Shared, for a process that opens the vault; waits for nothing.
    pub(super) fn shared(vault: &Path) -> Result<Self> {
        let file = Self::open_file(vault, false)?;
        let lock = Self {
            file,
            path: vault.to_path_buf(),
        };
        if let Some(f) = &lock.file {
            f.try_lock_shared().map_err(|_| lock.in_use())?;
        }
        Ok(lock)
    }

    /// Exclusive, for replacing or deleting the vault at `vault`; refused if any other process
    /// (or another handle in this one) has it open.
    pub(super) fn exclusive(vault: &Path) -> Result<Self> {
        let mut lock = Self {
            file: None,
            path: vault.to_path_buf(),
        };
        lock.upgrade()?;
        Ok(lock)
    }

    /// From shared to exclusive on the same descriptor (creating the lock file if this vault
    /// predates it). On refusal the shared lock is taken back before returning.
    pub(super) fn upgrade(&mut self) -> Result<()> {
        let held_shared = self.file.is_some();
        if !held_shared {
            self.file = Self::open_file(&self.path, true)?;
        }
        let Some(f) = &self.file else {
            return Err(self.in_use());
        };
        if f.try_lock().is_err() {
            if held_shared {
                // flock converts by unlocking first: take the shared lock back.
                let _ = f.lock_shared();
            } else {
                self.file = None;
            }
            return Err(self.in_use());
        }
        Ok(())
    }

    /// Back from exclusive to shared, once the file is in place again.
    pub(super) fn downgrade(&self) {
        if let Some(f) = &self.file {
            let _ = f.lock_shared();
        }
    }

    /// Delete the lock file along with the vault it guards (erase).
    pub(super) fn remove(self) {
        let _ = fs::remove_file(Self::lock_path(&self.path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).expect("stat").permissions().mode() & 0o777
    }

    #[test]
    fn private_files_are_new_and_owner_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x");
        drop(create_private(&p).expect("create"));
        assert_eq!(mode(&p), 0o600);
        assert!(matches!(
            create_private(&p),
            Err(VaultError::AlreadyExists(_))
        ));
        let src = dir.path().join("src");
        fs::write(&src, b"abc").expect("write");
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&src, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        let dst = dir.path().join("dst");
        copy_private(&src, &dst).expect("copy");
        assert_eq!(mode(&dst), 0o600);
        assert_eq!(fs::read(&dst).expect("read"), b"abc");
    }

    #[test]
    fn shared_locks_coexist_and_exclude_an_exclusive_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let v = dir.path().join("vault.db");
        // No lock file yet: opening shares nothing, and creates nothing.
        let none = VaultLock::shared(&v).expect("shared");
        assert!(!VaultLock::lock_path(&v).exists());
        drop(none);
        let mut ex = VaultLock::exclusive(&v).expect("exclusive");
        assert_eq!(mode(&VaultLock::lock_path(&v)), 0o600);
        assert!(matches!(VaultLock::shared(&v), Err(VaultError::InUse(_))));
        ex.downgrade();
        let a = VaultLock::shared(&v).expect("a");
        assert!(matches!(ex.upgrade(), Err(VaultError::InUse(_))));
        drop(a);
        ex.upgrade().expect("alone again");
        ex.remove();
        assert!(!VaultLock::lock_path(&v).exists());
    }
}
