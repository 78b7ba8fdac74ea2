//! The Vouchsafe wire formats, shared by the vault that signs tokens and the verifier that checks
//! them.
//!
//! A Vouchsafe *grant* is a compact JWS (a JWT) signed with the consumer's per-brand Ed25519 key.
//! The key travels in the token header as a JWK and the token's `iss` is that key's RFC 9278
//! thumbprint URN, so a grant is self-certifying. Revocation uses an IETF Token Status List
//! signed by the same key; the consumer keeps a consent receipt signed by it too.
//!
//! This crate holds only the formats: no storage, no policy, no command line. Sharing one
//! implementation between issuer and verifier is what keeps the two from drifting apart.
//! Verification *rules* (which `typ`, which audience, expiry, revocation) live in the
//! `vouchsafe-verify` crate.
//!
//! * [`jwk`]: Ed25519 public keys as JWK, RFC 7638 thumbprints and RFC 9278 thumbprint URNs.
//! * [`jws`]: compact JWS signing and parsing with Ed25519.
//! * [`status_list`]: the Token Status List bit array, its `lst` encoding and its JWT.
//! * [`claims`]: typed claims of the grant, the status list token and the consent receipt.
//! * [`derived`]: which claim a derived fact (`adult_kr`, `city`, …) fills and is computed from.
//! * [`json`]: the strict JSON object reader (duplicate member names are refused).
//! * [`protocol`]: typed messages of the brand protocol (request, receipts, Security Event Tokens).
//! * [`b64`]: canonical base64url without padding.
//!
//! ```
//! use vouchsafe_token::{jwk::PublicJwk, jws, GRANT_TYP, SigningKey};
//!
//! let key = SigningKey::from_bytes(&[7u8; 32]);
//! let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
//! let claims = serde_json::json!({"iss": jwk.thumbprint_urn(), "exp": 1_700_003_600});
//! let token = jws::sign_compact(&jws::header_for(GRANT_TYP, &jwk), &claims, &key)?;
//! let parsed = jws::CompactJws::parse(&token)?;
//! parsed.verify_signature(&key.verifying_key())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod b64;
pub mod claims;
pub mod derived;
pub mod json;
pub mod jwk;
pub mod jws;
pub mod protocol;
pub mod status_list;

pub use claims::{ConsentReceiptClaims, GrantClaims, StatusListClaims};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use jwk::{JwkError, PublicJwk};
pub use jws::{CompactJws, Header, JwsError};
pub use status_list::{StatusList, StatusListError, status_list_token};

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
