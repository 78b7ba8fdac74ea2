//! Exit codes, one per class of failure (documented in `--help`).

use vouchsafe::store::StoreError;
use vouchsafe::{BrandError, GrantError, VaultError};

/// A usage mistake caught after parsing (clap's own errors exit with 2 too).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

pub fn code_for(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<Usage>().is_some() {
        return 2;
    }
    if err.downcast_ref::<BrokenChain>().is_some() {
        return 8;
    }
    if err
        .downcast_ref::<vouchsafe::profile::ProfileError>()
        .is_some()
    {
        return 6;
    }
    let Some(v) = err.downcast_ref::<VaultError>() else {
        return 1;
    };
    match v {
        VaultError::WrongPassphrase => 3,
        VaultError::NotFound(_) | VaultError::AlreadyExists(_) => 4,
        VaultError::Store(
            StoreError::NotAVault(_) | StoreError::NewerSchema { .. } | StoreError::Busy,
        ) => 4,
        VaultError::Integrity(_)
        | VaultError::Kdf(_)
        | VaultError::Store(StoreError::Corrupt(_)) => 5,
        VaultError::Profile(_) | VaultError::PassphraseTooShort => 6,
        VaultError::FieldNotSet(_) => 7,
        VaultError::Brand(b) => match b {
            BrandError::Unknown(_) => 7,
            BrandError::Exists(_) | BrandError::HasLiveGrants { .. } => 8,
            _ => 6,
        },
        VaultError::Grant(g) => match g {
            GrantError::UnknownGrant(_) => 7,
            GrantError::AlreadyRevoked(_) | GrantError::NotActive(_) => 8,
            _ => 6,
        },
        _ => 1,
    }
}

/// `audit verify` found the chain broken.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BrokenChain(pub String);
