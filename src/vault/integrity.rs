//! The vault's integrity front: the whole-vault check, the generation seen outside the file,
//! and what a restore would bring back. The mechanisms live in the records layer
//! ([`crate::records::integrity`], [`crate::records::anchor_store`]); this file decides how a
//! face sees them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde::Serialize;

use super::{Vault, remove_sidecars, temp_sibling};
use crate::crypto::Passphrase;
use crate::error::Result;
use crate::grants::GrantState;
use crate::records::integrity::IntegrityReport;
use crate::records::{AnchorStore, AuditEvent, Freshness};
use crate::repo::brands::BrandRepo;

/// Where the faces keep the generation last seen of each vault: `$XDG_CONFIG_HOME/vouchsafe/anchors`
/// on Linux, beside the settings (one file per vault id; see [`crate::FileAnchorStore`]).
pub fn default_anchor_dir() -> Option<std::path::PathBuf> {
    dirs::config_dir().map(|d| d.join("vouchsafe").join("anchors"))
}

/// A grant the current vault has revoked that the backup still holds as live: restoring would
/// un-revoke it (its brand's status list would show it valid again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnrevokedGrant {
    pub id: String,
    pub brand: String,
    pub brand_name: String,
    /// When the current vault revoked it (Unix seconds).
    pub revoked_at: i64,
    pub released: Vec<String>,
}

/// What restoring a backup over this vault would change, as far as this vault knows. Computed
/// before anything is replaced, so a face can show it and ask.
#[derive(Debug, Clone, Serialize)]
pub struct RestorePreview {
    /// The backup's generation, and this vault's: a lower backup generation means it is older.
    pub backup_generation: Option<u64>,
    pub current_generation: Option<u64>,
    /// Revoked here, live in the backup.
    pub unrevoked: Vec<UnrevokedGrant>,
    /// Grants this vault has that the backup does not (issued after it was taken): the brands
    /// still hold them, and the restored vault could no longer revoke them.
    pub forgotten: Vec<String>,
    /// Per brand (audience): its status list URI, length and every index taken here, carried
    /// into the restored vault so no index is handed out twice.
    #[serde(skip)]
    pub(super) carry: BTreeMap<String, (String, usize, BTreeSet<usize>)>,
}

impl RestorePreview {
    /// Whether the backup is older than this vault, or would undo anything: then a face must
    /// ask before restoring.
    pub fn needs_confirmation(&self) -> bool {
        !self.unrevoked.is_empty()
            || !self.forgotten.is_empty()
            || matches!((self.backup_generation, self.current_generation), (Some(b), Some(c)) if b < c)
    }
}

impl Vault {
    /// Check the whole vault: every row's MAC, every row against the anchor's manifest, the
    /// audit chain against the anchor. Names every problem (`table/id`); never opens a record.
    pub fn check(&self) -> Result<IntegrityReport> {
        Ok(self.records.check_state()?)
    }

    /// The vault's id (not secret: it names the vault's anchor file).
    pub fn vault_id(&self) -> Result<String> {
        Ok(self.records.vault_id()?)
    }

    /// The anchor's generation: grows by one with every write.
    pub fn generation(&self) -> Result<Option<u64>> {
        Ok(match self.records.anchor()? {
            Some(Ok(a)) => Some(a.generation),
            _ => None,
        })
    }

    /// Compare this vault's generation with what `store` last saw. Changes nothing: on
    /// [`Freshness::RolledBack`] the caller decides (warn, ask, refuse) before
    /// [`Vault::track_generations`].
    pub fn freshness(&self, store: &dyn AnchorStore) -> Result<Freshness> {
        let id = self.vault_id()?;
        // The store first, the file second: another process records a generation only after
        // committing it, and the file's generation only grows, so read in this order a vault
        // that another process is writing to right now can never look older than what it
        // recorded. (The other order raced: generation read, then a write and its record
        // landed, then the store read showed a newer generation than the one just read.)
        let seen = store
            .last_seen(&id)
            .map_err(crate::error::VaultError::io(Path::new("anchor store")))?;
        let generation = self.generation()?.unwrap_or(0);
        Ok(Freshness::compare(generation, seen))
    }

    /// Record this vault's generation in `store` now and after every write from here on.
    /// Call it once the caller accepted [`Vault::freshness`]'s answer.
    pub fn track_generations(&mut self, store: Box<dyn AnchorStore>) -> Result<()> {
        let id = self.vault_id()?;
        if let Some(g) = self.generation()? {
            store
                .record(&id, g)
                .map_err(crate::error::VaultError::io(Path::new("anchor store")))?;
        }
        self.records.attach_anchor_store(store);
        Ok(())
    }

    /// Accept this vault although it is older than generation `seen` (the person confirmed a
    /// [`Freshness::RolledBack`]): one write (audit entry `vault.rollback_accepted`) moves its
    /// generation past `seen`, so generations stay monotonic and the next open is current.
    pub fn accept_rollback(&mut self, seen: u64) -> Result<()> {
        let from = self.generation()?.unwrap_or(0);
        self.records.raise_generation(seen);
        self.records.write(|tx| {
            tx.audit::<crate::error::VaultError>(
                &AuditEvent::new(
                    "vault.rollback_accepted",
                    "vault",
                    format!("generation {from}, last seen {seen}"),
                )
                .with("generation", from.to_string())
                .with("seen", seen.to_string()),
            )
        })
    }

