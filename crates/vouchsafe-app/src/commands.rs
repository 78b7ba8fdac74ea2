//! One function per IPC command, holding the command's whole body (docs/desktop-ipc.md).
//!
//! The Tauri shell only deserialises arguments and calls these, so everything here is tested
//! without a window. Each function starts with [`AppState::enter`], which applies auto-lock
//! and counts the call as activity; all but the few commands the contract exempts then need an
//! unlocked vault and otherwise fail with kind `locked`.
//!
//! Argon2id never runs with the session lock held: a command that derives a key does so on a
//! connection of its own first, then enters again briefly to install or use the result
//! (see [`crate::state`]). What cannot be undone (restore over a vault, plaintext export,
//! erase) needs the passphrase of the vault it affects, not only an unlocked window.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use vouchsafe::grants::request::{
    self, Channel, ChannelChoices, Choice, GrantError, GrantRequest, GrantRequestParts,
};
use vouchsafe::grants::{Dropped, Narrowing};
use vouchsafe::profile::{self, FieldName};
use vouchsafe::{NewBrand, Passphrase, Vault, VaultError};

use crate::clipboard::{Clipboard, PendingClear};
use crate::dto::{
    AppStatus, AuditDto, AuditEntryDto, AuditPageDto, BrandDto, ChainStateDto, ChannelChangeDto,
    ChannelDto, FieldDto, FieldSpecDto, GrantDto, GrantPageDto, GrantPreviewDto, GrantRequestDto,
    GrantStateDto, IntegrityDto, IssuedGrantDto, LockReason, NarrowDto, ReceiptDto, RestoreDto,
    RestorePreviewDto, SaveWhat, SettingsDto, Strength, UnlockDto, summary_dto,
};
use crate::error::{CmdResult, CommandError, ErrorKind};
use crate::integrity;
use crate::kdf_gate;
use crate::secret::SecretArg;
use crate::settings;
use crate::state::AppState;

/// The words `erase_vault` accepts: what the UI asks the person to type, in English or Korean.
pub const ERASE_WORDS: [&str; 2] = ["ERASE", "삭제"];

/// zxcvbn's cost grows quickly with length, and beyond this a passphrase's strength is not in
/// doubt; only this many characters are scored.
const STRENGTH_MAX_CHARS: usize = 100;

/// `None` for an absent or blank optional text: an empty input box means "not given".
fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Paths come from the save/open dialogs and are absolute; a relative one would resolve
/// against wherever the app happened to start, so it is refused.
pub(crate) fn absolute(path: &str) -> CmdResult<PathBuf> {
    let p = PathBuf::from(path);
    if path.trim().is_empty() || !p.is_absolute() {
        return Err(CommandError::invalid(format!(
            "{path:?} is not an absolute file path"
        )));
    }
    Ok(p)
}

fn mismatch() -> CommandError {
    CommandError::invalid("the two passphrases differ; type the same passphrase twice")
}

/// Open the vault file at `path` with `passphrase` on a connection of its own, with the session
/// lock not held. This is how a command proves the person knows the passphrase of the vault it
/// is about to export, erase or replace; `what` names that file in a wrong-passphrase message,
/// since a restore asks for two. With `kdf_confirmed` `Some(flag)`, a file asking for more than
/// the default KDF cost is first put to the person ([`kdf_gate`]); `None` for the session's
/// own vault, unlocked already.
fn prove_passphrase(
    path: &Path,
    passphrase: &Passphrase,
    what: &str,
    kdf_confirmed: Option<bool>,
) -> CmdResult<Vault> {
    prove_opened(Vault::open(path)?, passphrase, what, kdf_confirmed)
}

