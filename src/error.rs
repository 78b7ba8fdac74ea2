//! The core's error type: one enum, each variant a one-line message a person can act on, and
//! one classification of it that every face (CLI exit codes, desktop error kinds) derives from.
//! No variant ever carries a secret or a decrypted value.
//!
//! This module imports only the layers below it (crypto, store, profile, the brand and grant
//! rules); each wraps its own error enum here.

use std::path::PathBuf;

use crate::brands::BrandError;
use crate::crypto::kdf::KdfError;
use crate::crypto::record::{OpenError, SealError};
use crate::crypto::{RngError, SealFailure};
use crate::grants::GrantError;
use crate::profile::ProfileError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    #[error("no vault at {0}; create one with `vouchsafe init`")]
    NotFound(PathBuf),
    #[error("{0} already exists; refusing to overwrite it")]
    AlreadyExists(PathBuf),
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// Another process (or another window of this one) has the vault open, so it may not be
    /// replaced, erased or re-keyed under it.
    #[error(
        "{0} is open in another process; close it there (or wait for it to finish) and try again"
    )]
    InUse(PathBuf),
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
    Brand(#[from] BrandError),
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error("field {0} is not set")]
    FieldNotSet(String),
    #[error(transparent)]
    Rng(#[from] RngError),
    #[error(transparent)]
    Seal(#[from] SealError),
    /// Signing a token or encoding a status list failed: a bug, never the consumer's input.
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What kind of failure an error is, coarsely enough for a face to choose an exit code or a
/// localised sentence. Both the CLI's exit codes and the desktop's error kinds are derived from
/// this one classification.
///
/// Deliberately *not* `#[non_exhaustive]`, unlike the error enums: the faces match on it with
/// no wildcard arm, so that adding a class fails their build until they decide what it means.
/// (Outside this crate a `#[non_exhaustive]` enum cannot be matched without a wildcard.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The passphrase did not unwrap the data key.
    WrongPassphrase,
    /// There is no vault file where one was expected.
    VaultMissing,
    /// A file is already where a new one would go.
    AlreadyExists,
    /// The file is not a vault, or one of a newer format.
    NotAVault,
    /// Another process holds the vault's write lock.
    Busy,
    /// The vault file is damaged, or its key-derivation parameters are outside safe bounds.
    VaultDamaged,
    /// A record failed its authentication check: tampering or damage.
    Integrity,
    /// Key derivation itself failed (not the parameters): a failing system facility.
    KeyDerivation,
    /// The input was refused; the message says why and how to fix it.
    InvalidInput,
    /// A field, brand or grant that does not exist.
    NotFound,
    /// The current state forbids it (exists already, live grants, already revoked).
    Conflict,
    /// Reading or writing a file failed.
    Io,
    /// A bug or a failing system facility (random source, cipher, signing).
    Internal,
}

impl VaultError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| VaultError::Io { path, source }
    }

    pub(crate) fn sign(e: impl std::fmt::Display) -> Self {
        VaultError::Sign(e.to_string())
    }

    /// The class of this error. Every match below is exhaustive: a new variant anywhere in the
    /// chain must be classified before the crate compiles.
    pub fn class(&self) -> ErrorClass {
        use ErrorClass as C;
        match self {
            VaultError::NotFound(_) => C::VaultMissing,
            VaultError::AlreadyExists(_) => C::AlreadyExists,
            VaultError::WrongPassphrase => C::WrongPassphrase,
            VaultError::InUse(_) => C::Busy,
            VaultError::PassphraseTooShort => C::InvalidInput,
            VaultError::Kdf(k) => kdf_class(k),
            VaultError::Integrity(_) => C::Integrity,
            VaultError::Store(s) => store_class(s),
            VaultError::Profile(_) => C::InvalidInput,
            VaultError::Brand(b) => brand_class(b),
            VaultError::Grant(g) => grant_class(g),
            VaultError::FieldNotSet(_) => C::NotFound,
            VaultError::Rng(_) | VaultError::Sign(_) => C::Internal,
            VaultError::Seal(s) => seal_class(s),
            VaultError::Io { .. } => C::Io,
        }
    }
}

