//! Why a grant was rejected: one variant per check, grouped into classes with exit codes.
//!
//! Messages read `<check>: <detail>` so that a brand's log line names the failed check without
//! needing the source; classes let scripts branch on the kind of failure without parsing text.

use std::fmt;

use serde_json::Value;

use vouchsafe_token::MAX_LEEWAY_SECS;
use vouchsafe_token::json::Text;
use vouchsafe_token::jwk::JwkError;
use vouchsafe_token::jws::{JwsError, Part};
use vouchsafe_token::status_list::StatusListError;

/// Coarse kind of verification failure, stable for scripts (CLI exit codes, JSON `class`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The token is not three base64url parts holding JSON objects. Exit code 3.
    Malformed,
    /// The header breaks policy: `alg`, `typ`, `crit`, `jwk` or `kid`. Exit code 4.
    Header,
    /// The signature does not verify with the header key. Exit code 5.
    Signature,
    /// A claim is missing, mistyped or not as required: `iss`, `sub`, `aud`, `exp`, `jti`…
    /// Exit code 6.
    Claims,
    /// The grant is expired or not yet valid, beyond the leeway. Exit code 7.
    Time,
    /// The status list marks the grant as not valid. Exit code 8.
    Revoked,
    /// The status list could not be trusted or used. Exit code 9.
    StatusList,
}

impl ErrorClass {
    /// Stable lower-case name, used as the CLI's JSON `class`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Malformed => "malformed",
            ErrorClass::Header => "header",
            ErrorClass::Signature => "signature",
            ErrorClass::Claims => "claims",
            ErrorClass::Time => "time",
            ErrorClass::Revoked => "revoked",
            ErrorClass::StatusList => "status_list",
        }
    }

    /// The `vouchsafe-verify` exit code of this class (0 is success, 1 and 2 are I/O and usage).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorClass::Malformed => 3,
            ErrorClass::Header => 4,
            ErrorClass::Signature => 5,
            ErrorClass::Claims => 6,
            ErrorClass::Time => 7,
            ErrorClass::Revoked => 8,
            ErrorClass::StatusList => 9,
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A header policy violation, shared by grants and status list tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// `alg` is missing or not `EdDSA`/`Ed25519` (this includes `none` and every HMAC/RSA/EC alg).
    #[error("alg {0} is not allowed; only \"EdDSA\" or \"Ed25519\"")]
    Algorithm(String),
    /// `typ` is missing or names another kind of token.
    #[error("typ {found} is not {expected:?}")]
    Type {
        /// The required type.
        expected: &'static str,
        /// What the header says (quoted), or `missing`.
        found: String,
    },
    /// `crit` is present; no extension is understood, so RFC 7515 §4.1.11 demands rejection.
    #[error("crit {0} lists extensions this verifier does not understand")]
    Critical(String),
    /// No `jwk`; the token must carry the signer's key.
    #[error("jwk is missing; the signer's Ed25519 public key must be in the header")]
    MissingJwk,
    /// `jwk` is not a usable Ed25519 public key.
    #[error("jwk {0}")]
    InvalidJwk(JwkError),
    /// `kid` is present but is not the RFC 7638 thumbprint of `jwk`.
    #[error("kid {kid} is not the jwk thumbprint {thumbprint:?}")]
    KidMismatch {
        /// What the header says (quoted).
        kid: String,
        /// The thumbprint of the header `jwk`.
        thumbprint: String,
    },
}