/// [`prove_passphrase`] for a backup: what `read` needs of it, read from a private temporary
/// copy beside the session's vault. Unlocking migrates an older file, and a backup is only
/// ever read: previewing a restore, or a wrong passphrase, leaves its bytes as they were.
fn prove_backup<T>(
    state: &AppState,
    backup: &Path,
    passphrase: &Passphrase,
    kdf_confirmed: bool,
    read: impl FnOnce(&Vault) -> CmdResult<T>,
) -> CmdResult<T> {
    Vault::with_copy(backup, state.vault_path(), |file| {
        read(&prove_opened(
            file,
            passphrase,
            "the backup",
            Some(kdf_confirmed),
        )?)
    })
}

/// The body of [`prove_passphrase`], for a file already opened.
fn prove_opened(
    file: vouchsafe::LockedVault,
    passphrase: &Passphrase,
    what: &str,
    kdf_confirmed: Option<bool>,
) -> CmdResult<Vault> {
    if let Some(confirmed) = kdf_confirmed {
        kdf_gate::check(&file, confirmed)?;
    }
    file.unlock(passphrase).map_err(|e| match e {
        VaultError::WrongPassphrase => CommandError::new(
            ErrorKind::WrongPassphrase,
            format!("the passphrase of {what} is wrong"),
        ),
        e => e.into(),
    })
}

/// Put a freshly derived vault in the session, with what its integrity check found: the only
/// part of an unlock or a create that holds the lock.
fn install(state: &AppState, vault: Vault, integrity: IntegrityDto) {
    let mut s = state.enter();
    s.vault = Some(vault);
    s.integrity = Some(integrity);
    s.locked_reason = None;
}

/// After a command deleted or overwrote data: write the WAL into the vault file and truncate
/// it, so a removed value or a grant's earlier state does not linger in `-wal` for the rest of
/// a long desktop session. The change itself is committed already, so a checkpoint that a
/// reader in another process holds up (or that fails) is not the command's failure; the next
/// one, or closing the vault, catches up.
fn checkpoint(vault: &Vault) {
    let _ = vault.checkpoint();
}

/// The open vault's file, checking on the way that it is open (`locked` otherwise).
fn open_vault_path(state: &AppState) -> CmdResult<PathBuf> {
    let mut s = state.enter();
    Ok(s.vault()?.path().to_path_buf())
}

pub fn app_status(state: &AppState) -> CmdResult<AppStatus> {
    let s = state.enter();
    Ok(AppStatus {
        vault_exists: state.vault_path().is_file(),
        unlocked: s.is_unlocked(),
        vault_path: state.vault_path().display().to_string(),
        locale: s.settings.locale,
        auto_lock_minutes: s.settings.auto_lock_minutes,
        locked_reason: s.locked_reason,
        integrity: if s.is_unlocked() {
            s.integrity.clone()
        } else {
            None
        },
    })
}

pub fn passphrase_strength(state: &AppState, passphrase: &SecretArg) -> CmdResult<Strength> {
    drop(state.enter());
    let text: String = passphrase
        .expose()
        .chars()
        .take(STRENGTH_MAX_CHARS)
        .collect();
    let text = zeroize::Zeroizing::new(text);
    let e = zxcvbn::zxcvbn(&text, &["vouchsafe"]);
    let crack = match e.crack_times().offline_slow_hashing_1e4_per_second() {
        zxcvbn::time_estimates::CrackTimeSeconds::Integer(n) => n as f64,
        zxcvbn::time_estimates::CrackTimeSeconds::Float(f) => f,
    };
    let (warning, suggestions) = match e.feedback() {
        Some(f) => (
            f.warning().map(|w| w.to_string()),
            f.suggestions().iter().map(ToString::to_string).collect(),
        ),
        None => (None, Vec::new()),
    };
    Ok(Strength {
        score: u8::from(e.score()),
        crack_time_seconds: crack,
        warning,
        suggestions,
    })
}

pub fn create_vault(state: &AppState, passphrase: SecretArg, confirm: SecretArg) -> CmdResult<()> {
    drop(state.enter());
    let (pp, confirm) = (passphrase.into_passphrase(), confirm.into_passphrase());
    if !pp.matches(&confirm) {
        return Err(mismatch());
    }
    // The core builds the file under a temporary name and links it into place, so a second
    // create racing this one fails with `conflict` rather than sharing the file.
    let mut vault = Vault::create(state.vault_path(), &pp, state.config().kdf)?;
    let (_, report) = integrity::admit(&mut vault, state.config(), false)?;
    install(state, vault, report);
    Ok(())
}

