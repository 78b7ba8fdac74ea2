//! Verification (and the matching building blocks for issuance) of Vouchsafe grants.
//!
//! A Vouchsafe *grant* is a compact JWS (a JWT) signed with the consumer's Ed25519 key. The
//! key travels in the token header as a JWK, and the token's `iss` is that key's RFC 9278
//! thumbprint URN, so a grant is *self-certifying*: a brand needs no directory or key server to
//! check who signed it, only to decide whether it trusts that key (pin it with
//! [`VerifyOptions::issuer`]). Revocation uses an IETF Token Status List signed by the same key.
//!
//! The crate is deliberately small and dependency-light because brands embed it in their own
//! back ends, and because the vault core reuses the very same code to *build* tokens: sharing one
//! implementation of the JWK, JWS and status-list formats is what keeps issuer and verifier from
//! drifting apart.
//!
//! * [`jwk`]: Ed25519 public keys as JWK, RFC 7638 thumbprints and RFC 9278 thumbprint URNs.
//! * [`jws`]: compact JWS signing and parsing with Ed25519.
//! * [`status_list`]: the Token Status List bit array, its `lst` encoding and its JWT.
//! * [`verify`]: the RFC 8725 verification pipeline for grants, with one error per check.
//!
//! ```
//! use vouchsafe_verify::{jwk::PublicJwk, jws, verify, GRANT_TYP, SigningKey};
//!
//! let key = SigningKey::from_bytes(&[7u8; 32]);
//! let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
//! let iss = jwk.thumbprint_urn();
//! let claims = serde_json::json!({
//!     "iss": iss, "sub": iss, "aud": "brand.example", "jti": "g-1",
//!     "iat": 1_700_000_000, "exp": 1_700_003_600,
//! });
//! let token = jws::sign_compact(&jws::header_for(GRANT_TYP, &jwk), &claims, &key)?;
//!
//! let opts = verify::VerifyOptions {
//!     audience: Some("brand.example".into()),
//!     now: 1_700_000_100,
//!     ..Default::default()
//! };
//! let grant = verify::verify_grant(&token, &opts)?;
//! assert_eq!(grant.jti(), "g-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod b64;
mod json;
pub mod jwk;
pub mod jws;
pub mod status_list;
pub mod verify;

pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use jwk::{JwkError, PublicJwk};
pub use jws::{CompactJws, Header, JwsError};
pub use status_list::{StatusList, StatusListError, status_list_token};
pub use verify::{
    ErrorClass, HeaderError, StatusOutcome, VerifiedGrant, VerifyError, VerifyOptions, verify_grant,
};

/// `typ` header of a grant. Explicit typing (RFC 8725 §3.11) stops any other JWT signed by the
/// same key, e.g. a consent receipt, from being accepted as a grant.
pub const GRANT_TYP: &str = "vnd.vouchsafe.grant+jwt";

/// `typ` header of a Token Status List JWT (draft-ietf-oauth-status-list).
pub const STATUS_LIST_TYP: &str = "statuslist+jwt";

/// `typ` header of the consent receipt the vault keeps for the consumer; never a grant.
pub const RECEIPT_TYP: &str = "vnd.vouchsafe.consent-receipt+jwt";

/// `type` of the RFC 9396 `authorization_details` entry that lists the released profile fields.
pub const AUTHORIZATION_DETAILS_TYPE: &str = "vouchsafe_profile_release";

/// Clock skew tolerated on `exp` and `nbf`, in seconds. Fixed rather than configurable so that
/// every brand applies the same window and a consumer can reason about when a grant really ends.
pub const MAX_LEEWAY_SECS: i64 = 60;
