//! Brand-side verification of Vouchsafe grants.
//!
//! A Vouchsafe *grant* is a compact JWS (a JWT) signed with the consumer's per-brand Ed25519
//! key. The key travels in the token header as a JWK, and the token's `iss` is that key's
//! RFC 9278 thumbprint URN, so a grant is *self-certifying*: a brand needs no directory or key
//! server to check who signed it, only to decide whether it trusts that key. Revocation uses an
//! IETF Token Status List signed by the same key.
//!
//! This crate holds the verification rules only; the formats live in [`vouchsafe_token`]
//! (re-exported as [`token`]). It is safe by default: a caller must name its own audience and
//! state both the issuer policy and the status policy, so no call accepts "any token for anyone,
//! revocation unchecked" by omission.
//!
//! * [`verify_grant`]: one grant, every check, one error per check.
//! * [`verify_grants`]: many grants with one options value; Ed25519 batch verification, and a
//!   status list parsed, signature-checked and inflated once.
//! * [`StatusListVerified`]: a status list token verified once and shared by many checks.
//! * [`event`]: Security Event Tokens from a vault (docs/protocol.md §4); [`brand`]: tokens a brand signs, checked against its JWKS.
//!
//! ```
//! use vouchsafe_verify::{jwk::PublicJwk, jws, GRANT_TYP, SigningKey};
//! use vouchsafe_verify::{IssuerPolicy, StatusPolicy, VerifyOptions, verify_grant};
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
//! let opts = VerifyOptions {
//!     audience: "brand.example".into(),
//!     issuer: IssuerPolicy::Pinned(iss.clone()),
//!     status: StatusPolicy::Waived,
//!     now: 1_700_000_100,
//! };
//! let grant = verify_grant(&token, &opts)?;
//! assert_eq!(grant.jti(), "g-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod brand;
pub mod event;
pub mod verify;

pub use verify::{
    ErrorClass, HeaderError, IssuerPolicy, PinnedConsumer, StatusListVerified, StatusOutcome,
    StatusPolicy, VerifiedGrant, VerifyError, VerifyOptions, verify_grant, verify_grants,
};
pub use vouchsafe_token as token;
pub use vouchsafe_token::{
    AUTHORIZATION_DETAILS_TYPE, CompactJws, GRANT_TYP, GrantClaims, JwkError, JwsError,
    MAX_LEEWAY_SECS, PublicJwk, RECEIPT_TYP, STATUS_LIST_TYP, SigningKey, StatusList,
    StatusListError, VerifyingKey, jwk, jws, status_list, status_list_token,
};