/// `allow_costly_kdf`: the person agreed to a file that asks for more than the default KDF
/// cost; without it such a file is refused with `costly_kdf` before anything is derived.
/// The vault is checked whole as it opens ([`integrity::admit`]); one older than this machine
/// last saw is dropped again, unwritten, unless `accept_rollback`.
pub fn unlock(
    state: &AppState,
    passphrase: SecretArg,
    allow_costly_kdf: bool,
    accept_rollback: bool,
) -> CmdResult<UnlockDto> {
    drop(state.enter());
    let file = Vault::open(state.vault_path())?;
    kdf_gate::check(&file, allow_costly_kdf)?;
    let mut vault = file.unlock(&passphrase.into_passphrase())?;
    let (admitted, report) =
        integrity::admit_unlocked(&mut vault, state.config(), accept_rollback)?;
    if admitted {
        install(state, vault, report.clone());
    }
    Ok(UnlockDto {
        unlocked: admitted,
        integrity: report,
    })
}

pub fn lock(state: &AppState) -> CmdResult<()> {
    let mut s = state.enter();
    // Not `vault()`: locking must work during a passphrase change too.
    if !s.is_unlocked() {
        return Err(CommandError::locked());
    }
    s.lock(LockReason::Manual);
    Ok(())
}

pub fn touch(state: &AppState) -> CmdResult<()> {
    if state.enter().is_unlocked() {
        Ok(())
    } else {
        Err(CommandError::locked())
    }
}

