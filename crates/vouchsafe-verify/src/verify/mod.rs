//! Verifying a grant, following RFC 8725 (JWT Best Current Practices).
//!
//! The checks run in a fixed order and stop at the first failure, so the reported error is
//! always the most fundamental one: structure, header policy, signature, claims (including
//! time), and finally revocation. Nothing from the token is trusted before the check that
//! vouches for it: the header picks no algorithm, the key is only used after passing policy,
//! and the payload bytes are only decoded as JSON after the signature verified.
//!
//! Header and claims are read without building a `serde_json::Map`: each check reads the
//! members it needs straight from the bytes ([`vouchsafe_token::json::Members`]), and every
//! other member is still checked as JSON, duplicate names refused at any depth, exactly as
//! strictly as the map reader. A [`VerifiedGrant`] builds the maps only if the caller asks for
//! them. With the consumer's key pinned, that keeps a verification within 10 % of the bare
//! Ed25519 check (docs/performance.md).

mod batch;
mod claims;
pub(crate) mod error;
pub(crate) mod header;
mod status;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ed25519_dalek::VerifyingKey;
use serde_json::{Map, Value};
use vouchsafe_token::claims::GrantEnvelope;
use vouchsafe_token::json::parse_object;
use vouchsafe_token::jwk::{PublicJwk, THUMBPRINT_URN_PREFIX};
use vouchsafe_token::jws::{HeaderBytes, KnownHeader, SplitJws, header_for};
use vouchsafe_token::{GRANT_TYP, GrantClaims};

pub use error::{ErrorClass, HeaderError, VerifyError};
pub use status::StatusListVerified;

use header::{HeaderFault, HeaderKey};
use status::Freshness;

/// Which consumer's grants the caller accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerPolicy {
    /// Only grants whose `iss` is this thumbprint URN
    /// (`urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`): the consumer already bound to the
    /// account being acted on.
    Pinned(String),
    /// Only grants signed by this key: the same rule as [`Self::Pinned`], for a brand that has
    /// kept the consumer's key (not only its URN) since first contact. The key is decoded once
    /// here instead of on every verification, which is most of a verification's cost beyond the
    /// signature itself (docs/performance.md).
    PinnedKey(Arc<PinnedConsumer>),
    /// Any consumer's self-signed grant. Right for a first contact, where the brand then binds
    /// the grant's `iss` to the new account and pins it from then on (docs/verifier.md).
    AnyConsumer,
}

impl IssuerPolicy {
    /// The thumbprint URN `iss` must equal, if any.
    fn expected_issuer(&self) -> Option<&str> {
        match self {
            IssuerPolicy::Pinned(urn) => Some(urn),
            IssuerPolicy::PinnedKey(consumer) => Some(consumer.urn()),
            IssuerPolicy::AnyConsumer => None,
        }
    }
}

/// A consumer's per-brand public key, validated and decoded once, with its thumbprint and the
/// grant header Vouchsafe writes for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedConsumer {
    jwk: Arc<PublicJwk>,
    key: VerifyingKey,
    thumbprint: Arc<str>,
    /// Shared with every grant verified against this consumer (`VerifiedGrant::issuer`).
    urn: Arc<str>,
    /// The header of every grant the consumer's vault signs with this key, checked here once
    /// against the header policy: a grant carrying exactly it skips decoding, reading and
    /// checking the header, the largest cost of a verification besides the signature. Any
    /// other header, even one naming the same key, takes the full check.
    header: Option<KnownHeader>,
}

impl PinnedConsumer {
    /// Validates `jwk` as an Ed25519 key (the same rules as a grant header's `jwk`).
    pub fn new(jwk: &PublicJwk) -> Result<Self, vouchsafe_token::JwkError> {
        let key = jwk.to_verifying_key()?;
        let thumbprint: Arc<str> = Arc::from(jwk.thumbprint());
        let jwk = Arc::new(jwk.clone());
        let header = KnownHeader::new(&header_for(GRANT_TYP, &jwk)).filter(|header| {
            header::accepts_as_known(
                header.bytes(),
                GRANT_TYP,
                header::KnownKey {
                    jwk: &jwk,
                    key: &key,
                    thumbprint: &thumbprint,
                },
            )
        });
        Ok(Self {
            jwk,
            key,
            urn: Arc::from(format!("{THUMBPRINT_URN_PREFIX}{thumbprint}")),
            thumbprint,
            header,
        })
    }

    /// The consumer's identifier at this brand, `urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`.
    pub fn urn(&self) -> &str {
        &self.urn
    }
}

