//! Events from the vault (docs/protocol.md §4–5): Security Event Tokens (RFC 8417) pushed per
//! RFC 8935, each signed with the per-brand consumer key that signed the grant it concerns.

use serde_json::{Map, Value, json};
use vouchsafe_token::jwk::PublicJwk;
use vouchsafe_token::jws::{CompactJws, is_ed25519_alg};
use vouchsafe_verify::{IssuerPolicy, StatusListVerified};

use crate::delivery::{self, DeliveryError};
use crate::keys::{BrandKey, ERASURE_RECEIPT_TYP};
use crate::origin::Origin;
use crate::request::Channel;
use crate::store::{Effect, EventRecord, GrantRecord, GrantState, Store, StoreError};
use crate::util::{random_id, sha256_b64};

/// `typ` of a Security Event Token (RFC 8417 §2.3).
pub const SET_TYP: &str = "secevent+jwt";
/// The consumer revoked the grant.
pub const GRANT_REVOKED: &str = "urn:vouchsafe:secevent:grant-revoked";
/// The consumer revoked the grant and asks for erasure (PIPA Art. 36/37).
pub const ERASURE_REQUESTED: &str = "urn:vouchsafe:secevent:erasure-requested";
/// The consumer changed which channels the brand may use.
pub const CHANNEL_CONSENT_CHANGED: &str = "urn:vouchsafe:secevent:channel-consent-changed";
/// CAEP 1.0 token-claims-change: a reissued grant replaces the old one.
pub const TOKEN_CLAIMS_CHANGE: &str =
    "https://schemas.openid.net/secevent/caep/event-type/token-claims-change";

/// The RFC 8935 §2.4 error codes the inbox uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrCode {
    /// Not a SET, malformed, unknown event type, body too large.
    InvalidRequest,
    /// Not signed by the key of the grant's consumer, or the signature fails.
    InvalidKey,
    /// `aud` is not this origin.
    InvalidAudience,
    /// The grant is unknown here, or `iss` is not the signing key.
    InvalidIssuer,
}

impl ErrCode {
    /// The `err` member.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrCode::InvalidRequest => "invalid_request",
            ErrCode::InvalidKey => "invalid_key",
            ErrCode::InvalidAudience => "invalid_audience",
            ErrCode::InvalidIssuer => "invalid_issuer",
        }
    }
}

/// Why an event was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Refused: `400 {"err": code, "description": …}`.
    #[error("{1}")]
    Refused(ErrCode, String),
    /// Storage failed: the vault retries.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing or randomness failed.
    #[error("internal: {0}")]
    Internal(String),
}

fn refuse(code: ErrCode, text: impl Into<String>) -> EventError {
    EventError::Refused(code, text.into())
}

/// A SET whose header and signature passed, not yet checked against any grant.
struct SignedSet {
    claims: Map<String, Value>,
    urn: String,
}

/// Header policy and signature, in the order RFC 8725 asks: nothing of the payload is read
/// before the signature checked against the key the header names.
fn open_set(token: &str) -> Result<SignedSet, EventError> {
    let bad = |text: String| refuse(ErrCode::InvalidRequest, text);
    let jws = CompactJws::parse(token).map_err(|e| bad(format!("not a SET: {e}")))?;
    let header = jws.header();
    if !header
        .get("alg")
        .and_then(Value::as_str)
        .is_some_and(is_ed25519_alg)
    {
        return Err(bad("alg must be EdDSA".into()));
    }
    let typ = header.get("typ").and_then(Value::as_str).unwrap_or("");
    let typ = typ.strip_prefix("application/").unwrap_or(typ);
    if !typ.eq_ignore_ascii_case(SET_TYP) {
        return Err(bad(format!("typ must be {SET_TYP}")));
    }
    if header.contains_key("crit") {
        return Err(bad("crit is not supported".into()));
    }
    let jwk = header
        .get("jwk")
        .ok_or_else(|| refuse(ErrCode::InvalidKey, "the header has no jwk"))
        .and_then(|v| {
            PublicJwk::from_json(v).map_err(|e| refuse(ErrCode::InvalidKey, e.to_string()))
        })?;
    let key = jwk
        .to_verifying_key()
        .map_err(|e| refuse(ErrCode::InvalidKey, e.to_string()))?;
    if let Some(kid) = header.get("kid")
        && kid.as_str() != Some(jwk.thumbprint().as_str())
    {
        return Err(refuse(
            ErrCode::InvalidKey,
            "kid is not the jwk's thumbprint",
        ));
    }
    jws.verify_signature(&key)
        .map_err(|e| refuse(ErrCode::InvalidKey, e.to_string()))?;
    let claims = jws.claims().map_err(|e| bad(format!("payload: {e}")))?;
    Ok(SignedSet {
        claims,
        urn: jwk.thumbprint_urn(),
    })
}

