//! What a brand asks for (docs/protocol.md §2): the consent notice as data, the DCQL query the
//! vault reads, and the signed request object served at `request_uri`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use vouchsafe_token::protocol::{
    CONSENT_VERSION, CREDENTIAL_ID, ClaimQuery, ConsentNotice, CredentialQuery, DcqlQuery,
    NoticeItem, REQUEST_AUD, RESPONSE_MODE, RESPONSE_TYPE, RequestObjectClaims,
};

use crate::keys::{BrandKey, REQUEST_TYP};
use crate::origin::Origin;
use crate::{EVENTS_PATH, REQUESTS_PATH, RESPONSE_PATH};

pub use vouchsafe_token::protocol::{Channel, ChannelKind, MAX_REQUEST_TTL_SECS, Texts};

/// A claim the brand asks for, as a path into the grant's claims: `email` is `["email"]`,
/// `address.locality` is `["address", "locality"]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClaimPath(pub Vec<String>);

impl ClaimPath {
    /// Parses a dotted path (`address.locality`). Each segment is a claim name: ASCII letters,
    /// digits and `_`.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let segments: Vec<String> = text.split('.').map(str::to_owned).collect();
        let valid =
            |s: &String| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if segments.is_empty() || segments.len() > 2 || !segments.iter().all(valid) {
            return Err(SpecError::ClaimPath(text.to_owned()));
        }
        Ok(Self(segments))
    }

    /// The DCQL claim `id`: the segments joined by `-` (DCQL ids are alphanumeric, `_`, `-`).
    pub fn id(&self) -> String {
        self.0.join("-")
    }

    /// The dotted form, as the brand typed it and as receipts list it.
    pub fn dotted(&self) -> String {
        self.0.join(".")
    }
}

/// One item of the consent notice: claims asked for together, for one purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentItem {
    /// The claims of this item.
    pub claims: Vec<ClaimPath>,
    /// Whether the delivery is refused without them.
    pub required: bool,
    /// Why the brand wants them.
    pub purpose: Texts,
}

/// Everything a brand states when it asks: the four items of PIPA Art. 15(2) and more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpec {
    /// The consent items; every claim appears in exactly one.
    pub items: Vec<ConsentItem>,
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
    /// The brand's display name, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
}

/// Why a request cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// A claim path that is not one or two claim names joined by a dot.
    #[error("claim path {0:?} is not `name` or `name.member` (letters, digits, _)")]
    ClaimPath(String),
    /// The same claim asked for twice.
    #[error("claim {0:?} is asked for twice")]
    DuplicateClaim(String),
    /// Nothing asked for.
    #[error("a request asks for at least one claim")]
    NoClaims,
    /// A retention that is not an ISO 8601 duration or `<n>d|w|m|y`.
    #[error("retention {0:?} is not like 30d, 6m, 1y or P1Y")]
    Retention(String),
    /// A channel that is not `name:info` or `name:ad`, or a `custom.NAME` whose NAME is not
    /// as docs/grant-token.md defines it.
    #[error(
        "channel {0:?} is not like email:info, sms:ad or custom.line:info (custom.NAME: NAME is 1 to 32 of a-z 0-9 _, starting with a letter)"
    )]
    Channel(String),
    /// An empty purpose, offer or category.
    #[error("{0} must not be empty")]
    Empty(&'static str),
}

impl RequestSpec {
    /// Checks the rules docs/protocol.md sets on a notice.
    pub fn validate(&self) -> Result<(), SpecError> {
        let mut seen = std::collections::BTreeSet::new();
        for item in &self.items {
            for path in &item.claims {
                if !seen.insert(path.clone()) {
                    return Err(SpecError::DuplicateClaim(path.dotted()));
                }
            }
            if item.purpose.values().all(|t| t.trim().is_empty()) {
                return Err(SpecError::Empty("purpose"));
            }
        }
        if seen.is_empty() {
            return Err(SpecError::NoClaims);
        }
        if let Some(c) = self
            .channels
            .iter()
            .find(|c| !valid_channel_name(&c.channel))
        {
            return Err(SpecError::Channel(c.channel.clone()));
        }
        if self.purpose_category.trim().is_empty() {
            return Err(SpecError::Empty("purpose category"));
        }
        retention_secs(&self.retention)?;
        Ok(())
    }

    /// Every claim asked for, with whether it is required.
    pub fn asked(&self) -> impl Iterator<Item = (&ClaimPath, bool)> {
        self.items
            .iter()
            .flat_map(|item| item.claims.iter().map(move |path| (path, item.required)))
    }
}