/// Whether, and against what, revocation is checked.
#[derive(Debug, Clone)]
pub enum StatusPolicy {
    /// Check against this status list token (`statuslist+jwt`), fetched from the grant's
    /// `status.status_list.uri`. [`verify_grant`] verifies it on every call;
    /// [`verify_grants`] once per batch.
    List(String),
    /// Check against a list verified once and shared by many calls.
    Verified(Arc<StatusListVerified>),
    /// Do not check revocation: the caller explicitly accepts that a revoked grant verifies.
    Waived,
}

/// What the caller expects of a grant. There is no `Default`: the audience, the issuer policy
/// and the status policy must each be stated, so none can be forgotten.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The brand's own identifier; `aud` must contain it.
    pub audience: String,
    /// Which consumer's grants are accepted.
    pub issuer: IssuerPolicy,
    /// Whether, and against what, revocation is checked.
    pub status: StatusPolicy,
    /// Verification time, seconds since the Unix epoch. Passed in rather than read from the
    /// clock so that verification is deterministic and testable.
    pub now: i64,
}

/// Whether revocation was checked, and how fresh the list was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusOutcome {
    /// A status list signed by the grant's key, within its `ttl`, lists the grant as valid.
    Valid,
    /// As [`Self::Valid`], but the list is past its `ttl` (`iat + ttl < now`) though not past
    /// its `exp`: the answer stands, and the brand should fetch a fresh list.
    ValidStale,
    /// Revocation was waived ([`StatusPolicy::Waived`]), so it is unknown.
    NotChecked,
}

impl StatusOutcome {
    /// `"valid"`, `"valid_stale"` or `"not_checked"`, as the CLI prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusOutcome::Valid => "valid",
            StatusOutcome::ValidStale => "valid_stale",
            StatusOutcome::NotChecked => "not_checked",
        }
    }

    /// Whether the list was past its `ttl`.
    pub fn is_stale(self) -> bool {
        self == StatusOutcome::ValidStale
    }
}

/// A grant that passed every check. Only this module creates one, so holding a value of this
/// type is proof the checks ran.
///
/// The header and the claims set are kept as the bytes that verified; they are parsed into
/// maps on first use. Those bytes already passed the same strict reading (JSON objects, no
/// repeated member name at any depth), so the maps always build.
#[derive(Debug, Clone)]
pub struct VerifiedGrant {
    header_bytes: HeaderBytes,
    header: OnceLock<Map<String, Value>>,
    payload: Vec<u8>,
    claims: OnceLock<Map<String, Value>>,
    jwk: Arc<PublicJwk>,
    issuer: Arc<str>,
    audience: Vec<String>,
    jti: String,
    exp: i64,
    status: StatusOutcome,
}

impl VerifiedGrant {
    /// The protected header.
    pub fn header(&self) -> &Map<String, Value> {
        self.header
            .get_or_init(|| verified_object(&self.header_bytes))
    }

    /// The whole claims set, including the released profile fields.
    pub fn claims(&self) -> &Map<String, Value> {
        self.claims.get_or_init(|| verified_object(&self.payload))
    }

    /// Consumes the grant, returning its claims set.
    pub fn into_claims(self) -> Map<String, Value> {
        match self.claims.into_inner() {
            Some(claims) => claims,
            None => verified_object(&self.payload),
        }
    }

