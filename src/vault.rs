//! The vault: a locked file that a passphrase turns into an open profile, and the thin front
//! that hands out the repositories ([`Vault::fields`], [`Vault::brands`], [`Vault::grants`],
//! [`Vault::audit`]; the `_mut` forms write, and the first of them after a restore first moves
//! every brand to a fresh status list).
//!
//! Passphrase → Argon2id → key-encryption key → unwraps the random data key → seals every
//! record. Changing the passphrase re-wraps the data key in one transaction, so at every
//! instant exactly one of the old or the new passphrase works.

mod files;
mod integrity;

pub use integrity::{RestorePreview, UnrevokedGrant, default_anchor_dir};

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use crate::clock::{self, SharedClock};
use crate::crypto::{DataKey, KdfParams, Passphrase, random_bytes, random_id};
use crate::error::{Result, VaultError};
use crate::records::integrity::IntegrityReport;
use crate::records::rekey::RekeyPlan;
use crate::records::{AuditEvent, Records};
use crate::repo::{AuditRepo, BrandRepo, FieldRepo, GrantRepo, OutboxRepo};
use crate::review::Review;
use crate::store::{self, StoreError};

use files::VaultLock;

/// Salt length for Argon2id; RFC 9106 recommends 16 bytes, we use 32.
const SALT_LEN: usize = 32;

/// Where re-keying finds each table's lookup names and links (see [`RekeyPlan`]): a field's
/// row id is the lookup id of its `name`, a brand's of its `audience`; a grant links to its
/// brand's row id; a grant's receipt (keyed by the grant's random id) and outbox items are
/// re-sealed in place.
const REKEY: RekeyPlan = RekeyPlan {
    named: &[("fields", "name"), ("brands", "audience")],
    linked: &[("grants", "brand_id", "brands")],
    unlinked: &["grant_receipts", "grant_tokens", "outbox"],
};

/// Where the vault lives unless told otherwise: `$XDG_DATA_HOME/vouchsafe/vault.db` on Linux.
pub fn default_vault_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("vouchsafe").join("vault.db"))
}

/// The key slot row: how to get from the passphrase to the data key.
struct KeySlot {
    vault_id: String,
    params: KdfParams,
    salt: Vec<u8>,
    wrapped: Vec<u8>,
}

impl KeySlot {
    /// The wrap is bound to the vault and its KDF parameters: lowering the parameters in the
    /// file, or moving a key slot between vaults, makes the unwrap fail.
    fn aad(vault_id: &str, p: &KdfParams) -> Vec<u8> {
        format!(
            "vouchsafe/v1/keyslot/{vault_id}/argon2id/{}/{}/{}",
            p.m_kib, p.t, p.p
        )
        .into_bytes()
    }

    fn read(conn: &Connection) -> Result<Self> {
        let row = conn.query_row(
            "SELECT vault_id, kdf_alg, kdf_m_kib, kdf_t, kdf_p, kdf_salt, wrapped_key
             FROM vault_meta WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            },
        );
        let (vault_id, alg, m, t, p, salt, wrapped) = match row {
            Ok(v) => v,
            Err(rusqlite::Error::QueryReturnedNoRows) => {
                return Err(StoreError::damaged("the key slot is missing").into());
            }
            Err(e) => return Err(e.into()),
        };
        if alg != "argon2id" {
            return Err(StoreError::damaged(format!("unknown key derivation {alg:?}")).into());
        }
        let as_u32 = |v: i64| u32::try_from(v).unwrap_or(0);
        let params = KdfParams {
            m_kib: as_u32(m),
            t: as_u32(t),
            p: as_u32(p),
        };
        // A hostile file is refused here, before any derivation allocates memory for it.
        crate::crypto::kdf::check_salt(&salt)?;
        params.check()?;
        Ok(Self {
            vault_id,
            params,
            salt,
            wrapped,
        })
    }
}

/// A vault file that has been checked but not unlocked.
#[derive(Debug)]
pub struct LockedVault {
    path: PathBuf,
    conn: Connection,
    schema: i64,
    /// The key slot's parameters, already checked against the floor and the ceiling.
    kdf: KdfParams,
    /// Shared while open; see [`files::VaultLock`].
    lock: VaultLock,
}

