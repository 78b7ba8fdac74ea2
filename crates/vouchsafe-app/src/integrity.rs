//! What the app checks when a vault opens, and what a restore would undo, in the shapes the UI
//! shows: the core's whole-vault check ([`Vault::check`], as `vouchsafe check` runs it), the
//! generation last seen on this machine ([`Vault::freshness`], as the CLI's `--yes` guard), and
//! the restore preview ([`Vault::restore_preview`]).
//!
//! The rules, the same as the CLI's: a vault older than the one last seen here is not used until
//! the person accepts it, and accepting is one audited write (`vault.rollback_accepted`). A vault
//! whose check finds problems stays readable (each read still refuses a row it cannot trust, and
//! the core refuses every write and every status list), so the person can look, back it up and
//! restore; the window says what is wrong for as long as it is open.

use serde::Serialize;
use ts_rs::TS;
use vouchsafe::{Freshness, GrantInfo, Problem, ProblemKind, RestorePreview, Vault};

use crate::error::CmdResult;
use crate::state::AppConfig;

/// What kind of problem the check found with one row (the core's `ProblemKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ProblemKind")]
pub enum ProblemKindDto {
    /// Its state no longer matches its MAC.
    Altered,
    /// Deleted: the anchor lists it, the file does not have it.
    Missing,
    /// Inserted or re-added: the anchor does not list it.
    Added,
    /// An older version of itself put back.
    Replaced,
    /// The vault's integrity anchor is missing, altered or from another vault.
    Anchor,
    /// The activity log was edited, emptied, cut or reordered.
    AuditLog,
    /// A kind this build of the app does not know; `detail` says what.
    Other,
}

impl From<ProblemKind> for ProblemKindDto {
    fn from(k: ProblemKind) -> Self {
        match k {
            ProblemKind::Altered => Self::Altered,
            ProblemKind::Missing => Self::Missing,
            ProblemKind::Added => Self::Added,
            ProblemKind::Replaced => Self::Replaced,
            ProblemKind::Anchor => Self::Anchor,
            ProblemKind::AuditLog => Self::AuditLog,
            _ => Self::Other,
        }
    }
}

/// One problem, naming its row: `table` is `fields`, `brands`, `grants`, `audit` or
/// `vault_meta`; `id` is the row's id (a grant's id as the grants screen shows it, an audit
/// entry's number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Problem")]
pub struct ProblemDto {
    pub table: String,
    pub id: String,
    pub kind: ProblemKindDto,
    /// The core's one English sentence.
    pub detail: String,
}

impl From<&Problem> for ProblemDto {
    fn from(p: &Problem) -> Self {
        Self {
            table: p.table.clone(),
            id: p.id.clone(),
            kind: p.kind.into(),
            detail: p.detail.clone(),
        }
    }
}

/// The vault is older than the one last opened on this machine: rolled back, or an older copy
/// put in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RollbackDto {
    /// The vault's generation (it grows by one with every change).
    pub generation: u64,
    /// The highest generation this machine has seen of this vault.
    pub seen: u64,
    /// The person accepted it and the acceptance is in the activity log.
    pub accepted: bool,
}

/// What the integrity check found on opening the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "IntegrityReport")]
pub struct IntegrityDto {
    /// No problem found (a rollback is reported apart, in `rollback`).
    pub intact: bool,
    /// Every problem, in table order.
    pub problems: Vec<ProblemDto>,
    /// The vault's generation, if its anchor opened.
    pub generation: Option<u64>,
    /// Rows checked.
    pub rows: u32,
    pub audit_entries: i64,
    /// Set when the vault is older than the one last seen here.
    pub rollback: Option<RollbackDto>,
}

/// The result of `unlock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnlockDto {
    /// `false` only for a rolled-back vault not yet accepted (`integrity.rollback`): nothing was
    /// opened or written; unlock again with `acceptRollback` to use it.
    pub unlocked: bool,
    pub integrity: IntegrityDto,
}

/// A grant a restore would change, as the current vault knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantBriefDto {
    pub id: String,
    pub brand: String,
    pub brand_name: String,
    /// What the brand received.
    pub released: Vec<String>,
    /// When this vault revoked it; `null` if it did not.
    pub revoked_at: Option<i64>,
}

/// What restoring a backup would do, shown before anything is replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RestorePreviewDto {
    /// A vault is there and would be replaced (and kept as a safety copy).
    pub replacing: bool,
    /// The vault it would replace failed its integrity check, so what the backup would bring
    /// back cannot be known from it (`unrevoked` and `forgotten` are empty).
    pub current_untrusted: bool,
    pub backup_generation: Option<u64>,
    /// The replaced vault's generation; `null` when none is replaced.
    pub current_generation: Option<u64>,
    /// The backup is older than the vault it replaces.
    pub older: bool,
    /// Revoked in the current vault, live in the backup: restoring un-revokes them (their
    /// brands' status lists would show them valid again).
    pub unrevoked: Vec<GrantBriefDto>,
    /// Issued after the backup was taken: the brands keep them, and the restored vault could no
    /// longer revoke them.
    pub forgotten: Vec<GrantBriefDto>,
    /// The backup is older than this vault as last seen on this machine (the only warning a
    /// restore where no vault is can give).
    pub rollback: Option<RollbackDto>,
    /// The backup is older or would undo something: the restore is refused until confirmed.
    pub needs_confirmation: bool,
}

