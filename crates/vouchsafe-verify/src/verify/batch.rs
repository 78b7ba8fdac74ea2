//! Ed25519 batch verification of many grant signatures, with results identical to checking each
//! one with `verify_strict`.
//!
//! Batch verification (`ed25519_dalek::verify_batch`) checks one random linear combination of
//! the signature equations `R = [s]B - [h]A`, which costs about half as much per signature as
//! checking them one by one. It is not `verify_strict`, and the gap matters because a brand must
//! get the same answer for a token whichever path it takes:
//!
//! * A signature that fails anywhere makes the whole batch fail; every token of a failed batch
//!   is then checked alone with `verify_strict`, so the failing one gets exactly its own error.
//! * `verify_strict` refuses a small-order `R` and a non-canonical encoding of `R`; the batch
//!   equation would not. Those signatures never enter the batch: they are checked alone.
//!   (Small-order and invalid *keys* were already refused by the header check.)
//! * A non-canonical `s` makes `verify_batch` fail as a whole, which falls back as above.
//! * What remains is a signature whose only fault is a small-order (torsion) component of a
//!   mixed-order `R` or key: the batch equation may cancel it where `verify_strict` refuses.
//!   `h = SHA-512(R ‖ A ‖ M)` binds `R`, so nobody but the holder of the signing key can make
//!   such a signature; a third party cannot turn a valid token into one. It lets the consumer
//!   produce a token some verifiers accept and others refuse, not forge anyone else's. Closing
//!   it would need a prime-order-subgroup check per point, as costly as a verification.

use std::sync::OnceLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_dalek::{SIGNATURE_LENGTH, Signature, VerifyingKey};

/// One signature to check: the signing input, the 64 signature bytes and the header key.
pub(crate) struct Item<'a> {
    pub(crate) message: &'a [u8],
    pub(crate) signature: [u8; SIGNATURE_LENGTH],
    pub(crate) key: VerifyingKey,
}

/// Checks every item and returns, in input order, whether its signature verifies exactly as
/// `verify_strict` would say.
pub(crate) fn verify_all(items: &[Item<'_>]) -> Vec<bool> {
    let mut results = vec![false; items.len()];
    let mut batched = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if r_needs_strict_path(&item.signature) {
            if let Some(slot) = results.get_mut(i) {
                *slot = strict(item);
            }
        } else {
            batched.push(i);
        }
    }
    let selected: Vec<&Item<'_>> = batched.iter().filter_map(|&i| items.get(i)).collect();
    let messages: Vec<&[u8]> = selected.iter().map(|item| item.message).collect();
    let signatures: Vec<Signature> = selected
        .iter()
        .map(|item| Signature::from_bytes(&item.signature))
        .collect();
    let keys: Vec<VerifyingKey> = selected.iter().map(|item| item.key).collect();
    let batch_ok =
        !selected.is_empty() && ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok();
    for (&i, item) in batched.iter().zip(&selected) {
        if let Some(slot) = results.get_mut(i) {
            *slot = batch_ok || strict(item);
        }
    }
    results
}

fn strict(item: &Item<'_>) -> bool {
    item.key
        .verify_strict(item.message, &Signature::from_bytes(&item.signature))
        .is_ok()
}

/// Whether `R` (the first half of the signature) is one `verify_strict` treats specially: an
/// encoding of `y >= p` (non-canonical), or the `y` of one of the eight small-order points
/// (whatever the sign bit). Both are decided on the bytes, without decompressing the point.
fn r_needs_strict_path(signature: &[u8; SIGNATURE_LENGTH]) -> bool {
    let mut y = [0u8; 32];
    if let Some(r) = signature.get(..32) {
        y.copy_from_slice(r);
    }
    y[31] &= 0x7f;
    if !is_canonical_y(&y) {
        return true;
    }
    small_order_ys().contains(&y)
}

