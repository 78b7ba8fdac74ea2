//! The app's state: the open vault (if unlocked), settings, and what auto-lock needs.
//!
//! One mutex guards it all. Commands are short apart from key derivation, and serialising them
//! means two windows' worth of clicks can never interleave inside the vault.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use vouchsafe::{KdfParams, Vault};

use crate::dto::{LockReason, SettingsDto};
use crate::error::{CmdResult, CommandError};
use crate::settings::{self, SETTINGS_FILE};

/// Where the vault lives and how new vaults are protected.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub vault_path: PathBuf,
    /// Argon2id parameters for new vaults. The app uses [`KdfParams::DEFAULT`]; tests pass
    /// [`KdfParams::MINIMUM`] so each vault takes a fraction of a second, not one.
    pub kdf: KdfParams,
}

impl AppConfig {
    pub fn new(vault_path: impl Into<PathBuf>) -> Self {
        Self {
            vault_path: vault_path.into(),
            kdf: KdfParams::DEFAULT,
        }
    }

    pub fn with_kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// The settings file, beside the vault.
    pub fn settings_path(&self) -> PathBuf {
        self.vault_path.with_file_name(SETTINGS_FILE)
    }
}

/// Everything behind the lock.
#[derive(Debug)]
pub struct Session {
    pub(crate) vault: Option<Vault>,
    pub(crate) settings: SettingsDto,
    last_activity: Instant,
    pub(crate) locked_reason: Option<LockReason>,
}

impl Session {
    /// Record activity at `now`.
    pub fn touch_at(&mut self, now: Instant) {
        // Never move backwards: a command that started earlier must not shorten the idle time.
        if now > self.last_activity {
            self.last_activity = now;
        }
    }

    /// Force the last activity instant (tests simulate idleness with it).
    pub fn set_last_activity(&mut self, at: Instant) {
        self.last_activity = at;
    }

    pub fn is_unlocked(&self) -> bool {
        self.vault.is_some()
    }

    /// The open vault, or the `locked` error every vault command returns.
    pub(crate) fn vault(&mut self) -> CmdResult<&mut Vault> {
        self.vault.as_mut().ok_or_else(CommandError::locked)
    }

    /// Drop the vault (which closes the file and wipes the data key) and say why.
    pub(crate) fn lock(&mut self, reason: LockReason) {
        if self.vault.take().is_some() {
            self.locked_reason = Some(reason);
        }
    }

    /// The idle timeout in force.
    pub fn auto_lock_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.settings.auto_lock_minutes) * 60)
    }

    /// Lock if unlocked and idle for at least the timeout at `now`. Returns whether it locked.
    /// Pure in `now`, so it is tested without sleeping.
    pub fn lock_if_idle(&mut self, now: Instant) -> bool {
        if self.vault.is_some()
            && now.saturating_duration_since(self.last_activity) >= self.auto_lock_after()
        {
            self.lock(LockReason::Auto);
            return true;
        }
        false
    }
}

/// The state the Tauri shell manages; every command function takes it.
#[derive(Debug)]
pub struct AppState {
    config: AppConfig,
    session: Mutex<Session>,
}

impl AppState {
    /// Start locked, with the settings read from beside the vault.
    pub fn new(config: AppConfig) -> Self {
        let settings = settings::load(&config.settings_path());
        let session = Session {
            vault: None,
            settings,
            last_activity: Instant::now(),
            locked_reason: None,
        };
        Self {
            config,
            session: Mutex::new(session),
        }
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    pub fn vault_path(&self) -> &Path {
        &self.config.vault_path
    }

    /// The session, locked. A panic while holding the lock (there should be none) must not
    /// lock the person out for good: every vault write is one transaction, so the state behind
    /// a poisoned lock is still consistent and is used as is.
    pub fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What every command does first: auto-lock a session that went idle (so a command arriving
    /// just before the background check cannot use a vault that should be locked), then count
    /// the command as activity.
    pub(crate) fn enter(&self) -> MutexGuard<'_, Session> {
        let now = Instant::now();
        let mut s = self.session();
        s.lock_if_idle(now);
        s.touch_at(now);
        s
    }

    /// The background check: lock if idle at `now`. Returns whether it locked, so the shell
    /// can tell the window.
    pub fn auto_lock_if_idle(&self, now: Instant) -> bool {
        self.session().lock_if_idle(now)
    }
}
