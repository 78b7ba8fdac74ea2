//! The app's state: the open vault (if unlocked), settings, and what auto-lock needs.
//!
//! One mutex guards it all, and it is only ever held briefly: serialising the commands means
//! two windows' worth of clicks can never interleave inside the vault, and keeping Argon2id
//! out of it (commands derive first, on a connection of their own, and lock the state only
//! to install the result) means `app_status`, `touch` and `lock` answer at once even while a
//! file with a costly KDF is being unlocked. Network exchanges stay out of it too: a delivery
//! reads what to send under the lock, sends with it free, and takes it again to record the
//! answers, if the vault it read from is still the open one ([`Session::epoch`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use vouchsafe::{FileAnchorStore, KdfParams, Vault};

use crate::dto::{IntegrityDto, LockReason, SettingsDto};
use crate::error::{CmdResult, CommandError, ErrorKind};
use crate::idle::{BootInstant, IdleClock, system_clock};
use crate::settings::{self, SETTINGS_FILE};

/// Where the vault lives and how new vaults are protected.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub vault_path: PathBuf,
    /// Argon2id parameters for new vaults. The app uses [`KdfParams::DEFAULT`]; tests pass
    /// [`KdfParams::MINIMUM`] so each vault takes a fraction of a second, not one.
    pub kdf: KdfParams,
    /// Where the generation last seen of each vault is kept, outside the vault's folder so a
    /// rolled-back folder cannot roll it back too: the CLI's directory
    /// ([`vouchsafe::default_anchor_dir`]), so that either face notices a vault older than what
    /// the other one wrote. `None`: no rollback detection (no config directory).
    pub anchor_dir: Option<PathBuf>,
}

impl AppConfig {
    pub fn new(vault_path: impl Into<PathBuf>) -> Self {
        Self {
            vault_path: vault_path.into(),
            kdf: KdfParams::DEFAULT,
            anchor_dir: vouchsafe::default_anchor_dir(),
        }
    }

    pub fn with_kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// Keep the last-seen generations in `dir` instead (tests: a temporary directory).
    pub fn with_anchor_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.anchor_dir = dir;
        self
    }

    /// The store of last-seen generations, if there is a place for one.
    pub fn anchor_store(&self) -> Option<FileAnchorStore> {
        self.anchor_dir.clone().map(FileAnchorStore::new)
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
    last_activity: BootInstant,
    pub(crate) locked_reason: Option<LockReason>,
    /// A slow command (passphrase change, restore) has the open vault out of the session, so
    /// Argon2id runs with the lock free; the vault still counts as unlocked meanwhile.
    pub(crate) busy: bool,
    /// A lock asked for while busy: the vault is dropped, not put back, when the command ends.
    relock: Option<LockReason>,
    /// What the integrity check found when the open vault was unlocked (or created, or
    /// restored), so a reloaded window shows the same warning; meaningless while locked.
    pub(crate) integrity: Option<IntegrityDto>,
    /// Brand requests opened for the consent screen ([`crate::connect`]); forgotten on lock.
    pub(crate) connect: crate::connect::Opened,
    /// Changes whenever the open vault may have changed hands (locked, or out of the session
    /// for a slow command): what a command that let go of the lock compares before writing
    /// what it learned meanwhile.
    pub(crate) epoch: u64,
}

impl Session {
    /// Record activity at `now`.
    pub fn touch_at(&mut self, now: BootInstant) {
        // Never move backwards: a command that started earlier must not shorten the idle time.
        if now > self.last_activity {
            self.last_activity = now;
        }
    }

    /// How long the person has been idle at `now`: since the last command that counted as
    /// activity (zero if `now` is not later). What auto-lock measures, and what the notifier
    /// waits on before it looks at the review ([`crate::notify::QUIET_FOR`]).
    pub fn idle_for(&self, now: BootInstant) -> Duration {
        now.saturating_duration_since(self.last_activity)
    }

    /// Force the last activity instant (tests simulate idleness with it).
    pub fn set_last_activity(&mut self, at: BootInstant) {
        self.last_activity = at;
    }

    pub fn is_unlocked(&self) -> bool {
        self.vault.is_some() || (self.busy && self.relock.is_none())
    }

    /// The open vault, or the `locked` error every vault command returns (`conflict` while a
    /// slow command has it).
    pub(crate) fn vault(&mut self) -> CmdResult<&mut Vault> {
        if self.busy && self.relock.is_none() {
            return Err(CommandError::new(
                ErrorKind::Conflict,
                "the vault is busy (a passphrase change or a restore); try again in a moment",
            ));
        }
        self.vault.as_mut().ok_or_else(CommandError::locked)
    }

    /// Drop the vault (which closes the file and wipes the data key) and say why. While a slow
    /// command has it, it is dropped as soon as that command ends.
    pub(crate) fn lock(&mut self, reason: LockReason) {
        self.connect.clear();
        self.epoch = self.epoch.wrapping_add(1);
        if self.vault.take().is_some() {
            self.locked_reason = Some(reason);
        } else if self.busy && self.relock.is_none() {
            self.relock = Some(reason);
            self.locked_reason = Some(reason);
        }
    }

