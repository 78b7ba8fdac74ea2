//! Verifying a grant, following RFC 8725 (JWT Best Current Practices).
//!
//! The checks run in a fixed order and stop at the first failure, so the reported error is
//! always the most fundamental one: structure, header policy, signature, claims (including
//! time), and finally revocation. Nothing from the token is trusted before the check that
//! vouches for it: the header picks no algorithm, the key is only used after passing policy, and
//! claims are only read after the signature verified.

mod claims;
mod error;
mod header;
mod status;

use serde_json::{Map, Value};

pub use error::{ErrorClass, HeaderError, VerifyError};

use crate::GRANT_TYP;
use crate::jwk::{PublicJwk, THUMBPRINT_URN_PREFIX};
use crate::jws::CompactJws;

/// What the caller expects of a grant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The brand's own identifier; when set, `aud` must contain it. Leave unset only when the
    /// audience is checked elsewhere, or a grant meant for another brand would be accepted.
    pub audience: Option<String>,
    /// A pinned consumer (`urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`); when set, `iss` must
    /// equal it. Without it any consumer's self-signed grant verifies.
    pub issuer: Option<String>,
    /// A status list token (`statuslist+jwt`) fetched from the grant's `status.status_list.uri`;
    /// when set, the grant's revocation status is checked against it.
    pub status_list_token: Option<String>,
    /// Verification time, seconds since the Unix epoch. Passed in rather than read from the
    /// clock so that verification is deterministic and testable.
    pub now: i64,
}

/// Whether revocation was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusOutcome {
    /// A status list signed by the grant's key lists the grant as valid.
    Valid,
    /// No status list was supplied, so revocation is unknown.
    NotChecked,
}

impl StatusOutcome {
    /// `"valid"` or `"not_checked"`, as the CLI prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusOutcome::Valid => "valid",
            StatusOutcome::NotChecked => "not_checked",
        }
    }
}

/// A grant that passed every check. Only [`verify_grant`] creates one, so holding a value of
/// this type is proof the checks ran.
#[derive(Debug, Clone)]
pub struct VerifiedGrant {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    jwk: PublicJwk,
    issuer: String,
    audience: Vec<String>,
    jti: String,
    exp: i64,
    status: StatusOutcome,
}

impl VerifiedGrant {
    /// The protected header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The whole claims set, including the released profile fields.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// Consumes the grant, returning its claims set.
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }

    /// The consumer's public key from the header (the key `iss` is the thumbprint URN of).
    pub fn jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    /// `iss`: the consumer's thumbprint URN.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `aud`, as a list even when the token has a single string.
    pub fn audience(&self) -> &[String] {
        &self.audience
    }

    /// `jti`: the grant's identifier, for replay detection and audit logs.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// `exp`, seconds since the epoch (fractions floored).
    pub fn exp(&self) -> i64 {
        self.exp
    }

    /// Whether revocation was checked.
    pub fn status(&self) -> StatusOutcome {
        self.status
    }
}

/// Verifies a grant (compact JWS) against `opts`.
///
/// Order of checks, each with its own [`VerifyError`] variant:
/// 1. structure: three base64url parts, header and payload JSON objects;
/// 2. header: `alg` is `EdDSA`/`Ed25519`, `typ` is [`GRANT_TYP`], no `crit`, a valid Ed25519
///    `jwk`, `kid` (if any) equal to its thumbprint;
/// 3. signature: Ed25519 `verify_strict` with the header `jwk`;
/// 4. claims: `iss` is the jwk thumbprint URN, `sub == iss`, pinned issuer, `aud`, `exp`
///    (required), `nbf`/`iat` numeric, expiry and not-before with [`crate::MAX_LEEWAY_SECS`],
///    `jti`;
/// 5. status, if a status list token was given: signed by the grant's key, `sub` equal to the
///    grant's `status.status_list.uri`, not expired, index in range, entry 0.
pub fn verify_grant(token: &str, opts: &VerifyOptions) -> Result<VerifiedGrant, VerifyError> {
    let jws = CompactJws::parse(token).map_err(VerifyError::structure)?;
    let claims = jws.claims().map_err(VerifyError::structure)?;

    let key = header::check(jws.header(), GRANT_TYP)?;

    jws.verify_signature(&key.key)
        .map_err(VerifyError::BadSignature)?;

    // Built from the thumbprint the header check already hashed, rather than hashing again.
    let key_urn = format!("{THUMBPRINT_URN_PREFIX}{}", key.thumbprint);
    let checked = claims::check(&claims, &key_urn, opts)?;

    let status = match &opts.status_list_token {
        None => StatusOutcome::NotChecked,
        Some(status_token) => {
            status::check(&claims, &checked.issuer, &key, status_token, opts.now)?;
            StatusOutcome::Valid
        }
    };

    Ok(VerifiedGrant {
        header: jws.header().clone(),
        claims,
        jwk: key.jwk,
        issuer: checked.issuer,
        audience: checked.audience,
        jti: checked.jti,
        exp: checked.exp,
        status,
    })
}
