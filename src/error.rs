//! The core's error type: one enum, each variant a one-line message a person can act on.
//! No variant ever carries a secret or a decrypted value.

use std::path::PathBuf;

use crate::crypto::RngError;
use crate::crypto::kdf::KdfError;
use crate::crypto::record::{OpenError, SealError};
use crate::profile::ProfileError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {0}; create one with `vouchsafe init`")]
    NotFound(PathBuf),
    #[error("{0} already exists; refusing to overwrite it")]
    AlreadyExists(PathBuf),
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("passphrase too short: use at least {min} characters", min = crate::crypto::Passphrase::MIN_CHARS)]
    PassphraseTooShort,
    #[error("refusing to open the vault: {0}")]
    Kdf(#[from] KdfError),
    #[error(transparent)]
    Integrity(#[from] OpenError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Brand(#[from] crate::brands::BrandError),
    #[error(transparent)]
    Grant(#[from] crate::grants::GrantError),
    #[error("field {0} is not set")]
    FieldNotSet(String),
    #[error(transparent)]
    Rng(#[from] RngError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl VaultError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| VaultError::Io { path, source }
    }
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        VaultError::Store(e.into())
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;
