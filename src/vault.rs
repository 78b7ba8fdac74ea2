//! The vault: a locked file that a passphrase turns into an open profile, and the thin front
//! that hands out the repositories ([`Vault::fields`], [`Vault::brands`], [`Vault::grants`],
//! [`Vault::audit`]; the `_mut` forms write).
//!
//! Passphrase → Argon2id → key-encryption key → unwraps the random data key → seals every
//! record. Changing the passphrase re-wraps the data key in one transaction, so at every
//! instant exactly one of the old or the new passphrase works.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use crate::clock::{self, SharedClock};
use crate::crypto::{DataKey, KdfParams, Passphrase, random_bytes, random_id};
use crate::error::{Result, VaultError};
use crate::records::{AuditEvent, Records};
use crate::repo::{AuditRepo, BrandRepo, FieldRepo, GrantRepo};
use crate::store::{self, StoreError};

/// Salt length for Argon2id; RFC 9106 recommends 16 bytes, we use 32.
const SALT_LEN: usize = 32;

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
        if salt.len() < 16 {
            return Err(StoreError::damaged("the key slot's salt is too short").into());
        }
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
}

/// An unlocked vault. Dropping it closes the file and wipes the data key.
pub struct Vault {
    path: PathBuf,
    records: Records,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Owner-only permissions: the file is ciphertext, but its size and timing are still private.
#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(VaultError::io(path))
}
#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

