//! The one error type every command returns, serialised over IPC as `{ kind, message }`.
//!
//! The UI words each `kind` in the chosen language; `message` is the core's one-line English
//! text (shown beneath for `invalid_input`, whose messages are specific). No variant carries a
//! secret: the core's errors never hold a passphrase or a decrypted value, and neither do ours.

use serde::Serialize;
use ts_rs::TS;
use vouchsafe::grants::GrantError;
use vouchsafe::{ErrorClass, VaultError};

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
    /// The file asks for more key-derivation memory or passes than the defaults; the command
    /// derives nothing until it is repeated with the confirmation flag set.
    CostlyKdf,
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

/// The kind of every core error, from the core's one classification ([`VaultError::class`]).
pub fn kind_of(err: &VaultError) -> ErrorKind {
    kind_for_class(err.class())
}

/// The error kind of each class. Exhaustive on purpose: a new class must be given a kind here
/// before the app compiles, rather than silently becoming `internal`.
pub fn kind_for_class(class: ErrorClass) -> ErrorKind {
    use ErrorKind as K;
    match class {
        ErrorClass::WrongPassphrase => K::WrongPassphrase,
        ErrorClass::VaultMissing | ErrorClass::NotFound => K::NotFound,
        ErrorClass::AlreadyExists | ErrorClass::Busy | ErrorClass::Conflict => K::Conflict,
        // Not a vault, a newer format, damaged, or unsafe parameters: the file is not usable.
        ErrorClass::NotAVault | ErrorClass::VaultDamaged => K::VaultFile,
        ErrorClass::Integrity => K::Integrity,
        ErrorClass::InvalidInput => K::InvalidInput,
        ErrorClass::Io => K::Io,
        ErrorClass::KeyDerivation | ErrorClass::Internal => K::Internal,
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