    /// The claims as the typed [`GrantClaims`]. Fails only for a grant that verified but was
    /// not written the way Vouchsafe writes grants (say `aud` as an array, or no
    /// `authorization_details`), which other issuers may legitimately do.
    pub fn typed_claims(&self) -> Result<GrantClaims, serde_json::Error> {
        serde_json::from_value(Value::Object(self.claims().clone()))
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

    /// Whether revocation was checked, and whether the list was stale.
    pub fn status(&self) -> StatusOutcome {
        self.status
    }
}

/// A header or payload that already passed the strict reader, as a map. Parsing cannot fail
/// for such bytes; the empty map only stands in for an impossible failure, so no call panics.
fn verified_object(bytes: &[u8]) -> Map<String, Value> {
    parse_object(bytes).unwrap_or_default()
}

/// Verifies a grant (compact JWS) against `opts`.
///
/// Order of checks, each with its own [`VerifyError`] variant:
/// 1. structure: three base64url parts, the header a JSON object;
/// 2. header: `alg` is `EdDSA`/`Ed25519`, `typ` is [`GRANT_TYP`], no `crit`, a valid Ed25519
///    `jwk`, `kid` (if any) equal to its thumbprint;
/// 3. signature: Ed25519 `verify_strict` with the header `jwk`;
/// 4. payload: only now decoded, as a JSON object;
/// 5. claims: `iss` is the jwk thumbprint URN, `sub == iss`, the issuer policy, `aud` contains
///    the audience, `exp` (required), `nbf`/`iat` numeric, expiry and not-before with
///    [`vouchsafe_token::MAX_LEEWAY_SECS`], `jti`;
/// 6. status, unless waived: the grant's `status.status_list` claim; the list's structure,
///    header, signature and claims; signed by the grant's key, `sub` equal to the grant's
///    `uri`, not expired, index in range, entry 0. A list past its `ttl` gives
///    [`StatusOutcome::ValidStale`].
pub fn verify_grant(token: &str, opts: &VerifyOptions) -> Result<VerifiedGrant, VerifyError> {
    let prepared = prepare(token, &opts.issuer, None)?;
    check_signature(&prepared)?;
    finish(prepared, opts, &ListSource::from_policy(&opts.status))
}

/// Step 3: ed25519-dalek's `verify_strict` (canonical `s`, no small-order `R` or key), with the
/// same answers and errors as `SplitJws::verify_signature`; the signature is decoded into a
/// fixed array rather than a fresh allocation.
fn check_signature(prepared: &Prepared<'_>) -> Result<(), VerifyError> {
    let signature = prepared.jws.signature();
    let bytes: &[u8; 64] = signature.try_into().map_err(|_| {
        VerifyError::BadSignature(vouchsafe_token::JwsError::SignatureLength(signature.len()))
    })?;
    prepared
        .key
        .key
        .verify_strict(
            prepared.jws.signing_input().as_bytes(),
            &ed25519_dalek::Signature::from_bytes(bytes),
        )
        .map_err(|_| VerifyError::BadSignature(vouchsafe_token::JwsError::BadSignature))
}

/// Verifies many grants with the same options; results come in input order, each exactly what
/// [`verify_grant`] returns for that token alone.
///
/// Faster than a loop over [`verify_grant`] in three ways: the signatures are checked with
/// Ed25519 batch verification (falling back to one-by-one `verify_strict` for any batch that
/// fails, see `batch.rs`); a [`StatusPolicy::List`] token is verified and inflated once
/// for the whole batch instead of once per grant; and a header that several tokens carry byte
/// for byte (one consumer's grants) is checked, and its key decoded, once.
pub fn verify_grants(
    tokens: &[&str],
    opts: &VerifyOptions,
) -> Vec<Result<VerifiedGrant, VerifyError>> {
    let mut headers = HashMap::new();
    let mut prepared: Vec<Result<Prepared<'_>, VerifyError>> = tokens
        .iter()
        .map(|token| prepare(token, &opts.issuer, Some(&mut headers)))
        .collect();

    // Signature length is checked here as `CompactJws::verify_signature` would, so that only
    // well-formed signatures enter the batch.
    let mut items = Vec::new();
    let mut item_of = Vec::new();
    for (i, entry) in prepared.iter_mut().enumerate() {
        let Ok(p) = entry else { continue };
        match <[u8; 64]>::try_from(p.jws.signature()) {
            Ok(signature) => {
                items.push(batch::Item {
                    message: p.jws.signing_input().as_bytes(),
                    signature,
                    key: p.key.key,
                });
                item_of.push(i);
            }
            Err(_) => {
                let len = p.jws.signature().len();
                *entry = Err(VerifyError::BadSignature(
                    vouchsafe_token::JwsError::SignatureLength(len),
                ));
            }
        }
    }
    let verified = batch::verify_all(&items);
    let mut signature_ok = vec![false; prepared.len()];
    for (&i, &ok) in item_of.iter().zip(&verified) {
        if let Some(slot) = signature_ok.get_mut(i) {
            *slot = ok;
        }
    }

    let source = match &opts.status {
        StatusPolicy::List(token) => {
            ListSource::Once(token, StatusListVerified::verify(token).ok())
        }
        other => ListSource::from_policy(other),
    };
    prepared
        .into_iter()
        .zip(signature_ok)
        .map(|(entry, ok)| {
            let p = entry?;
            if !ok {
                // Reproduce the single path's exact error (BadSignature with its detail).
                p.jws
                    .verify_signature(&p.key.key)
                    .map_err(VerifyError::BadSignature)?;
            }
            finish(p, opts, &source)
        })
        .collect()
}

/// A token split and its header checked, signature not yet verified.
struct Prepared<'t> {
    jws: SplitJws<'t>,
    key: HeaderKey,
}

/// Header segments already checked in one batch, with the key each yielded. The header check
/// is a function of the header bytes alone (the pinned key, if any, is the batch's), so equal
/// segments get equal results; only successes are kept, so every refused token is checked, and
/// reports its error, on its own.
type CheckedHeaders<'t> = HashMap<&'t str, HeaderKey>;