/// Restore `path` (opened with `passphrase`). Over an existing vault (`overwrite`), `current`
/// must be that vault's passphrase, and the core keeps the replaced vault as a dated private
/// copy beside it (the result says where); with no vault there, `current` is ignored (the UI
/// sends ""). Both passphrases are proven, on connections of their own and with the session
/// lock free, before anything is touched.
///
/// Without `confirmed`, a restore over a vault changes nothing and returns its preview (the
/// grants the backup would un-revoke or forget, whether it is older), as does a restore to an
/// empty place of a backup older than this machine last saw of that vault; the person then
/// confirms and the command runs again with `confirmed`. Confirming an older backup is
/// recorded in the restored vault's activity log.
pub fn restore_backup(
    state: &AppState,
    path: &str,
    passphrase: SecretArg,
    current: SecretArg,
    overwrite: bool,
    allow_costly_kdf: bool,
    confirmed: bool,
) -> CmdResult<RestoreDto> {
    drop(state.enter());
    let backup = absolute(path)?;
    let target = state.vault_path();
    if target.exists() && !overwrite {
        return Err(VaultError::AlreadyExists(target.to_path_buf()).into());
    }
    let pp = passphrase.into_passphrase();
    // Older than this machine has seen this vault: said too (over a vault, though the restore
    // moves the generation on).
    let (backup_generation, rollback) = prove_backup(state, &backup, &pp, allow_costly_kdf, |b| {
        Ok((b.generation()?, integrity::rollback_of(b, state.config())?))
    })?;
    if !target.exists() {
        // Nothing to compare with but what this machine remembers of the vault.
        let preview = RestorePreviewDto::fresh(backup_generation, rollback);
        if preview.needs_confirmation && !confirmed {
            return Ok(preview_only(preview));
        }
        // The core refuses if a vault appears there meanwhile.
        let mut vault = Vault::restore(&backup, target, &pp, false)?;
        let (_, report) = integrity::admit(&mut vault, state.config(), true)?;
        install(state, vault, report.clone());
        return Ok(RestoreDto {
            restored: true,
            safety_copy: None,
            preview: None,
            integrity: Some(report),
        });
    }
    let current = current.into_passphrase();
    let old = prove_passphrase(
        target,
        &current,
        "the vault it replaces",
        Some(allow_costly_kdf),
    )?;
    // A vault that fails its check cannot say what the backup would undo (the core's preview
    // reads every grant, and refuses one that fails its check); restoring over it carries
    // only what still reads as authentic.
    let untrusted = !old.unlock_check().is_intact();
    if !confirmed {
        let mut preview = if untrusted {
            RestorePreviewDto::over_untrusted(backup_generation, old.generation()?)
        } else {
            RestorePreviewDto::over(&old, &old.restore_preview(&backup, &pp)?)?
        };
        preview.needs_confirmation |= rollback.is_some();
        preview.rollback = rollback;
        return Ok(preview_only(preview));
    }
    // The core refuses to replace a file another connection holds, so the session's own
    // connection (if unlocked) closes; the session stays "unlocked, busy" until the restored
    // vault takes its place.
    let mut held = match state.hold_out() {
        Ok(mut h) => {
            drop(h.take());
            Some(h)
        }
        Err(e) if e.kind == ErrorKind::Locked => None,
        Err(e) => return Err(e),
    };
    let restored = if untrusted {
        old.restore_over_untrusted(&backup, &pp)
    } else {
        old.restore_over(&backup, &pp)
    };
    match restored {
        Ok(restored) => {
            let safety_copy = Some(restored.safety_copy.display().to_string());
            let mut vault = restored.vault;
            // The restore moved the generation past the replaced vault's, so this records it;
            // were the replaced vault itself older than this machine has seen, the
            // confirmation given for the restore accepts (and logs) that rollback.
            // Either way the restored vault is the one in use now.
            let admitted = integrity::admit(&mut vault, state.config(), true);
            match held.as_mut() {
                Some(h) => h.put(vault),
                None => {
                    let mut s = state.enter();
                    s.vault = Some(vault);
                    s.locked_reason = None;
                }
            }
            drop(held);
            let report = admitted.map(|(_, r)| r);
            state.session().integrity = report.as_ref().ok().cloned();
            Ok(RestoreDto {
                restored: true,
                safety_copy,
                preview: None,
                integrity: Some(report?),
            })
        }
        Err(e) => {
            // Nothing was replaced (the core installs last); give an unlocked session its
            // vault back rather than locking the person out over a failed restore.
            if let Some(h) = held.as_mut()
                && let Ok(v) = Vault::open(target).and_then(|f| f.unlock(&current))
            {
                h.put(v);
            }
            Err(e.into())
        }
    }
}

/// A restore that was only previewed.
fn preview_only(preview: RestorePreviewDto) -> RestoreDto {
    RestoreDto {
        restored: false,
        safety_copy: None,
        preview: Some(preview),
        integrity: None,
    }
}

pub fn field_catalogue(state: &AppState) -> CmdResult<Vec<FieldSpecDto>> {
    drop(state.enter());
    Ok(profile::catalogue()
        .iter()
        .map(FieldSpecDto::from)
        .collect())
}

pub fn list_fields(state: &AppState) -> CmdResult<Vec<FieldDto>> {
    let mut s = state.enter();
    Ok(s.vault()?
        .fields()
        .list()?
        .iter()
        .map(FieldDto::from)
        .collect())
}

fn field_name(name: &str) -> CmdResult<FieldName> {
    Ok(name.trim().parse::<FieldName>()?)
}

pub fn set_field(
    state: &AppState,
    name: &str,
    value: &str,
    label: Option<&str>,
) -> CmdResult<FieldDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let name = field_name(name)?;
    let field = vault.fields_mut().set(&name, value, given(label))?;
    // The value it replaced must not stay behind in the WAL either.
    checkpoint(vault);
    Ok(FieldDto::from(&field))
}

pub fn remove_field(state: &AppState, name: &str) -> CmdResult<()> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let name = field_name(name)?;
    if vault.fields_mut().remove(&name)? {
        checkpoint(vault);
        Ok(())
    } else {
        Err(VaultError::FieldNotSet(name.to_string()).into())
    }
}

