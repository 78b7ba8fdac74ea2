//! What the consumer asks for when sharing: fields, derived facts, purpose, channels, expiry.
//! Parsing lives here so the CLI and the desktop app accept exactly the same spellings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::profile::FieldName;

/// Why a grant request was refused. Nothing is issued when any of these is returned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    #[error("choose at least one field or derived fact to share")]
    NothingChosen,
    #[error("field {0} is not set in your profile; set it first or leave it out")]
    FieldNotSet(String),
    #[error("{0:?} is not a derived fact; use age_over:NN, birthday or city")]
    UnknownDerived(String),
    #[error("age_over:{0} is out of range; use an age from 1 to 99")]
    AgeOutOfRange(String),
    #[error("{0} needs your birthdate; set it with `vouchsafe field set birthdate YYYY-MM-DD`")]
    NeedsBirthdate(String),
    #[error("city needs address.locality, address.region or address.country in your profile")]
    NeedsAddress,
    #[error("{0} and {1} release the same claim; choose one")]
    Conflict(String, String),
    #[error(
        "a purpose is required: say in your own words why the brand gets this (at most 200 characters)"
    )]
    MissingPurpose,
    #[error("{0:?} is not a known DPV purpose category; use one of: {list}", list = DPV_PURPOSES.join(", "))]
    UnknownPurposeCategory(String),
    #[error(
        "{0:?} is not a contact channel; use email, sms, phone, post, push or messenger, with '-' for no (e.g. email,-sms)"
    )]
    UnknownChannel(String),
    #[error("channel {0} is listed twice")]
    DuplicateChannel(String),
    #[error("the offer must be at most 200 characters")]
    OfferTooLong,
    #[error(
        "{0:?} is not an expiry; use a duration such as 30d, 12h or 2w, or a date such as 2027-03-01"
    )]
    BadExpiry(String),
    #[error("expiry {0} is in the past")]
    ExpiryInPast(String),
    #[error("expiry {0} is more than 10 years away")]
    ExpiryTooFar(String),
    #[error("no grant {0}")]
    UnknownGrant(String),
    #[error("grant id prefix {0} matches more than one grant; give more characters")]
    AmbiguousGrant(String),
    #[error("grant {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("grant {0} is not active (expired or revoked); issue a new one instead")]
    NotActive(String),
}

/// A fact computed from the profile and released instead of the raw value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derived {
    /// `age_over_NN`: true or false (the ISO/IEC 18013-5 pattern), never the birth date.
    AgeOver(u8),
    /// `birthdate` as `0000-MM-DD`: the birthday without the year, as OpenID Connect allows.
    Birthday,
    /// `address` reduced to `locality`, `region` and `country`.
    City,
}

impl FromStr for Derived {
    type Err = GrantError;
    fn from_str(s: &str) -> Result<Self, GrantError> {
        let t = s.trim().to_ascii_lowercase();
        if let Some(n) = t
            .strip_prefix("age_over:")
            .or_else(|| t.strip_prefix("age_over_"))
        {
            return match n.parse::<u8>() {
                Ok(v) if (1..=99).contains(&v) => Ok(Derived::AgeOver(v)),
                _ => Err(GrantError::AgeOutOfRange(n.to_string())),
            };
        }
        match t.as_str() {
            "birthday" => Ok(Derived::Birthday),
            "city" => Ok(Derived::City),
            _ => Err(GrantError::UnknownDerived(s.to_string())),
        }
    }
}

impl fmt::Display for Derived {
    /// The name used in `authorization_details.datatypes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Derived::AgeOver(n) => write!(f, "age_over_{n}"),
            Derived::Birthday => f.write_str("birthday"),
            Derived::City => f.write_str("city"),
        }
    }
}

/// The contact channels a consumer can accept or refuse.
pub const CHANNELS: &[&str] = &["email", "sms", "phone", "post", "push", "messenger"];

/// A channel and whether the consumer accepts it (`email` yes, `-sms` no).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelChoice {
    pub channel: String,
    pub allowed: bool,
}

