//! The vault's integrity front: the whole-vault check, the generation seen outside the file,
//! what a restore would bring back, and the fresh status lists a restored vault moves to. The mechanisms live in the records layer
//! ([`crate::records::integrity`], [`crate::records::anchor_store`]); this file decides how a
//! face sees them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Vault;
use crate::crypto::Passphrase;
use crate::error::{Result, VaultError};
use crate::grants::GrantState;
use crate::records::integrity::{ANCHOR, Anchor, IntegrityReport, Problem, ProblemKind};
use crate::records::{AnchorStore, AuditEvent, Freshness, Records};
use crate::repo::brands::{BrandRecord, BrandRepo};

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
    /// into the restored vault's fresh lists, so an index stays unique across every list of
    /// the brand either vault knows ([`BrandRecord::renew_list`]).
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

    /// What [`Vault::check`] found when this vault was unlocked: unlocking checks the whole
    /// vault anyway (a vault with problems refuses writes), and on 10,000 fields and 10,000
    /// grants a second check costs ~185 ms of the wait before the first screen. Right for a
    /// face deciding, straight after the unlock, whether to admit the vault; after a write,
    /// ask [`Vault::check`].
    pub fn unlock_check(&self) -> &IntegrityReport {
        &self.unlock_check
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
        self.settle_restore();
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
        let (old_grants, backup_generation) = Vault::with_copy(backup, &self.path, |file| {
            let old = file.unlock(passphrase)?;
            Ok::<_, VaultError>((old.grants().list(None)?, old.generation()?))
        })?;
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

    /// After a restore over a vault: move every brand to a fresh status list, carrying the
    /// replaced vault's status indices into it, and move the generation past both vaults', in
    /// one write (audit entries `brand.status_list_renewed` and `vault.restored`).
    pub(super) fn carry_over(&mut self, preview: &RestorePreview) -> Result<()> {
        let floor = preview
            .current_generation
            .max(preview.backup_generation)
            .unwrap_or(0);
        self.records.raise_generation(floor);
        let renewed = self.renewed_brands(&preview.carry)?;
        self.records.write(|tx| {
            save_renewed(tx, &renewed)?;
            tx.audit::<VaultError>(&AuditEvent::new(
                "vault.restored",
                "vault",
                format!(
                    "from a backup at generation {}",
                    preview.backup_generation.unwrap_or(0)
                ),
            ))
        })?;
        self.restored = false;
        Ok(())
    }

    /// Mark this (checked, not yet installed) copy of a backup as restored: its sealed anchor
    /// gets `restored: true`, same generation, nothing else changed. Every write seals a new
    /// anchor without the mark, and the first one a restored vault makes is the renewal of its
    /// status lists ([`Vault::settle_restore`]). No write here: a restored vault reads exactly
    /// as the backup did (the same generation, so a backup older than this machine last saw
    /// still shows as one), until it is changed.
    pub(super) fn mark_restored(&self) -> Result<()> {
        let vault_id = self.records.vault_id()?;
        let anchor = match self.records.anchor()? {
            Some(Ok(a)) => a,
            Some(Err(e)) => return Err(e.into()),
            None => return Err(crate::store::StoreError::damaged("the vault has no anchor").into()),
        };
        let sealed = self.records.seal(
            ANCHOR,
            &vault_id,
            &MarkedAnchor {
                anchor,
                restored: true,
            },
        )?;
        self.records
            .conn()
            .execute("UPDATE vault_meta SET anchor = ?1 WHERE id = 1", [sealed])?;
        Ok(())
    }

    /// If this vault was restored and not changed since, move every brand to a fresh status
    /// list now, before the change the caller is about to make: the vault the backup was taken
    /// from may have handed out indices of the current lists since, which this copy cannot
    /// know; on a fresh list no index of this vault can meet one of that vault's. A renewal
    /// that fails leaves the vault refusing writes (each would otherwise seal an anchor
    /// without the mark and forget the renewal) until it is opened again.
    pub(super) fn settle_restore(&mut self) {
        if !self.restored {
            return;
        }
        // Another process with the vault open may have made the first change already.
        if !is_marked_restored(&self.records) {
            self.restored = false;
            return;
        }
        // With no brand there is no list to renew; the caller's write drops the mark.
        let res = self.renewed_brands(&BTreeMap::new()).and_then(|renewed| {
            if renewed.is_empty() {
                return Ok(());
            }
            self.records.write(|tx| save_renewed(tx, &renewed))
        });
        match res {
            Ok(()) => self.restored = false,
            Err(e) => self.records.taint(Some(Problem::new(
                "vault_meta",
                "anchor",
                ProblemKind::Anchor,
                format!(
                    "the status lists could not be renewed after a restore ({e}); \
                     nothing can be changed until the vault is opened again"
                ),
            ))),
        }
    }

    /// Every brand with its status list renewed ([`BrandRecord::renew_list`]), not saved yet:
    /// (row id, record, the list it left). The fresh list's high-water set holds every index
    /// this vault knows was taken on any of the brand's lists, and what `carry` brings from a
    /// replaced vault.
    fn renewed_brands(
        &self,
        carry: &BTreeMap<String, (String, usize, BTreeSet<usize>)>,
    ) -> Result<Vec<(String, BrandRecord, String)>> {
        let repo = BrandRepo::new(&self.records);
        let mut out = Vec::new();
        for brand in repo.list()? {
            let (row_id, mut rec, _) = repo.record(&brand.id)?;
            let states = repo.grant_states(&row_id)?;
            let on_list = states
                .iter()
                .filter(|g| rec.on_current_list(&g.id))
                .map(|g| g.id.clone())
                .collect();
            let mut taken = rec.allocated.clone();
            taken.extend(
                states
                    .iter()
                    .map(|g| usize::try_from(g.status_idx).unwrap_or(0)),
            );
            let mut min_len = 0;
            if let Some((_, len, carried)) = carry.get(&brand.id) {
                taken.extend(carried.iter().copied());
                min_len = *len;
            }
            let left = rec.status_uri.clone();
            rec.renew_list(on_list, taken, min_len)?;
            out.push((row_id, rec, left));
        }
        Ok(out)
    }
}