fn string<'c>(claims: &'c Map<String, Value>, name: &str) -> Result<&'c str, EventError> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| refuse(ErrCode::InvalidRequest, format!("{name} is missing")))
}

fn number(claims: &Map<String, Value>, name: &str) -> Result<i64, EventError> {
    claims
        .get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| refuse(ErrCode::InvalidRequest, format!("{name} must be a number")))
}

/// Verifies, deduplicates and applies one SET. `Ok` means "answer 202".
pub async fn receive(
    origin: &Origin,
    key: &BrandKey,
    store: &Store,
    body: &[u8],
    now: i64,
) -> Result<(), EventError> {
    let token = std::str::from_utf8(body)
        .map_err(|_| refuse(ErrCode::InvalidRequest, "body is not UTF-8"))?
        .trim();
    let SignedSet { claims, urn } = open_set(token)?;

    if string(&claims, "iss")? != urn {
        return Err(refuse(
            ErrCode::InvalidIssuer,
            "iss is not the thumbprint URN of the signing key",
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == origin.as_str(),
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(origin.as_str())),
        _ => false,
    };
    if !aud_ok {
        return Err(refuse(ErrCode::InvalidAudience, "aud is not this origin"));
    }
    let jti = string(&claims, "jti")?.to_owned();
    number(&claims, "iat")?;
    let grant_jti = match claims.get("sub_id") {
        Some(Value::Object(sub)) if sub.get("format").and_then(Value::as_str) == Some("opaque") => {
            string(sub, "id")?.to_owned()
        }
        _ => {
            return Err(refuse(
                ErrCode::InvalidRequest,
                "sub_id must be {\"format\": \"opaque\", \"id\": <grant jti>}",
            ));
        }
    };
    let (kind, payload) = match claims.get("events").and_then(Value::as_object) {
        Some(events) if events.len() == 1 => match events.iter().next() {
            Some((kind, Value::Object(payload))) => (kind.clone(), payload.clone()),
            _ => {
                return Err(refuse(
                    ErrCode::InvalidRequest,
                    "the event payload must be an object",
                ));
            }
        },
        _ => {
            return Err(refuse(
                ErrCode::InvalidRequest,
                "events must hold exactly one event",
            ));
        }
    };

    let grant = store
        .grant(&grant_jti)
        .await?
        .ok_or_else(|| refuse(ErrCode::InvalidIssuer, "unknown grant"))?;
    if grant.consumer != urn {
        return Err(refuse(
            ErrCode::InvalidKey,
            "not signed by the key of the grant's consumer",
        ));
    }
    if store.event(&jti).await?.is_some() {
        return Ok(());
    }

    let (effect, receipt) = match kind.as_str() {
        GRANT_REVOKED | ERASURE_REQUESTED => {
            let (state, at_name) = if kind == GRANT_REVOKED {
                (GrantState::Revoked, "revoked_at")
            } else {
                (GrantState::Erased, "requested_at")
            };
            let requested_at = number(&payload, at_name)?;
            check_status_list(&payload, &grant)?;
            let receipt = erasure_receipt(origin, key, &grant, &jti, requested_at, now)?;
            let effect = Effect::Erase {
                grant_jti: grant.jti.clone(),
                state,
                at: now,
            };
            (Some(effect), Some(receipt))
        }
        TOKEN_CLAIMS_CHANGE => {
            let new = replacement(origin, key, store, &grant, &payload, now).await?;
            let receipt = new.receipt.clone();
            let effect = Effect::Replace {
                old_jti: grant.jti.clone(),
                at: now,
                new: Box::new(new),
            };
            (Some(effect), Some(receipt))
        }
        CHANNEL_CONSENT_CHANGED => {
            let channels = channels(&payload, store, &grant).await?;
            let effect = Effect::Channels {
                grant_jti: grant.jti.clone(),
                channels,
            };
            (Some(effect), None)
        }
        other => {
            return Err(refuse(
                ErrCode::InvalidRequest,
                format!("unknown event type {other:?}"),
            ));
        }
    };
    let record = EventRecord {
        jti,
        grant_jti: grant.jti.clone(),
        kind: kind.clone(),
        received_at: now,
        receipt,
    };
    if store.apply_event(&record, effect.as_ref()).await? {
        tracing::info!(event = %record.jti, grant = %grant.jti, kind = %kind, "event applied");
    }
    Ok(())
}

/// The status list travelling with a revocation must be signed by the grant's key, be the
/// grant's list, and show the grant's entry as not valid: a revocation event and the backstop
/// can then never disagree.
fn check_status_list(payload: &Map<String, Value>, grant: &GrantRecord) -> Result<(), EventError> {
    let bad = |text: &str| refuse(ErrCode::InvalidRequest, format!("status_list: {text}"));
    let token = string(payload, "status_list")?;
    let list = StatusListVerified::verify(token).map_err(|e| bad(&e.to_string()))?;
    let thumbprint = grant
        .consumer
        .strip_prefix(vouchsafe_token::jwk::THUMBPRINT_URN_PREFIX)
        .unwrap_or_default();
    if list.signer_thumbprint() != thumbprint {
        return Err(refuse(
            ErrCode::InvalidKey,
            "status_list is not signed by the grant's consumer",
        ));
    }
    if grant.status_uri.as_deref() != Some(list.uri()) {
        return Err(bad("not the grant's list"));
    }
    let entry = grant
        .status_idx
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| list.list().get(i));
    match entry {
        Some(0) => Err(bad("the grant's entry is still valid")),
        Some(_) => Ok(()),
        None => Err(bad("the grant's index is outside the list")),
    }
}