/// An unlocked vault. Dropping it closes the file and wipes the data key.
pub struct Vault {
    path: PathBuf,
    records: Records,
    /// Shared while open, exclusive while re-keying or erasing; see [`files::VaultLock`].
    lock: VaultLock,
    /// Restored and not changed since: the first change moves every brand to a fresh status
    /// list first ([`Vault::settle_restore`]).
    restored: bool,
    /// What the whole-vault check found when the vault was unlocked ([`Vault::unlock_check`]).
    unlock_check: IntegrityReport,
}

/// A vault restored over an existing one, and where the replaced vault was kept.
#[derive(Debug)]
pub struct Restored {
    pub vault: Vault,
    /// The dated private copy of the vault that was replaced, beside it.
    pub safety_copy: PathBuf,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A temporary sibling of `path`, so the final rename or link stays on one file system.
fn temp_sibling(path: &Path, what: &str) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(path.with_file_name(format!(".{name}.{what}-{}", &random_id()?[..12])))
}

/// Write `bytes` to `dest` whole or not at all, private from the first byte: into a new 0600
/// temporary file beside it, synced, then published (replacing `dest` only if `overwrite`).
/// For the modules above the vault that save a file of their own (the brand report).
pub(crate) fn write_private_file(dest: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    use std::io::Write as _;
    if dest.exists() && !overwrite {
        return Err(VaultError::AlreadyExists(dest.to_path_buf()));
    }
    let tmp = temp_sibling(dest, "saving")?;
    let written = files::create_private(&tmp).and_then(|mut f| {
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(VaultError::io(&tmp))
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    publish(&tmp, dest, overwrite)?;
    files::sync_dir(dest);
    Ok(())
}

/// Publish `tmp` at `dest`: atomically replace, or refuse if `dest` exists (by hard link,
/// which fails on an existing name, so two racing writers cannot both win).
fn publish(tmp: &Path, dest: &Path, overwrite: bool) -> Result<()> {
    let res = if overwrite {
        fs::rename(tmp, dest)
    } else {
        fs::hard_link(tmp, dest).and_then(|()| fs::remove_file(tmp))
    };
    res.map_err(|e| {
        let _ = fs::remove_file(tmp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            VaultError::AlreadyExists(dest.to_path_buf())
        } else {
            VaultError::Io {
                path: dest.to_path_buf(),
                source: e,
            }
        }
    })
}

fn ensure_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        // Owner-only from the start, like every file the vault creates.
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(VaultError::io(dir))?;
    }
    Ok(())
}

/// SQLite keeps a vault's recent writes in `-wal`/`-shm` beside it; a stale pair next to a
/// replaced file would be replayed onto it, so they go with the file they belong to.
fn remove_sidecars(path: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut s = path.as_os_str().to_owned();
        s.push(suffix);
        let side = PathBuf::from(s);
        match fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(VaultError::Io {
                    path: side,
                    source: e,
                });
            }
        }
    }
    Ok(())
}

