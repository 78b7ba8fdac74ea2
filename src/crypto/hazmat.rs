//! Raw primitives: AES-256-GCM and Argon2id. Not safe to use by themselves — callers must
//! supply correct associated data and never reuse a nonce; use [`super::record`] instead.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use super::{RngError, random_bytes};

pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
pub(crate) const KEY_LEN: usize = 32;

/// AEAD failure: wrong key, wrong associated data, or altered bytes. Deliberately opaque.
#[derive(Debug)]
pub(crate) struct AeadFailure;

/// Sealing failed: no nonce from the system random source, or the cipher refused the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealFailure {
    #[error(transparent)]
    Rng(#[from] RngError),
    /// AES-GCM refuses messages beyond 64 GiB; we never build one, but it is not an RNG fault.
    #[error("the cipher refused to encrypt the record")]
    Encrypt,
}

/// Seal under a fresh random 96-bit nonce; output is `nonce || ciphertext || tag`.
pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, SealFailure> {
    let cipher = Aes256Gcm::new(key.into());
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let ct = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| SealFailure::Encrypt)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Open `nonce || ciphertext || tag`; the plaintext comes back in a zeroizing buffer.
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AeadFailure> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(AeadFailure);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| AeadFailure)?;
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| AeadFailure)
}

/// Argon2id (RFC 9106, version 0x13) into a 32-byte key.
pub(crate) fn argon2id(
    passphrase: &[u8],
    salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; KEY_LEN]>, argon2::Error> {
    let params = argon2::Params::new(m_kib, t, p, Some(KEY_LEN))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon.hash_password_into(passphrase, salt, out.as_mut())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Argon2id vectors from the reference implementation (phc-winner-argon2 `src/test.c`),
    /// run through our wrapper so a wrong algorithm, version or parameter order would fail.
    #[test]
    fn argon2id_matches_reference_vectors() {
        type Case = (u32, u32, &'static [u8], &'static [u8], &'static str);
        let cases: [Case; 3] = [
            (
                65536,
                2,
                b"password",
                b"somesalt",
                "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
            ),
            (
                256,
                2,
                b"password",
                b"somesalt",
                "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe",
            ),
            (
                65536,
                2,
                b"password",
                b"diffsalt",
                "bdf32b05ccc42eb15d58fd19b1f856b113da1e9a5874fdcc544308565aa8141c",
            ),
        ];
        for (m, t, pwd, salt, want) in cases {
            let got = argon2id(pwd, salt, m, t, 1).expect("kdf");
            assert_eq!(super::super::hex(got.as_ref()), want, "m={m} t={t}");
        }
    }

    /// NIST GCM test case 14 (AES-256, zero key, zero IV, one zero block).
    #[test]
    fn aes256gcm_matches_nist_vector() {
        let cipher = Aes256Gcm::new(&[0u8; 32].into());
        let ct = cipher
            .encrypt(&Nonce::from([0u8; 12]), [0u8; 16].as_ref())
            .expect("encrypt");
        assert_eq!(
            super::super::hex(&ct),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"
        );
    }

    #[test]
    fn open_rejects_wrong_aad_flipped_bit_and_short_input() {
        let key = [7u8; 32];
        let sealed = seal(&key, b"here", b"secret").expect("seal");
        assert_eq!(&*open(&key, b"here", &sealed).expect("open"), b"secret");
        assert!(open(&key, b"there", &sealed).is_err());
        let mut flipped = sealed.clone();
        flipped[NONCE_LEN] ^= 1;
        assert!(open(&key, b"here", &flipped).is_err());
        assert!(open(&key, b"here", &sealed[..20]).is_err());
    }

    #[test]
    fn nonces_are_fresh() {
        let key = [1u8; 32];
        let a = seal(&key, b"", b"x").expect("seal");
        let b = seal(&key, b"", b"x").expect("seal");
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
    }
}