pub fn list_brands(state: &AppState) -> CmdResult<Vec<BrandDto>> {
    let mut s = state.enter();
    let vault = s.vault()?;
    // One pass over the grants for all brands, rather than one per brand, reading only what
    // the counts need.
    let grants = vault.grants().brand_holdings()?;
    Ok(vault
        .brands()
        .list()?
        .iter()
        .map(|b| BrandDto::from_holdings(b, &grants))
        .collect())
}

pub fn add_brand(
    state: &AppState,
    id: &str,
    name: &str,
    url: Option<&str>,
    status_url: Option<&str>,
) -> CmdResult<BrandDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let brand = vault.brands_mut().add(&NewBrand {
        id: id.trim(),
        name,
        url: given(url),
        status_url: given(status_url),
        ..NewBrand::default()
    })?;
    Ok(BrandDto::new(&brand, &[]))
}

pub fn remove_brand(state: &AppState, id: &str, revoke: bool) -> CmdResult<Option<String>> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let token = vault.brands_mut().remove(id, revoke)?;
    checkpoint(vault);
    Ok(token)
}

/// The share screen's channel × kind grid as the core's checked channel consent, dated `now`.
fn channel_choices(
    channels: &[ChannelDto],
    night_ads: bool,
    now: i64,
) -> CmdResult<ChannelChoices> {
    let choices = channels
        .iter()
        .map(|c| {
            Ok(Choice::new(
                c.channel.parse::<Channel>()?,
                c.kind.into(),
                c.allowed,
            ))
        })
        .collect::<Result<Vec<_>, GrantError>>()?;
    Ok(ChannelChoices::new(choices, night_ads, now)?)
}

/// Change the channel consent of an active grant, as `vouchsafe grant channels` does: the
/// grant is reissued with the new choices (dated now) and the old one revoked; a connected
/// brand gets the `channel-consent-changed` event and the new grant, queued in the same
/// transaction. No network here.
pub fn change_grant_channels(
    state: &AppState,
    id: &str,
    change: &ChannelChangeDto,
) -> CmdResult<IssuedGrantDto> {
    let now = jiff::Timestamp::now().as_second();
    let choices = channel_choices(&change.channels, change.night_ads, now)?;
    let mut s = state.enter();
    let vault = s.vault()?;
    let issued = vault.grants_mut().change_channels(id, choices)?;
    checkpoint(vault);
    Ok(issued.into())
}

/// Narrow an active grant, as `vouchsafe grant narrow` does: reissued releasing less (each
/// name in `replace` replaced by `with`, each in `drop` left out; the core refuses a fact not
/// derived from what it replaces, or anything the grant does not release), the old one revoked;
/// a connected brand's event carrying the narrowed grant is queued in the same transaction.
/// No network here.
pub fn narrow_grant(
    state: &AppState,
    id: &str,
    narrowing: &NarrowDto,
) -> CmdResult<IssuedGrantDto> {
    let replace = match (&narrowing.with, narrowing.replace.is_empty()) {
        (_, true) => Narrowing::default(),
        (Some(with), false) => Narrowing::replacing(&narrowing.replace, with)?,
        (None, false) => {
            return Err(GrantError::BadReplacement(narrowing.replace.join(",")).into());
        }
    };
    let drop = narrowing
        .drop
        .iter()
        .map(|d| d.parse::<Dropped>())
        .collect::<Result<Vec<_>, _>>()?;
    let narrowing = Narrowing::new(replace.replace, drop);
    let mut s = state.enter();
    let vault = s.vault()?;
    let issued = vault.grants_mut().narrow(id, &narrowing)?;
    checkpoint(vault);
    Ok(issued.into())
}

