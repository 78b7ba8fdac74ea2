//! The grant delivery (docs/protocol.md §3): OpenID4VP `direct_post` of a grant to
//! `response_uri`, checked against the request whose nonce it carries, stored, and answered with
//! the brand's countersigned receipt.

use serde_json::{Map, Value};
use vouchsafe_token::GrantClaims;
use vouchsafe_token::derived::DerivedFact;
use vouchsafe_token::protocol::{BrandReceiptClaims, GrantReference, Retention};
use vouchsafe_verify::{IssuerPolicy, StatusPolicy, VerifiedGrant, VerifyError, VerifyOptions};

use crate::EVENTS_PATH;
use crate::keys::{BRAND_RECEIPT_TYP, BrandKey};
use crate::origin::Origin;
use crate::request::{Channel, RequestSpec, retention_secs};
use crate::store::{Accepted, ChannelConsent, GrantRecord, GrantState, Store, StoreError};
use crate::util::{random_id, sha256_b64};
use crate::webhook;

/// Why a delivery was refused. Every variant but `Store`/`Internal` is the client's fault and
/// answers `400` with the OAuth error shape.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The body is not `application/x-www-form-urlencoded` with one `vp_token` and one `state`.
    #[error("{0}")]
    Form(String),
    /// The grant did not verify (signature, `typ`, `aud`, time, …).
    #[error("grant refused: {0}")]
    Verify(#[from] VerifyError),
    /// It verified but is not shaped like a Vouchsafe grant.
    #[error("not a Vouchsafe grant: {0}")]
    NotAGrant(String),
    /// No `nonce` claim.
    #[error("the grant has no nonce; a delivery answers a request")]
    NoNonce,
    /// The nonce was never issued here.
    #[error("unknown nonce")]
    UnknownNonce,
    /// The request had expired when the grant was issued, or more than
    /// [`LATE_DELIVERY_SECS`] ago.
    #[error("the request expired")]
    ExpiredNonce,
    /// Another grant already answered the request.
    #[error("the request was already answered by another grant")]
    UsedNonce,
    /// `state` is not the request's.
    #[error("state does not match the request")]
    StateMismatch,
    /// A released claim the request did not ask for.
    #[error("claim {0:?} was not asked for")]
    NotAsked(String),
    /// A required claim is missing.
    #[error("required claim {0:?} is missing")]
    RequiredMissing(String),
    /// A different grant with the same `jti` was delivered before.
    #[error("a different grant with this jti was already delivered")]
    JtiConflict,
    /// Storage failed: the vault should retry.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing or randomness failed.
    #[error("internal: {0}")]
    Internal(String),
}

impl DeliveryError {
    /// The OAuth 2.0 `error` code: `invalid_grant` for a bad signature, `invalid_request` for
    /// every other refusal, `server_error` for ours.
    pub fn code(&self) -> &'static str {
        match self {
            DeliveryError::Verify(VerifyError::BadSignature(_)) => "invalid_grant",
            DeliveryError::Store(_) | DeliveryError::Internal(_) => "server_error",
            _ => "invalid_request",
        }
    }

    /// Whether the client can fix it (400) rather than retry (500).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, DeliveryError::Store(_) | DeliveryError::Internal(_))
    }
}

/// Parses the `direct_post` body: exactly one `vp_token` (`{"profile": ["<grant>"]}`) and
/// exactly one `state`.
pub fn parse_form(body: &[u8]) -> Result<(String, String), DeliveryError> {
    let mut vp_token = None;
    let mut state = None;
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "vp_token" => &mut vp_token,
            "state" => &mut state,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(DeliveryError::Form(format!(
                "{name} appears more than once"
            )));
        }
    }
    let vp_token = vp_token.ok_or_else(|| DeliveryError::Form("vp_token is missing".into()))?;
    let state = state.ok_or_else(|| DeliveryError::Form("state is missing".into()))?;
    let parsed: Value = serde_json::from_str(&vp_token)
        .map_err(|_| DeliveryError::Form("vp_token is not JSON".into()))?;
    let grant = match parsed.get("profile").and_then(Value::as_array) {
        Some(list) if list.len() == 1 => list.first().and_then(Value::as_str),
        _ => None,
    }
    .ok_or_else(|| {
        DeliveryError::Form("vp_token must be {\"profile\": [\"<grant JWT>\"]}".into())
    })?;
    Ok((grant.to_owned(), state))
}

/// How long after its request expired a grant issued while the request was open may still
/// arrive: the vault queues a grant the brand could not take (down, `5xx`, timeout) and retries
/// for up to 30 days (docs/protocol.md §3).
pub const LATE_DELIVERY_SECS: i64 = 30 * 86_400;