fn kdf_class(e: &KdfError) -> ErrorClass {
    match e {
        // Parameters outside the floor/ceiling come from the file: it is not usable as is.
        KdfError::TooWeak(_) | KdfError::TooCostly(_) | KdfError::BadSalt(_) => {
            ErrorClass::VaultDamaged
        }
        KdfError::Derivation(_) => ErrorClass::KeyDerivation,
    }
}

fn store_class(e: &StoreError) -> ErrorClass {
    match e {
        StoreError::NotAVault(_) | StoreError::NewerSchema { .. } => ErrorClass::NotAVault,
        StoreError::Corrupt(_) => ErrorClass::VaultDamaged,
        StoreError::UnexpectedSchema { .. } => ErrorClass::Integrity,
        StoreError::Busy(_) => ErrorClass::Busy,
        StoreError::Sqlite(_) | StoreError::Io { .. } => ErrorClass::Io,
    }
}

fn seal_class(e: &SealError) -> ErrorClass {
    match e {
        SealError::Rng(_) | SealError::Encode(_) => ErrorClass::Internal,
        SealError::Encrypt(f) => match f {
            SealFailure::Rng(_) | SealFailure::Encrypt => ErrorClass::Internal,
        },
    }
}

fn brand_class(e: &BrandError) -> ErrorClass {
    match e {
        BrandError::BadId(_)
        | BrandError::BadName
        | BrandError::NotesTooLong
        | BrandError::NotHttps { .. } => ErrorClass::InvalidInput,
        BrandError::Unknown(_) => ErrorClass::NotFound,
        BrandError::Exists(_) | BrandError::HasLiveGrants { .. } => ErrorClass::Conflict,
    }
}

fn grant_class(e: &GrantError) -> ErrorClass {
    match e {
        GrantError::UnknownGrant(_) => ErrorClass::NotFound,
        GrantError::AlreadyRevoked(_) | GrantError::NotActive(_) | GrantError::NotConnected(_) => {
            ErrorClass::Conflict
        }
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
        | GrantError::UnknownChannelKind(_)
        | GrantError::DuplicateChannel(_)
        | GrantError::NightAdsWithoutAds
        | GrantError::BadNightAds(_)
        | GrantError::OfferTooLong
        | GrantError::BadExpiry(_)
        | GrantError::ExpiryInPast(_)
        | GrantError::ExpiryTooFar(_)
        | GrantError::AmbiguousGrant(_)
        | GrantError::BadNonce
        | GrantError::NotReleased(_)
        | GrantError::NotDerivedFrom(_, _)
        | GrantError::BadReplacement(_)
        | GrantError::NothingToNarrow
        | GrantError::NarrowedToNothing => ErrorClass::InvalidInput,
    }
}

impl From<SealFailure> for VaultError {
    fn from(e: SealFailure) -> Self {
        VaultError::Seal(e.into())
    }
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        VaultError::Store(e.into())
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Damage;

    fn sqlite() -> rusqlite::Error {
        rusqlite::Error::QueryReturnedNoRows
    }

    fn kdf() -> crate::KdfParams {
        crate::KdfParams::MINIMUM
    }