fn prepare<'t>(
    token: &'t str,
    issuer: &IssuerPolicy,
    checked: Option<&mut CheckedHeaders<'t>>,
) -> Result<Prepared<'t>, VerifyError> {
    let pinned = match issuer {
        IssuerPolicy::PinnedKey(consumer) => Some(consumer.as_ref()),
        IssuerPolicy::Pinned(_) | IssuerPolicy::AnyConsumer => None,
    };
    let (jws, header_is_known) =
        SplitJws::split_known(token, pinned.and_then(|consumer| consumer.header.as_ref()))
            .map_err(VerifyError::structure)?;
    let key = match pinned {
        // Byte for byte the header `PinnedConsumer::new` checked: same policy, same key.
        Some(consumer) if header_is_known => HeaderKey {
            jwk: Arc::clone(&consumer.jwk),
            key: consumer.key,
            thumbprint: Arc::clone(&consumer.thumbprint),
        },
        _ => {
            // A successful split has two dots, so the header segment is what precedes the first.
            let segment = token.split_once('.').map_or(token, |(header, _)| header);
            match checked.as_ref().and_then(|checked| checked.get(segment)) {
                Some(key) => key.clone(),
                None => {
                    let known = pinned.map(|consumer| header::KnownKey {
                        jwk: &consumer.jwk,
                        key: &consumer.key,
                        thumbprint: &consumer.thumbprint,
                    });
                    let key =
                        header::check(&jws, GRANT_TYP, known).map_err(|fault| match fault {
                            HeaderFault::Structure(err) => VerifyError::structure(err),
                            HeaderFault::Policy(err) => err.into(),
                        })?;
                    if let Some(checked) = checked {
                        checked.insert(segment, key.clone());
                    }
                    key
                }
            }
        }
    };
    Ok(Prepared { jws, key })
}

/// Where the status list of a verification comes from.
enum ListSource<'o> {
    /// Verify this token when a grant needs it.
    PerCall(&'o str),
    /// Verified once for a batch; `None` if it failed, and then each grant that reaches the
    /// status step verifies it again to get its own copy of the exact error.
    Once(&'o str, Option<StatusListVerified>),
    /// Shared by the caller.
    Shared(&'o StatusListVerified),
    /// Revocation waived.
    Waived,
}

impl<'o> ListSource<'o> {
    fn from_policy(policy: &'o StatusPolicy) -> Self {
        match policy {
            StatusPolicy::List(token) => ListSource::PerCall(token),
            StatusPolicy::Verified(list) => ListSource::Shared(list),
            StatusPolicy::Waived => ListSource::Waived,
        }
    }
}

/// Steps 4 to 6 for a token whose signature verified.
fn finish(
    prepared: Prepared<'_>,
    opts: &VerifyOptions,
    source: &ListSource<'_>,
) -> Result<VerifiedGrant, VerifyError> {
    let Prepared { jws, key } = prepared;
    let claims: GrantEnvelope<'_> = jws.read_claims().map_err(VerifyError::structure)?;

    // Built from the thumbprint the header check already hashed, rather than hashing again;
    // for the pinned consumer's own key, the URN built once. A grant that passes the claim
    // checks has exactly this `iss`, so it is also the result's issuer.
    let key_urn: Arc<str> = match &opts.issuer {
        IssuerPolicy::PinnedKey(consumer) if consumer.thumbprint == key.thumbprint => {
            Arc::clone(&consumer.urn)
        }
        _ => Arc::from(format!("{THUMBPRINT_URN_PREFIX}{}", key.thumbprint)),
    };
    let checked = claims::check(&claims, &key_urn, opts)?;

    let grant_status = claims.status.as_ref();
    let check_with = |list: &StatusListVerified| {
        list.check(grant_status, &key_urn, &key.thumbprint, opts.now)
            .map(|freshness| match freshness {
                Freshness::Fresh => StatusOutcome::Valid,
                Freshness::Stale => StatusOutcome::ValidStale,
            })
    };
    let status = match source {
        ListSource::Waived => StatusOutcome::NotChecked,
        ListSource::Shared(list) => check_with(list)?,
        ListSource::Once(_, Some(list)) => check_with(list)?,
        ListSource::PerCall(token) | ListSource::Once(token, None) => {
            // The grant's own status claim is reported before anything about the list.
            status::status_reference_present(grant_status)?;
            check_with(&StatusListVerified::verify(token)?)?
        }
    };

    let (header_bytes, payload) = jws.into_header_and_payload();
    Ok(VerifiedGrant {
        header_bytes,
        header: OnceLock::new(),
        payload,
        claims: OnceLock::new(),
        jwk: key.jwk,
        issuer: key_urn,
        audience: checked.audience,
        jti: checked.jti,
        exp: checked.exp,
        status,
    })
}
