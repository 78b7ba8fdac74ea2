//! Settings: the UI language, the auto-lock timeout and whether to notify, in a small JSON file
//! beside the vault.
//!
//! They are not secret and must be readable before the vault is unlocked (the unlock screen is
//! already in the chosen language), so they are not inside the vault. A missing or damaged file
//! means defaults: a settings problem must never keep someone out of their vault.

use std::fs;
use std::io::Write;
use std::ops::RangeInclusive;
use std::path::Path;

use crate::dto::SettingsDto;
use crate::error::{CmdResult, CommandError};

/// Auto-lock after this many idle minutes unless the person chose otherwise.
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 5;
/// Allowed auto-lock timeouts: at least a minute, at most four hours.
pub const AUTO_LOCK_MINUTES: RangeInclusive<u32> = 1..=240;
/// File name of the settings, in the vault's directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// Notifications are on unless switched off: they only say that a grant is about to end or a
/// brand missed its legal deadline to confirm an erasure, things the person chose to be told
/// about by keeping the app open and would otherwise learn too late; at most once a day, while
/// unlocked, so they cannot nag. One switch in Settings turns them off.
pub const DEFAULT_NOTIFICATIONS: bool = true;

/// The serde default of `notifications` (a settings file from before it existed).
pub fn default_notifications() -> bool {
    DEFAULT_NOTIFICATIONS
}

impl Default for SettingsDto {
    fn default() -> Self {
        Self {
            locale: None,
            auto_lock_minutes: DEFAULT_AUTO_LOCK_MINUTES,
            notifications: DEFAULT_NOTIFICATIONS,
        }
    }
}

impl SettingsDto {
    /// Refuse values outside the documented ranges.
    pub fn validate(&self) -> CmdResult<()> {
        if !AUTO_LOCK_MINUTES.contains(&self.auto_lock_minutes) {
            return Err(CommandError::invalid(format!(
                "auto-lock must be between {} and {} minutes",
                AUTO_LOCK_MINUTES.start(),
                AUTO_LOCK_MINUTES.end()
            )));
        }
        Ok(())
    }
}

/// Read the settings file; defaults when it is missing or unreadable, and an out-of-range
/// timeout (a hand-edited file) is clamped rather than refused.
pub fn load(path: &Path) -> SettingsDto {
    let Ok(text) = fs::read_to_string(path) else {
        return SettingsDto::default();
    };
    let Ok(mut s) = serde_json::from_str::<SettingsDto>(&text) else {
        return SettingsDto::default();
    };
    s.auto_lock_minutes = s
        .auto_lock_minutes
        .clamp(*AUTO_LOCK_MINUTES.start(), *AUTO_LOCK_MINUTES.end());
    s
}

/// Write the settings atomically (temporary file, then rename), creating the directory.
pub fn save(path: &Path, settings: &SettingsDto) -> CmdResult<()> {
    settings.validate()?;
    let text = serde_json::to_string_pretty(settings)
        .map_err(|e| CommandError::new(crate::ErrorKind::Internal, format!("settings: {e}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| CommandError::io(dir.display(), &e))?;
    }
    let tmp = path.with_extension("json.tmp");
    let written = fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())
                .and_then(|()| f.write_all(b"\n"))
                .and_then(|()| f.sync_all())
        })
        .and_then(|()| fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        CommandError::io(path.display(), &e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::Locale;

    #[test]
    fn round_trip_defaults_and_clamping() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join(SETTINGS_FILE);
        assert_eq!(load(&path), SettingsDto::default());
        let s = SettingsDto {
            locale: Some(Locale::Ko),
            auto_lock_minutes: 15,
            notifications: false,
        };
        save(&path, &s).expect("save");
        assert_eq!(load(&path), s);
        let text = fs::read_to_string(&path).expect("read");
        assert!(text.contains("\"autoLockMinutes\": 15"), "{text}");

        fs::write(&path, r#"{"locale":"en","autoLockMinutes":100000}"#).expect("write");
        assert_eq!(load(&path).auto_lock_minutes, 240);
        // A file from before the switch existed keeps its values, with notifications on.
        fs::write(&path, r#"{"locale":"ko","autoLockMinutes":15}"#).expect("write");
        let old = load(&path);
        assert_eq!((old.locale, old.auto_lock_minutes), (Some(Locale::Ko), 15));
        assert!(old.notifications);
        fs::write(&path, "not json").expect("write");
        assert_eq!(load(&path), SettingsDto::default());
        assert!(
            save(
                &path,
                &SettingsDto {
                    locale: None,
                    auto_lock_minutes: 0,
                    notifications: true,
                }
            )
            .is_err()
        );
    }
}
