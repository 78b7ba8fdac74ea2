//! Small helpers every module needs: the clock, random identifiers, hashes.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use vouchsafe_token::b64;

/// Seconds since the Unix epoch. A clock before 1970 reads as 0 rather than failing: every
/// comparison it feeds then errs on the side of "expired".
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The operating system's random generator failed; nothing random can be made safely.
#[derive(Debug, thiserror::Error)]
#[error("the system random generator failed: {0}")]
pub struct RngError(#[from] getrandom::Error);

/// `bytes` random bytes as base64url: nonces, request ids, receipt ids. 16 bytes give the 128
/// bits docs/protocol.md asks of a nonce.
pub fn random_id(bytes: usize) -> Result<String, RngError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(b64::encode(&buf))
}

/// base64url SHA-256 of `text`: a grant's fingerprint in the brand receipt.
pub fn sha256_b64(text: &str) -> String {
    b64::encode(Sha256::digest(text.as_bytes()))
}
