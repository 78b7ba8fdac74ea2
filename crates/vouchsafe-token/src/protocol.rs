//! Typed messages of the brand protocol (docs/protocol.md): the brand's request object (§2), the
//! brand's countersigned receipt (§3), the Security Event Token and its four events (§4), and the
//! erasure receipt (§5).
//!
//! The wire contract: these JSON member names are the ones docs/protocol.md documents and that a
//! brand with its own stack implements from that page alone; they must stay as they are. Struct
//! fields serialize in declaration order, optional members that are absent are omitted, and
//! `tests/vectors/protocol/` pins the bytes. Both sides use these types: the inbox to write
//! requests and receipts and read events, the vault to read requests and receipts and write
//! events, so the two cannot drift apart.
//!
//! Unknown members are ignored when reading (RFC 7519 §4: claims a recipient does not understand),
//! which lets a brand add its own members. These types describe the shape only: parsing one proves
//! nothing about who signed it. `vouchsafe-verify` (`event`, `brand`) checks the signature first.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// `typ` of the brand's request object (RFC 9101 §10.8, OpenID4VP 1.0).
pub const REQUEST_TYP: &str = "oauth-authz-req+jwt";
/// `typ` of the receipt the brand returns for a delivered grant (§3).
pub const BRAND_RECEIPT_TYP: &str = "vnd.vouchsafe.brand-receipt+jwt";
/// `typ` of the receipt for a revocation or erasure (§5).
pub const ERASURE_RECEIPT_TYP: &str = "vnd.vouchsafe.erasure-receipt+jwt";
/// `typ` of a Security Event Token (RFC 8417 §2.3).
pub const SET_TYP: &str = "secevent+jwt";

/// The consumer revoked the grant.
pub const GRANT_REVOKED: &str = "urn:vouchsafe:secevent:grant-revoked";
/// The consumer revoked the grant and asks for erasure (PIPA Art. 36/37).
pub const ERASURE_REQUESTED: &str = "urn:vouchsafe:secevent:erasure-requested";
/// The consumer changed which channels the brand may use.
pub const CHANNEL_CONSENT_CHANGED: &str = "urn:vouchsafe:secevent:channel-consent-changed";
/// CAEP 1.0 token-claims-change: a reissued grant replaces the old one ("move house").
pub const TOKEN_CLAIMS_CHANGE: &str =
    "https://schemas.openid.net/secevent/caep/event-type/token-claims-change";

/// `aud` of every request object: the request is addressed to any Vouchsafe vault.
pub const REQUEST_AUD: &str = "vouchsafe";
/// OpenID4VP `response_type` of a request.
pub const RESPONSE_TYPE: &str = "vp_token";
/// OpenID4VP `response_mode` of a request: the grant is POSTed to `response_uri`.
pub const RESPONSE_MODE: &str = "direct_post";
/// The one DCQL credential query `id`, and the key of `vp_token` in the delivery.
pub const CREDENTIAL_ID: &str = "profile";
/// `vouchsafe_consent.version` this crate writes and reads.
pub const CONSENT_VERSION: u32 = 1;
/// Longest life of a request object (`exp − iat`), docs/protocol.md §2: a nonce seen on a screen
/// or a photographed QR code cannot be replayed later.
pub const MAX_REQUEST_TTL_SECS: i64 = 600;
/// PIPA's 10 days to act on a withdrawal of consent: an erasure event's `deadline` is
/// `requested_at` plus this.
pub const ERASURE_DEADLINE_SECS: i64 = 10 * 86_400;
/// RFC 9493 subject identifier format of `sub_id`: the grant's `jti`, opaque to anyone else.
pub const SUB_ID_FORMAT: &str = "opaque";

/// Texts keyed by BCP 47 language tag (`{"en": "…", "ko": "…"}`).
pub type Texts = BTreeMap<String, String>;

/// A channel the brand wants to contact the consumer through, or may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// `email`, `sms`, `push`, `phone`, `post`, …
    pub channel: String,
    /// `info` (informational) or `ad` (advertising).
    pub kind: ChannelKind,
}

/// Korean law treats advertising messages apart from informational ones (opt-in, night hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Informational: receipts, account notices.
    Info,
    /// Advertising.
    Ad,
}

// --- §2 the request object ----------------------------------------------------------------------