/// The `y` coordinates (sign bit cleared) of the eight small-order points, compressed once:
/// a compression costs a field inversion, too much to repeat per signature.
fn small_order_ys() -> &'static [[u8; 32]; 8] {
    static YS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
    YS.get_or_init(|| {
        EIGHT_TORSION.map(|point| {
            let mut y = point.compress().to_bytes();
            y[31] &= 0x7f;
            y
        })
    })
}

/// `y < p = 2^255 - 19`, for `y` little-endian with the sign bit cleared.
fn is_canonical_y(y: &[u8; 32]) -> bool {
    // y >= p exactly when bytes 1..=30 are 0xff, byte 31 is 0x7f and byte 0 is >= 0xed.
    let high_all_ones = y[1..31].iter().all(|&b| b == 0xff) && y[31] == 0x7f;
    !(high_all_ones && y[0] >= 0xed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn item<'a>(key: &SigningKey, message: &'a [u8]) -> Item<'a> {
        Item {
            message,
            signature: key.sign(message).to_bytes(),
            key: key.verifying_key(),
        }
    }

    #[test]
    fn valid_batches_pass_and_one_bad_signature_is_singled_out() {
        let keys: Vec<SigningKey> = (0u8..20)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        let messages: Vec<Vec<u8>> = (0u8..20).map(|i| vec![i; 40]).collect();
        let mut items: Vec<Item<'_>> = keys
            .iter()
            .zip(&messages)
            .map(|(k, m)| item(k, m))
            .collect();
        assert!(verify_all(&items).iter().all(|&ok| ok));
        items[7].signature[40] ^= 1;
        items[13].key = keys[12].verifying_key();
        let results = verify_all(&items);
        for (i, ok) in results.iter().enumerate() {
            assert_eq!(*ok, i != 7 && i != 13, "item {i}");
        }
        assert!(verify_all(&[]).is_empty());
    }

    #[test]
    fn small_order_and_non_canonical_r_take_the_strict_path() {
        for point in EIGHT_TORSION {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&point.compress().to_bytes());
            assert!(r_needs_strict_path(&sig));
            sig[31] ^= 0x80;
            assert!(r_needs_strict_path(&sig), "sign bit flipped");
        }
        let mut p = [0xffu8; 64];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(r_needs_strict_path(&p), "y = p");
        p[0] = 0xec;
        // y = p - 1 is the order-2 point's y: small order, also strict.
        assert!(r_needs_strict_path(&p));
        let key = SigningKey::from_bytes(&[5; 32]);
        assert!(!r_needs_strict_path(&key.sign(b"m").to_bytes()));
    }

    #[test]
    fn a_small_order_r_with_a_satisfied_equation_is_refused_as_strict_does() {
        // The signer picks R = a small-order point T and s = h·a, so [s]B = [h]A and the
        // cofactorless equation is off by exactly T: verify_strict refuses it, and so must we.
        use curve25519_dalek::scalar::Scalar;
        use sha2::{Digest as _, Sha512};
        let key = SigningKey::from_bytes(&[9; 32]);
        let a = key.to_scalar();
        let message = b"crafted";
        let results: Vec<bool> = EIGHT_TORSION
            .iter()
            .map(|t| {
                let r = t.compress().to_bytes();
                let digest: [u8; 64] = Sha512::new()
                    .chain_update(r)
                    .chain_update(key.verifying_key().as_bytes())
                    .chain_update(message)
                    .finalize()
                    .into();
                let h = Scalar::from_bytes_mod_order_wide(&digest);
                let s = h * a;
                let mut signature = [0u8; 64];
                signature[..32].copy_from_slice(&r);
                signature[32..].copy_from_slice(s.as_bytes());
                let item = Item {
                    message,
                    signature,
                    key: key.verifying_key(),
                };
                verify_all(&[item])[0]
            })
            .collect();
        assert_eq!(results, vec![false; 8]);
    }
}