/// The moment the grant's request must still have been open at: when the grant was issued (its
/// `iat`), but no earlier than [`LATE_DELIVERY_SECS`] ago, and never later than now. A grant
/// issued after its request expired is refused, as is one arriving after its request expired
/// with an `iat` after that; one issued in time is accepted while it is late by less than
/// [`LATE_DELIVERY_SECS`]. The nonce stays single-use either way.
pub fn open_at(iat: i64, now: i64) -> i64 {
    iat.max(now.saturating_sub(LATE_DELIVERY_SECS)).min(now)
}

/// Verifies, stores and countersigns a delivered grant; returns the receipt. Re-posting a
/// grant already stored returns its receipt again.
pub async fn deliver(
    origin: &Origin,
    key: &BrandKey,
    store: &Store,
    body: &[u8],
    now: i64,
) -> Result<(String, bool), DeliveryError> {
    let (token, state) = parse_form(body)?;
    let verified = verify(&token, origin, IssuerPolicy::AnyConsumer, now)?;
    let claims = typed(&verified)?;
    let digest = sha256_b64(&token);

    if let Some(existing) = store.grant(&claims.jti).await? {
        return if existing.sha256 == digest {
            Ok((existing.receipt, false))
        } else {
            Err(DeliveryError::JtiConflict)
        };
    }

    let nonce = claims.nonce.as_deref().ok_or(DeliveryError::NoNonce)?;
    let request = store
        .request_by_nonce(nonce)
        .await?
        .ok_or(DeliveryError::UnknownNonce)?;
    if request.used_by.is_some() {
        return Err(DeliveryError::UsedNonce);
    }
    let open_at = open_at(claims.iat, now);
    if request.expires_at < open_at {
        return Err(DeliveryError::ExpiredNonce);
    }
    if request.state != state {
        return Err(DeliveryError::StateMismatch);
    }

    let record = grant_record(
        origin,
        key,
        &verified,
        &claims,
        &request.spec,
        &[],
        Some(request.id),
        digest,
        now,
    )?;
    let outbox = match store.outbox_enabled() {
        true => Some(
            webhook::message(webhook::Change::Received(&record), now)
                .map_err(|e| DeliveryError::Internal(e.to_string()))?,
        ),
        false => None,
    };
    match store
        .accept_grant(nonce, open_at, &record, night_ads(&claims), outbox.as_ref())
        .await?
    {
        Accepted::Stored => {
            tracing::info!(grant = %record.jti, "grant stored");
            Ok((record.receipt, true))
        }
        // Lost a race against another delivery of the same request.
        Accepted::NonceUnavailable => Err(DeliveryError::UsedNonce),
        Accepted::DuplicateJti => match store.grant(&record.jti).await? {
            Some(existing) if existing.sha256 == record.sha256 => Ok((existing.receipt, false)),
            _ => Err(DeliveryError::JtiConflict),
        },
    }
}

/// `verify_grant` with the inbox's policy: audience = the origin, status waived (a grant being
/// delivered was just issued; revocation reaches the inbox as an event).
pub fn verify(
    token: &str,
    origin: &Origin,
    issuer: IssuerPolicy,
    now: i64,
) -> Result<VerifiedGrant, VerifyError> {
    vouchsafe_verify::verify_grant(
        token,
        &VerifyOptions {
            audience: origin.as_str().to_owned(),
            issuer,
            status: StatusPolicy::Waived,
            now,
        },
    )
}

/// The typed claims of a verified grant.
pub fn typed(verified: &VerifiedGrant) -> Result<GrantClaims, DeliveryError> {
    verified
        .typed_claims()
        .map_err(|e| DeliveryError::NotAGrant(e.to_string()))
}

/// Checks the released claims against `spec` and returns their dotted names: every released
/// claim was asked for, and every required one is present.
///
/// `derived` are facts the grant releases (its `datatypes`) that may stand in for what was asked
/// (docs/protocol.md §4, narrowing): a claim such a fact fills is accepted when the fact is
/// computed from a claim the request asked for, and a required claim counts as present when a
/// fact computed from it is released in its place. The table is
/// [`vouchsafe_token::derived`]. A delivery passes none: there the brand still decides whether
/// a fact serves its purpose, while a narrowed grant's raw value is gone whatever it decides.
pub fn check_released(
    profile: &Map<String, Value>,
    spec: &RequestSpec,
    derived: &[DerivedFact],
) -> Result<Vec<String>, DeliveryError> {
    let asked_paths: Vec<(Vec<&str>, bool)> = spec
        .asked()
        .map(|(p, required)| (p.0.iter().map(String::as_str).collect(), required))
        .collect();
    let asked = |path: &[&str]| asked_paths.iter().any(|(p, _)| p.as_slice() == path);
    let stands_in = |path: &[&str]| {
        derived.iter().any(|d| {
            d.fills(path)
                && asked_paths
                    .iter()
                    .any(|(p, _)| d.derives_from(p.as_slice()))
        })
    };
    let mut received = Vec::new();
    let mut released: Vec<Vec<&str>> = Vec::new();
    for (name, value) in profile {
        let members = value.as_object();
        if asked(&[name]) || (members.is_none() && stands_in(&[name])) {
            received.push(name.clone());
            released.push(vec![name]);
            continue;
        }
        let Some(members) = members else {
            return Err(DeliveryError::NotAsked(name.clone()));
        };
        if members.is_empty() {
            return Err(DeliveryError::NotAsked(name.clone()));
        }
        for member in members.keys() {
            if !asked(&[name, member]) && !stands_in(&[name, member]) {
                return Err(DeliveryError::NotAsked(format!("{name}.{member}")));
            }
            received.push(format!("{name}.{member}"));
            released.push(vec![name, member]);
        }
    }
    for (path, required) in &asked_paths {
        let present = match path.as_slice() {
            [name] => profile.contains_key(*name),
            [name, member] => profile
                .get(*name)
                .and_then(Value::as_object)
                .is_some_and(|m| m.contains_key(*member)),
            _ => false,
        };
        let replaced = || {
            derived.iter().any(|d| {
                d.derives_from(path.as_slice()) && released.iter().any(|r| d.fills(r.as_slice()))
            })
        };
        if *required && !present && !replaced() {
            return Err(DeliveryError::RequiredMissing(path.join(".")));
        }
    }
    received.sort();
    Ok(received)
}

