//! The vault: a locked file that a passphrase turns into an open profile.
//!
//! Passphrase → Argon2id → key-encryption key → unwraps the random data key → seals every
//! record. Changing the passphrase re-wraps the data key in one transaction, so at every
//! instant exactly one of the old or the new passphrase works.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::AuditEvent;
use crate::crypto::record::{self, Place};
use crate::crypto::{DataKey, KdfParams, Passphrase, random_bytes, random_id};
use crate::error::{Result, VaultError};
use crate::profile::{self, FieldName};
use crate::store::{self, StoreError};

/// Salt length for Argon2id; RFC 9106 recommends 16 bytes, we use 32.
const SALT_LEN: usize = 32;
const FIELDS: &str = "fields";

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
                return Err(StoreError::Corrupt("the key slot is missing".into()).into());
            }
            Err(e) => return Err(e.into()),
        };
        if alg != "argon2id" {
            return Err(StoreError::Corrupt(format!("unknown key derivation {alg:?}")).into());
        }
        let as_u32 = |v: i64| u32::try_from(v).unwrap_or(0);
        let params = KdfParams {
            m_kib: as_u32(m),
            t: as_u32(t),
            p: as_u32(p),
        };
        if salt.len() < 16 {
            return Err(StoreError::Corrupt("the key slot's salt is too short".into()).into());
        }
        Ok(Self {
            vault_id,
            params,
            salt,
            wrapped,
        })
    }
}

/// A profile field as decrypted for display. The value and label are wiped when dropped.
pub struct Field {
    pub name: FieldName,
    pub value: Zeroizing<String>,
    pub label: Option<Zeroizing<String>>,
    /// Unix seconds.
    pub updated_at: i64,
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name.to_string())
            .field("value", &"[redacted]")
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// What is sealed in a `fields` row. The name is inside, so the file never says "email".
#[derive(Serialize, Deserialize)]
struct FieldRecord {
    name: String,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
}

impl Drop for FieldRecord {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.name.zeroize();
        self.value.zeroize();
        self.label.zeroize();
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
    pub(crate) path: PathBuf,
    pub(crate) conn: Connection,
    pub(crate) key: DataKey,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now() -> i64 {
    jiff::Timestamp::now().as_second()
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
    /// Open one sealed record of `table` stored under `id`.
    pub(crate) fn open_record<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        id: &str,
        sealed: &[u8],
    ) -> Result<T> {
        Ok(record::open_json(&self.key, Place { table, id }, sealed)?)
    }