    /// The idle timeout in force.
    pub fn auto_lock_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.settings.auto_lock_minutes) * 60)
    }

    /// The open vault, if it is still the one seen at `epoch` (nothing locked or replaced it
    /// meanwhile); the `locked` error otherwise.
    pub(crate) fn vault_at(&mut self, epoch: u64) -> CmdResult<&mut Vault> {
        if self.epoch != epoch {
            return Err(CommandError::locked());
        }
        self.vault()
    }

    /// Lock if unlocked and idle for at least the timeout at `now`. Returns whether it locked.
    /// Pure in `now`, so it is tested without sleeping. `now` is boot time, so a suspend counts
    /// as idle time.
    pub fn lock_if_idle(&mut self, now: BootInstant) -> bool {
        if self.vault.is_some() && self.idle_for(now) >= self.auto_lock_after() {
            self.lock(LockReason::Auto);
            return true;
        }
        false
    }
}

/// The state the Tauri shell manages; every command function takes it.
pub struct AppState {
    config: AppConfig,
    session: Mutex<Session>,
    clock: IdleClock,
    /// Held (without the session lock) by a run that talks to brands, so that two runs never
    /// send the same items at once (the background one skips while another runs).
    delivery: Mutex<()>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Start locked, with the settings read from beside the vault, on the system's boot-time
    /// clock.
    pub fn new(config: AppConfig) -> Self {
        Self::with_clock(config, system_clock())
    }

    /// [`AppState::new`] reading the time from `clock` (tests jump it over a "suspend").
    pub fn with_clock(config: AppConfig, clock: IdleClock) -> Self {
        let settings = settings::load(&config.settings_path());
        let session = Session {
            vault: None,
            settings,
            last_activity: clock(),
            locked_reason: None,
            busy: false,
            relock: None,
            integrity: None,
            connect: crate::connect::Opened::default(),
            epoch: 0,
        };
        Self {
            config,
            session: Mutex::new(session),
            clock,
            delivery: Mutex::new(()),
        }
    }

    /// Now, on the clock auto-lock reads.
    pub fn now(&self) -> BootInstant {
        (self.clock)()
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
        let now = self.now();
        let mut s = self.session();
        s.lock_if_idle(now);
        s.touch_at(now);
        s
    }

    /// Wait for, then hold, the right to talk to brands ([`AppState::delivery`]).
    pub(crate) fn delivery_run(&self) -> MutexGuard<'_, ()> {
        self.delivery.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// That right if no other run has it.
    pub(crate) fn try_delivery_run(&self) -> Option<MutexGuard<'_, ()>> {
        match self.delivery.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// The background check: lock if idle at `now`. Returns whether it locked, so the shell
    /// can tell the window.
    pub fn auto_lock_if_idle(&self, now: BootInstant) -> bool {
        self.session().lock_if_idle(now)
    }

    /// Lock now because the person left (suspend, screen lock). Returns whether it locked, so
    /// the shell tells the window only when something changed.
    pub fn lock_now(&self, reason: LockReason) -> bool {
        let mut s = self.session();
        let was = s.is_unlocked();
        s.lock(reason);
        was
    }

    /// Take the open vault out of the session for a slow command, which then runs Argon2id
    /// with the lock free. Meanwhile the session counts as unlocked, other vault commands get
    /// `conflict`, and a lock request is remembered. Fails like any vault command when locked
    /// or busy.
    pub(crate) fn hold_out(&self) -> CmdResult<Held<'_>> {
        let mut s = self.enter();
        s.vault()?;
        let vault = s.vault.take();
        s.busy = true;
        s.relock = None;
        Ok(Held { state: self, vault })
    }
}

/// A vault out of the session ([`AppState::hold_out`]). Dropping it ends the command: the vault
/// it holds then (the same one, or its replacement) goes back into the session, unless a lock
/// was asked for meanwhile, in which case it is dropped.
pub(crate) struct Held<'a> {
    state: &'a AppState,
    vault: Option<Vault>,
}

impl Held<'_> {
    pub(crate) fn vault(&mut self) -> CmdResult<&mut Vault> {
        self.vault.as_mut().ok_or_else(CommandError::locked)
    }

    /// Take the vault for an operation that consumes it (restore); [`Held::put`] the result.
    pub(crate) fn take(&mut self) -> Option<Vault> {
        self.vault.take()
    }

    pub(crate) fn put(&mut self, vault: Vault) {
        self.vault = Some(vault);
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut s = self.state.session();
        s.busy = false;
        s.epoch = s.epoch.wrapping_add(1);
        let relock = s.relock.take();
        match (self.vault.take(), relock) {
            (Some(v), None) => s.vault = Some(v),
            (Some(v), Some(_)) => drop(v),
            (None, _) => {}
        }
    }
}
