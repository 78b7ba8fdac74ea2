//! Events from the vault (docs/protocol.md §4–5): Security Event Tokens (RFC 8417) pushed per
//! RFC 8935, each signed with the per-brand consumer key that signed the grant it concerns.

use vouchsafe_token::protocol::{ErasureReceiptClaims, Event, EventError as PayloadError};
use vouchsafe_verify::event::{SetError, SetErrorCode, SetOptions, verify_set};
use vouchsafe_verify::{IssuerPolicy, StatusListVerified};

use crate::delivery::{self, DeliveryError};
use crate::keys::{BrandKey, ERASURE_RECEIPT_TYP};
use crate::origin::Origin;
use crate::request::Channel;
use crate::store::{
    ChannelConsent, Effect, EventRecord, GrantRecord, GrantState, Store, StoreError,
};
use crate::util::{random_id, sha256_b64};
use crate::webhook::{self, Change};

pub use vouchsafe_token::protocol::{
    CHANNEL_CONSENT_CHANGED, ERASURE_REQUESTED, GRANT_REVOKED, SET_TYP, TOKEN_CLAIMS_CHANGE,
};

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

impl From<SetErrorCode> for ErrCode {
    fn from(code: SetErrorCode) -> Self {
        match code {
            SetErrorCode::InvalidRequest => ErrCode::InvalidRequest,
            SetErrorCode::InvalidKey => ErrCode::InvalidKey,
            SetErrorCode::InvalidIssuer => ErrCode::InvalidIssuer,
            SetErrorCode::InvalidAudience => ErrCode::InvalidAudience,
        }
    }
}

impl From<SetError> for EventError {
    fn from(err: SetError) -> Self {
        EventError::Refused(err.code().into(), err.to_string())
    }
}

impl From<PayloadError> for EventError {
    fn from(err: PayloadError) -> Self {
        EventError::Refused(ErrCode::InvalidRequest, err.to_string())
    }
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
    // Header, signature, then the envelope claims (vouchsafe-verify); the grant named by
    // `sub_id` decides whose key it must be, so the issuer is compared below.
    let set = verify_set(
        token,
        &SetOptions {
            audience: origin.as_str().to_owned(),
            issuer: IssuerPolicy::AnyConsumer,
        },
    )?;
    let urn = set.issuer().to_owned();
    let jti = set.jti().to_owned();
    let grant_jti = set.grant_jti().to_owned();
    let kind = set.event_type().to_owned();

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

    let outbox = store.outbox_enabled();
    let queue = |change: Change<'_>| -> Result<_, EventError> {
        outbox
            .then(|| webhook::message(change, now))
            .transpose()
            .map_err(|e| EventError::Internal(e.to_string()))
    };
    let (effect, receipt, message) = match set.event()? {
        Event::GrantRevoked(revoked) => {
            check_status_list(&revoked.status_list, &grant)?;
            let requested_at = revoked.revoked_at;
            let (effect, receipt) = erase(
                origin,
                key,
                &grant,
                &jti,
                GrantState::Revoked,
                requested_at,
                now,
            )?;
            let message = queue(Change::Withdrawn {
                grant: &grant,
                erasure: false,
                event: &jti,
                requested_at,
            })?;
            (effect, receipt, message)
        }
        Event::ErasureRequested(erasure) => {
            check_status_list(&erasure.status_list, &grant)?;
            let requested_at = erasure.requested_at;
            let (effect, receipt) = erase(
                origin,
                key,
                &grant,
                &jti,
                GrantState::Erased,
                requested_at,
                now,
            )?;
            let message = queue(Change::Withdrawn {
                grant: &grant,
                erasure: true,
                event: &jti,
                requested_at,
            })?;
            (effect, receipt, message)
        }
        Event::TokenClaimsChange(change) => {
            let (new, consent) = match replacement(origin, key, store, &grant, &change.grant, now)
                .await
            {
                Ok(taken) => taken,
                Err(NotReplaced::Disallowed(why)) => {
                    // The consumer revoked the old grant when it made this one: refusing the
                    // new grant must not leave the brand holding the old one's values.
                    let requested_at = change.event_timestamp.unwrap_or(now);
                    let message = queue(Change::Withdrawn {
                        grant: &grant,
                        erasure: false,
                        event: &jti,
                        requested_at,
                    })?;
                    if store.withdraw(&grant.jti, now, message.as_ref()).await? {
                        tracing::info!(grant = %grant.jti, event = %jti, "replacement refused, grant withdrawn");
                    }
                    return Err(refuse(
                        ErrCode::InvalidRequest,
                        format!(
                            "{why}; the grant it replaces is withdrawn all the same (its claims are deleted)"
                        ),
                    ));
                }
                Err(NotReplaced::Failed(e)) => return Err(e),
            };
            let receipt = new.receipt.clone();
            let message = queue(Change::Updated {
                grant: &new,
                replaces: &grant.jti,
                event: &jti,
            })?;
            let effect = Effect::Replace {
                old_jti: grant.jti.clone(),
                at: now,
                new: Box::new(new),
                consent,
            };
            (Some(effect), Some(receipt), message)
        }
        Event::ChannelConsentChanged(changed) => {
            let channels = channels(&changed.channels, store, &grant).await?;
            let consent = ChannelConsent {
                night_ads: changed.night_ads,
                given_at: changed.given_at,
            };
            let message = queue(Change::Channels {
                grant: &grant,
                channels: &channels,
                consent,
                event: &jti,
            })?;
            let effect = Effect::Channels {
                grant_jti: grant.jti.clone(),
                channels,
                consent,
            };
            (Some(effect), None, message)
        }
    };
    let record = EventRecord {
        jti,
        grant_jti: grant.jti.clone(),
        kind: kind.clone(),
        received_at: now,
        receipt,
    };
    if store
        .apply_event(&record, effect.as_ref(), message.as_ref())
        .await?
    {
        tracing::info!(event = %record.jti, grant = %grant.jti, kind = %kind, "event applied");
    }
    Ok(())
}

