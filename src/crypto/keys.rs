//! Key material. Every type here zeroizes on drop, prints as `[redacted]`, and is neither
//! `Clone` nor `Serialize`, so a key cannot leak through a log line or an accidental copy.

use std::fmt;

use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::hazmat::{self, AeadFailure, KEY_LEN, SealFailure};
use super::{RngError, random_bytes};

/// A passphrase as typed by the consumer.
pub struct Passphrase(SecretString);

impl Passphrase {
    /// Shortest passphrase accepted for a new vault or a passphrase change; the KDF slows
    /// guessing but cannot save a four-letter word.
    pub const MIN_CHARS: usize = 8;

    pub fn new(s: impl Into<String>) -> Self {
        Self(SecretString::from(s.into()))
    }

    /// Whether this passphrase is long enough for a new vault.
    pub fn is_long_enough(&self) -> bool {
        self.0.expose_secret().chars().count() >= Self::MIN_CHARS
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }

    /// Constant-time-ish equality for the "type it twice" check; both values are secret.
    pub fn matches(&self, other: &Passphrase) -> bool {
        let (a, b) = (self.as_bytes(), other.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

/// The key-encryption key derived from the passphrase; it only ever wraps the [`DataKey`].
pub(crate) struct Kek(Zeroizing<[u8; KEY_LEN]>);

impl Kek {
    pub(crate) fn from_derived(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self(bytes)
    }
}

/// The random 256-bit key that seals every record. It never leaves the process unwrapped.
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    /// A fresh random key for a new vault.
    pub(crate) fn generate() -> Result<Self, RngError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        random_bytes(k.as_mut())?;
        Ok(Self(k))
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Wrap this key under the passphrase-derived key; `aad` binds the wrap to its vault and
    /// KDF parameters, so editing the parameters in the file breaks the unwrap.
    pub(crate) fn wrap(&self, kek: &Kek, aad: &[u8]) -> Result<Vec<u8>, SealFailure> {
        hazmat::seal(&kek.0, aad, self.0.as_ref())
    }

    pub(crate) fn unwrap(kek: &Kek, aad: &[u8], wrapped: &[u8]) -> Result<Self, AeadFailure> {
        let plain = hazmat::open(&kek.0, aad, wrapped)?;
        let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| AeadFailure)?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// HKDF-SHA-256 subkey for a named purpose, so one purpose's key never doubles as another's.
    pub(crate) fn subkey(&self, info: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(None, self.0.as_ref());
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        // 32 bytes is far below HKDF-SHA-256's 8160-byte limit, so expand cannot fail.
        let _ = hk.expand(info, out.as_mut());
        out
    }
}

/// The key of lookup ids: deterministic opaque ids for named records (e.g. a profile field),
/// so the vault can find `email` without storing the word "email". A subkey of the data key,
/// derived once per unlock: a screen that lists 10,000 fields checks 10,000 ids, and deriving
/// the subkey (HKDF) each time cost more than the id itself.
pub(crate) struct LookupKey(Zeroizing<[u8; KEY_LEN]>);

impl LookupKey {
    pub(crate) fn derive(key: &DataKey) -> Self {
        Self(key.subkey(b"vouchsafe/v1/lookup-id"))
    }

    /// The id of `name` among the records of `kind`: hex of the first 16 bytes of
    /// HMAC-SHA-256(subkey, kind ‖ 0 ‖ name).
    pub(crate) fn id(&self, kind: &str, name: &str) -> String {
        type HmacSha256 = hmac::Hmac<sha2::Sha256>;
        let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(self.0.as_ref()) else {
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(name.as_bytes());
        let tag = mac.finalize().into_bytes();
        super::hex(&tag[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let p = Passphrase::new("correct horse battery staple");
        assert_eq!(format!("{p:?}"), "Passphrase([redacted])");
        let k = DataKey::generate().expect("rng");
        assert_eq!(format!("{k:?}"), "DataKey([redacted])");
    }

    #[test]
    fn wrap_unwrap_round_trip_and_aad_binding() {
        let kek = Kek::from_derived(Zeroizing::new([9u8; 32]));
        let dk = DataKey::generate().expect("rng");
        let w = dk.wrap(&kek, b"vault-a").expect("wrap");
        let back = DataKey::unwrap(&kek, b"vault-a", &w).expect("unwrap");
        assert_eq!(back.bytes(), dk.bytes());
        assert!(DataKey::unwrap(&kek, b"vault-b", &w).is_err());
    }

    #[test]
    fn lookup_ids_are_stable_distinct_and_key_dependent() {
        let a = LookupKey::derive(&DataKey::generate().expect("rng"));
        let b = LookupKey::derive(&DataKey::generate().expect("rng"));
        assert_eq!(a.id("field", "email"), a.id("field", "email"));
        assert_ne!(a.id("field", "email"), a.id("field", "name"));
        assert_ne!(a.id("field", "email"), a.id("brand", "email"));
        assert_ne!(a.id("field", "email"), b.id("field", "email"));
        assert_eq!(a.id("field", "email").len(), 32);
    }

    #[test]
    fn passphrase_matching() {
        assert!(Passphrase::new("abcdefgh").matches(&Passphrase::new("abcdefgh")));
        assert!(!Passphrase::new("abcdefgh").matches(&Passphrase::new("abcdefgi")));
        assert!(!Passphrase::new("abc").matches(&Passphrase::new("abcd")));
        assert!(!Passphrase::new("비밀번호").is_long_enough());
        assert!(Passphrase::new("비밀번호는길어야해요").is_long_enough());
    }
}