/// Normalises a retention to an ISO 8601 duration: `1y` → `P1Y`, `30d` → `P30D`; an ISO
/// duration of years, months, weeks and days is kept as it is.
pub fn parse_retention(text: &str) -> Result<String, SpecError> {
    let bad = || SpecError::Retention(text.to_owned());
    let iso = if text.starts_with('P') {
        text.to_owned()
    } else {
        let (number, unit) = text.split_at(text.len().saturating_sub(1));
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let unit = match unit {
            "d" => "D",
            "w" => "W",
            "m" => "M",
            "y" => "Y",
            _ => return Err(bad()),
        };
        format!("P{number}{unit}")
    };
    retention_secs(&iso)?;
    Ok(iso)
}

/// Seconds in an ISO 8601 duration of `Y`, `M`, `W`, `D` (a year is 365 days, a month 30: the
/// brand commits to at most this long, so rounding must not lengthen it).
pub fn retention_secs(iso: &str) -> Result<i64, SpecError> {
    let bad = || SpecError::Retention(iso.to_owned());
    let body = iso.strip_prefix('P').ok_or_else(bad)?;
    if body.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in body.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let days = match c {
            'Y' => 365,
            'M' => 30,
            'W' => 7,
            'D' => 1,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(days * 86_400)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
    }
    if !number.is_empty() || total <= 0 || total > 100 * 365 * 86_400 {
        return Err(bad());
    }
    Ok(total)
}

/// Longest NAME of a `custom.NAME` channel (docs/grant-token.md).
pub const MAX_CUSTOM_CHANNEL: usize = 32;

/// Whether a request may name this channel: `custom.NAME` with NAME 1 to
/// [`MAX_CUSTOM_CHANNEL`] of `a-z 0-9 _` starting with a letter, exactly as docs/grant-token.md
/// defines it (the vault writes it so, and the grant's consent is compared as a string, so
/// `custom.Line` would never match); otherwise a plain name of ASCII letters, digits and `_`
/// (`email`, `sms`, `phone`, `kakao`, `push`, `post`; a vault leaves out a name it does not know).
pub fn valid_channel_name(name: &str) -> bool {
    if let Some(custom) = name.strip_prefix("custom.") {
        return !custom.is_empty()
            && custom.len() <= MAX_CUSTOM_CHANNEL
            && custom.starts_with(|c: char| c.is_ascii_lowercase())
            && custom
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    }
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Parses `email:info,sms:ad,custom.line:info`.
pub fn parse_channels(text: &str) -> Result<Vec<Channel>, SpecError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|entry| {
            let bad = || SpecError::Channel(entry.to_owned());
            let (name, kind) = entry.trim().split_once(':').ok_or_else(bad)?;
            let kind = match kind {
                "info" => ChannelKind::Info,
                "ad" => ChannelKind::Ad,
                _ => return Err(bad()),
            };
            if !valid_channel_name(name) {
                return Err(bad());
            }
            Ok(Channel {
                channel: name.to_owned(),
                kind,
            })
        })
        .collect()
}

/// Parses a comma-separated list of claim paths.
pub fn parse_claims(text: &str) -> Result<Vec<ClaimPath>, SpecError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| ClaimPath::parse(s.trim()))
        .collect()
}

/// A request as stored: the signed object and what the inbox needs to check the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The last path segment of `request_uri`.
    pub id: String,
    /// The nonce the grant must carry.
    pub nonce: String,
    /// Echoed by the vault beside the grant.
    pub state: String,
    /// What was asked.
    pub spec: RequestSpec,
    /// The signed request object.
    pub jwt: String,
    /// `iat`.
    pub created_at: i64,
    /// `exp`.
    pub expires_at: i64,
    /// The `jti` of the grant that consumed the nonce.
    pub used_by: Option<String>,
}

impl RequestRecord {
    /// `request_uri` under `origin`.
    pub fn request_uri(&self, origin: &Origin) -> String {
        origin.join(&format!("{REQUESTS_PATH}/{}", self.id))
    }

    /// `vouchsafe://connect?request_uri=…`, the text of the link and of the QR code.
    pub fn link(&self, origin: &Origin) -> String {
        let uri: String =
            form_urlencoded::byte_serialize(self.request_uri(origin).as_bytes()).collect();
        format!("vouchsafe://connect?request_uri={uri}")
    }
}

/// Builds and signs a new request for `spec`, valid `ttl` seconds from `now`.
pub fn new_request(
    spec: RequestSpec,
    origin: &Origin,
    key: &BrandKey,
    now: i64,
    ttl: i64,
) -> Result<RequestRecord, NewRequestError> {
    spec.validate()?;
    let ttl = ttl.clamp(30, MAX_REQUEST_TTL_SECS);
    let id = crate::util::random_id(16)?;
    let nonce = crate::util::random_id(16)?;
    let state = crate::util::random_id(16)?;
    let claims = request_claims(&spec, origin, &nonce, &state, now, now + ttl);
    let jwt = key.sign(REQUEST_TYP, &claims)?;
    Ok(RequestRecord {
        id,
        nonce,
        state,
        spec,
        jwt,
        created_at: now,
        expires_at: now + ttl,
        used_by: None,
    })
}