    /// What restoring `backup` (opened with `passphrase`) over this vault would bring back or
    /// forget. The backup is read from a private temporary copy, so an older backup file is
    /// never migrated or otherwise written.
    pub fn restore_preview(
        &self,
        backup: &Path,
        passphrase: &Passphrase,
    ) -> Result<RestorePreview> {
        let tmp = temp_sibling(&self.path, "preview")?;
        let read = super::files::copy_private(backup, &tmp)
            .and_then(|()| Vault::open(&tmp)?.unlock(passphrase))
            .and_then(|old| {
                let grants = old.grants().list(None)?;
                let generation = old.generation()?;
                let lock = {
                    let (conn, key) = old.records.into_parts();
                    drop(key);
                    let _ = conn.close();
                    old.lock
                };
                lock.remove();
                Ok((grants, generation))
            });
        let _ = fs::remove_file(&tmp);
        let _ = remove_sidecars(&tmp);
        let (old_grants, backup_generation) = read?;
        let now_grants = self.grants().list(None)?;
        let unrevoked = now_grants
            .iter()
            .filter(|g| g.state == GrantState::Revoked)
            .filter(|g| {
                old_grants
                    .iter()
                    .any(|o| o.id == g.id && o.state == GrantState::Active)
            })
            .map(|g| UnrevokedGrant {
                id: g.id.clone(),
                brand: g.brand.clone(),
                brand_name: g.brand_name.clone(),
                revoked_at: g.revoked_at.unwrap_or(0),
                released: g.released.clone(),
            })
            .collect();
        let forgotten = now_grants
            .iter()
            .filter(|g| !old_grants.iter().any(|o| o.id == g.id))
            .map(|g| g.id.clone())
            .collect();
        let mut carry: BTreeMap<String, (String, usize, BTreeSet<usize>)> = BTreeMap::new();
        for brand in self.brands().list()? {
            let (row_id, rec, _) = self.brands().record(&brand.id)?;
            let mut taken = rec.allocated.clone();
            taken.extend(
                BrandRepo::new(&self.records)
                    .grant_states(&row_id)?
                    .iter()
                    .map(|g| usize::try_from(g.status_idx).unwrap_or(0)),
            );
            carry.insert(brand.id, (rec.status_uri.clone(), rec.status_len, taken));
        }
        Ok(RestorePreview {
            backup_generation,
            current_generation: self.generation()?,
            unrevoked,
            forgotten,
            carry,
        })
    }

    /// What a restore over this vault can still carry when its check found problems: the
    /// status indices of every brand whose record is authentic (with its grants' where those
    /// are too), and the anchor's generation if it opens. Nothing is previewed: what such a
    /// vault says it revoked cannot be trusted. Taking an index too many only wastes a bit.
    pub(super) fn untrusted_preview(&self) -> RestorePreview {
        let mut carry = BTreeMap::new();
        for brand in self.brands().list().unwrap_or_default() {
            let Ok((row_id, rec, _)) = self.brands().record(&brand.id) else {
                continue;
            };
            let mut taken = rec.allocated.clone();
            if let Ok(states) = BrandRepo::new(&self.records).grant_states(&row_id) {
                taken.extend(
                    states
                        .iter()
                        .map(|g| usize::try_from(g.status_idx).unwrap_or(0)),
                );
            }
            carry.insert(brand.id, (rec.status_uri.clone(), rec.status_len, taken));
        }
        RestorePreview {
            backup_generation: None,
            current_generation: self.generation().ok().flatten(),
            unrevoked: Vec::new(),
            forgotten: Vec::new(),
            carry,
        }
    }

    /// After a restore: carry the replaced vault's status indices into each brand that uses
    /// the same status list, and move the generation past both vaults', in one write (audit
    /// entry `vault.restored`).
    pub(super) fn carry_over(&mut self, preview: &RestorePreview) -> Result<()> {
        let floor = preview
            .current_generation
            .max(preview.backup_generation)
            .unwrap_or(0);
        self.records.raise_generation(floor);
        let mut updates = Vec::new();
        for (audience, (uri, len, taken)) in &preview.carry {
            let Ok((row_id, mut rec, _)) = self.brands().record(audience) else {
                continue;
            };
            if rec.status_uri != *uri {
                continue;
            }
            rec.allocated.extend(taken.iter().copied());
            rec.status_len = rec.status_len.max(*len);
            updates.push((row_id, rec));
        }
        self.records.write(|tx| {
            for (row_id, rec) in &updates {
                rec.save(tx, row_id)?;
            }
            tx.audit::<crate::error::VaultError>(&AuditEvent::new(
                "vault.restored",
                "vault",
                format!(
                    "from a backup at generation {}",
                    preview.backup_generation.unwrap_or(0)
                ),
            ))
        })
    }
}