    /// One error of every variant down the chain, with the class each must have. A new variant
    /// fails to compile in `class()` first; this table pins what the existing ones mean (the
    /// CLI's exit codes and the desktop's error kinds are derived from it).
    #[test]
    fn every_variant_has_its_class() {
        use ErrorClass as C;
        let bad_rng = getrandom::Error::UNSUPPORTED;
        let cases: Vec<(VaultError, ErrorClass)> = vec![
            (VaultError::NotFound("v".into()), C::VaultMissing),
            (VaultError::AlreadyExists("v".into()), C::AlreadyExists),
            (VaultError::WrongPassphrase, C::WrongPassphrase),
            (VaultError::PassphraseTooShort, C::InvalidInput),
            (KdfError::TooWeak(kdf()).into(), C::VaultDamaged),
            (KdfError::TooCostly(kdf()).into(), C::VaultDamaged),
            (
                KdfError::Derivation(argon2::Error::OutputTooShort).into(),
                C::KeyDerivation,
            ),
            (OpenError("fields/x".into()).into(), C::Integrity),
            (StoreError::NotAVault("v".into()).into(), C::NotAVault),
            (
                StoreError::NewerSchema {
                    path: "v".into(),
                    found: 9,
                }
                .into(),
                C::NotAVault,
            ),
            (
                StoreError::Corrupt(Damage::Sqlite(sqlite())).into(),
                C::VaultDamaged,
            ),
            (StoreError::damaged("cut").into(), C::VaultDamaged),
            (StoreError::Busy(sqlite()).into(), C::Busy),
            (StoreError::Sqlite(sqlite()).into(), C::Io),
            (
                StoreError::Io {
                    path: "v".into(),
                    source: std::io::Error::other("disk"),
                }
                .into(),
                C::Io,
            ),
            (
                ProfileError::UnknownField {
                    name: "x".into(),
                    hint: String::new(),
                }
                .into(),
                C::InvalidInput,
            ),
            (BrandError::BadId("x".into()).into(), C::InvalidInput),
            (BrandError::BadName.into(), C::InvalidInput),
            (BrandError::NotesTooLong.into(), C::InvalidInput),
            (
                BrandError::NotHttps {
                    what: "u",
                    value: "x".into(),
                }
                .into(),
                C::InvalidInput,
            ),
            (BrandError::Unknown("x".into()).into(), C::NotFound),
            (BrandError::Exists("x".into()).into(), C::Conflict),
            (
                BrandError::HasLiveGrants {
                    id: "x".into(),
                    live: 1,
                }
                .into(),
                C::Conflict,
            ),
            (GrantError::UnknownGrant("g".into()).into(), C::NotFound),
            (GrantError::AlreadyRevoked("g".into()).into(), C::Conflict),
            (GrantError::NotActive("g".into()).into(), C::Conflict),
            (
                GrantError::AmbiguousGrant("g".into()).into(),
                C::InvalidInput,
            ),
            (VaultError::FieldNotSet("email".into()), C::NotFound),
            (RngError(bad_rng).into(), C::Internal),
            (SealError::Rng(RngError(bad_rng)).into(), C::Internal),
            (SealError::Encrypt(SealFailure::Encrypt).into(), C::Internal),
            (
                SealError::Encode(serde::de::Error::custom("x")).into(),
                C::Internal,
            ),
            (VaultError::sign("bad key"), C::Internal),
            (
                VaultError::Io {
                    path: "v".into(),
                    source: std::io::Error::other("disk"),
                },
                C::Io,
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.class(), want, "{err:?}");
        }
        // Every request refusal is the consumer's input to fix.
        for g in [
            GrantError::NothingChosen,
            GrantError::FieldNotSet("x".into()),
            GrantError::UnknownDerived("x".into()),
            GrantError::AgeOutOfRange("0".into()),
            GrantError::NeedsBirthdate("x".into()),
            GrantError::NeedsAddress,
            GrantError::Conflict("a".into(), "b".into()),
            GrantError::MissingPurpose,
            GrantError::UnknownPurposeCategory("x".into()),
            GrantError::UnknownChannel("x".into()),
            GrantError::DuplicateChannel("x".into()),
            GrantError::OfferTooLong,
            GrantError::BadExpiry("x".into()),
            GrantError::ExpiryInPast("x".into()),
            GrantError::ExpiryTooFar("x".into()),
        ] {
            assert_eq!(VaultError::from(g).class(), C::InvalidInput);
        }
    }

    /// The AEAD refusing to encrypt is its own error, not a random-number failure.
    #[test]
    fn encryption_failure_is_not_reported_as_rng() {
        let e = SealError::from(SealFailure::Encrypt);
        assert!(matches!(e, SealError::Encrypt(SealFailure::Encrypt)));
        assert_eq!(e.to_string(), "the cipher refused to encrypt the record");
    }

    /// Underlying errors stay reachable as `source`, for logs.
    #[test]
    fn store_errors_keep_their_source() {
        use std::error::Error as _;
        let e = StoreError::Sqlite(sqlite());
        assert!(e.source().is_some());
        let e = StoreError::Corrupt(Damage::Sqlite(sqlite()));
        assert!(e.source().and_then(|d| d.source()).is_some());
    }
}
