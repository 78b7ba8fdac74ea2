//! The generation last seen, kept outside the vault file.
//!
//! An older copy of the whole file (a backup, a synced folder rolled back, a copy kept by
//! malware) is consistent with itself: every MAC and the anchor check out. What gives it away
//! is that its generation is lower than one this machine has already seen. The faces keep that
//! number beside their settings, one small file per vault id ([`FileAnchorStore`]), and the
//! core compares ([`Freshness`]); what to do about a rollback is the caller's decision.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the last-seen generation of each vault is kept.
pub trait AnchorStore: Send + Sync {
    /// The highest generation recorded for `vault_id`, if any.
    fn last_seen(&self, vault_id: &str) -> std::io::Result<Option<u64>>;
    /// Record that `vault_id` was seen at `generation`. Never lowers what is stored.
    fn record(&self, vault_id: &str, generation: u64) -> std::io::Result<()>;
}

/// How the vault's generation compares with the one last seen outside the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Freshness {
    /// Nothing was recorded for this vault (first use on this machine, or the record was lost).
    FirstSeen { generation: u64 },
    /// The same generation as last seen, or a later one (written by another process).
    Current { generation: u64, seen: u64 },
    /// Older than last seen: the file was rolled back or restored from an older copy.
    RolledBack { generation: u64, seen: u64 },
}

impl Freshness {
    pub fn compare(generation: u64, seen: Option<u64>) -> Self {
        match seen {
            None => Freshness::FirstSeen { generation },
            Some(seen) if generation < seen => Freshness::RolledBack { generation, seen },
            Some(seen) => Freshness::Current { generation, seen },
        }
    }

    pub fn is_rolled_back(&self) -> bool {
        matches!(self, Freshness::RolledBack { .. })
    }
}

/// One file per vault id in a directory (the CLI: `<config dir>/vouchsafe/anchors/<vault id>`),
/// holding the generation as decimal text. Written whole to a temporary file, then renamed.
#[derive(Debug, Clone)]
pub struct FileAnchorStore {
    dir: PathBuf,
}

impl FileAnchorStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The vault id comes from the (untrusted) file: only a 32-digit hex id names a file here,
    /// so an id like `../x` cannot point outside the directory.
    fn path(&self, vault_id: &str) -> std::io::Result<PathBuf> {
        if vault_id.len() == 32 && vault_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(self.dir.join(vault_id.to_ascii_lowercase()))
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a vault id",
            ))
        }
    }

    fn create_private_dir(dir: &Path) -> std::io::Result<()> {
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)
    }
}

impl AnchorStore for FileAnchorStore {
    fn last_seen(&self, vault_id: &str) -> std::io::Result<Option<u64>> {
        match fs::read_to_string(self.path(vault_id)?) {
            Ok(s) => Ok(s.trim().parse().ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn record(&self, vault_id: &str, generation: u64) -> std::io::Result<()> {
        if self.last_seen(vault_id)?.is_some_and(|g| g >= generation) {
            return Ok(());
        }
        let path = self.path(vault_id)?;
        Self::create_private_dir(&self.dir)?;
        // One temporary name per write, even for two vaults of one process writing at once
        // (a shared name let one writer rename the other's half-written file).
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{vault_id}.{}.{n}", std::process::id()));
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let written = opts.open(&tmp).and_then(|mut f| {
            f.write_all(format!("{generation}\n").as_bytes())?;
            f.sync_all()
        });
        let res = written.and_then(|()| fs::rename(&tmp, &path));
        if res.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        if res.is_ok() {
            self.remove_stale_temporaries(vault_id);
        }
        res
    }
}

impl FileAnchorStore {
    /// A process killed between creating its temporary file and renaming it leaves the file
    /// behind (≈ 8 % of the kills in `tests/write_kill.rs`). Such files are harmless, but they
    /// would pile up; any older than a minute cannot belong to a write still in progress (a write
    /// takes milliseconds), so they are removed. Best effort: a failure here changes nothing.
    fn remove_stale_temporaries(&self, vault_id: &str) {
        const STALE: std::time::Duration = std::time::Duration::from_secs(60);
        let prefix = format!(".{vault_id}.");
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE);
            if stale && entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_ever_grow_and_ids_cannot_escape() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = FileAnchorStore::new(dir.path().join("anchors"));
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(s.last_seen(id).expect("read"), None);
        s.record(id, 5).expect("record");
        s.record(id, 3).expect("record lower");
        assert_eq!(s.last_seen(id).expect("read"), Some(5));
        assert!(s.record("../../etc/passwd", 1).is_err());
        assert_eq!(
            Freshness::compare(4, Some(5)),
            Freshness::RolledBack {
                generation: 4,
                seen: 5
            }
        );
        assert!(!Freshness::compare(6, Some(5)).is_rolled_back());
        assert!(!Freshness::compare(1, None).is_rolled_back());
    }

    #[test]
    fn temporaries_left_by_a_killed_writer_are_removed_once_stale() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = FileAnchorStore::new(dir.path());
        let id = "0123456789abcdef0123456789abcdef";
        let old = dir.path().join(format!(".{id}.4242.0"));
        let fresh = dir.path().join(format!(".{id}.4243.0"));
        let other = dir.path().join(".fedcba9876543210fedcba9876543210.4242.0");
        for p in [&old, &fresh, &other] {
            fs::write(p, "7\n").expect("write");
        }
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for p in [&old, &other] {
            fs::File::options()
                .write(true)
                .open(p)
                .and_then(|f| f.set_modified(long_ago))
                .expect("age");
        }
        s.record(id, 9).expect("record");
        assert!(!old.exists(), "a stale temporary of this vault stays");
        assert!(fresh.exists(), "a temporary that may be in use was removed");
        assert!(other.exists(), "another vault's file was touched");
        assert_eq!(s.last_seen(id).expect("read"), Some(9));
    }
}