/// Why a request could not be made.
#[derive(Debug, thiserror::Error)]
pub enum NewRequestError {
    /// The notice breaks a rule.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// No randomness for the nonce.
    #[error(transparent)]
    Rng(#[from] crate::util::RngError),
    /// Signing failed.
    #[error("signing the request: {0}")]
    Sign(#[from] vouchsafe_token::JwsError),
}

/// The claims of the request object (docs/protocol.md §2).
fn request_claims(
    spec: &RequestSpec,
    origin: &Origin,
    nonce: &str,
    state: &str,
    iat: i64,
    exp: i64,
) -> RequestObjectClaims {
    let claims = spec
        .asked()
        .map(|(path, _)| ClaimQuery {
            id: path.id(),
            path: path.0.clone(),
        })
        .collect();
    let items = spec
        .items
        .iter()
        .map(|item| NoticeItem {
            claims: item.claims.iter().map(ClaimPath::id).collect(),
            required: item.required,
            purpose: item.purpose.clone(),
        })
        .collect();
    let mut client_metadata = serde_json::Map::new();
    if let Some(name) = &spec.client_name {
        client_metadata.insert("client_name".into(), Value::from(name.as_str()));
    }
    RequestObjectClaims {
        iss: origin.as_str().to_owned(),
        client_id: origin.as_str().to_owned(),
        aud: REQUEST_AUD.to_owned(),
        iat,
        exp,
        response_type: RESPONSE_TYPE.to_owned(),
        response_mode: RESPONSE_MODE.to_owned(),
        response_uri: origin.join(RESPONSE_PATH),
        nonce: nonce.to_owned(),
        state: state.to_owned(),
        client_metadata,
        dcql_query: DcqlQuery {
            credentials: vec![CredentialQuery {
                id: CREDENTIAL_ID.to_owned(),
                format: vouchsafe_token::GRANT_TYP.to_owned(),
                claims,
                claim_sets: None,
            }],
        },
        vouchsafe_consent: ConsentNotice {
            version: CONSENT_VERSION,
            items,
            purpose_category: spec.purpose_category.clone(),
            retention: spec.retention.clone(),
            channels: spec.channels.clone(),
            offer: spec.offer.clone(),
            refusal: spec.refusal.clone(),
            events_uri: origin.join(EVENTS_PATH),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_forms() {
        assert_eq!(parse_retention("1y"), Ok("P1Y".into()));
        assert_eq!(parse_retention("30d"), Ok("P30D".into()));
        assert_eq!(parse_retention("P1Y6M"), Ok("P1Y6M".into()));
        assert_eq!(retention_secs("P1Y"), Ok(365 * 86_400));
        assert_eq!(retention_secs("P1Y6M"), Ok((365 + 180) * 86_400));
        for bad in ["", "y", "1", "1h", "P", "PT1H", "P1", "P0D", "-1y", "P999Y"] {
            assert!(parse_retention(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn channels_and_claims() {
        assert_eq!(
            parse_channels("email:info,sms:ad"),
            Ok(vec![
                Channel {
                    channel: "email".into(),
                    kind: ChannelKind::Info
                },
                Channel {
                    channel: "sms".into(),
                    kind: ChannelKind::Ad
                },
            ])
        );
        assert!(parse_channels("email").is_err());
        assert!(parse_channels("email:spam").is_err());
        assert_eq!(
            parse_claims("email,address.locality").map(|c| c.len()),
            Ok(2)
        );
        for bad in ["a..b", "a.b.c", "e-mail", "."] {
            assert!(ClaimPath::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            ClaimPath::parse("address.locality").map(|p| p.id()),
            Ok("address-locality".into())
        );
    }

    #[test]
    fn custom_channels_as_the_grant_format_defines_them() {
        assert_eq!(
            parse_channels("custom.line:info,custom.line_2:ad"),
            Ok(vec![
                Channel {
                    channel: "custom.line".into(),
                    kind: ChannelKind::Info
                },
                Channel {
                    channel: "custom.line_2".into(),
                    kind: ChannelKind::Ad
                },
            ])
        );
        let longest = format!("custom.{}:info", "a".repeat(MAX_CUSTOM_CHANNEL));
        assert!(parse_channels(&longest).is_ok());
        let too_long = format!("custom.{}:info", "a".repeat(MAX_CUSTOM_CHANNEL + 1));
        for bad in [
            "custom.:info",
            "custom.Line:info",
            "custom.1line:info",
            "custom._line:info",
            "custom.a-b:info",
            "custom.a.b:info",
            "other.line:info",
            too_long.as_str(),
        ] {
            assert!(
                matches!(parse_channels(bad), Err(SpecError::Channel(_))),
                "{bad} should be refused"
            );
        }
    }
}