/// Parse `email,-sms`: a leading `-` (or `!`) means "not on this channel".
pub fn parse_channels(s: &str) -> Result<Vec<ChannelChoice>, GrantError> {
    let mut out: Vec<ChannelChoice> = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (allowed, name) = match item.strip_prefix('-').or_else(|| item.strip_prefix('!')) {
            Some(n) => (false, n.trim()),
            None => (true, item.strip_prefix('+').unwrap_or(item)),
        };
        let name = name.to_ascii_lowercase();
        if !CHANNELS.contains(&name.as_str()) {
            return Err(GrantError::UnknownChannel(item.to_string()));
        }
        if out.iter().any(|c| c.channel == name) {
            return Err(GrantError::DuplicateChannel(name));
        }
        out.push(ChannelChoice {
            channel: name,
            allowed,
        });
    }
    Ok(out)
}

/// W3C Data Privacy Vocabulary purposes a consumer can pick (namespace `https://w3id.org/dpv#`).
pub const DPV_PURPOSES: &[&str] = &[
    "ServicePersonalisation",
    "ServiceProvision",
    "PersonalisedBenefits",
    "ProvidePersonalisedRecommendations",
    "Marketing",
    "DirectMarketing",
    "Advertising",
    "PersonalisedAdvertising",
    "CustomerManagement",
    "CustomerCare",
    "CustomerRelationshipManagement",
    "CommunicationForCustomerCare",
    "CustomerOrderManagement",
    "DeliveryOfGoods",
    "IdentityVerification",
    "AgeVerification",
    "RequestedServiceProvision",
];

/// The DPV namespace; categories travel as full IRIs so a brand needs no prefix table.
pub const DPV_NS: &str = "https://w3id.org/dpv#";

/// Accept `ServicePersonalisation`, `dpv:ServicePersonalisation` or the full IRI; return the IRI.
pub fn parse_purpose_category(s: &str) -> Result<String, GrantError> {
    let t = s.trim();
    let local = t
        .strip_prefix(DPV_NS)
        .or_else(|| t.strip_prefix("dpv:"))
        .unwrap_or(t);
    DPV_PURPOSES
        .iter()
        .find(|p| p.eq_ignore_ascii_case(local))
        .map(|p| format!("{DPV_NS}{p}"))
        .ok_or_else(|| GrantError::UnknownPurposeCategory(s.to_string()))
}

/// The default category: the product exists for personalised service.
pub fn default_purpose_category() -> String {
    format!("{DPV_NS}ServicePersonalisation")
}