/// The claims of the brand's request object (`typ` [`REQUEST_TYP`]), docs/protocol.md §2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestObjectClaims {
    /// The brand's origin; equal to `client_id`.
    pub iss: String,
    /// The brand's origin (no OpenID4VP client identifier prefix: docs/protocol.md §7).
    pub client_id: String,
    /// Always [`REQUEST_AUD`].
    pub aud: String,
    /// Issue time.
    pub iat: i64,
    /// Expiry; `exp − iat` ≤ [`MAX_REQUEST_TTL_SECS`].
    pub exp: i64,
    /// Always [`RESPONSE_TYPE`].
    pub response_type: String,
    /// Always [`RESPONSE_MODE`].
    pub response_mode: String,
    /// Where the grant is posted; on the brand's origin.
    pub response_uri: String,
    /// The nonce the grant must carry (≥ 128 bits, base64url).
    pub nonce: String,
    /// Opaque to the vault, echoed beside the grant.
    pub state: String,
    /// `client_name` (and `client_name#<lang>`) when the brand set one.
    #[serde(default)]
    pub client_metadata: Map<String, Value>,
    /// What is asked for.
    pub dcql_query: DcqlQuery,
    /// Why, for how long, through which channels, and what refusing costs.
    pub vouchsafe_consent: ConsentNotice,
}

/// A DCQL query with one credential query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcqlQuery {
    /// Exactly one entry, `id` [`CREDENTIAL_ID`].
    pub credentials: Vec<CredentialQuery>,
}

/// A DCQL credential query for a Vouchsafe grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialQuery {
    /// [`CREDENTIAL_ID`].
    pub id: String,
    /// The grant's `typ`, [`crate::GRANT_TYP`].
    pub format: String,
    /// The claims asked for.
    pub claims: Vec<ClaimQuery>,
    /// Acceptable combinations of claim ids, most preferred first (DCQL); the reference inbox
    /// omits it (docs/protocol.md §2 says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_sets: Option<Vec<Vec<String>>>,
}

/// One DCQL claim query: a path of one or two names into the grant's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimQuery {
    /// Letters, digits, `_`, `-`; the reference inbox joins the path with `-`.
    pub id: String,
    /// `["email"]`, `["address", "locality"]`.
    pub path: Vec<String>,
}

/// `vouchsafe_consent`: the notice PIPA Art. 15(2) requires, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentNotice {
    /// [`CONSENT_VERSION`].
    pub version: u32,
    /// Every claim id appears in exactly one item.
    pub items: Vec<NoticeItem>,
    /// A W3C DPV purpose IRI.
    pub purpose_category: String,
    /// ISO 8601 duration counted from the grant (`P1Y`).
    pub retention: String,
    /// Channels the brand wants.
    pub channels: Vec<Channel>,
    /// What the brand gives in return.
    pub offer: Texts,
    /// What refusing costs.
    pub refusal: Texts,
    /// Where events about grants made under this request go; on the brand's origin.
    pub events_uri: String,
}

/// One item of the notice: claims asked for together, for one purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeItem {
    /// DCQL claim ids.
    pub claims: Vec<String>,
    /// Whether the delivery is refused without them.
    pub required: bool,
    /// Why the brand wants them.
    pub purpose: Texts,
}

// --- §3 the brand's receipt ---------------------------------------------------------------------

/// The claims of the brand's countersigned receipt (`typ` [`BRAND_RECEIPT_TYP`]), §3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandReceiptClaims {
    /// The brand's origin.
    pub iss: String,
    /// The consumer's pairwise id (the grant's `iss`).
    pub aud: String,
    /// When the brand signed.
    pub iat: i64,
    /// The receipt's id.
    pub jti: String,
    /// Which grant, by id and hash.
    pub grant: GrantReference,
    /// Released claims as dotted paths, sorted.
    pub received: Vec<String>,
    /// What the brand commits to.
    pub retention: Retention,
    /// Channels the brand may use.
    pub channels: Vec<Channel>,
    /// Where events about this grant go.
    pub events_uri: String,
}

/// `grant` of a brand receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantReference {
    /// The grant's `jti`.
    pub jti: String,
    /// base64url SHA-256 of the grant's compact serialisation.
    pub sha256: String,
}

/// `retention` of a brand receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// ISO 8601 duration.
    pub period: String,
    /// `iat` plus the period (a year as 365 days, a month as 30).
    pub until: i64,
}

// --- §4 events ----------------------------------------------------------------------------------