/// Why a grant was rejected. Variants appear in the order the checks run.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    // --- 1. structure -------------------------------------------------------------------------
    /// Not exactly three dot-separated parts.
    #[error(
        "token structure: expected 3 dot-separated parts (header.payload.signature), found {0}"
    )]
    MalformedParts(usize),
    /// A part is not base64url without padding.
    #[error("token structure: {0} is not base64url without padding")]
    MalformedBase64(Part),
    /// Header or payload is not JSON (or repeats a member name).
    #[error("token structure: {part} is not valid JSON: {detail}")]
    MalformedJson {
        /// Header or payload.
        part: Part,
        /// The parser's message.
        detail: String,
    },
    /// Header or payload is JSON but not an object.
    #[error("token structure: {0} is not a JSON object")]
    MalformedNotObject(Part),

    // --- 2. header ----------------------------------------------------------------------------
    /// `alg` is not `EdDSA`/`Ed25519`.
    #[error("header alg: {alg} is not allowed; only \"EdDSA\" or \"Ed25519\"")]
    AlgorithmNotAllowed {
        /// What the header says (quoted), or `missing`.
        alg: String,
    },
    /// `typ` is not `vnd.vouchsafe.grant+jwt`.
    #[error("header typ: {found} is not {:?}", vouchsafe_token::GRANT_TYP)]
    WrongType {
        /// What the header says (quoted), or `missing`.
        found: String,
    },
    /// `crit` is present.
    #[error("header crit: {crit} lists extensions this verifier does not understand")]
    CriticalHeader {
        /// The `crit` value as JSON.
        crit: String,
    },
    /// No `jwk` member.
    #[error("header jwk: missing; a grant must carry the consumer's Ed25519 public key")]
    MissingJwk,
    /// `jwk` is not a valid Ed25519 public key.
    #[error("header jwk: {0}")]
    InvalidJwk(JwkError),
    /// `kid` differs from the thumbprint of `jwk`.
    #[error("header kid: {kid} is not the jwk thumbprint {thumbprint:?}")]
    KidMismatch {
        /// What the header says (quoted).
        kid: String,
        /// The thumbprint of the header `jwk`.
        thumbprint: String,
    },

    // --- 3. signature -------------------------------------------------------------------------
    /// The Ed25519 signature does not verify with the header `jwk`.
    #[error("signature: {0}")]
    BadSignature(JwsError),

    // --- 4. claims ----------------------------------------------------------------------------
    /// A required claim is absent.
    #[error("claim {claim}: missing")]
    MissingClaim {
        /// Claim name.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type.
    #[error("claim {claim}: must be {expected}, found {found}")]
    InvalidClaim {
        /// Claim name.
        claim: &'static str,
        /// The required shape.
        expected: &'static str,
        /// What the token has.
        found: String,
    },
    /// `iss` is not the thumbprint URN of the signing key, so the grant is not self-certifying.
    #[error("claim iss: {iss:?} is not the thumbprint URN of the header jwk ({expected:?})")]
    IssuerNotKeyBound {
        /// The token's `iss`.
        iss: String,
        /// The thumbprint URN of the header `jwk`.
        expected: String,
    },
    /// `sub` differs from `iss`.
    #[error("claim sub: {sub:?} differs from iss {iss:?}")]
    SubjectMismatch {
        /// The token's `sub`.
        sub: String,
        /// The token's `iss`.
        iss: String,
    },
    /// `iss` is not the issuer the caller pinned.
    #[error("claim iss: {found:?} is not the expected issuer {expected:?}")]
    UnexpectedIssuer {
        /// The pinned issuer.
        expected: String,
        /// The token's `iss`.
        found: String,
    },
    /// `aud` does not name the caller's audience.
    #[error("claim aud: {expected:?} is not among {found:?}")]
    AudienceMismatch {
        /// The caller's audience.
        expected: String,
        /// The token's audiences.
        found: Vec<String>,
    },

    // --- 4b. time -----------------------------------------------------------------------------
    /// `now` is more than the leeway past `exp`.
    #[error("time exp: grant expired at {exp}; now ({now}) is more than {MAX_LEEWAY_SECS} s later")]
    Expired {
        /// The grant's `exp`.
        exp: i64,
        /// The verification time.
        now: i64,
    },
    /// `now` is more than the leeway before `nbf`.
    #[error(
        "time nbf: grant not valid before {nbf}; now ({now}) is more than {MAX_LEEWAY_SECS} s earlier"
    )]
    NotYetValid {
        /// The grant's `nbf`.
        nbf: i64,
        /// The verification time.
        now: i64,
    },

    // --- 5. status ----------------------------------------------------------------------------
    /// The status list gives the grant a non-zero status.
    #[error("status: grant is revoked (status list entry {idx} is {status}, not 0 = VALID)")]
    Revoked {
        /// The grant's index.
        idx: usize,
        /// The entry's value (1 = INVALID, 2 = SUSPENDED, …).
        status: u8,
    },
    /// The grant has no usable `status.status_list` claim, so a status list cannot apply.
    #[error("status claim: {0}")]
    StatusClaim(String),
    /// The status list token is not a well-formed JWS with JSON object parts.
    #[error("status list token: {0}")]
    StatusListMalformed(JwsError),
    /// The status list token's header breaks policy.
    #[error("status list header: {0}")]
    StatusListHeader(HeaderError),
    /// The status list is signed by another key than the grant.
    #[error("status list signer: key {found:?} is not the grant's key {expected:?}")]
    StatusListWrongSigner {
        /// Thumbprint of the grant's key.
        expected: String,
        /// Thumbprint of the status list's header `jwk`.
        found: String,
    },
    /// The status list signature does not verify with the grant's key.
    #[error("status list signature: {0}")]
    StatusListBadSignature(JwsError),
    /// A status list claim is missing or mistyped.
    #[error("status list claim {claim}: must be {expected}, found {found}")]
    StatusListClaim {
        /// Claim name.
        claim: &'static str,
        /// The required shape.
        expected: &'static str,
        /// What the token has, or `missing`.
        found: String,
    },
    /// The status list's `iss` differs from the grant's.
    #[error("status list iss: {found:?} differs from the grant's iss {expected:?}")]
    StatusListIssuerMismatch {
        /// The grant's `iss`.
        expected: String,
        /// The status list's `iss`.
        found: String,
    },
    /// The status list's `sub` is not the grant's `status.status_list.uri`.
    #[error("status list sub: {sub:?} is not the grant's status list uri {uri:?}")]
    StatusListUriMismatch {
        /// The status list's `sub`.
        sub: String,
        /// The grant's `uri`.
        uri: String,
    },
    /// The status list is expired, so it may hide a later revocation.
    #[error(
        "status list exp: list expired at {exp}; now ({now}) is more than {MAX_LEEWAY_SECS} s later"
    )]
    StatusListExpired {
        /// The status list's `exp`.
        exp: i64,
        /// The verification time.
        now: i64,
    },
    /// `status_list.bits`/`lst` cannot be decoded.
    #[error("status list encoding: {0}")]
    StatusListEncoding(StatusListError),
    /// The grant's index lies outside the list.
    #[error("status list idx: index {idx} is out of range for a list of {len} entries")]
    StatusIndexOutOfRange {
        /// The grant's index.
        idx: usize,
        /// Entries in the list.
        len: usize,
    },
}

