//! Passphrase → key-encryption key, with Argon2id (RFC 9106).
//!
//! Parameters are stored in the vault so they can be raised later; a floor is enforced on
//! open, so a file edited to weak parameters is refused rather than trusted.

use zeroize::Zeroizing;

use super::hazmat;
use super::keys::{Kek, Passphrase};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes; the `parallel` feature runs them on separate cores.
    pub p: u32,
}

/// Why a set of parameters was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KdfError {
    #[error(
        "key derivation parameters {0} are below the minimum {min}",
        min = KdfParams::MINIMUM
    )]
    TooWeak(KdfParams),
    #[error(
        "key derivation parameters {0} exceed the maximum {max}",
        max = KdfParams::MAXIMUM
    )]
    TooCostly(KdfParams),
    #[error("key derivation failed: {0}")]
    Derivation(#[source] argon2::Error),
}

impl std::fmt::Display for KdfParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Argon2id m={} MiB t={} p={}",
            self.m_kib / 1024,
            self.t,
            self.p
        )
    }
}

impl KdfParams {
    /// New vaults: 256 MiB, 3 passes, 2 lanes. Measured in a release build on a 2-core
    /// machine (see docs/performance.md): well under the 1 s unlock budget.
    pub const DEFAULT: Self = Self {
        m_kib: 256 * 1024,
        t: 3,
        p: 2,
    };
    /// The floor: OWASP's Argon2id guidance is far lower; we keep 64 MiB and 3 passes.
    pub const MINIMUM: Self = Self {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// A ceiling, so a hostile file cannot make opening it take all memory or hours.
    pub const MAXIMUM: Self = Self {
        m_kib: 4 * 1024 * 1024,
        t: 64,
        p: 16,
    };

    /// Refuse parameters outside the floor and ceiling.
    pub fn check(&self) -> Result<(), KdfError> {
        let (min, max) = (Self::MINIMUM, Self::MAXIMUM);
        if self.m_kib < min.m_kib || self.t < min.t || self.p < min.p {
            return Err(KdfError::TooWeak(*self));
        }
        if self.m_kib > max.m_kib || self.t > max.t || self.p > max.p {
            return Err(KdfError::TooCostly(*self));
        }
        Ok(())
    }

    /// Derive the key-encryption key. Checks the parameters first.
    pub(crate) fn derive(&self, passphrase: &Passphrase, salt: &[u8]) -> Result<Kek, KdfError> {
        self.check()?;
        let key: Zeroizing<[u8; 32]> =
            hazmat::argon2id(passphrase.as_bytes(), salt, self.m_kib, self.t, self.p)
                .map_err(KdfError::Derivation)?;
        Ok(Kek::from_derived(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_ceiling() {
        assert!(KdfParams::DEFAULT.check().is_ok());
        assert!(KdfParams::MINIMUM.check().is_ok());
        let weak = KdfParams {
            m_kib: 1024,
            ..KdfParams::MINIMUM
        };
        assert_eq!(weak.check(), Err(KdfError::TooWeak(weak)));
        let few = KdfParams {
            t: 1,
            ..KdfParams::MINIMUM
        };
        assert_eq!(few.check(), Err(KdfError::TooWeak(few)));
        let huge = KdfParams {
            m_kib: u32::MAX,
            ..KdfParams::MINIMUM
        };
        assert_eq!(huge.check(), Err(KdfError::TooCostly(huge)));
    }

    #[test]
    fn derive_refuses_weak_params_before_work() {
        let weak = KdfParams {
            m_kib: 8,
            t: 1,
            p: 1,
        };
        assert!(matches!(
            weak.derive(&Passphrase::new("whatever-long"), &[0u8; 16]),
            Err(KdfError::TooWeak(_))
        ));
    }
}