/// `30d`, `12h`, `2w`, a date `YYYY-MM-DD` (valid through the end of that day in `tz`), or an
/// RFC 3339 timestamp. Returns Unix seconds after `now`, at most 10 years away.
pub fn parse_expiry(
    s: &str,
    now: jiff::Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Result<i64, GrantError> {
    let t = s.trim();
    let bad = || GrantError::BadExpiry(s.to_string());
    let at: i64 = if let Some((num, unit)) = t.char_indices().last().map(|(i, c)| (&t[..i], c)) {
        match (num.parse::<i64>(), unit) {
            (Ok(n), 'd' | 'h' | 'w' | 'm') if n > 0 && n <= 10_000 => {
                let secs = match unit {
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86_400,
                    _ => 7 * 86_400,
                };
                now.as_second() + n * secs
            }
            _ => {
                if let Ok(date) = t.parse::<jiff::civil::Date>() {
                    let next = date.tomorrow().map_err(|_| bad())?;
                    let zdt = next.to_zoned_datetime(tz.clone()).map_err(|_| bad())?;
                    zdt.timestamp().as_second() - 1
                } else if let Ok(ts) = t.parse::<jiff::Timestamp>() {
                    ts.as_second()
                } else {
                    return Err(bad());
                }
            }
        }
    } else {
        return Err(bad());
    };
    if at <= now.as_second() {
        return Err(GrantError::ExpiryInPast(t.to_string()));
    }
    if at > now.as_second() + 10 * 366 * 86_400 {
        return Err(GrantError::ExpiryTooFar(t.to_string()));
    }
    Ok(at)
}

/// Everything the consumer chose for one grant.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    /// The brand's id (the token's `aud`).
    pub brand: String,
    pub fields: Vec<FieldName>,
    pub derived: Vec<Derived>,
    pub purpose: String,
    /// A DPV purpose IRI; see [`parse_purpose_category`].
    pub purpose_category: Option<String>,
    pub channels: Vec<ChannelChoice>,
    pub offer: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_spellings() {
        assert_eq!("age_over:18".parse(), Ok(Derived::AgeOver(18)));
        assert_eq!("age_over_21".parse(), Ok(Derived::AgeOver(21)));
        assert_eq!("Birthday".parse(), Ok(Derived::Birthday));
        assert_eq!("city".parse(), Ok(Derived::City));
        assert!(matches!(
            "age_over:0".parse::<Derived>(),
            Err(GrantError::AgeOutOfRange(_))
        ));
        assert!(matches!(
            "age_over:x".parse::<Derived>(),
            Err(GrantError::AgeOutOfRange(_))
        ));
        assert!(matches!(
            "zodiac".parse::<Derived>(),
            Err(GrantError::UnknownDerived(_))
        ));
        assert_eq!(Derived::AgeOver(19).to_string(), "age_over_19");
    }

    #[test]
    fn channels() {
        let c = parse_channels("email, -sms, !phone").expect("ok");
        assert_eq!(
            c,
            vec![
                ChannelChoice {
                    channel: "email".into(),
                    allowed: true
                },
                ChannelChoice {
                    channel: "sms".into(),
                    allowed: false
                },
                ChannelChoice {
                    channel: "phone".into(),
                    allowed: false
                },
            ]
        );
        assert!(matches!(
            parse_channels("email,fax"),
            Err(GrantError::UnknownChannel(_))
        ));
        assert!(matches!(
            parse_channels("email,-email"),
            Err(GrantError::DuplicateChannel(_))
        ));
    }

    #[test]
    fn purpose_categories() {
        let want = "https://w3id.org/dpv#DirectMarketing";
        for s in [
            "DirectMarketing",
            "dpv:DirectMarketing",
            want,
            "directmarketing",
        ] {
            assert_eq!(parse_purpose_category(s).expect(s), want);
        }
        assert!(parse_purpose_category("Spying").is_err());
    }

    #[test]
    fn expiry() {
        let now: jiff::Timestamp = "2026-11-24T00:00:00Z".parse().expect("ts");
        let utc = jiff::tz::TimeZone::UTC;
        assert_eq!(
            parse_expiry("30d", now, &utc),
            Ok(now.as_second() + 30 * 86_400)
        );
        assert_eq!(
            parse_expiry("12h", now, &utc),
            Ok(now.as_second() + 12 * 3600)
        );
        assert_eq!(
            parse_expiry("2w", now, &utc),
            Ok(now.as_second() + 14 * 86_400)
        );
        let end_of_day: jiff::Timestamp = "2027-03-01T23:59:59Z".parse().expect("ts");
        assert_eq!(
            parse_expiry("2027-03-01", now, &utc),
            Ok(end_of_day.as_second())
        );
        let seoul = jiff::tz::TimeZone::get("Asia/Seoul").expect("tz");
        assert_eq!(
            parse_expiry("2027-03-01", now, &seoul),
            Ok(end_of_day.as_second() - 9 * 3600)
        );
        assert!(matches!(
            parse_expiry("2020-01-01", now, &utc),
            Err(GrantError::ExpiryInPast(_))
        ));
        assert!(matches!(
            parse_expiry("0d", now, &utc),
            Err(GrantError::BadExpiry(_))
        ));
        assert!(matches!(
            parse_expiry("soon", now, &utc),
            Err(GrantError::BadExpiry(_))
        ));
        assert!(matches!(
            parse_expiry("2090-01-01", now, &utc),
            Err(GrantError::ExpiryTooFar(_))
        ));
        assert!(matches!(
            parse_expiry("", now, &utc),
            Err(GrantError::BadExpiry(_))
        ));
    }
}