impl VerifyError {
    /// The class of this failure.
    pub fn error_class(&self) -> ErrorClass {
        use VerifyError as E;
        match self {
            E::MalformedParts(_)
            | E::MalformedBase64(_)
            | E::MalformedJson { .. }
            | E::MalformedNotObject(_) => ErrorClass::Malformed,
            E::AlgorithmNotAllowed { .. }
            | E::WrongType { .. }
            | E::CriticalHeader { .. }
            | E::MissingJwk
            | E::InvalidJwk(_)
            | E::KidMismatch { .. } => ErrorClass::Header,
            E::BadSignature(_) => ErrorClass::Signature,
            E::MissingClaim { .. }
            | E::InvalidClaim { .. }
            | E::IssuerNotKeyBound { .. }
            | E::SubjectMismatch { .. }
            | E::UnexpectedIssuer { .. }
            | E::AudienceMismatch { .. } => ErrorClass::Claims,
            E::Expired { .. } | E::NotYetValid { .. } => ErrorClass::Time,
            E::Revoked { .. } => ErrorClass::Revoked,
            E::StatusClaim(_)
            | E::StatusListMalformed(_)
            | E::StatusListHeader(_)
            | E::StatusListWrongSigner { .. }
            | E::StatusListBadSignature(_)
            | E::StatusListClaim { .. }
            | E::StatusListIssuerMismatch { .. }
            | E::StatusListUriMismatch { .. }
            | E::StatusListExpired { .. }
            | E::StatusListEncoding(_)
            | E::StatusIndexOutOfRange { .. } => ErrorClass::StatusList,
        }
    }

