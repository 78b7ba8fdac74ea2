//! Typed claims of the three tokens Vouchsafe signs: the grant, the status list token and the
//! consent receipt.
//!
//! The wire contract: these JSON member names are the ones docs/grant-token.md,
//! docs/status-list.md and docs/consent-receipt.md document and brands read; they must stay
//! as they are. Struct fields serialize in declaration order, and optional members that are
//! absent are omitted rather than written as `null`, because a brand must never see a key for
//! something the consumer did not release.
//!
//! Unknown members:
//! * [`GrantClaims`]: every top-level member that is not an envelope claim is a released
//!   value and lands in [`GrantClaims::profile`], so all field kinds (standard, `address`,
//!   lists, `memberships`, `custom`, derived facts, and kinds added later) round-trip.
//! * Inside `status`, `authorization_details` entries, [`StatusListClaims`] and
//!   [`ConsentReceiptClaims`]: unknown members are ignored, as RFC 7519 §4 asks of claims a
//!   recipient does not understand. Re-serializing such a value drops them.
//!
//! These types describe the shape only. Parsing one proves nothing about who signed it: a
//! verifier reads claims only after the signature checked (see `vouchsafe-verify`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::AUTHORIZATION_DETAILS_TYPE;
use crate::json::{Members, NumericDate, Object, StrictVisitor, Text, Unsigned};
use crate::protocol::ChannelKind;

/// The claims of a grant (`typ` [`crate::GRANT_TYP`]), docs/grant-token.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantClaims {
    /// The consumer's per-brand thumbprint URN (RFC 9278) of the header `jwk`.
    pub iss: String,
    /// Always equal to `iss`.
    pub sub: String,
    /// The brand's identifier, as the consumer entered it.
    pub aud: String,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Not-before, seconds since the epoch; Vouchsafe sets it to `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// The grant id (a random UUID v4).
    pub jti: String,
    /// A brand-supplied nonce the grant answers (next stage: delivery to a brand inbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Where the grant's revocation status is published.
    pub status: StatusClaim,
    /// Exactly one [`AUTHORIZATION_DETAILS_TYPE`] entry describing the release.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// The released values, under their documented claim names (`email`, `address`,
    /// `age_over_18`, `memberships`, `custom`, …). Only what the consumer chose is present.
    #[serde(flatten)]
    pub profile: Map<String, Value>,
}

/// The `status` claim: `{"status_list": {"idx": …, "uri": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusClaim {
    /// The reference into the brand's status list.
    pub status_list: StatusListRef,
}

/// `status.status_list`: the grant's index in the list published at `uri`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusListRef {
    /// Index of the grant's entry.
    pub idx: u64,
    /// The list's URI; the status list token's `sub` equals it.
    pub uri: String,
}

/// The RFC 9396 `authorization_details` entry of type [`AUTHORIZATION_DETAILS_TYPE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationDetail {
    /// Always [`AUTHORIZATION_DETAILS_TYPE`] for entries Vouchsafe writes.
    #[serde(rename = "type")]
    pub kind: String,
    /// What was released: profile field names and derived facts.
    pub datatypes: Vec<String>,
    /// The purpose in the consumer's own words.
    pub purpose: String,
    /// A W3C DPV purpose IRI.
    pub purpose_category: String,
    /// The consumer's channel consent; absent when none was chosen. Version 2 (an array of
    /// channel × kind consents) is what Vouchsafe writes; version 1 (an object mapping a
    /// channel name to a bool) is read from grants issued before it (docs/grant-token.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<ChannelsClaim>,
    /// Night-time advertising (21:00–08:00); written beside version 2 `channels` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub night_ads: Option<NightAdsClaim>,
    /// What the brand offers in return, as the consumer recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
}

/// `authorization_details[].channels`, in either version. The JSON type tells them apart:
/// an array is version 2, an object version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChannelsClaim {
    /// Version 2: one entry per channel and kind the consumer decided on.
    Consents(Vec<ChannelConsentClaim>),
    /// Version 1: channel name → allowed. It did not tell advertising from informational
    /// messages, so `true` is read as informational only (docs/grant-token.md).
    Legacy(BTreeMap<String, bool>),
}