/// The status list travelling with a revocation must be signed by the grant's key, be the
/// grant's list, and show the grant's entry as not valid: a revocation event and the backstop
/// can then never disagree.
fn check_status_list(token: &str, grant: &GrantRecord) -> Result<(), EventError> {
    let bad = |text: &str| refuse(ErrCode::InvalidRequest, format!("status_list: {text}"));
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

/// Deletes the grant's claims (as `state`) and signs the erasure receipt the vault fetches.
#[allow(clippy::too_many_arguments)]
fn erase(
    origin: &Origin,
    key: &BrandKey,
    grant: &GrantRecord,
    event_jti: &str,
    state: GrantState,
    requested_at: i64,
    now: i64,
) -> Result<(Option<Effect>, Option<String>), EventError> {
    let receipt = erasure_receipt(origin, key, grant, event_jti, requested_at, now)?;
    let effect = Effect::Erase {
        grant_jti: grant.jti.clone(),
        state,
        at: now,
    };
    Ok((Some(effect), Some(receipt)))
}

fn erasure_receipt(
    origin: &Origin,
    key: &BrandKey,
    grant: &GrantRecord,
    event_jti: &str,
    requested_at: i64,
    now: i64,
) -> Result<String, EventError> {
    let claims = ErasureReceiptClaims {
        iss: origin.as_str().to_owned(),
        aud: grant.consumer.clone(),
        iat: now,
        jti: random_id(16).map_err(|e| EventError::Internal(e.to_string()))?,
        event: event_jti.to_owned(),
        grant: grant.jti.clone(),
        erased: grant.received.clone(),
        requested_at,
        erased_at: now,
    };
    key.sign(ERASURE_RECEIPT_TYP, &claims)
        .map_err(|e| EventError::Internal(e.to_string()))
}

/// Why the grant carried by a token-claims-change was not taken.
enum NotReplaced {
    /// The new grant verified as the consumer's, but the brand's request does not allow what it
    /// releases (a claim not asked for, nor derived from one asked for; a required claim gone).
    /// The old grant is withdrawn all the same (docs/protocol.md §4).
    Disallowed(DeliveryError),
    /// Anything else: the event is refused or retried and nothing changes.
    Failed(EventError),
}

impl From<EventError> for NotReplaced {
    fn from(e: EventError) -> Self {
        NotReplaced::Failed(e)
    }
}

/// The grant carried by a token-claims-change, with the night-time advertising answer it
/// carries: verified exactly like a delivery (same consumer pinned, no nonce needed) and checked
/// against the original request, where a fact derived from a claim asked for may stand in for
/// it (a narrowed grant, [`delivery::check_released`]).
async fn replacement(
    origin: &Origin,
    key: &BrandKey,
    store: &Store,
    old: &GrantRecord,
    token: &str,
    now: i64,
) -> Result<(GrantRecord, Option<ChannelConsent>), NotReplaced> {
    if old.state != GrantState::Live {
        return Err(refuse(
            ErrCode::InvalidRequest,
            format!("the grant is {}, not live", old.state.as_str()),
        )
        .into());
    }
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
        return Err(refuse(ErrCode::InvalidRequest, "the new grant has the old jti").into());
    }
    let spec = spec_of(store, old).await?;
    let record = delivery::grant_record(
        origin,
        key,
        &verified,
        &claims,
        &spec,
        &delivery::derived_facts(&claims),
        old.request_id.clone(),
        sha256_b64(token),
        now,
    )
    .map_err(|e| match e {
        DeliveryError::NotAsked(_) | DeliveryError::RequiredMissing(_) => {
            NotReplaced::Disallowed(e)
        }
        other => NotReplaced::Failed(as_event_error(other)),
    })?;
    Ok((record, delivery::night_ads(&claims)))
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
    wanted: &[Channel],
    store: &Store,
    grant: &GrantRecord,
) -> Result<Vec<Channel>, EventError> {
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
