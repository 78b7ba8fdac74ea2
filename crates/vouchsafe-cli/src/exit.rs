//! Exit codes, one per class of failure (documented in `--help`). The core classifies its
//! errors ([`VaultError::class`]); this file only maps each class to a code.

use vouchsafe::{ErrorClass, VaultError};

/// A usage mistake caught after parsing (clap's own errors exit with 2 too).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// `audit verify` found the chain broken.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BrokenChain(pub String);

/// A brand's request or answer failed a check, or its URL is one the vault does not contact:
/// invalid input, as a value failing validation is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub fn code_for(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<Usage>().is_some() {
        return 2;
    }
    if err.downcast_ref::<Refused>().is_some() {
        return 6;
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
    match err.downcast_ref::<VaultError>() {
        Some(v) => code_for_class(v.class()),
        None => 1,
    }
}

/// The exit code of each class. Exhaustive on purpose: a new class must get a code here.
pub fn code_for_class(class: ErrorClass) -> u8 {
    match class {
        ErrorClass::Io | ErrorClass::Internal => 1,
        ErrorClass::WrongPassphrase => 3,
        ErrorClass::VaultMissing
        | ErrorClass::AlreadyExists
        | ErrorClass::NotAVault
        | ErrorClass::Busy => 4,
        ErrorClass::VaultDamaged | ErrorClass::Integrity | ErrorClass::KeyDerivation => 5,
        ErrorClass::InvalidInput => 6,
        ErrorClass::NotFound => 7,
        ErrorClass::Conflict => 8,
    }
}