impl ChannelsClaim {
    /// Whether the brand may send messages of `kind` on `channel`. A version 1 `true` allows
    /// informational messages only: consent to advertising was never asked apart.
    pub fn allows(&self, channel: &str, kind: ChannelKind) -> bool {
        match self {
            ChannelsClaim::Consents(list) => list
                .iter()
                .any(|c| c.channel == channel && c.kind == kind && c.allowed),
            ChannelsClaim::Legacy(map) => {
                kind == ChannelKind::Info && map.get(channel) == Some(&true)
            }
        }
    }
}

/// One version 2 channel consent: `{"channel": "email", "kind": "ad", "allowed": true,
/// "given_at": 1767225600}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsentClaim {
    /// `email`, `sms`, `phone`, `kakao`, `push`, `post`, or `custom.NAME`.
    pub channel: String,
    /// `info` or `ad`.
    pub kind: ChannelKind,
    /// Whether the consumer said yes.
    pub allowed: bool,
    /// When the consumer gave (or refused) it, seconds since the epoch.
    pub given_at: i64,
}

/// `night_ads`: whether advertising may be sent between 21:00 and 08:00 (정보통신망법 Art.
/// 50(3) asks a consent of its own), and when that was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NightAdsClaim {
    /// Whether the consumer said yes.
    pub allowed: bool,
    /// When, seconds since the epoch.
    pub given_at: i64,
}

impl AuthorizationDetail {
    /// An entry of the Vouchsafe type with no channels and no offer.
    pub fn profile_release(datatypes: Vec<String>, purpose: &str, purpose_category: &str) -> Self {
        Self {
            kind: AUTHORIZATION_DETAILS_TYPE.to_owned(),
            datatypes,
            purpose: purpose.to_owned(),
            purpose_category: purpose_category.to_owned(),
            channels: None,
            night_ads: None,
            offer: None,
        }
    }
}

/// The claims of a Token Status List token (`typ` [`crate::STATUS_LIST_TYP`]),
/// docs/status-list.md. Member order follows the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusListClaims {
    /// Optional in the draft and not written by Vouchsafe; when present a verifier requires it
    /// to equal the grant's `iss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The list's URI: exactly the grants' `status.status_list.uri`.
    pub sub: String,
    /// When the list was signed.
    pub iat: i64,
    /// After this (plus the leeway) the list must not be relied on.
    pub exp: i64,
    /// How long, in seconds after `iat`, a copy may be cached before fetching a fresh one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// The compressed list.
    pub status_list: StatusListMember,
}

/// The `status_list` claim: `{"bits":…,"lst":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusListMember {
    /// Bits per entry: 1, 2, 4 or 8.
    pub bits: u8,
    /// The packed entries, ZLIB-compressed and base64url-encoded.
    pub lst: String,
}

/// The claims of a consent receipt (`typ` [`crate::RECEIPT_TYP`]) in Kantara Consent Receipt
/// v1.1 names, docs/consent-receipt.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentReceiptClaims {
    /// The per-brand issuer (thumbprint URN).
    pub iss: String,
    /// Equal to `iss`.
    pub sub: String,
    /// When this receipt was signed.
    pub iat: i64,
    /// The grant id.
    pub jti: String,
    /// `KI-CR-v1.1.0`.
    pub version: String,
    /// Where the consent applies (ISO 3166-1 alpha-2).
    pub jurisdiction: String,
    /// The grant's `iat`.
    pub consent_timestamp: i64,
    /// How consent was collected.
    pub collection_method: String,
    /// The grant id.
    #[serde(rename = "consentReceiptID")]
    pub consent_receipt_id: String,
    /// Language of the receipt.
    pub language: String,
    /// The data subject: the per-brand `iss`.
    pub pii_principal_id: String,
    /// Who receives the data.
    pub pii_controllers: Vec<PiiController>,
    /// The controller's policy URL, or `""`.
    pub policy_url: String,
    /// What the data is for.
    pub services: Vec<ReceiptService>,
    /// Whether sensitive categories are involved.
    pub sensitive: bool,
    /// Sensitive categories.
    pub spi_cat: Vec<String>,
    /// Vouchsafe extension: `given` and, after a revocation, `withdrawn`.
    pub events: Vec<ConsentEvent>,
    /// Vouchsafe extension: the one-sentence plain-language summary.
    pub summary: String,
    /// Vouchsafe extension: the channel consent, as in the grant (version 2 only); absent
    /// when none was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<ChannelConsentClaim>>,
    /// Vouchsafe extension: night-time advertising, as in the grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub night_ads: Option<NightAdsClaim>,
}