impl Vault {
    /// Create a new vault at `path`. Refuses an existing file. The file appears only once it is
    /// complete: it is built under a temporary name and linked into place.
    pub fn create(path: &Path, passphrase: &Passphrase, params: KdfParams) -> Result<Vault> {
        if path.exists() {
            return Err(VaultError::AlreadyExists(path.to_path_buf()));
        }
        if !passphrase.is_long_enough() {
            return Err(VaultError::PassphraseTooShort);
        }
        params.check()?;
        ensure_parent(path)?;
        let tmp = temp_sibling(path, "creating")?;
        let built = (|| -> Result<()> {
            // Private from the first byte; SQLite gives its -wal and -shm the same mode.
            drop(files::create_private(&tmp)?);
            let conn = store::create(&tmp)?;
            let vault_id = random_id()?;
            let mut salt = vec![0u8; SALT_LEN];
            random_bytes(&mut salt)?;
            let kek = params.derive(passphrase, &salt)?;
            let key = DataKey::generate()?;
            let wrapped = key.wrap(&kek, &KeySlot::aad(&vault_id, &params))?;
            let t = jiff::Timestamp::now().as_second();
            conn.execute(
                "INSERT INTO vault_meta (id, vault_id, created_at, kdf_alg, kdf_m_kib, kdf_t,
                 kdf_p, kdf_salt, wrapped_key, key_changed_at)
                 VALUES (1, ?1, ?2, 'argon2id', ?3, ?4, ?5, ?6, ?7, ?2)",
                params![vault_id, t, params.m_kib, params.t, params.p, salt, wrapped],
            )?;
            // The log starts with a sealed genesis entry naming the vault; its write seals the
            // first anchor (generation 1).
            let mut records = Records::new(conn, key, clock::system());
            records.write(|tx| {
                tx.audit::<VaultError>(
                    &AuditEvent::new("vault.created", vault_id.as_str(), "")
                        .with("vault", vault_id.as_str()),
                )
            })?;
            let (conn, key) = records.into_parts();
            drop(key);
            // Closing checkpoints the WAL into the main file, so the one file is complete.
            conn.close().map_err(|(_, e)| VaultError::from(e))?;
            Ok(())
        })();
        if let Err(e) = built {
            let _ = fs::remove_file(&tmp);
            let _ = remove_sidecars(&tmp);
            return Err(e);
        }
        remove_sidecars(&tmp)?;
        publish(&tmp, path, false)?;
        files::sync_dir(path);
        let lock = VaultLock::exclusive(path)?;
        lock.downgrade();
        Vault::open_with(path, lock)?.unlock(passphrase)
    }

    /// Read the vault file at `file` without ever writing it: `f` gets a private temporary
    /// copy of it (made beside `beside`, whose directory is created if missing), opened, and
    /// the copy is deleted once `f` returns. Unlocking an older file migrates it, so proving a
    /// backup's passphrase or previewing a restore must go through this, never
    /// [`Vault::open`] on the backup itself. `f` must not return the vault it was given: its
    /// file is gone afterwards.
    pub fn with_copy<T, E: From<VaultError>>(
        file: &Path,
        beside: &Path,
        f: impl FnOnce(LockedVault) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        if !file.is_file() {
            return Err(VaultError::NotFound(file.to_path_buf()).into());
        }
        ensure_parent(beside)?;
        let tmp = temp_sibling(beside, "reading")?;
        let copied = files::copy_private(file, &tmp);
        let out = match copied {
            Ok(()) => Vault::open(&tmp).map_err(E::from).and_then(f),
            Err(e) => Err(e.into()),
        };
        let _ = fs::remove_file(&tmp);
        let _ = remove_sidecars(&tmp);
        let _ = fs::remove_file(files::with_suffix(&tmp, ".lock"));
        out
    }

    /// Check the file at `path` is a vault this build can read, without changing it.
    pub fn open(path: &Path) -> Result<LockedVault> {
        if !path.is_file() {
            return Err(VaultError::NotFound(path.to_path_buf()));
        }
        let lock = VaultLock::shared(path)?;
        Vault::open_with(path, lock)
    }

    fn open_with(path: &Path, lock: VaultLock) -> Result<LockedVault> {
        let (conn, schema) = store::open(path)?;
        // Read and bound the key slot now, so a file asking for a ruinous derivation is refused
        // on open, and a face can ask before deriving beyond the defaults.
        let kdf = KeySlot::read(&conn)?.params;
        Ok(LockedVault {
            path: path.to_path_buf(),
            conn,
            schema,
            kdf,
            lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current time on this vault's clock (Unix seconds), as its writes record it.
    pub fn now(&self) -> i64 {
        self.records.now()
    }

    /// Use `clock` for every time this vault reads or writes from now on (tests: a
    /// [`crate::clock::FixedClock`]).
    pub fn set_clock(&mut self, clock: SharedClock) {
        self.records.set_clock(clock);
    }

    /// The profile's fields, to read.
    pub fn fields(&self) -> FieldRepo<&Records> {
        FieldRepo::new(&self.records)
    }

    /// The profile's fields, to change.
    pub fn fields_mut(&mut self) -> FieldRepo<&mut Records> {
        self.settle_restore();
        FieldRepo::new(&mut self.records)
    }

    /// The brands, to read (and to sign their status lists).
    pub fn brands(&self) -> BrandRepo<&Records> {
        BrandRepo::new(&self.records)
    }

    /// The brands, to add, remove, or revoke everything one holds.
    pub fn brands_mut(&mut self) -> BrandRepo<&mut Records> {
        self.settle_restore();
        BrandRepo::new(&mut self.records)
    }

    /// The grants, to read and preview.
    pub fn grants(&self) -> GrantRepo<&Records> {
        GrantRepo::new(&self.records)
    }

    /// The grants, to issue, revoke and reissue.
    pub fn grants_mut(&mut self) -> GrantRepo<&mut Records> {
        self.settle_restore();
        GrantRepo::new(&mut self.records)
    }

    /// The events waiting for or past delivery to connected brands.
    pub fn outbox(&self) -> OutboxRepo<&Records> {
        OutboxRepo::new(&self.records)
    }

    /// The outbox, to record delivery outcomes.
    pub fn outbox_mut(&mut self) -> OutboxRepo<&mut Records> {
        self.settle_restore();
        OutboxRepo::new(&mut self.records)
    }

    /// The audit log.
    pub fn audit(&self) -> AuditRepo<&Records> {
        AuditRepo::new(&self.records)
    }

    /// What in the consumer's sharing deserves attention now ([`Review::items`]).
    pub fn review(&self) -> Review<'_> {
        Review::new(&self.records)
    }

    /// Argon2id parameters currently protecting this vault.
    pub fn kdf_params(&self) -> Result<KdfParams> {
        Ok(KeySlot::read(self.records.conn())?.params)
    }

    /// Change the passphrase (and, if given, the KDF parameters), re-keying the vault: a new
    /// random data key, every record re-sealed and every lookup id and row MAC recomputed under
    /// it, the audit chain re-sealed, and the new key slot written, all in one transaction. A
    /// crash leaves the old passphrase or the new one working, never neither and never a mix.
    /// Afterwards the WAL is checkpointed and truncated, so the old key slot is not left in it.
    /// The old passphrase, with any older copy of the key slot, opens nothing written after.
    /// Refused while another process has the vault open.
    pub fn change_passphrase(&mut self, new: &Passphrase, params: Option<KdfParams>) -> Result<()> {
        if !new.is_long_enough() {
            return Err(VaultError::PassphraseTooShort);
        }
        // Re-keying rewrites the anchor, which would drop a restore's mark.
        self.settle_restore();
        let slot = KeySlot::read(self.records.conn())?;
        let params = params.unwrap_or(slot.params);
        params.check()?;
        let mut salt = vec![0u8; SALT_LEN];
        random_bytes(&mut salt)?;
        let kek = params.derive(new, &salt)?;
        let key = DataKey::generate()?;
        let wrapped = key
            .wrap(&kek, &KeySlot::aad(&slot.vault_id, &params))
            .map_err(crate::crypto::record::SealError::from)?;
        let now = self.records.now();
        let event = AuditEvent::new("passphrase.changed", "vault", params.to_string())
            .with("kdf", params.to_string());
        // No other process may hold the vault open across a change of its key.
        self.lock.upgrade()?;
        let res = self.records.rekey(
            key,
            &REKEY,
            |conn| {
                conn.execute(
                    "UPDATE vault_meta SET kdf_m_kib = ?1, kdf_t = ?2, kdf_p = ?3, kdf_salt = ?4,
                     wrapped_key = ?5, key_changed_at = ?6 WHERE id = 1",
                    params![params.m_kib, params.t, params.p, salt, wrapped, now],
                )
                .map(drop)
                .map_err(VaultError::from)
            },
            &event,
        );
        // The old key slot must not linger in the WAL, where the old passphrase would open it.
        let res = res.and_then(|_| Ok(store::checkpoint(self.records.conn()).map(drop)?));
        self.lock.downgrade();
        res
    }

    /// Write a self-contained encrypted backup: a consistent copy of the vault file, which
    /// opens with the passphrase in force now, on any machine. Refuses an existing file unless
    /// `overwrite`.
    pub fn backup_to(&self, dest: &Path, overwrite: bool) -> Result<()> {
        if dest.exists() && !overwrite {
            return Err(VaultError::AlreadyExists(dest.to_path_buf()));
        }
        ensure_parent(dest)?;
        let tmp = temp_sibling(dest, "backup")?;
        let tmp_str = tmp.to_string_lossy().into_owned();
        // Private from the first byte: SQLite writes into the empty file we created 0600.
        drop(files::create_private(&tmp)?);
        let res = self
            .records
            .conn()
            .execute("VACUUM INTO ?1", [&tmp_str])
            .map_err(VaultError::from)
            .and_then(|_| {
                fs::File::open(&tmp)
                    .and_then(|f| f.sync_all())
                    .map_err(VaultError::io(&tmp))
            });
        if let Err(e) = res {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        publish(&tmp, dest, overwrite)?;
        files::sync_dir(dest);
        Ok(())
    }

    /// Restore a backup to `target`: the backup must open with `passphrase` and every record in
    /// it must pass its integrity check before anything at `target` is touched. Refuses an
    /// existing vault unless `overwrite`; a replaced vault is kept as a dated copy beside it
    /// (use [`Vault::restore_over`] to learn where, and to prove the current passphrase first).
    /// Refused while another process has the vault at `target` open.
    ///
    /// The restored vault reads exactly as the backup did until its first change, which begins
    /// by moving every brand to a fresh status list: the vault the backup came from may have
    /// handed out indices of the backup's lists since, and this one cannot know which
    /// (docs/vault-format.md, "Restores").
    pub fn restore(
        backup: &Path,
        target: &Path,
        passphrase: &Passphrase,
        overwrite: bool,
    ) -> Result<Vault> {
        if target.exists() && !overwrite {
            return Err(VaultError::AlreadyExists(target.to_path_buf()));
        }
        ensure_parent(target)?;
        let lock = VaultLock::exclusive(target)?;
        Ok(Self::install(backup, target, passphrase, lock)?.0)
    }

    /// Restore a backup over this vault: holding it unlocked proves the current passphrase.
    /// The backup is checked as in [`Vault::restore`] before anything is replaced, and this
    /// vault is kept as a dated private copy beside it ([`Restored::safety_copy`]). Refused
    /// while another process has this vault open.
    pub fn restore_over(self, backup: &Path, passphrase: &Passphrase) -> Result<Restored> {
        // What this vault knows that the backup does not (status indices taken, its
        // generation) is carried into the restored vault.
        let preview = self.restore_preview(backup, passphrase)?;
        self.replace_with(backup, passphrase, &preview)
    }

    /// Restore a backup over this vault although its own check found problems (so
    /// [`Vault::restore_over`], which reads every grant to preview the restore, cannot): as
    /// [`Vault::restore_over`], carrying into the restored vault what can still be read here
    /// (each authentic brand's status indices, the generation), so no index is handed out
    /// twice and the generation keeps growing. Holding this vault unlocked proves its
    /// passphrase. Refused while another process has it open.
    pub fn restore_over_untrusted(
        self,
        backup: &Path,
        passphrase: &Passphrase,
    ) -> Result<Restored> {
        let preview = self.untrusted_preview();
        self.replace_with(backup, passphrase, &preview)
    }

    /// Replace this vault with `backup` (kept as a dated safety copy), then move the restored
    /// vault's brands to fresh status lists carrying `preview`'s status indices, and its
    /// generation past `preview`'s.
    fn replace_with(
        self,
        backup: &Path,
        passphrase: &Passphrase,
        preview: &RestorePreview,
    ) -> Result<Restored> {
        let Vault {
            path,
            records,
            mut lock,
            ..
        } = self;
        lock.upgrade()?;
        // Close our connection so the file can be copied whole and replaced.
        let (conn, key) = records.into_parts();
        drop(key);
        let closed = store::checkpoint(&conn)
            .map_err(VaultError::from)
            .map(drop)
            .and_then(|()| conn.close().map_err(|(_, e)| VaultError::from(e)));
        if let Err(e) = closed {
            lock.downgrade();
            return Err(e);
        }
        match Self::install(backup, &path, passphrase, lock)? {
            (mut vault, Some(safety_copy)) => {
                vault.carry_over(preview)?;
                Ok(Restored { vault, safety_copy })
            }
            (_, None) => Err(VaultError::NotFound(path)),
        }
    }

    /// Copy `backup` to a private temporary file beside `target`, check that copy (it opens
    /// with `passphrase`, its schema is pinned, every record opens), keep whatever is at
    /// `target` as a dated safety copy, then rename the checked copy into place. What is checked
    /// is exactly what is installed. `lock` must be held exclusively on `target`.
    fn install(
        backup: &Path,
        target: &Path,
        passphrase: &Passphrase,
        lock: VaultLock,
    ) -> Result<(Vault, Option<PathBuf>)> {
        let tmp = temp_sibling(target, "restoring")?;
        let checked = files::copy_private(backup, &tmp).and_then(|()| {
            let copy = Vault::open(&tmp)?.unlock(passphrase)?;
            copy.verify_records()?;
            // Checked whole: now mark it restored, so its first change renews its status lists.
            copy.mark_restored()?;
            copy.close()
        });
        let placed = checked.and_then(|()| {
            remove_sidecars(&tmp)?;
            let safety = if target.exists() {
                Some(files::safety_copy(target, jiff::Timestamp::now())?)
            } else {
                None
            };
            remove_sidecars(target)?;
            publish(&tmp, target, safety.is_some())?;
            files::sync_dir(target);
            Ok(safety)
        });
        let safety = match placed {
            Ok(s) => s,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                let _ = remove_sidecars(&tmp);
                // A restore to a new place that failed leaves nothing behind, not even a lock.
                if !target.exists() {
                    lock.remove();
                }
                return Err(e);
            }
        };
        lock.downgrade();
        let vault = Vault::open_with(target, lock)?.unlock(passphrase)?;
        Ok((vault, safety))
    }

    /// Checkpoint the WAL into the main file, truncate it, and close the file.
    fn close(self) -> Result<()> {
        let (conn, key) = self.records.into_parts();
        drop(key);
        store::checkpoint(&conn)?;
        conn.close().map_err(|(_, e)| VaultError::from(e))
    }

    /// Write the WAL's pages into the vault file and truncate the WAL to nothing, so a deleted
    /// record or an old key slot does not linger there. Runs after passphrase changes, restores
    /// and erase; call it after deleting records in a long-lived session.
    /// Returns `false` if a reader in another process kept it from finishing.
    pub fn checkpoint(&self) -> Result<bool> {
        Ok(store::checkpoint(self.records.conn())?)
    }

    /// Erase the vault: overwrite its key slot (so no copy of the file's pages left anywhere on
    /// this disk opens without the data key, which is now gone), push that to disk, then delete
    /// the file, its WAL companions and its lock file. Refused while another process has the
    /// vault open.
    pub fn erase(self) -> Result<()> {
        let Vault {
            path,
            records,
            mut lock,
            ..
        } = self;
        lock.upgrade()?;
        let wiped = store::write(records.conn(), |c| {
            c.execute(
                "UPDATE vault_meta SET wrapped_key = zeroblob(length(wrapped_key)),
                 kdf_salt = zeroblob(length(kdf_salt)) WHERE id = 1",
                [],
            )
            .map_err(StoreError::from)
        })
        .and_then(|_| store::checkpoint(records.conn()).map(drop));
        if let Err(e) = wiped {
            lock.downgrade();
            return Err(e.into());
        }
        let (conn, key) = records.into_parts();
        drop(key);
        conn.close().map_err(|(_, e)| VaultError::from(e))?;
        fs::remove_file(&path).map_err(VaultError::io(&path))?;
        remove_sidecars(&path)?;
        files::sync_dir(&path);
        lock.remove();
        Ok(())
    }

    /// Check the whole vault ([`Vault::check`]) and open every sealed record; returns how many
    /// opened, or the first problem (naming its row) or record that did not.
    pub fn verify_records(&self) -> Result<usize> {
        if let Some(p) = self.check()?.problems.first() {
            return Err(p.to_open_error().into());
        }
        let mut n = self.fields().list()?.len()
            + self.brands().list()?.len()
            + self.grants().list(None)?.len()
            + self.outbox().list()?.len();
        for g in self.grants().list(None)? {
            n += usize::from(self.grants().brand_receipt(&g.id)?.is_some());
        }
        self.audit().entries()?;
        Ok(n)
    }

    /// Lock the vault: wipe the data key and keep the checked file, ready to unlock again.
    pub fn lock(self) -> LockedVault {
        // Unreadable now means unlock will refuse anyway; until then, assume the costliest.
        let kdf = self.kdf_params().unwrap_or(KdfParams::MAXIMUM);
        let (conn, key) = self.records.into_parts();
        drop(key);
        LockedVault {
            path: self.path,
            conn,
            schema: store::SCHEMA_VERSION,
            kdf,
            lock: self.lock,
        }
    }
}

impl LockedVault {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Argon2id parameters unlocking will use: within [`KdfParams::MAXIMUM`] (checked on
    /// open). Above [`KdfParams::DEFAULT`] ([`KdfParams::exceeds_default`]) a face should ask
    /// before deriving, since the file, not the person, chose them.
    pub fn kdf_params(&self) -> KdfParams {
        self.kdf
    }

    /// Derive the key from `passphrase` and unwrap the data key. Nothing is written when the
    /// passphrase is wrong; an older schema is migrated only after the passphrase is proven.
    pub fn unlock(self, passphrase: &Passphrase) -> Result<Vault> {
        self.unlock_with_clock(passphrase, clock::system())
    }

    /// [`LockedVault::unlock`], with the vault reading the time from `clock`.
    pub fn unlock_with_clock(self, passphrase: &Passphrase, clock: SharedClock) -> Result<Vault> {
        let slot = KeySlot::read(&self.conn)?;
        let kek = slot.params.derive(passphrase, &slot.salt)?;
        let key = DataKey::unwrap(
            &kek,
            &KeySlot::aad(&slot.vault_id, &slot.params),
            &slot.wrapped,
        )
        .map_err(|_| VaultError::WrongPassphrase)?;
        let mut records = Records::new(self.conn, key, clock);
        if self.schema < store::SCHEMA_VERSION {
            records.upgrade::<VaultError>(self.schema)?;
        }
        // Every row's MAC, the rows against the anchor, the audit chain: HMAC and SHA-256 only.
        // A problem does not stop reading (each read names what it cannot trust), but the vault
        // refuses writes, which would otherwise re-anchor a deleted or re-added row.
        let mut report = records.check_state()?;
        records.taint(report.problems.first().cloned());
        // Schema 5 keeps each grant's token in a row of its own; records written before are
        // split once the check is clean, and checked again (a one-time cost).
        if report.is_intact() && GrantRepo::new(&mut records).split_tokens()? > 0 {
            report = records.check_state()?;
            records.taint(report.problems.first().cloned());
        }
        // A vault with problems writes nothing, so it has nothing to renew either.
        let restored = report.is_intact() && integrity::is_marked_restored(&records);
        Ok(Vault {
            path: self.path,
            records,
            lock: self.lock,
            restored,
            unlock_check: report,
        })
    }
}

/// A new vault in a temporary directory, at the cheapest key derivation the vault accepts:
/// for the crate's own unit tests (the integration tests have `tests/common`). Keep the
/// directory alive as long as the vault.
#[cfg(test)]
pub(crate) fn temp_vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = Vault::create(
        &dir.path().join("vault.db"),
        &Passphrase::new("unit test passphrase"),
        KdfParams::MINIMUM,
    )
    .expect("create");
    (dir, vault)
}
