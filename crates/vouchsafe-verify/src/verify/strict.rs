//! Ed25519 `verify_strict` for a key the header policy already accepted, without repeating the
//! key's own check on every signature.
//!
//! `ed25519_dalek::VerifyingKey::verify_strict` refuses a small-order key on every call, which
//! costs a multiplication by the cofactor (about 1.6 % of a verification). Every key a grant is
//! checked against has passed [`vouchsafe_token::PublicJwk::to_verifying_key`], which refuses
//! small-order keys once, when the header or the pinned consumer is read; so this does the
//! rest of `verify_strict`, step for step with the same primitives (ed25519-dalek 3.0,
//! `verifying.rs`): `s` canonical, `R` a valid and not small-order point, then
//! `[s]B - [H(R ‖ A ‖ M)]A` compressed and compared with the bytes of `R`.
//! `tests::agrees_with_verify_strict` holds it to `verify_strict`'s answers.

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{SIGNATURE_LENGTH, VerifyingKey};
use sha2::{Digest, Sha512};

/// Whether `signature` on `message` verifies under `key` exactly as `key.verify_strict` says,
/// for a `key` that is not of small order (as every key the header policy accepts).
pub(crate) fn verify(
    key: &VerifyingKey,
    message: &[u8],
    signature: &[u8; SIGNATURE_LENGTH],
) -> bool {
    let (r_bytes, s_bytes) = signature.split_at(32);
    let (Ok(r_bytes), Ok(s_bytes)) = (<[u8; 32]>::try_from(r_bytes), <[u8; 32]>::try_from(s_bytes))
    else {
        return false;
    };
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
        return false;
    };
    let r = CompressedEdwardsY(r_bytes);
    match r.decompress() {
        Some(point) if !point.is_small_order() => {}
        _ => return false,
    }
    let mut hash = Sha512::new();
    hash.update(r_bytes);
    // The key's bytes as given (`VerifyingKey::to_bytes`), as `verify_strict` hashes them.
    hash.update(key.as_bytes());
    hash.update(message);
    let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
    let minus_a = -key.to_edwards();
    EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &minus_a, &s).compress() == r
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use ed25519_dalek::{Signature, Signer as _, SigningKey};

    fn strict(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        key.verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }

    /// Valid signatures, every single-bit change of signature, message and key, a
    /// non-canonical `s`, small-order and undecodable `R`: the same answer every time.
    #[test]
    fn agrees_with_verify_strict() {
        let mut cases = 0;
        for seed in 0..4u8 {
            let signing = SigningKey::from_bytes(&[seed.wrapping_mul(37).wrapping_add(1); 32]);
            let key = signing.verifying_key();
            let message = format!("grant {seed}").into_bytes();
            let signature = signing.sign(&message).to_bytes();
            assert!(verify(&key, &message, &signature));

            let mut variants = vec![(key, message.clone(), signature)];
            for bit in 0..512 {
                let mut flipped = signature;
                flipped[bit / 8] ^= 1 << (bit % 8);
                variants.push((key, message.clone(), flipped));
            }
            for bit in 0..message.len() * 8 {
                let mut changed = message.clone();
                changed[bit / 8] ^= 1 << (bit % 8);
                variants.push((key, changed, signature));
            }
            for bit in 0..256 {
                let mut bytes = key.to_bytes();
                bytes[bit / 8] ^= 1 << (bit % 8);
                if let Ok(other) = VerifyingKey::from_bytes(&bytes)
                    && !other.is_weak()
                {
                    variants.push((other, message.clone(), signature));
                }
            }
            // s + ℓ: the same scalar, not canonical.
            let mut high_s = signature;
            let ell: [u8; 32] = [
                0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
                0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
            ];
            let mut carry = 0u16;
            for (byte, add) in high_s[32..].iter_mut().zip(ell) {
                let sum = u16::from(*byte) + u16::from(add) + carry;
                *byte = sum as u8;
                carry = sum >> 8;
            }
            variants.push((key, message.clone(), high_s));
            for torsion in EIGHT_TORSION {
                let mut small_r = signature;
                small_r[..32].copy_from_slice(torsion.compress().as_bytes());
                variants.push((key, message.clone(), small_r));
            }
            let mut no_point = signature;
            no_point[..32].copy_from_slice(&[0xff; 32]);
            variants.push((key, message.clone(), no_point));

            for (key, message, signature) in &variants {
                assert_eq!(
                    verify(key, message, signature),
                    strict(key, message, signature),
                    "seed {seed}"
                );
                cases += 1;
            }
        }
        assert!(cases > 2_500, "{cases}");
    }
}