    /// Stable class name: `malformed`, `header`, `signature`, `claims`, `time`, `revoked` or
    /// `status_list`.
    pub fn class(&self) -> &'static str {
        self.error_class().as_str()
    }

    /// The CLI exit code for this failure (3–9).
    pub fn exit_code(&self) -> u8 {
        self.error_class().exit_code()
    }

    /// Maps a parse failure of the grant itself. Signing-side variants cannot come out of
    /// parsing, but are mapped to the closest structural error rather than assumed away.
    pub(crate) fn structure(err: JwsError) -> Self {
        match err {
            JwsError::PartCount(n) => Self::MalformedParts(n),
            JwsError::Base64(part) => Self::MalformedBase64(part),
            JwsError::NotJson { part, detail } => Self::MalformedJson { part, detail },
            JwsError::NotObject(part) => Self::MalformedNotObject(part),
            other => Self::MalformedJson {
                part: Part::Payload,
                detail: other.to_string(),
            },
        }
    }
}

impl From<HeaderError> for VerifyError {
    fn from(err: HeaderError) -> Self {
        match err {
            HeaderError::Algorithm(alg) => Self::AlgorithmNotAllowed { alg },
            HeaderError::Type { found, .. } => Self::WrongType { found },
            HeaderError::Critical(crit) => Self::CriticalHeader { crit },
            HeaderError::MissingJwk => Self::MissingJwk,
            HeaderError::InvalidJwk(e) => Self::InvalidJwk(e),
            HeaderError::KidMismatch { kid, thumbprint } => Self::KidMismatch { kid, thumbprint },
        }
    }
}

/// Longest rendering of an untrusted value inside an error message.
const SHOWN_MAX_CHARS: usize = 80;

/// Renders an untrusted JSON value for an error message: `missing`, or compact JSON cut to a
/// bounded length so that a hostile token cannot flood logs.
pub(crate) fn shown(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "missing".to_owned();
    };
    let text = value.to_string();
    match text.char_indices().nth(SHOWN_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

/// Renders a string member read without a map ([`Text`]) exactly as [`shown`] renders the
/// same member taken from a map.
pub(crate) fn shown_text(text: Option<&Text<'_>>) -> String {
    match text {
        None => shown(None),
        Some(text) => shown(Some(&text.to_value())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shown_quotes_truncates_and_reports_absence() {
        assert_eq!(shown(None), "missing");
        assert_eq!(shown(Some(&json!("none"))), "\"none\"");
        assert_eq!(shown(Some(&json!(5))), "5");
        let long = shown(Some(&json!("é".repeat(200))));
        assert_eq!(long.chars().count(), SHOWN_MAX_CHARS + 1);
        assert!(long.starts_with("\"é") && long.ends_with('…'));
    }

    #[test]
    fn classes_map_to_documented_exit_codes() {
        let cases = [
            (VerifyError::MalformedParts(2), "malformed", 3),
            (VerifyError::MissingJwk, "header", 4),
            (
                VerifyError::BadSignature(JwsError::BadSignature),
                "signature",
                5,
            ),
            (VerifyError::MissingClaim { claim: "aud" }, "claims", 6),
            (VerifyError::Expired { exp: 0, now: 61 }, "time", 7),
            (VerifyError::Revoked { idx: 1, status: 1 }, "revoked", 8),
            (
                VerifyError::StatusIndexOutOfRange { idx: 9, len: 8 },
                "status_list",
                9,
            ),
        ];
        for (err, class, code) in cases {
            assert_eq!((err.class(), err.exit_code()), (class, code), "{err}");
        }
    }

    #[test]
    fn messages_name_the_failed_check_first() {
        let err = VerifyError::from(HeaderError::Algorithm("\"none\"".into()));
        assert_eq!(
            err.to_string(),
            "header alg: \"none\" is not allowed; only \"EdDSA\" or \"Ed25519\""
        );
        let err = VerifyError::Expired { exp: 100, now: 161 };
        assert_eq!(
            err.to_string(),
            "time exp: grant expired at 100; now (161) is more than 60 s later"
        );
    }
}