/// A temporary sibling of `path`, so the final rename or link stays on one file system.
fn temp_sibling(path: &Path, what: &str) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(path.with_file_name(format!(".{name}.{what}-{}", &random_id()?[..12])))
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
        fs::create_dir_all(dir).map_err(VaultError::io(dir))?;
        restrict(dir, 0o700)?;
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
            fs::File::create(&tmp).map_err(VaultError::io(&tmp))?;
            restrict(&tmp, 0o600)?;
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
        Vault::open(path)?.unlock(passphrase)
    }

    /// Check the file at `path` is a vault this build can read, without changing it.
    pub fn open(path: &Path) -> Result<LockedVault> {
        if !path.is_file() {
            return Err(VaultError::NotFound(path.to_path_buf()));
        }
        let (conn, schema) = store::open(path)?;
        Ok(LockedVault {
            path: path.to_path_buf(),
            conn,
            schema,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
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
        FieldRepo::new(&mut self.records)
    }

    /// The brands, to read (and to sign their status lists).
    pub fn brands(&self) -> BrandRepo<&Records> {
        BrandRepo::new(&self.records)
    }

    /// The brands, to add, remove, or revoke everything one holds.
    pub fn brands_mut(&mut self) -> BrandRepo<&mut Records> {
        BrandRepo::new(&mut self.records)
    }

    /// The grants, to read and preview.
    pub fn grants(&self) -> GrantRepo<&Records> {
        GrantRepo::new(&self.records)
    }

    /// The grants, to issue, revoke and reissue.
    pub fn grants_mut(&mut self) -> GrantRepo<&mut Records> {
        GrantRepo::new(&mut self.records)
    }

    /// The audit log.
    pub fn audit(&self) -> AuditRepo<&Records> {
        AuditRepo::new(&self.records)
    }

    /// Argon2id parameters currently protecting this vault.
    pub fn kdf_params(&self) -> Result<KdfParams> {
        Ok(KeySlot::read(self.records.conn())?.params)
    }

    /// Re-wrap the data key under a new passphrase (and, if given, new KDF parameters).
    /// One UPDATE in one transaction: a crash leaves the old passphrase or the new one working.
    pub fn change_passphrase(&mut self, new: &Passphrase, params: Option<KdfParams>) -> Result<()> {
        if !new.is_long_enough() {
            return Err(VaultError::PassphraseTooShort);
        }
        let slot = KeySlot::read(self.records.conn())?;
        let params = params.unwrap_or(slot.params);
        params.check()?;
        let mut salt = vec![0u8; SALT_LEN];
        random_bytes(&mut salt)?;
        let kek = params.derive(new, &salt)?;
        let wrapped = self
            .records
            .key()
            .wrap(&kek, &KeySlot::aad(&slot.vault_id, &params))
            .map_err(crate::crypto::record::SealError::from)?;
        self.records.write(|tx| {
            tx.conn().execute(
                "UPDATE vault_meta SET kdf_m_kib = ?1, kdf_t = ?2, kdf_p = ?3, kdf_salt = ?4,
                 wrapped_key = ?5, key_changed_at = ?6 WHERE id = 1",
                params![params.m_kib, params.t, params.p, salt, wrapped, tx.now()],
            )?;
            tx.audit::<VaultError>(
                &AuditEvent::new("passphrase.changed", "vault", params.to_string())
                    .with("kdf", params.to_string()),
            )?;
            Ok::<_, VaultError>(())
        })
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
        let res = self
            .records
            .conn()
            .execute("VACUUM INTO ?1", [&tmp_str])
            .map_err(VaultError::from)
            .and_then(|_| restrict(&tmp, 0o600));
        if let Err(e) = res {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        publish(&tmp, dest, overwrite)
    }

    /// Restore a backup to `target`: the backup must open with `passphrase` and every record in
    /// it must pass its integrity check before anything at `target` is touched. Refuses an
    /// existing vault unless `overwrite`.
    pub fn restore(
        backup: &Path,
        target: &Path,
        passphrase: &Passphrase,
        overwrite: bool,
    ) -> Result<Vault> {
        if target.exists() && !overwrite {
            return Err(VaultError::AlreadyExists(target.to_path_buf()));
        }
        {
            let from = Vault::open(backup)?.unlock(passphrase)?;
            from.verify_records()?;
        }
        ensure_parent(target)?;
        let tmp = temp_sibling(target, "restoring")?;
        let copied = fs::copy(backup, &tmp)
            .map_err(VaultError::io(&tmp))
            .and_then(|_| restrict(&tmp, 0o600))
            .and_then(|()| {
                fs::File::open(&tmp)
                    .and_then(|f| f.sync_all())
                    .map_err(VaultError::io(&tmp))
            });
        if let Err(e) = copied {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        if overwrite {
            remove_sidecars(target)?;
        }
        publish(&tmp, target, overwrite)?;
        Vault::open(target)?.unlock(passphrase)
    }

    /// Erase the vault: close it and delete the file and its WAL companions. The data key is
    /// wiped as `self` drops; with `secure_delete` on, freed pages were already zeroed.
    pub fn erase(self) -> Result<()> {
        let path = self.path.clone();
        let (conn, key) = self.records.into_parts();
        drop(key);
        conn.close().map_err(|(_, e)| VaultError::from(e))?;
        fs::remove_file(&path).map_err(VaultError::io(&path))?;
        remove_sidecars(&path)
    }

    /// Open every sealed record; returns how many opened, or the first that did not.
    pub fn verify_records(&self) -> Result<usize> {
        let n = self.fields().list()?.len()
            + self.brands().list()?.len()
            + self.grants().list(None)?.len();
        self.audit().entries()?;
        Ok(n)
    }

    /// Lock the vault: wipe the data key and keep the checked file, ready to unlock again.
    pub fn lock(self) -> LockedVault {
        let (conn, key) = self.records.into_parts();
        drop(key);
        LockedVault {
            path: self.path,
            conn,
            schema: store::SCHEMA_VERSION,
        }
    }
}

impl LockedVault {
    pub fn path(&self) -> &Path {
        &self.path
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
        if self.schema < store::SCHEMA_VERSION {
            store::migrate(&self.conn, self.schema)?;
        }
        Ok(Vault {
            path: self.path,
            records: Records::new(self.conn, key, clock),
        })
    }
}