/// The claims of a Security Event Token (`typ` [`SET_TYP`], RFC 8417), §4. No `exp`: a SET is a
/// statement of fact, kept and deduplicated by `jti`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetClaims {
    /// The consumer's thumbprint URN: the same per-brand key that signed the grant.
    pub iss: String,
    /// The brand's origin.
    pub aud: String,
    /// When the vault signed it.
    pub iat: i64,
    /// The event's id (random); the brand deduplicates by it.
    pub jti: String,
    /// The grant the event concerns (RFC 9493 `opaque`: the grant's `jti`).
    pub sub_id: SubjectId,
    /// Exactly one event.
    pub events: Event,
}

/// An RFC 9493 subject identifier of format [`SUB_ID_FORMAT`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectId {
    /// [`SUB_ID_FORMAT`].
    pub format: String,
    /// The grant's `jti`.
    pub id: String,
}

impl SubjectId {
    /// The `opaque` subject naming grant `jti`.
    pub fn grant(jti: &str) -> Self {
        Self {
            format: SUB_ID_FORMAT.to_owned(),
            id: jti.to_owned(),
        }
    }
}

/// One event, serialised as RFC 8417's `events` object with exactly one member:
/// `{"<event type URI>": {payload}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// [`GRANT_REVOKED`].
    GrantRevoked(GrantRevoked),
    /// [`TOKEN_CLAIMS_CHANGE`].
    TokenClaimsChange(TokenClaimsChange),
    /// [`ERASURE_REQUESTED`].
    ErasureRequested(ErasureRequested),
    /// [`CHANNEL_CONSENT_CHANGED`].
    ChannelConsentChanged(ChannelConsentChanged),
}

/// Payload of [`GRANT_REVOKED`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRevoked {
    /// When the consumer revoked.
    pub revoked_at: i64,
    /// The consumer's current status list token for this brand, the grant's bit set.
    pub status_list: String,
}

/// Payload of [`TOKEN_CLAIMS_CHANGE`] (CAEP 1.0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaimsChange {
    /// The new grant JWT (same brand, same choices, new `jti`).
    pub grant: String,
    /// Names of the claims whose values changed (informational; the new grant is what counts).
    #[serde(default)]
    pub claims: Vec<String>,
    /// When the change happened (CAEP `event_timestamp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_timestamp: Option<i64>,
}

/// Payload of [`ERASURE_REQUESTED`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRequested {
    /// When the consumer asked.
    pub requested_at: i64,
    /// `requested_at` + [`ERASURE_DEADLINE_SECS`].
    pub deadline: i64,
    /// As in [`GrantRevoked::status_list`].
    pub status_list: String,
}

/// Payload of [`CHANNEL_CONSENT_CHANGED`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsentChanged {
    /// The full new list of channels the consumer allows.
    pub channels: Vec<Channel>,
    /// Whether advertising may be sent at night (21:00–08:00, PIPA/정보통신망법 Art. 50(3)).
    pub night_ads: bool,
    /// When the consumer gave this consent.
    pub given_at: i64,
}

/// Why an event's type or payload cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// `events` does not hold exactly one member.
    #[error("events must hold exactly one event, found {0}")]
    Count(usize),
    /// An event type this version does not know.
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    /// The payload does not fit its event type.
    #[error("the {kind} payload: {detail}")]
    Payload {
        /// The event type URI.
        kind: &'static str,
        /// serde's message (names the member, never a value).
        detail: String,
    },
}