/// Save renewed brand records inside `tx`, each with its audit entry.
fn save_renewed(
    tx: &crate::records::Tx<'_>,
    renewed: &[(String, BrandRecord, String)],
) -> Result<()> {
    for (row_id, rec, left) in renewed {
        rec.save(tx, row_id)?;
        tx.audit::<VaultError>(
            &AuditEvent::new(
                "brand.status_list_renewed",
                rec.audience.as_str(),
                format!(
                    "after a restore: new grants go on {}; those on {left} stay there",
                    rec.status_uri
                ),
            )
            .with("brand", rec.audience.as_str())
            .with("list", rec.status_uri.as_str()),
        )?;
    }
    Ok(())
}

/// The sealed anchor as a restore marks it: the records layer's [`Anchor`] plus `restored`,
/// which that layer does not know (it reads past it, and drops it with the next anchor).
#[derive(Serialize, Deserialize)]
struct MarkedAnchor {
    #[serde(flatten)]
    anchor: Anchor,
    #[serde(default)]
    restored: bool,
}

/// Whether the vault's anchor carries a restore's mark ([`Vault::mark_restored`]). An anchor
/// that does not open reads as unmarked; the integrity check reports it.
pub(super) fn is_marked_restored(records: &Records) -> bool {
    #[derive(Deserialize)]
    struct Mark {
        #[serde(default)]
        restored: bool,
    }
    let Ok(vault_id) = records.vault_id() else {
        return false;
    };
    let sealed: Option<Vec<u8>> = records
        .conn()
        .query_row("SELECT anchor FROM vault_meta WHERE id = 1", [], |r| {
            r.get(0)
        })
        .ok()
        .flatten();
    sealed
        .and_then(|s| records.open::<Mark>(ANCHOR, &vault_id, &s).ok())
        .is_some_and(|m| m.restored)
}