impl RestorePreviewDto {
    /// The core's preview of a restore over `current`, with each forgotten grant named from it.
    pub fn over(current: &Vault, p: &RestorePreview) -> CmdResult<Self> {
        let grants = current.grants().list(None)?;
        let brief = |id: &str| {
            grants
                .iter()
                .find(|g| g.id == id)
                .map(GrantBriefDto::from)
                .unwrap_or_else(|| GrantBriefDto {
                    id: id.to_string(),
                    brand: String::new(),
                    brand_name: String::new(),
                    released: Vec::new(),
                    revoked_at: None,
                })
        };
        Ok(Self {
            replacing: true,
            current_untrusted: false,
            backup_generation: p.backup_generation,
            current_generation: p.current_generation,
            older: matches!(
                (p.backup_generation, p.current_generation),
                (Some(b), Some(c)) if b < c
            ),
            unrevoked: p
                .unrevoked
                .iter()
                .map(|g| GrantBriefDto {
                    id: g.id.clone(),
                    brand: g.brand.clone(),
                    brand_name: g.brand_name.clone(),
                    released: g.released.clone(),
                    revoked_at: Some(g.revoked_at),
                })
                .collect(),
            forgotten: p.forgotten.iter().map(|id| brief(id)).collect(),
            rollback: None,
            needs_confirmation: p.needs_confirmation(),
        })
    }

    /// A restore over a vault whose check found problems: what it says it revoked cannot be
    /// trusted, so there is nothing to compare; once confirmed the restore replaces it, carrying
    /// only what still reads as authentic (status indices, generation).
    pub fn over_untrusted(backup_generation: Option<u64>, current_generation: Option<u64>) -> Self {
        Self {
            replacing: true,
            current_untrusted: true,
            backup_generation,
            current_generation,
            // The anchor is sealed: its generation, when it opens, is still the vault's own.
            older: matches!(
                (backup_generation, current_generation),
                (Some(b), Some(c)) if b < c
            ),
            unrevoked: Vec::new(),
            forgotten: Vec::new(),
            rollback: None,
            needs_confirmation: true,
        }
    }

    /// A restore to a place with no vault: only the machine's memory of the vault (`rollback`)
    /// can say the backup is older.
    pub fn fresh(backup_generation: Option<u64>, rollback: Option<RollbackDto>) -> Self {
        Self {
            replacing: false,
            current_untrusted: false,
            backup_generation,
            current_generation: None,
            older: rollback.is_some(),
            unrevoked: Vec::new(),
            forgotten: Vec::new(),
            rollback,
            needs_confirmation: rollback.is_some(),
        }
    }
}

impl From<&GrantInfo> for GrantBriefDto {
    fn from(g: &GrantInfo) -> Self {
        Self {
            id: g.id.clone(),
            brand: g.brand.clone(),
            brand_name: g.brand_name.clone(),
            released: g.released.clone(),
            revoked_at: g.revoked_at,
        }
    }
}

/// Whether `vault` is older than the generation last seen of it on this machine.
pub fn rollback_of(vault: &Vault, config: &AppConfig) -> CmdResult<Option<RollbackDto>> {
    let Some(store) = config.anchor_store() else {
        return Ok(None);
    };
    Ok(match vault.freshness(&store)? {
        Freshness::RolledBack { generation, seen } => Some(RollbackDto {
            generation,
            seen,
            accepted: false,
        }),
        _ => None,
    })
}

/// A freshly unlocked (or restored) vault's gate: run the whole-vault check, compare its
/// generation with the one last seen here, and, unless it is a rollback the person has not
/// accepted, start recording its generations (then accept the rollback, audited, if asked).
/// Returns whether the vault may be used, and the report to show.
pub fn admit(
    vault: &mut Vault,
    config: &AppConfig,
    accept_rollback: bool,
) -> CmdResult<(bool, IntegrityDto)> {
    let report = vault.check()?;
    admit_checked(vault, report, config, accept_rollback)
}

/// [`admit`] for a vault just unlocked and not written since: the unlock's own whole-vault
/// check ([`Vault::unlock_check`]) is the report, not a second pass over every row.
pub fn admit_unlocked(
    vault: &mut Vault,
    config: &AppConfig,
    accept_rollback: bool,
) -> CmdResult<(bool, IntegrityDto)> {
    let report = vault.unlock_check().clone();
    admit_checked(vault, report, config, accept_rollback)
}

fn admit_checked(
    vault: &mut Vault,
    report: vouchsafe::IntegrityReport,
    config: &AppConfig,
    accept_rollback: bool,
) -> CmdResult<(bool, IntegrityDto)> {
    let mut rollback = rollback_of(vault, config)?;
    let mut dto = IntegrityDto {
        intact: report.is_intact(),
        problems: report.problems.iter().map(ProblemDto::from).collect(),
        generation: report.generation,
        rows: u32::try_from(report.rows).unwrap_or(u32::MAX),
        audit_entries: report.audit_entries,
        rollback,
    };
    if rollback.is_some() && !accept_rollback {
        return Ok((false, dto));
    }
    if let Some(store) = config.anchor_store() {
        vault.track_generations(Box::new(store))?;
    }
    if let Some(r) = rollback.as_mut()
        && report.is_intact()
    {
        // A vault with problems refuses every write, this one too; it stays read-only and the
        // warning comes back on the next unlock, which is right: it is still the older copy.
        vault.accept_rollback(r.seen)?;
        r.accepted = true;
        dto.generation = vault.generation()?;
    }
    dto.rollback = rollback;
    Ok((true, dto))
}