/// One `piiControllers[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiController {
    /// The brand's name.
    pub pii_controller: String,
    /// The brand's id.
    pub contact: String,
    /// Always `false`.
    pub on_behalf: bool,
    /// The brand's website, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One `services[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptService {
    /// What the service is.
    pub service: String,
    /// Its purposes.
    pub purposes: Vec<ReceiptPurpose>,
}

/// One `services[].purposes[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptPurpose {
    /// The purpose in the consumer's words.
    pub purpose: String,
    /// `[DPV IRI]`.
    pub purpose_category: Vec<String>,
    /// `EXPLICIT`.
    pub consent_type: String,
    /// The grant's `datatypes`.
    pub pii_category: Vec<String>,
    /// Always `true`.
    pub primary_purpose: bool,
    /// When and how the consent ends.
    pub termination: String,
    /// Always `false`.
    pub third_party_disclosure: bool,
}

/// One `events[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEvent {
    /// `given` or `withdrawn`.
    pub event: String,
    /// The same moment in RFC 3339.
    pub at: String,
    /// Seconds since the epoch.
    pub timestamp: i64,
}

/// The claims a verifier checks on every grant, read straight from the payload bytes without
/// building a map (`SplitJws::read_claims`): whatever issuer wrote the grant, which is why
/// nothing here is required and `aud` may be an array. Each member is `None` when absent and
/// kept whole ([`crate::json::Read::Other`]) when of an unexpected JSON type, so that a refusal can show it;
/// all other members, the released values among them, are checked as JSON and dropped. The
/// whole claims set, when a caller wants it, is the payload parsed again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrantEnvelope<'a> {
    /// `iss`.
    pub iss: Option<Text<'a>>,
    /// `sub`.
    pub sub: Option<Text<'a>>,
    /// `aud`.
    pub aud: Option<Audience<'a>>,
    /// `iat`.
    pub iat: Option<NumericDate>,
    /// `nbf`.
    pub nbf: Option<NumericDate>,
    /// `exp`.
    pub exp: Option<NumericDate>,
    /// `jti`.
    pub jti: Option<Text<'a>>,
    /// `status`: its members if it is an object.
    pub status: Option<Object<StatusFields<'a>>>,
}