fn erasure_receipt(
    origin: &Origin,
    key: &BrandKey,
    grant: &GrantRecord,
    event_jti: &str,
    requested_at: i64,
    now: i64,
) -> Result<String, EventError> {
    let claims = json!({
        "iss": origin.as_str(),
        "aud": grant.consumer,
        "iat": now,
        "jti": random_id(16).map_err(|e| EventError::Internal(e.to_string()))?,
        "event": event_jti,
        "grant": grant.jti,
        "erased": grant.received,
        "requested_at": requested_at,
        "erased_at": now,
    });
    key.sign(ERASURE_RECEIPT_TYP, &claims)
        .map_err(|e| EventError::Internal(e.to_string()))
}

/// The grant carried by a token-claims-change: verified exactly like a delivery (same consumer
/// pinned, no nonce needed) and checked against the original request.
async fn replacement(
    origin: &Origin,
    key: &BrandKey,
    store: &Store,
    old: &GrantRecord,
    payload: &Map<String, Value>,
    now: i64,
) -> Result<GrantRecord, EventError> {
    if old.state != GrantState::Live {
        return Err(refuse(
            ErrCode::InvalidRequest,
            format!("the grant is {}, not live", old.state.as_str()),
        ));
    }
    let token = string(payload, "grant")?;
    let verified = delivery::verify(
        token,
        origin,
        IssuerPolicy::Pinned(old.consumer.clone()),
        now,
    )
    .map_err(|e| refuse(ErrCode::InvalidRequest, format!("grant refused: {e}")))?;
    let as_event_error = |e: DeliveryError| match e {
        DeliveryError::Store(s) => EventError::Store(s),
        DeliveryError::Internal(s) => EventError::Internal(s),
        other => refuse(ErrCode::InvalidRequest, other.to_string()),
    };
    let claims = delivery::typed(&verified).map_err(as_event_error)?;
    if claims.jti == old.jti {
        return Err(refuse(
            ErrCode::InvalidRequest,
            "the new grant has the old jti",
        ));
    }
    let spec = spec_of(store, old).await?;
    delivery::grant_record(
        origin,
        key,
        &verified,
        &claims,
        &spec,
        old.request_id.clone(),
        sha256_b64(token),
        now,
    )
    .map_err(as_event_error)
}

async fn spec_of(
    store: &Store,
    grant: &GrantRecord,
) -> Result<crate::request::RequestSpec, EventError> {
    let id = grant
        .request_id
        .as_deref()
        .ok_or_else(|| EventError::Internal("grant without request".into()))?;
    Ok(store
        .request(id)
        .await?
        .ok_or_else(|| EventError::Internal("request of a stored grant is gone".into()))?
        .spec)
}

/// The new channel list, limited to channels the brand asked for: consent cannot grant the
/// brand a channel it never asked to use.
async fn channels(
    payload: &Map<String, Value>,
    store: &Store,
    grant: &GrantRecord,
) -> Result<Vec<Channel>, EventError> {
    let wanted: Vec<Channel> = payload
        .get("channels")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| {
            refuse(
                ErrCode::InvalidRequest,
                "channels must be a list of {\"channel\", \"kind\": \"info\"|\"ad\"}",
            )
        })?;
    let asked = spec_of(store, grant).await?.channels;
    Ok(asked
        .into_iter()
        .filter(|a| {
            wanted
                .iter()
                .any(|w| w.channel == a.channel && w.kind == a.kind)
        })
        .collect())
}
