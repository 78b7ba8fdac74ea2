//! Cryptography for the vault, layered so that only `hazmat` touches raw primitives.
//!
//! The rest of the crate sees three things: [`KdfParams`] (how a passphrase becomes a key),
//! [`keys`] (the zeroizing key types) and [`record`] (seal/open a record bound to its place).

pub(crate) mod hazmat;
pub mod kdf;
pub mod keys;
pub mod record;

pub use kdf::KdfParams;
pub use keys::{DataKey, Passphrase};

/// The system random source failed; there is nothing safe to fall back on.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RngError;

/// Fill `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), RngError> {
    getrandom::fill(buf).map_err(|_| RngError)
}

/// A random identifier of 128 bits, hex encoded: used for record and grant ids so ids say nothing.
pub fn random_id() -> Result<String, RngError> {
    let mut b = [0u8; 16];
    random_bytes(&mut b)?;
    Ok(hex(&b))
}

/// Lower-case hex; ten lines are not worth a dependency.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