/// Turn the share screen's request into the core's typed, checked request: names parsed one
/// by one, channels as typed choices (no detour through the CLI's `email,-sms` spelling).
fn grant_request(req: &GrantRequestDto) -> CmdResult<GrantRequest> {
    let fields = req
        .fields
        .iter()
        .map(|f| field_name(f))
        .collect::<CmdResult<Vec<_>>>()?;
    let derived = req
        .derived
        .iter()
        .map(|d| request::parse_derived(d))
        .collect::<Result<Vec<_>, _>>()?;
    let now = jiff::Timestamp::now();
    let channels = channel_choices(&req.channels, req.night_ads, now.as_second())?;
    let expires_at = request::parse_expiry(&req.expires, now, &jiff::tz::TimeZone::system())?;
    Ok(GrantRequest::new(
        GrantRequestParts {
            brand: req.brand.clone(),
            fields,
            derived,
            purpose: req.purpose.clone(),
            purpose_category: given(req.purpose_category.as_deref()).map(str::to_string),
            channels,
            offer: req.offer.clone(),
            expires_at,
        },
        now.as_second(),
    )?)
}

pub fn preview_grant(state: &AppState, request: &GrantRequestDto) -> CmdResult<GrantPreviewDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let p = vault.grants().preview(&grant_request(request)?)?;
    Ok(GrantPreviewDto {
        claims: p.claims,
        datatypes: p.datatypes,
        summary: summary_dto(&p.summary),
    })
}

pub fn issue_grant(state: &AppState, request: &GrantRequestDto) -> CmdResult<IssuedGrantDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    Ok(vault.grants_mut().issue(&grant_request(request)?)?.into())
}

pub fn list_grants(state: &AppState, brand: Option<&str>) -> CmdResult<Vec<GrantDto>> {
    let mut s = state.enter();
    Ok(s.vault()?
        .grants()
        .list(given(brand))?
        .into_iter()
        .map(GrantDto::from)
        .collect())
}

/// The most a page command returns, whatever `limit` asks: a page is what a screen shows.
pub const PAGE_MAX: u32 = 500;

/// Offsets and counts cross the IPC as `u32`; a vault never holds more rows than that.
fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn grant_page(
    state: &AppState,
    brand: Option<&str>,
    grant_state: Option<GrantStateDto>,
    offset: u32,
    limit: u32,
) -> CmdResult<GrantPageDto> {
    let mut s = state.enter();
    let want = grant_state.map(|g| match g {
        GrantStateDto::Active => vouchsafe::GrantState::Active,
        GrantStateDto::Expired => vouchsafe::GrantState::Expired,
        GrantStateDto::Revoked => vouchsafe::GrantState::Revoked,
    });
    let (items, total) = s.vault()?.grants().page(
        given(brand),
        want,
        offset as usize,
        limit.min(PAGE_MAX) as usize,
    )?;
    Ok(GrantPageDto {
        items: items.into_iter().map(GrantDto::from).collect(),
        total: count32(total),
        offset,
    })
}

/// A revocation checkpoints too, so the vault file itself holds it at once: a copy of
/// `vault.db` without its `-wal` (a sync tool, a file manager) would otherwise still show the
/// grant live.
pub fn revoke_grant(state: &AppState, id: &str) -> CmdResult<GrantDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let grant = vault.grants_mut().revoke(id)?;
    checkpoint(vault);
    Ok(grant.into())
}

/// Replace an active grant with one carrying today's values (after a field changed: "move
/// house"), the old one revoked, as `vouchsafe grant reissue` does; with `expires_at`, the new
/// grant runs for that other period instead of the old one's. A connected brand is told in the
/// same transaction (a `token-claims-change` event carrying the new grant, queued in the
/// outbox); the outbox delivers it (`outbox_retry`, or the background run). No network here.
pub fn reissue_grant(
    state: &AppState,
    id: &str,
    expires_at: Option<i64>,
) -> CmdResult<IssuedGrantDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let grants = &mut vault.grants_mut();
    let issued = match expires_at {
        Some(t) => grants.reissue_until(id, t)?,
        None => grants.reissue(id)?,
    };
    checkpoint(vault);
    Ok(issued.into())
}

