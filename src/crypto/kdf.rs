//! Passphrase → key-encryption key, with Argon2id (RFC 9106).
//!
//! Parameters are stored in the vault so they can be raised later; a floor is enforced on
//! open, so a file edited to weak parameters is refused rather than trusted. A ceiling is
//! enforced too, and checked before any memory is allocated: the file is attacker-controlled
//! input, and a vault asking for 4 GiB and 64 passes would otherwise take every byte of memory
//! and minutes of CPU from whoever opens it.

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
    #[error("the key slot's salt is {0} bytes; a vault's salt is {SALT_MIN} to {SALT_MAX} bytes")]
    BadSalt(usize),
    #[error("key derivation failed: {0}")]
    Derivation(#[source] argon2::Error),
}

/// Shortest salt a key slot may carry: RFC 9106 recommends 16 bytes.
pub const SALT_MIN: usize = 16;
/// Longest salt a key slot may carry. New vaults use 32; anything longer than 64 is not ours.
pub const SALT_MAX: usize = 64;

/// Refuse a salt outside [`SALT_MIN`]..=[`SALT_MAX`] bytes.
pub fn check_salt(salt: &[u8]) -> Result<(), KdfError> {
    if (SALT_MIN..=SALT_MAX).contains(&salt.len()) {
        Ok(())
    } else {
        Err(KdfError::BadSalt(salt.len()))
    }
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
    /// The ceiling a file may ask for: 2 GiB, 10 passes, 16 lanes. A hostile file cannot make
    /// opening it take all memory or many minutes; anything above is refused before Argon2 runs.
    pub const MAXIMUM: Self = Self {
        m_kib: 2 * 1024 * 1024,
        t: 10,
        p: 16,
    };

    /// Whether these parameters cost more than [`KdfParams::DEFAULT`] in memory or time: a face
    /// asks the person before deriving with such parameters from a file it did not write.
    pub fn exceeds_default(&self) -> bool {
        let d = Self::DEFAULT;
        self.m_kib > d.m_kib || self.t > d.t || self.p > d.p
    }

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

    /// Derive the key-encryption key. Checks the parameters and the salt first, so nothing is
    /// allocated for a request outside the bounds.
    pub(crate) fn derive(&self, passphrase: &Passphrase, salt: &[u8]) -> Result<Kek, KdfError> {
        self.check()?;
        check_salt(salt)?;
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
    fn the_ceiling_is_two_gib_and_ten_passes() {
        let at = KdfParams {
            m_kib: 2 * 1024 * 1024,
            t: 10,
            p: 16,
        };
        assert!(at.check().is_ok());
        for over in [
            KdfParams {
                m_kib: at.m_kib + 1,
                ..at
            },
            KdfParams { t: 11, ..at },
            KdfParams { p: 17, ..at },
            KdfParams {
                m_kib: 4 * 1024 * 1024,
                t: 64,
                p: 2,
            },
        ] {
            assert_eq!(over.check(), Err(KdfError::TooCostly(over)));
        }
        assert!(!KdfParams::DEFAULT.exceeds_default());
        assert!(at.exceeds_default());
        assert!(!KdfParams::MINIMUM.exceeds_default());
    }

    /// The refusal happens in `derive` itself, before Argon2 allocates: a 4 GiB request on this
    /// machine would otherwise abort the test process or take minutes.
    #[test]
    fn derive_refuses_a_costly_request_and_a_bad_salt_before_work() {
        let hostile = KdfParams {
            m_kib: 4 * 1024 * 1024,
            t: 64,
            p: 1,
        };
        let pass = Passphrase::new("whatever-long");
        assert!(matches!(
            hostile.derive(&pass, &[0u8; 32]),
            Err(KdfError::TooCostly(_))
        ));
        for len in [0, 15, 65, 4096] {
            assert_eq!(check_salt(&vec![0u8; len]), Err(KdfError::BadSalt(len)));
            assert!(matches!(
                KdfParams::MINIMUM.derive(&pass, &vec![0u8; len]),
                Err(KdfError::BadSalt(n)) if n == len
            ));
        }
        assert_eq!(check_salt(&[0u8; 16]), Ok(()));
        assert_eq!(check_salt(&[0u8; 64]), Ok(()));
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