    /// Every row of a sealed table as (id, opened record, `time_col`); fails on the first row
    /// that does not open. `lookup` is the table whose ids are keyed hashes of `name(record)`:
    /// a row moved under another id is caught by recomputing it.
    pub(crate) fn open_all<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        time_col: &str,
        name: impl Fn(&T) -> &str,
    ) -> Result<Vec<(String, T, i64)>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT id, sealed, {time_col} FROM {table}"))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed, time) = row?;
            let rec: T = self.open_record(table, &id, &sealed)?;
            if self.key.lookup_id(table, name(&rec)) != id {
                return Err(record::OpenError(format!("{table}/{id}")).into());
            }
            out.push((id, rec, time));
        }
        Ok(out)
    }

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
            let t = now();
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

    /// Argon2id parameters currently protecting this vault.
    pub fn kdf_params(&self) -> Result<KdfParams> {
        Ok(KeySlot::read(&self.conn)?.params)
    }

    /// Re-wrap the data key under a new passphrase (and, if given, new KDF parameters).
    /// One UPDATE in one transaction: a crash leaves the old passphrase or the new one working.
    pub fn change_passphrase(&mut self, new: &Passphrase, params: Option<KdfParams>) -> Result<()> {
        if !new.is_long_enough() {
            return Err(VaultError::PassphraseTooShort);
        }
        let slot = KeySlot::read(&self.conn)?;
        let params = params.unwrap_or(slot.params);
        params.check()?;
        let mut salt = vec![0u8; SALT_LEN];
        random_bytes(&mut salt)?;
        let kek = params.derive(new, &salt)?;
        let wrapped = self
            .key
            .wrap(&kek, &KeySlot::aad(&slot.vault_id, &params))?;
        store::write(&self.conn, |c| {
            c.execute(
                "UPDATE vault_meta SET kdf_m_kib = ?1, kdf_t = ?2, kdf_p = ?3, kdf_salt = ?4,
                 wrapped_key = ?5, key_changed_at = ?6 WHERE id = 1",
                params![params.m_kib, params.t, params.p, salt, wrapped, now()],
            )?;
            crate::audit::append(
                c,
                &self.key,
                &AuditEvent::new("passphrase.changed", "vault", params.to_string()),
            )?;
            Ok::<_, VaultError>(())
        })
    }

    /// Set a field to what the person typed, validated and normalised by [`profile`].
    /// With `label` `None`, an existing label is kept.
    pub fn set_field(&mut self, name: &FieldName, raw: &str, label: Option<&str>) -> Result<Field> {
        let mut set = self.set_fields([(name.clone(), raw, label)])?;
        set.pop()
            .ok_or_else(|| StoreError::Sqlite("no field was written".into()).into())
    }

    /// Set many fields in one transaction: all are validated first, and either all land or none.
    pub fn set_fields<'a>(
        &mut self,
        items: impl IntoIterator<Item = (FieldName, &'a str, Option<&'a str>)>,
    ) -> Result<Vec<Field>> {
        let today = jiff::ZonedDateTime::now().date();
        let mut checked = Vec::new();
        for (name, raw, label) in items {
            let value = Zeroizing::new(profile::normalize_value(&name, raw, today)?);
            let label = label
                .map(profile::validate_label)
                .transpose()?
                .map(Zeroizing::new);
            checked.push((name, value, label));
        }
        let t = now();
        store::write(&self.conn, |c| {
            let mut out = Vec::with_capacity(checked.len());
            for (name, value, label) in checked {
                let canonical = name.to_string();
                let id = self.key.lookup_id(FIELDS, &canonical);
                let label = match label {
                    Some(l) => Some(l),
                    None => self
                        .read_field(c, &id)?
                        .and_then(|old| old.label.clone())
                        .map(Zeroizing::new),
                };
                let rec = FieldRecord {
                    name: canonical,
                    value: value.to_string(),
                    label: label.as_ref().map(|l| l.to_string()),
                };
                let sealed = record::seal_json(
                    &self.key,
                    Place {
                        table: FIELDS,
                        id: &id,
                    },
                    &rec,
                )?;
                c.execute(
                    "INSERT INTO fields (id, sealed, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                    params![id, sealed, t],
                )?;
                crate::audit::append(
                    c,
                    &self.key,
                    &AuditEvent::new("field.set", name.to_string(), ""),
                )?;
                out.push(Field {
                    name,
                    value,
                    label,
                    updated_at: t,
                });
            }
            Ok::<_, VaultError>(out)
        })
    }

    fn read_field(&self, conn: &Connection, id: &str) -> Result<Option<FieldRecord>> {
        let Some(sealed) = store::sealed_by_id(conn, FIELDS, id)? else {
            return Ok(None);
        };
        Ok(Some(self.open_record(FIELDS, id, &sealed)?))
    }

    fn to_field(id: &str, rec: &FieldRecord, updated_at: i64) -> Result<Field> {
        // A record that decrypts but holds a name we cannot parse was not written by us.
        let name: FieldName = rec
            .name
            .parse()
            .map_err(|_| record::OpenError(format!("{FIELDS}/{id}")))?;
        Ok(Field {
            name,
            value: Zeroizing::new(rec.value.clone()),
            label: rec.label.clone().map(Zeroizing::new),
            updated_at,
        })
    }

    /// One field, or `None` if it is not set.
    pub fn field(&self, name: &FieldName) -> Result<Option<Field>> {
        let id = self.key.lookup_id(FIELDS, &name.to_string());
        let row: Option<(Vec<u8>, i64)> = {
            use rusqlite::OptionalExtension;
            self.conn
                .query_row(
                    "SELECT sealed, updated_at FROM fields WHERE id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
        };
        let Some((sealed, updated_at)) = row else {
            return Ok(None);
        };
        let rec: FieldRecord = self.open_record(FIELDS, &id, &sealed)?;
        // The name inside must be the one asked for: a row renamed in the file is tampering.
        if rec.name != name.to_string() {
            return Err(record::OpenError(format!("{FIELDS}/{id}")).into());
        }
        Ok(Some(Self::to_field(&id, &rec, updated_at)?))
    }

    /// Every field, sorted by name. Fails on the first record that does not open.
    pub fn fields(&self) -> Result<Vec<Field>> {
        let mut out = Vec::new();
        for (id, rec, updated_at) in
            self.open_all::<FieldRecord>(FIELDS, "updated_at", |r| &r.name)?
        {
            out.push(Self::to_field(&id, &rec, updated_at)?);
        }
        out.sort_by_key(|f| f.name.to_string());
        Ok(out)
    }

    /// Remove a field; `Ok(false)` if it was not set.
    pub fn remove_field(&mut self, name: &FieldName) -> Result<bool> {
        let id = self.key.lookup_id(FIELDS, &name.to_string());
        let n = store::write(&self.conn, |c| {
            let n = c.execute("DELETE FROM fields WHERE id = ?1", [&id])?;
            if n > 0 {
                crate::audit::append(
                    c,
                    &self.key,
                    &AuditEvent::new("field.removed", name.to_string(), ""),
                )?;
            }
            Ok::<_, VaultError>(n)
        })?;
        Ok(n > 0)
    }

    /// The whole profile as portable JSON (OpenID Connect claim names), for the consumer's
    /// right to data portability. The caller decides where it goes; it is plaintext.
    pub fn export_json(&self) -> Result<Zeroizing<String>> {
        let fields = self.fields()?;
        let items: Vec<(&FieldName, &str, Option<&str>)> = fields
            .iter()
            .map(|f| {
                (
                    &f.name,
                    f.value.as_str(),
                    f.label.as_deref().map(|s| s.as_str()),
                )
            })
            .collect();
        let doc = serde_json::json!({
            "vouchsafe_export": 1,
            "exported_at": jiff::Timestamp::now().to_string(),
            "profile": profile::export_json(items),
        });
        let mut text = serde_json::to_string_pretty(&doc)
            .map_err(|e| crate::crypto::record::SealError::Encode(e.to_string()))?;
        text.push('\n');
        Ok(Zeroizing::new(text))
    }

    /// Write the profile export to a new file created with mode 0600; refuses an existing file.
    pub fn export_plaintext_to(&self, dest: &Path) -> Result<()> {
        use std::io::Write;
        let text = self.export_json()?;
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(dest).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                VaultError::AlreadyExists(dest.to_path_buf())
            } else {
                VaultError::Io {
                    path: dest.to_path_buf(),
                    source: e,
                }
            }
        })?;
        if let Err(e) = f.write_all(text.as_bytes()).and_then(|()| f.sync_all()) {
            // Never leave half an export behind.
            drop(f);
            let _ = fs::remove_file(dest);
            return Err(VaultError::Io {
                path: dest.to_path_buf(),
                source: e,
            });
        }
        self.audit(AuditEvent::new(
            "profile.exported",
            "profile",
            "plaintext export to a file",
        ))
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
            .conn
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
        self.conn.close().map_err(|(_, e)| VaultError::from(e))?;
        fs::remove_file(&path).map_err(VaultError::io(&path))?;
        remove_sidecars(&path)
    }

    /// Open every sealed record; returns how many opened, or the first that did not.
    pub fn verify_records(&self) -> Result<usize> {
        let n = self.fields()?.len() + self.brands()?.len() + self.grants(None)?.len();
        self.audit_entries()?;
        Ok(n)
    }
}

impl LockedVault {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Derive the key from `passphrase` and unwrap the data key. Nothing is written when the
    /// passphrase is wrong; an older schema is migrated only after the passphrase is proven.
    pub fn unlock(self, passphrase: &Passphrase) -> Result<Vault> {
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
            conn: self.conn,
            key,
        })
    }
}
