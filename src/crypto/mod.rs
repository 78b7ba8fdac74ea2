//! Cryptography for the vault, layered so that only `hazmat` touches raw primitives.
//!
//! The rest of the crate sees three things: [`KdfParams`] (how a passphrase becomes a key),
//! [`keys`] (the zeroizing key types) and [`record`] (seal/open a record bound to its place).

pub(crate) mod hazmat;
pub mod kdf;
pub mod keys;
pub mod record;

pub use hazmat::SealFailure;
pub use kdf::KdfParams;
pub use keys::{DataKey, Passphrase};

/// The system random source failed; there is nothing safe to fall back on.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RngError(#[source] pub(crate) getrandom::Error);

/// Fill `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), RngError> {
    getrandom::fill(buf).map_err(RngError)
}

/// A random identifier of 128 bits, hex encoded: used for record and grant ids so ids say nothing.
pub fn random_id() -> Result<String, RngError> {
    let mut b = [0u8; 16];
    random_bytes(&mut b)?;
    Ok(hex(&b))
}

/// A random RFC 4122 version-4 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`): grant ids
/// and status list URNs that say nothing about the consumer, the brand or the time.
pub fn random_uuid() -> Result<String, RngError> {
    let mut b = [0u8; 16];
    random_bytes(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// Lower-case hex; ten lines are not worth a dependency.
pub fn hex(bytes: &[u8]) -> String {
    // By table, not `write!("{b:02x}")`: the integrity check hexes every row's MAC tag, and the
    // formatting machinery was a visible share of an unlock.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0x10, 0xa5, 0xff]), "000f10a5ff");
        assert_eq!(super::hex(&[]), "");
    }

    #[test]
    fn uuids_are_version_4_and_fresh() {
        let u = super::random_uuid().expect("rng");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, super::random_uuid().expect("rng"));
    }
}