impl<'de> Members<'de> for GrantEnvelope<'de> {
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error> {
        match name {
            "iss" => self.iss = Some(access.next_value()?),
            "sub" => self.sub = Some(access.next_value()?),
            "aud" => self.aud = Some(access.next_value()?),
            "iat" => self.iat = Some(access.next_value()?),
            "nbf" => self.nbf = Some(access.next_value()?),
            "exp" => self.exp = Some(access.next_value()?),
            "jti" => self.jti = Some(access.next_value()?),
            "status" => self.status = Some(access.next_value()?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// `aud` (RFC 7519 §4.1.3): one string, or an array of strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience<'a> {
    /// A single string.
    One(Cow<'a, str>),
    /// A non-empty array whose items are all strings.
    Many(Vec<String>),
    /// Anything else (an empty array included), kept whole.
    Other(Value),
}

impl<'de> Deserialize<'de> for Audience<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;
        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Audience::One(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Audience::One(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Audience::One(Cow::Owned(v)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let Value::Array(items) = StrictVisitor.visit_seq(seq)? else {
                    return Err(de::Error::custom("array read as another value"));
                };
                let strings: Option<Vec<String>> = items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect();
                Ok(match strings {
                    Some(strings) if !strings.is_empty() => Audience::Many(strings),
                    _ => Audience::Other(Value::Array(items)),
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Self::Value, A::Error> {
                StrictVisitor.visit_map(access).map(Audience::Other)
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                StrictVisitor.visit_bool(v).map(Audience::Other)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                StrictVisitor.visit_i64(v).map(Audience::Other)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                StrictVisitor.visit_u64(v).map(Audience::Other)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                StrictVisitor.visit_f64(v).map(Audience::Other)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                StrictVisitor.visit_unit().map(Audience::Other)
            }
        }
        deserializer.deserialize_any(AudienceVisitor)
    }
}

/// The members of a grant's `status` claim a verifier reads: `status_list`, if present, with
/// its members if it is an object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusFields<'a> {
    /// `status_list`.
    pub status_list: Option<Object<StatusListRefFields<'a>>>,
}

impl<'de> Members<'de> for StatusFields<'de> {
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error> {
        if name != "status_list" {
            return Ok(false);
        }
        self.status_list = Some(access.next_value()?);
        Ok(true)
    }
}

/// `status.status_list` as a verifier reads it: `idx` and `uri`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusListRefFields<'a> {
    /// `idx`.
    pub idx: Option<Unsigned>,
    /// `uri`.
    pub uri: Option<Text<'a>>,
}

impl<'de> Members<'de> for StatusListRefFields<'de> {
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error> {
        match name {
            "idx" => self.idx = Some(access.next_value()?),
            "uri" => self.uri = Some(access.next_value()?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Audience<'_> {
    /// The audiences as a list, or the value that is not a string or a non-empty array of
    /// strings.
    pub fn to_list(&self) -> Result<Vec<String>, &Value> {
        match self {
            Audience::One(aud) => Ok(vec![aud.as_ref().to_owned()]),
            Audience::Many(list) => Ok(list.clone()),
            Audience::Other(value) => Err(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const ISS: &str =
        "urn:ietf:params:oauth:jwk-thumbprint:sha-256:5YLO-fo-rwDlh0eTguMONTMSJHZuErsFsd7jt8Z4ke0";

    /// A grant as `src/grants/mod.rs` builds it today, with every claim kind
    /// `src/grants/claims.rs` can release.
    fn core_grant() -> Value {
        json!({
            "iss": ISS, "sub": ISS, "aud": "acme-coffee",
            "iat": 1_795_492_543, "nbf": 1_795_492_543, "exp": 1_803_945_599,
            "jti": "c2fa381d-5760-416c-a29f-5448dcaa492d",
            "email": "gildong@example.com",
            "given_name": "길동",
            "phone_number": "+821012345678",
            "interests": ["coffee", "hiking"],
            "age_over_18": true,
            "age_over_14": true,
            "birthdate": "0000-03-14",
            "address": {"locality": "서울특별시", "country": "KR"},
            "memberships": {"cj_one": "1234 5678"},
            "custom": {"blood_type": "A"},
            "authorization_details": [{
                "type": "vouchsafe_profile_release",
                "datatypes": ["email", "given_name", "age_over_18", "birthday", "city"],
                "purpose": "send a birthday coupon",
                "purpose_category": "https://w3id.org/dpv#ServicePersonalisation",
                "channels": {"email": true, "sms": false},
                "offer": "free americano"
            }],
            "status": {"status_list": {"idx": 318, "uri": "urn:uuid:17b7d07b-cdc5-445b-8257-466ebab0a3b8"}}
        })
    }

    fn round_trip<T: Serialize + serde::de::DeserializeOwned>(value: &Value) -> TestResult {
        let typed: T = serde_json::from_value(value.clone())?;
        assert_eq!(&serde_json::to_value(&typed)?, value);
        Ok(())
    }

    #[test]
    fn grant_round_trips_every_claim_kind() -> TestResult {
        let value = core_grant();
        round_trip::<GrantClaims>(&value)?;
        let typed: GrantClaims = serde_json::from_value(value)?;
        assert_eq!(typed.status.status_list.idx, 318);
        assert_eq!(
            typed.authorization_details[0].kind,
            AUTHORIZATION_DETAILS_TYPE
        );
        assert_eq!(typed.profile["memberships"], json!({"cj_one": "1234 5678"}));
        assert!(
            !typed.profile.contains_key("iss"),
            "envelope is not profile"
        );
        assert_eq!(typed.nonce, None);
        Ok(())
    }

    #[test]
    fn channels_read_in_both_versions() -> TestResult {
        // Version 1 (grants issued before channel × kind): `true` is informational only.
        let v1: GrantClaims = serde_json::from_value(core_grant())?;
        let c = v1.authorization_details[0]
            .channels
            .as_ref()
            .ok_or("channels")?;
        assert!(matches!(c, ChannelsClaim::Legacy(_)));
        assert!(c.allows("email", ChannelKind::Info));
        assert!(
            !c.allows("email", ChannelKind::Ad),
            "v1 never separated ads"
        );
        assert!(!c.allows("sms", ChannelKind::Info));
        // Version 2: an array of consents, with night-time advertising beside it.
        let mut value = core_grant();
        value["authorization_details"][0]["channels"] = json!([
            {"channel": "email", "kind": "info", "allowed": true, "given_at": 1},
            {"channel": "email", "kind": "ad", "allowed": true, "given_at": 2},
            {"channel": "sms", "kind": "ad", "allowed": false, "given_at": 2}
        ]);
        value["authorization_details"][0]["night_ads"] = json!({"allowed": false, "given_at": 2});
        round_trip::<GrantClaims>(&value)?;
        let v2: GrantClaims = serde_json::from_value(value.clone())?;
        let d = &v2.authorization_details[0];
        let c = d.channels.as_ref().ok_or("channels")?;
        assert!(c.allows("email", ChannelKind::Ad));
        assert!(!c.allows("sms", ChannelKind::Ad));
        assert!(!c.allows("kakao", ChannelKind::Info));
        assert_eq!(
            d.night_ads,
            Some(NightAdsClaim {
                allowed: false,
                given_at: 2
            })
        );
        // A kind this version does not know is refused, not guessed.
        value["authorization_details"][0]["channels"][0]["kind"] = json!("spam");
        assert!(serde_json::from_value::<GrantClaims>(value).is_err());
        Ok(())
    }

    #[test]
    fn grant_without_optional_members_omits_them() -> TestResult {
        let mut value = core_grant();
        if let Some(m) = value.as_object_mut() {
            m.remove("nbf");
        }
        if let Some(d) = value["authorization_details"][0].as_object_mut() {
            d.remove("channels");
            d.remove("offer");
        }
        round_trip::<GrantClaims>(&value)?;
        let mut typed: GrantClaims = serde_json::from_value(value)?;
        typed.nonce = Some("n-1".into());
        assert_eq!(serde_json::to_value(&typed)?["nonce"], "n-1");
        Ok(())
    }

    #[test]
    fn unknown_grant_members_are_released_values_but_nested_ones_are_ignored() -> TestResult {
        let mut value = core_grant();
        value["future_field"] = json!({"x": [1, 2]});
        value["status"]["status_list"]["extra"] = json!(1);
        value["authorization_details"][0]["extra"] = json!(2);
        let typed: GrantClaims = serde_json::from_value(value)?;
        assert_eq!(typed.profile["future_field"], json!({"x": [1, 2]}));
        let back = serde_json::to_value(&typed)?;
        assert_eq!(back, {
            let mut v = core_grant();
            v["future_field"] = json!({"x": [1, 2]});
            v
        });
        Ok(())
    }

    #[test]
    fn grant_missing_a_required_claim_does_not_parse() {
        for claim in ["iss", "exp", "jti", "status", "authorization_details"] {
            let mut value = core_grant();
            if let Some(m) = value.as_object_mut() {
                m.remove(claim);
            }
            assert!(
                serde_json::from_value::<GrantClaims>(value).is_err(),
                "{claim}"
            );
        }
    }

    #[test]
    fn status_list_claims_round_trip_and_keep_the_draft_order() -> TestResult {
        let value = json!({
            "sub": "https://s.example/l/1", "iat": 10, "exp": 20, "ttl": 5,
            "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
        });
        round_trip::<StatusListClaims>(&value)?;
        let typed: StatusListClaims = serde_json::from_value(value)?;
        assert_eq!(
            serde_json::to_string(&typed)?,
            r#"{"sub":"https://s.example/l/1","iat":10,"exp":20,"ttl":5,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}"#
        );
        let with_iss = json!({
            "iss": ISS, "sub": "u", "iat": 1, "exp": 2,
            "status_list": {"bits": 2, "lst": "x"}, "unknown": true,
        });
        let typed: StatusListClaims = serde_json::from_value(with_iss)?;
        assert_eq!(typed.iss.as_deref(), Some(ISS));
        assert_eq!(typed.ttl, None);
        assert!(serde_json::to_value(&typed)?.get("unknown").is_none());
        Ok(())
    }

    /// A receipt as `src/grants/receipt.rs` builds it today, after a revocation.
    fn core_receipt(url: Option<&str>) -> Value {
        let mut controller = json!({
            "piiController": "Acme Coffee", "contact": "acme-coffee", "onBehalf": false,
        });
        if let Some(u) = url {
            controller["url"] = json!(u);
        }
        json!({
            "iss": ISS, "sub": ISS, "iat": 1_795_500_000,
            "jti": "c2fa381d-5760-416c-a29f-5448dcaa492d",
            "version": "KI-CR-v1.1.0",
            "jurisdiction": "KR",
            "consentTimestamp": 1_795_492_543,
            "collectionMethod": "Issued by the consumer as a signed Vouchsafe grant",
            "consentReceiptID": "c2fa381d-5760-416c-a29f-5448dcaa492d",
            "language": "en",
            "piiPrincipalId": ISS,
            "piiControllers": [controller],
            "policyUrl": url.unwrap_or(""),
            "services": [{
                "service": "Release of chosen profile data",
                "purposes": [{
                    "purpose": "send a birthday coupon",
                    "purposeCategory": ["https://w3id.org/dpv#ServicePersonalisation"],
                    "consentType": "EXPLICIT",
                    "piiCategory": ["email", "birthday"],
                    "primaryPurpose": true,
                    "termination": "Ends at 2027-02-28T23:59:59Z or when the consumer revokes it",
                    "thirdPartyDisclosure": false,
                }],
            }],
            "sensitive": false,
            "spiCat": [],
            "events": [
                {"event": "given", "at": "2026-11-23T22:35:43Z", "timestamp": 1_795_492_543},
                {"event": "withdrawn", "at": "2026-11-24T00:00:00Z", "timestamp": 1_795_564_800},
            ],
            "summary": "Acme Coffee gets your email and birthday (no year) to send a birthday coupon, by email only, until 2027-02-28.",
        })
    }

    #[test]
    fn consent_receipt_round_trips_with_and_without_url() -> TestResult {
        round_trip::<ConsentReceiptClaims>(&core_receipt(Some("https://acme.example")))?;
        round_trip::<ConsentReceiptClaims>(&core_receipt(None))?;
        let typed: ConsentReceiptClaims = serde_json::from_value(core_receipt(None))?;
        assert_eq!(typed.consent_receipt_id, typed.jti);
        assert_eq!(typed.events[1].event, "withdrawn");
        Ok(())
    }
}