/// Revoke a grant (if it is not revoked yet) and ask its brand to erase what it received, as
/// `vouchsafe grant erase` does: the `erasure-requested` event is queued in the same
/// transaction, and the brand's signed erasure receipt is fetched after delivery. Refused
/// (`invalid_input`) for a brand added by hand: it has no inbox to ask. No network here.
pub fn erase_grant(state: &AppState, id: &str) -> CmdResult<GrantDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let grant = vault.grants_mut().erase(id)?;
    checkpoint(vault);
    Ok(grant.into())
}

pub fn revoke_brand(state: &AppState, id: &str) -> CmdResult<u32> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let n = vault.brands_mut().revoke_grants(id)?;
    checkpoint(vault);
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The receipt's claims decoded for display; we signed it a moment ago, so this only parses.
fn receipt_dto(token: String) -> CmdResult<ReceiptDto> {
    let claims = vouchsafe_token::CompactJws::parse(&token)
        .and_then(|j| j.claims())
        .map_err(|e| CommandError::new(ErrorKind::Internal, format!("receipt: {e}")))?;
    Ok(ReceiptDto { token, claims })
}

pub fn grant_receipt(state: &AppState, id: &str) -> CmdResult<ReceiptDto> {
    let mut s = state.enter();
    let token = s.vault()?.grants().receipt(id)?;
    receipt_dto(token)
}

pub fn status_list(state: &AppState, brand: &str) -> CmdResult<String> {
    let mut s = state.enter();
    Ok(s.vault()?.brands().status_list_token(brand)?)
}

/// Write `text` to `path`, owner-only (0600): a token is a credential a brand accepts.
/// Overwrites, because the save dialog has already asked.
fn write_private(path: &Path, text: &str) -> CmdResult<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let io = |e: std::io::Error| CommandError::io(path.display(), &e);
    let mut f = opts.open(path).map_err(io)?;
    // `mode` only applies to a new file; an existing one is narrowed too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    f.write_all(text.as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .and_then(|()| f.sync_all())
        .map_err(io)
}

pub fn save_text(state: &AppState, path: &str, what: SaveWhat, id: &str) -> CmdResult<()> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let path = absolute(path)?;
    let text = match what {
        SaveWhat::Token => vault.grants().get(id)?.token,
        SaveWhat::Receipt => vault.grants().receipt(id)?,
        SaveWhat::StatusList => vault.brands().status_list_token(id)?,
    };
    write_private(&path, &text)
}

