//! One function per IPC command, holding the command's whole body (docs/desktop-ipc.md).
//!
//! The Tauri shell only deserialises arguments and calls these, so everything here is tested
//! without a window. Each function starts with [`AppState::enter`], which applies auto-lock
//! and counts the call as activity; all but the few commands the contract exempts then need an
//! unlocked vault and otherwise fail with kind `locked`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use vouchsafe::grants::request::{
    self, Channel, ChannelChoice, Derived, GrantError, GrantRequest, GrantRequestParts,
};
use vouchsafe::profile::{self, FieldName};
use vouchsafe::{NewBrand, Passphrase, Vault, VaultError};

use crate::clipboard::{Clipboard, PendingClear};
use crate::dto::{
    AppStatus, AuditDto, AuditEntryDto, BrandDto, FieldDto, FieldSpecDto, GrantDto,
    GrantPreviewDto, GrantRequestDto, IssuedGrantDto, LockReason, ReceiptDto, SaveWhat,
    SettingsDto, Strength, summary_dto,
};
use crate::error::{CmdResult, CommandError, ErrorKind};
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
fn absolute(path: &str) -> CmdResult<PathBuf> {
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

pub fn app_status(state: &AppState) -> CmdResult<AppStatus> {
    let s = state.enter();
    Ok(AppStatus {
        vault_exists: state.vault_path().is_file(),
        unlocked: s.is_unlocked(),
        vault_path: state.vault_path().display().to_string(),
        locale: s.settings.locale,
        auto_lock_minutes: s.settings.auto_lock_minutes,
        locked_reason: s.locked_reason,
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
    let mut s = state.enter();
    let (pp, confirm) = (passphrase.into_passphrase(), confirm.into_passphrase());
    if !pp.matches(&confirm) {
        return Err(mismatch());
    }
    let vault = Vault::create(state.vault_path(), &pp, state.config().kdf)?;
    s.vault = Some(vault);
    s.locked_reason = None;
    Ok(())
}

pub fn unlock(state: &AppState, passphrase: SecretArg) -> CmdResult<()> {
    let mut s = state.enter();
    let vault = Vault::open(state.vault_path())?.unlock(&passphrase.into_passphrase())?;
    s.vault = Some(vault);
    s.locked_reason = None;
    Ok(())
}

pub fn lock(state: &AppState) -> CmdResult<()> {
    let mut s = state.enter();
    s.vault()?;
    s.lock(LockReason::Manual);
    Ok(())
}

pub fn touch(state: &AppState) -> CmdResult<()> {
    state.enter().vault()?;
    Ok(())
}

pub fn restore_backup(
    state: &AppState,
    path: &str,
    passphrase: SecretArg,
    overwrite: bool,
) -> CmdResult<()> {
    let mut s = state.enter();
    let backup = absolute(path)?;
    if overwrite {
        // The open connection belongs to the file about to be replaced; close it first.
        s.vault = None;
    }
    let vault = Vault::restore(
        &backup,
        state.vault_path(),
        &passphrase.into_passphrase(),
        overwrite,
    )?;
    s.vault = Some(vault);
    s.locked_reason = None;
    Ok(())
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
    Ok(FieldDto::from(&field))
}

pub fn remove_field(state: &AppState, name: &str) -> CmdResult<()> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let name = field_name(name)?;
    if vault.fields_mut().remove(&name)? {
        Ok(())
    } else {
        Err(VaultError::FieldNotSet(name.to_string()).into())
    }
}

pub fn list_brands(state: &AppState) -> CmdResult<Vec<BrandDto>> {
    let mut s = state.enter();
    let vault = s.vault()?;
    // One pass over the grants for all brands, rather than one per brand.
    let grants = vault.grants().list(None)?;
    Ok(vault
        .brands()
        .list()?
        .iter()
        .map(|b| BrandDto::new(b, &grants))
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
    Ok(s.vault()?.brands_mut().remove(id, revoke)?)
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
        .map(|d| d.parse::<Derived>())
        .collect::<Result<Vec<_>, _>>()?;
    let channels = req
        .channels
        .iter()
        .map(|c| {
            Ok(ChannelChoice {
                channel: c.channel.parse::<Channel>()?,
                allowed: c.allowed,
            })
        })
        .collect::<Result<Vec<_>, GrantError>>()?;
    let now = jiff::Timestamp::now();
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

pub fn revoke_grant(state: &AppState, id: &str) -> CmdResult<GrantDto> {
    let mut s = state.enter();
    Ok(s.vault()?.grants_mut().revoke(id)?.into())
}

pub fn revoke_brand(state: &AppState, id: &str) -> CmdResult<u32> {
    let mut s = state.enter();
    let n = s.vault()?.brands_mut().revoke_grants(id)?;
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

pub fn change_passphrase(
    state: &AppState,
    current: SecretArg,
    new: SecretArg,
    confirm: SecretArg,
) -> CmdResult<()> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let (current, new): (Passphrase, Passphrase) =
        (current.into_passphrase(), new.into_passphrase());
    if !new.matches(&confirm.into_passphrase()) {
        return Err(mismatch());
    }
    // Being unlocked is not enough: whoever sits at an unlocked screen must still know the
    // passphrase to change it. A second connection proves it without touching the open one.
    drop(Vault::open(vault.path())?.unlock(&current)?);
    vault.change_passphrase(&new, None)?;
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

pub fn export_plaintext(state: &AppState, path: &str) -> CmdResult<()> {
    let mut s = state.enter();
    let vault = s.vault()?;
    vault.fields_mut().export_plaintext_to(&absolute(path)?)?;
    Ok(())
}

pub fn erase_vault(state: &AppState, confirmation: &str) -> CmdResult<()> {
    let mut s = state.enter();
    s.vault()?;
    if !ERASE_WORDS.contains(&confirmation.trim()) {
        return Err(CommandError::invalid(
            "type the confirmation word exactly to erase the vault",
        ));
    }
    let vault = s.vault.take().ok_or_else(CommandError::locked)?;
    s.locked_reason = None;
    vault.erase()?;
    // Nothing of ours stays behind; the running session keeps its language until it closes.
    let settings_path = state.config().settings_path();
    match fs::remove_file(&settings_path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CommandError::io(settings_path.display(), &e)),
    }
}