impl Event {
    /// The event type URI.
    pub fn type_uri(&self) -> &'static str {
        match self {
            Event::GrantRevoked(_) => GRANT_REVOKED,
            Event::TokenClaimsChange(_) => TOKEN_CLAIMS_CHANGE,
            Event::ErasureRequested(_) => ERASURE_REQUESTED,
            Event::ChannelConsentChanged(_) => CHANNEL_CONSENT_CHANGED,
        }
    }

    /// Reads one event from its type URI and payload.
    pub fn from_parts(type_uri: &str, payload: Value) -> Result<Self, EventError> {
        fn typed<T: serde::de::DeserializeOwned>(
            kind: &'static str,
            payload: Value,
        ) -> Result<T, EventError> {
            if !payload.is_object() {
                return Err(EventError::Payload {
                    kind,
                    detail: "must be a JSON object".into(),
                });
            }
            serde_json::from_value(payload).map_err(|e| EventError::Payload {
                kind,
                detail: e.to_string(),
            })
        }
        Ok(match type_uri {
            GRANT_REVOKED => Event::GrantRevoked(typed(GRANT_REVOKED, payload)?),
            TOKEN_CLAIMS_CHANGE => Event::TokenClaimsChange(typed(TOKEN_CLAIMS_CHANGE, payload)?),
            ERASURE_REQUESTED => Event::ErasureRequested(typed(ERASURE_REQUESTED, payload)?),
            CHANNEL_CONSENT_CHANGED => {
                Event::ChannelConsentChanged(typed(CHANNEL_CONSENT_CHANGED, payload)?)
            }
            other => return Err(EventError::UnknownType(other.to_owned())),
        })
    }

    /// Reads the `events` object of a SET: exactly one member, of a known type.
    pub fn from_events(events: &Map<String, Value>) -> Result<Self, EventError> {
        let mut members = events.iter();
        match (members.next(), members.next()) {
            (Some((kind, payload)), None) => Self::from_parts(kind, payload.clone()),
            _ => Err(EventError::Count(events.len())),
        }
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Event::GrantRevoked(p) => map.serialize_entry(GRANT_REVOKED, p)?,
            Event::TokenClaimsChange(p) => map.serialize_entry(TOKEN_CLAIMS_CHANGE, p)?,
            Event::ErasureRequested(p) => map.serialize_entry(ERASURE_REQUESTED, p)?,
            Event::ChannelConsentChanged(p) => map.serialize_entry(CHANNEL_CONSENT_CHANGED, p)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let events = Map::<String, Value>::deserialize(deserializer)?;
        Self::from_events(&events).map_err(serde::de::Error::custom)
    }
}

// --- §5 the erasure receipt ---------------------------------------------------------------------

/// The claims of an erasure receipt (`typ` [`ERASURE_RECEIPT_TYP`]), §5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureReceiptClaims {
    /// The brand's origin.
    pub iss: String,
    /// The consumer's pairwise id.
    pub aud: String,
    /// When the brand signed.
    pub iat: i64,
    /// The receipt's id.
    pub jti: String,
    /// The `jti` of the SET that asked.
    pub event: String,
    /// The grant whose claims were erased.
    pub grant: String,
    /// Dotted names of the erased claims (names, never values).
    pub erased: Vec<String>,
    /// When the consumer revoked or asked (from the event).
    pub requested_at: i64,
    /// When the brand erased.
    pub erased_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn an_event_serialises_as_one_member_keyed_by_its_uri() -> TestResult {
        let event = Event::GrantRevoked(GrantRevoked {
            revoked_at: 5,
            status_list: "a.b.c".into(),
        });
        let value = serde_json::to_value(&event)?;
        assert_eq!(
            value,
            json!({GRANT_REVOKED: {"revoked_at": 5, "status_list": "a.b.c"}})
        );
        assert_eq!(serde_json::from_value::<Event>(value)?, event);
        Ok(())
    }

    #[test]
    fn events_with_zero_two_or_unknown_members_are_refused() {
        let count = |v: Value| v.as_object().map(Event::from_events);
        assert_eq!(count(json!({})), Some(Err(EventError::Count(0))));
        let two = json!({GRANT_REVOKED: {}, ERASURE_REQUESTED: {}});
        assert_eq!(count(two), Some(Err(EventError::Count(2))));
        assert_eq!(
            count(json!({"urn:example:x": {}})),
            Some(Err(EventError::UnknownType("urn:example:x".into())))
        );
        assert!(matches!(
            Event::from_parts(GRANT_REVOKED, json!({"revoked_at": 1})),
            Err(EventError::Payload { kind: GRANT_REVOKED, detail }) if detail.contains("status_list")
        ));
        assert!(matches!(
            Event::from_parts(CHANNEL_CONSENT_CHANGED, json!([])),
            Err(EventError::Payload { .. })
        ));
    }

    #[test]
    fn set_claims_keep_the_documented_member_order() -> TestResult {
        let set = SetClaims {
            iss: "urn:x".into(),
            aud: "https://shop.example".into(),
            iat: 1,
            jti: "e".into(),
            sub_id: SubjectId::grant("g"),
            events: Event::ChannelConsentChanged(ChannelConsentChanged {
                channels: vec![Channel {
                    channel: "email".into(),
                    kind: ChannelKind::Info,
                }],
                night_ads: false,
                given_at: 2,
            }),
        };
        assert_eq!(
            serde_json::to_string(&set)?,
            r#"{"iss":"urn:x","aud":"https://shop.example","iat":1,"jti":"e","sub_id":{"format":"opaque","id":"g"},"events":{"urn:vouchsafe:secevent:channel-consent-changed":{"channels":[{"channel":"email","kind":"info"}],"night_ads":false,"given_at":2}}}"#
        );
        Ok(())
    }
}