/// The derived facts a grant says it releases (`authorization_details[0].datatypes`).
pub fn derived_facts(claims: &GrantClaims) -> Vec<DerivedFact> {
    claims
        .authorization_details
        .first()
        .map(|d| {
            d.datatypes
                .iter()
                .filter_map(|t| DerivedFact::from_datatype(t))
                .collect()
        })
        .unwrap_or_default()
}

/// The night-time advertising answer a grant carries (`authorization_details[0].night_ads`,
/// written beside version 2 `channels`), dated as the consumer gave it; `None` for a grant
/// that states none (version 1 channels, or no channel chosen).
pub fn night_ads(claims: &GrantClaims) -> Option<ChannelConsent> {
    claims
        .authorization_details
        .first()
        .and_then(|d| d.night_ads.as_ref())
        .map(|n| ChannelConsent {
            night_ads: n.allowed,
            given_at: n.given_at,
        })
}

/// The channels the brand may use: those it asked for that the grant allows, by channel and
/// kind (`authorization_details[0].channels`; a version 1 `true` allows informational only).
pub fn allowed_channels(claims: &GrantClaims, spec: &RequestSpec) -> Vec<Channel> {
    let consent = claims
        .authorization_details
        .first()
        .and_then(|d| d.channels.as_ref());
    spec.channels
        .iter()
        .filter(|c| consent.is_some_and(|m| m.allows(&c.channel, c.kind)))
        .cloned()
        .collect()
}

/// Builds the stored grant and its brand receipt; `derived` as [`check_released`] takes them.
#[allow(clippy::too_many_arguments)]
pub fn grant_record(
    origin: &Origin,
    key: &BrandKey,
    verified: &VerifiedGrant,
    claims: &GrantClaims,
    spec: &RequestSpec,
    derived: &[DerivedFact],
    request_id: Option<String>,
    sha256: String,
    now: i64,
) -> Result<GrantRecord, DeliveryError> {
    let received = check_released(&claims.profile, spec, derived)?;
    let channels = allowed_channels(claims, spec);
    let retention_until = now.saturating_add(
        retention_secs(&spec.retention).map_err(|e| DeliveryError::Internal(e.to_string()))?,
    );
    let receipt_claims = BrandReceiptClaims {
        iss: origin.as_str().to_owned(),
        aud: claims.iss.clone(),
        iat: now,
        jti: random_id(16).map_err(|e| DeliveryError::Internal(e.to_string()))?,
        grant: GrantReference {
            jti: claims.jti.clone(),
            sha256: sha256.clone(),
        },
        received: received.clone(),
        retention: Retention {
            period: spec.retention.clone(),
            until: retention_until,
        },
        channels: channels.clone(),
        events_uri: origin.join(EVENTS_PATH),
    };
    let receipt = key
        .sign(BRAND_RECEIPT_TYP, &receipt_claims)
        .map_err(|e| DeliveryError::Internal(e.to_string()))?;
    Ok(GrantRecord {
        jti: claims.jti.clone(),
        consumer: claims.iss.clone(),
        consumer_jwk: serde_json::to_string(verified.jwk())
            .map_err(|e| DeliveryError::Internal(e.to_string()))?,
        request_id,
        sha256,
        state: GrantState::Live,
        claims: Some(claims.profile.clone()),
        received,
        channels,
        retention: spec.retention.clone(),
        retention_until,
        received_at: now,
        revoked_at: None,
        erased_at: None,
        receipt,
        exp: claims.exp,
        status_uri: Some(claims.status.status_list.uri.clone()),
        status_idx: i64::try_from(claims.status.status_list.idx).ok(),
    })
}