pub fn qr_svg(state: &AppState, text: &str) -> CmdResult<String> {
    state.enter().vault()?;
    use qrcode::{EcLevel, QrCode, render::svg};
    // Medium error correction when it fits; a long token still fits at low, and a screen shown
    // to a camera does not need more.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L))
        .map_err(|e| CommandError::invalid(format!("cannot make a QR code of this text: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(320, 320)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

/// Put `text` on the clipboard; the returned [`PendingClear`] is what the shell checks after
/// [`CLEAR_AFTER`](crate::clipboard::CLEAR_AFTER).
pub fn copy_secret(
    state: &AppState,
    clipboard: &dyn Clipboard,
    text: &str,
) -> CmdResult<PendingClear> {
    state.enter().vault()?;
    clipboard
        .write_text(text)
        .map_err(|e| CommandError::new(ErrorKind::Internal, format!("clipboard: {e}")))?;
    Ok(PendingClear::new(text))
}

pub fn audit_log(state: &AppState) -> CmdResult<AuditDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let entries = vault
        .audit()
        .entries()?
        .into_iter()
        .map(AuditEntryDto::from)
        .collect();
    Ok(AuditDto {
        entries,
        chain: vault.audit().verify()?.into(),
    })
}

pub fn audit_page(state: &AppState, offset: u32, limit: u32) -> CmdResult<AuditPageDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let (entries, total) = vault
        .audit()
        .page(offset as usize, limit.min(PAGE_MAX) as usize)?;
    Ok(AuditPageDto {
        entries: entries.into_iter().map(AuditEntryDto::from).collect(),
        total: count32(total),
        offset,
    })
}

pub fn audit_chain(state: &AppState) -> CmdResult<ChainStateDto> {
    let mut s = state.enter();
    Ok(s.vault()?.audit().verify()?.into())
}

pub fn change_passphrase(
    state: &AppState,
    current: SecretArg,
    new: SecretArg,
    confirm: SecretArg,
) -> CmdResult<()> {
    let path = open_vault_path(state)?;
    let (current, new): (Passphrase, Passphrase) =
        (current.into_passphrase(), new.into_passphrase());
    if !new.matches(&confirm.into_passphrase()) {
        return Err(mismatch());
    }
    // Being unlocked is not enough: whoever sits at an unlocked screen must still know the
    // passphrase to change it. A second connection proves it without touching the open one.
    drop(prove_passphrase(&path, &current, "this vault", None)?);
    // The change runs Argon2id too: on the session's vault, taken out of the session so its
    // lock stays free (and nothing else writes meanwhile).
    let mut held = state.hold_out()?;
    held.vault()?.change_passphrase(&new, None)?;
    Ok(())
}

pub fn get_settings(state: &AppState) -> CmdResult<SettingsDto> {
    let mut s = state.enter();
    s.vault()?;
    Ok(s.settings)
}

pub fn set_settings(state: &AppState, new: SettingsDto) -> CmdResult<SettingsDto> {
    let mut s = state.enter();
    s.vault()?;
    settings::save(&state.config().settings_path(), &new)?;
    s.settings = new;
    Ok(new)
}

pub fn backup(state: &AppState, path: &str, overwrite: bool) -> CmdResult<()> {
    let mut s = state.enter();
    let vault = s.vault()?;
    vault.backup_to(&absolute(path)?, overwrite)?;
    Ok(())
}

/// Every value in the clear, so only with the vault's passphrase.
pub fn export_plaintext(state: &AppState, path: &str, passphrase: SecretArg) -> CmdResult<()> {
    let vault_path = open_vault_path(state)?;
    let dest = absolute(path)?;
    drop(prove_passphrase(
        &vault_path,
        &passphrase.into_passphrase(),
        "this vault",
        None,
    )?);
    let mut s = state.enter();
    s.vault()?.fields_mut().export_plaintext_to(&dest)?;
    Ok(())
}

/// The typed word guards against a slip; the passphrase against someone else at the window.
pub fn erase_vault(state: &AppState, confirmation: &str, passphrase: SecretArg) -> CmdResult<()> {
    let vault_path = open_vault_path(state)?;
    if !ERASE_WORDS.contains(&confirmation.trim()) {
        return Err(CommandError::invalid(
            "type the confirmation word exactly to erase the vault",
        ));
    }
    drop(prove_passphrase(
        &vault_path,
        &passphrase.into_passphrase(),
        "this vault",
        None,
    )?);
    let mut s = state.enter();
    s.vault()?;
    let vault = s.vault.take().ok_or_else(CommandError::locked)?;
    s.locked_reason = None;
    vault.erase()?;
    // Nothing of ours stays behind; the running session keeps its language until it closes.
    let _ = fs::remove_file(crate::notify::notified_path(state.config()));
    let settings_path = state.config().settings_path();
    match fs::remove_file(&settings_path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CommandError::io(settings_path.display(), &e)),
    }
}

// The brand report: its body is in its own module.
pub use crate::report::save_brand_report;

// Pages of brands and fields for the brands and share screens: their bodies are in their own module.
pub use crate::pages::{brand_choices, brand_page, field_page};

// The review: its body is in its own module.
pub use crate::review::{review_ad_consent, review_list};

// Connect and the outbox: their bodies and DTOs are in their own module.
pub use crate::connect::{
    connect_plan, connect_preview, connect_send, grant_deliveries, outbox_list, outbox_retry,
};
