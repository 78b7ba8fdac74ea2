//! The one error type every command returns, serialised over IPC as `{ kind, message }`.
//!
//! The UI words each `kind` in the chosen language; `message` is the core's one-line English
//! text (shown beneath for `invalid_input`, whose messages are specific). No variant carries a
//! secret: the core's errors never hold a passphrase or a decrypted value, and neither do ours.

use serde::Serialize;
use ts_rs::TS;
use vouchsafe::VaultError;
use vouchsafe::brands::BrandError;
use vouchsafe::crypto::kdf::KdfError;
use vouchsafe::grants::GrantError;
use vouchsafe::store::StoreError;

/// What went wrong, coarsely enough for the UI to pick a localised sentence.
/// The contract in docs/desktop-ipc.md lists these; adding one is a contract change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The command needs an unlocked vault.
    Locked,
    WrongPassphrase,
    /// The input was refused; the message says why and how to fix it.
    InvalidInput,
    NotFound,
    /// It exists already, or the current state forbids it (e.g. live grants).
    Conflict,
    /// A record failed its authentication check: tampering or damage.
    Integrity,
    /// The vault file is not a usable vault (damaged, newer schema, unsafe parameters).
    VaultFile,
    Io,
    /// A bug or a failing system facility (random source, signing).
    Internal,
}

/// A command's failure as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub kind: ErrorKind,
    /// One line, in English.
    pub message: String,
}

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn locked() -> Self {
        Self::new(ErrorKind::Locked, "the vault is locked; unlock it first")
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub fn io(what: impl std::fmt::Display, err: &std::io::Error) -> Self {
        Self::new(ErrorKind::Io, format!("{what}: {err}"))
    }
}

/// The kind of every core error. Matches are exhaustive on purpose: a new core variant must be
/// classified here before the app compiles, rather than silently becoming `internal`.
pub fn kind_of(err: &VaultError) -> ErrorKind {
    use ErrorKind as K;
    match err {
        VaultError::NotFound(_) => K::NotFound,
        VaultError::AlreadyExists(_) => K::Conflict,
        VaultError::WrongPassphrase => K::WrongPassphrase,
        VaultError::PassphraseTooShort => K::InvalidInput,
        VaultError::Kdf(k) => match k {
            // Parameters outside the floor/ceiling come from the file: it is not usable as is.
            KdfError::TooWeak(_) | KdfError::TooCostly(_) => K::VaultFile,
            KdfError::Derivation(_) => K::Internal,
        },
        VaultError::Integrity(_) => K::Integrity,
        VaultError::Store(s) => match s {
            StoreError::NotAVault(_) | StoreError::NewerSchema { .. } | StoreError::Corrupt(_) => {
                K::VaultFile
            }
            StoreError::Busy => K::Conflict,
            StoreError::Sqlite(_) => K::Io,
        },
        VaultError::Profile(_) => K::InvalidInput,
        VaultError::Brand(b) => match b {
            BrandError::BadId(_)
            | BrandError::BadName
            | BrandError::NotHttps { .. }
            | BrandError::NotesTooLong => K::InvalidInput,
            BrandError::Unknown(_) => K::NotFound,
            BrandError::Exists(_) | BrandError::HasLiveGrants { .. } => K::Conflict,
        },
        VaultError::Grant(g) => match g {
            GrantError::UnknownGrant(_) => K::NotFound,
            GrantError::AlreadyRevoked(_) | GrantError::NotActive(_) => K::Conflict,
            GrantError::NothingChosen
            | GrantError::FieldNotSet(_)
            | GrantError::UnknownDerived(_)
            | GrantError::AgeOutOfRange(_)
            | GrantError::NeedsBirthdate(_)
            | GrantError::NeedsAddress
            | GrantError::Conflict(_, _)
            | GrantError::MissingPurpose
            | GrantError::UnknownPurposeCategory(_)
            | GrantError::UnknownChannel(_)
            | GrantError::DuplicateChannel(_)
            | GrantError::OfferTooLong
            | GrantError::BadExpiry(_)
            | GrantError::ExpiryInPast(_)
            | GrantError::ExpiryTooFar(_)
            | GrantError::AmbiguousGrant(_) => K::InvalidInput,
        },
        VaultError::FieldNotSet(_) => K::NotFound,
        VaultError::Rng(_) | VaultError::Seal(_) => K::Internal,
        VaultError::Io { .. } => K::Io,
    }
}

impl From<VaultError> for CommandError {
    fn from(err: VaultError) -> Self {
        Self::new(kind_of(&err), first_line(&err.to_string()))
    }
}

impl From<GrantError> for CommandError {
    fn from(err: GrantError) -> Self {
        VaultError::from(err).into()
    }
}

impl From<vouchsafe::profile::ProfileError> for CommandError {
    fn from(err: vouchsafe::profile::ProfileError) -> Self {
        VaultError::from(err).into()
    }
}

/// The contract promises one line; an SQLite or OS message could in principle carry more.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

pub type CmdResult<T> = Result<T, CommandError>;
