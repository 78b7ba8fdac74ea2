//! What the consumer asks for when sharing: fields, derived facts, purpose, channels, expiry.
//!
//! A [`GrantRequest`] can only exist valid: [`GrantRequest::new`] checks every part and is the
//! only way to build one. The text parsers (`age_over:18`, `email,-sms`, `30d`) live here too, so
//! the CLI accepts exactly the spellings documented; the desktop app builds the typed parts
//! directly.

use crate::profile::FieldName;

pub use super::channels::{
    Channel, ChannelChoices, ChannelConsent, Choice, Kind, NightAds, parse_channels,
};

/// Why a grant request was refused. Nothing is issued when any of these is returned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantError {
    #[error("choose at least one field or derived fact to share")]
    NothingChosen,
    #[error("field {0} is not set in your profile; set it first or leave it out")]
    FieldNotSet(String),
    #[error("{0:?} is not a derived fact; use age_over:NN, adult_kr, birthday or city")]
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
        "{0:?} is not a contact channel; use email, sms, phone, kakao, push, post or custom.NAME"
    )]
    UnknownChannel(String),
    #[error("{0:?} is not a kind of message; use info or ad (e.g. email:info,email:ad,-sms:ad)")]
    UnknownChannelKind(String),
    #[error("channel {0} is listed twice")]
    DuplicateChannel(String),
    #[error(
        "night-time ads need consent to ads on some channel (e.g. email:ad); or use --night-ads no"
    )]
    NightAdsWithoutAds,
    #[error("{0:?} is not an answer for night-time ads; use yes or no")]
    BadNightAds(String),
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
    #[error("the brand's nonce is not valid: 1 to 256 characters of A-Z a-z 0-9 - _ expected")]
    BadNonce,
    #[error(
        "brand {0} has no inbox to ask; an erasure request needs a brand connected with `vouchsafe connect`"
    )]
    NotConnected(String),
    #[error("the grant does not release {0}; narrow only what it releases")]
    NotReleased(String),
    #[error(
        "{1} is not derived from {0}; replace birthdate with age_over:NN, adult_kr or birthday, an address with city"
    )]
    NotDerivedFrom(String, String),
    #[error("{0:?} is not a replacement; use FIELD=FACT, e.g. birthdate=adult_kr or address=city")]
    BadReplacement(String),
    #[error("say what to narrow: replace a field with a derived fact, or drop a field")]
    NothingToNarrow,
    #[error("narrowing would leave the grant releasing nothing; revoke it instead")]
    NarrowedToNothing,
}

/// A fact computed from the profile and released instead of the raw value: the token crate's
/// [`DerivedFact`](vouchsafe_token::derived::DerivedFact), the one table a brand's inbox checks
/// a narrowed grant by. Its serde form is sealed in every grant record.
pub use vouchsafe_token::derived::DerivedFact as Derived;

/// A derived fact as the CLI and the faces spell it: `age_over:NN` or `age_over_NN` (1–99),
/// `adult_kr`, `birthday` or `city`, in any case, blanks around ignored. Looser than
/// [`Derived::from_datatype`], which reads a token's canonical `datatypes` entry.
pub fn parse_derived(s: &str) -> Result<Derived, GrantError> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(n) = t
        .strip_prefix("age_over:")
        .or_else(|| t.strip_prefix("age_over_"))
    {
        return match n.parse::<u8>() {
            Ok(v) if vouchsafe_token::derived::AGES.contains(&v) => Ok(Derived::AgeOver(v)),
            _ => Err(GrantError::AgeOutOfRange(n.to_string())),
        };
    }
    match t.as_str() {
        "adult_kr" => Ok(Derived::AdultKr),
        "birthday" => Ok(Derived::Birthday),
        "city" => Ok(Derived::City),
        _ => Err(GrantError::UnknownDerived(s.to_string())),
    }
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

/// Longest purpose and offer, in characters.
pub const MAX_PURPOSE: usize = 200;
pub const MAX_OFFER: usize = 200;
/// Furthest expiry: ten years.
pub const MAX_LIFETIME_SECS: i64 = 10 * 366 * 86_400;

/// The parts of a grant request, as a face collected them. Turn them into a
/// [`GrantRequest`] with [`GrantRequest::new`], which checks each one.
#[derive(Debug, Clone)]
pub struct GrantRequestParts {
    /// The brand's id (the token's `aud`).
    pub brand: String,
    pub fields: Vec<FieldName>,
    pub derived: Vec<Derived>,
    /// Why the brand gets this, in the consumer's words.
    pub purpose: String,
    /// A DPV purpose in any spelling [`parse_purpose_category`] accepts; `None` for the default.
    pub purpose_category: Option<String>,
    /// The channel consent, already checked (its constructor is the only way to build one).
    pub channels: ChannelChoices,
    /// What the brand offers in return; blank means none.
    pub offer: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Everything the consumer chose for one grant, checked: at least one thing released, no two
/// choices landing in the same claim, ages in range, a purpose, a known DPV category (as its
/// IRI), a valid channel consent, a short offer, and an expiry in the future but within ten years.
/// Whether the chosen fields are set is checked against the profile when issuing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    brand: String,
    fields: Vec<FieldName>,
    derived: Vec<Derived>,
    purpose: String,
    purpose_category: String,
    channels: ChannelChoices,
    offer: Option<String>,
    expires_at: i64,
    /// The brand's `nonce`, when the grant answers a brand's request (`vouchsafe connect`).
    nonce: Option<String>,
}

/// Longest nonce a brand may send (the protocol asks for ≥ 128 bits, base64url).
pub const MAX_NONCE: usize = 256;

impl GrantRequest {
    /// The same request answering a brand's request that carried `nonce` (docs/protocol.md §3):
    /// the grant carries it, so the brand accepts exactly one grant per request.
    pub fn with_nonce(mut self, nonce: &str) -> Result<Self, GrantError> {
        let ok = !nonce.is_empty()
            && nonce.len() <= MAX_NONCE
            && nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(GrantError::BadNonce);
        }
        self.nonce = Some(nonce.to_string());
        Ok(self)
    }

    /// The brand's nonce, if the grant answers a brand's request.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// Check every part against `now` (Unix seconds); the only way to build a request.
    pub fn new(parts: GrantRequestParts, now: i64) -> Result<Self, GrantError> {
        let GrantRequestParts {
            brand,
            fields,
            derived,
            purpose,
            purpose_category,
            channels,
            offer,
            expires_at,
        } = parts;
        if fields.is_empty() && derived.is_empty() {
            return Err(GrantError::NothingChosen);
        }
        for d in &derived {
            if let Derived::AgeOver(n) = d
                && !(1..=99).contains(n)
            {
                return Err(GrantError::AgeOutOfRange(n.to_string()));
            }
        }
        super::claims::check_conflicts(&fields, &derived)?;
        let purpose = purpose.trim().to_string();
        if purpose.is_empty()
            || purpose.chars().count() > MAX_PURPOSE
            || purpose.chars().any(char::is_control)
        {
            return Err(GrantError::MissingPurpose);
        }
        let purpose_category = match purpose_category.as_deref().map(str::trim) {
            Some(c) if !c.is_empty() => parse_purpose_category(c)?,
            _ => default_purpose_category(),
        };
        let offer = offer
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty());
        if offer
            .as_deref()
            .is_some_and(|o| o.chars().count() > MAX_OFFER)
        {
            return Err(GrantError::OfferTooLong);
        }
        check_expiry(expires_at, now)?;
        Ok(Self {
            brand: brand.trim().to_string(),
            fields,
            derived,
            purpose,
            purpose_category,
            channels,
            offer,
            expires_at,
            nonce: None,
        })
    }

    /// The brand's id (the token's `aud`).
    pub fn brand(&self) -> &str {
        &self.brand
    }
    pub fn fields(&self) -> &[FieldName] {
        &self.fields
    }
    pub fn derived(&self) -> &[Derived] {
        &self.derived
    }
    /// Trimmed, non-empty, at most [`MAX_PURPOSE`] characters.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }
    /// A DPV purpose IRI.
    pub fn purpose_category(&self) -> &str {
        &self.purpose_category
    }
    pub fn channels(&self) -> &ChannelChoices {
        &self.channels
    }
    pub fn offer(&self) -> Option<&str> {
        self.offer.as_deref()
    }
    /// Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

/// An expiry must be after `now` and at most ten years away.
pub(crate) fn check_expiry(at: i64, now: i64) -> Result<(), GrantError> {
    let shown = || {
        jiff::Timestamp::from_second(at)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| at.to_string())
    };
    if at <= now {
        return Err(GrantError::ExpiryInPast(shown()));
    }
    if at > now + MAX_LIFETIME_SECS {
        return Err(GrantError::ExpiryTooFar(shown()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn parts() -> GrantRequestParts {
        GrantRequestParts {
            brand: " acme ".into(),
            fields: vec!["email".parse().expect("name")],
            derived: vec![Derived::AgeOver(18)],
            purpose: "  send a coupon ".into(),
            purpose_category: None,
            channels: ChannelChoices::new(
                vec![Choice::new(Channel::Email, Kind::Info, true)],
                false,
                NOW,
            )
            .expect("channels"),
            offer: Some("  ".into()),
            expires_at: NOW + 86_400,
        }
    }

    #[test]
    fn a_valid_request_is_normalised() {
        let r = GrantRequest::new(parts(), NOW).expect("valid");
        assert_eq!(r.brand(), "acme");
        assert_eq!(r.purpose(), "send a coupon");
        assert_eq!(
            r.purpose_category(),
            "https://w3id.org/dpv#ServicePersonalisation"
        );
        assert_eq!(r.offer(), None, "a blank offer is no offer");
        let r = GrantRequest::new(
            GrantRequestParts {
                purpose_category: Some("dpv:DirectMarketing".into()),
                offer: Some(" free americano ".into()),
                ..parts()
            },
            NOW,
        )
        .expect("valid");
        assert_eq!(r.purpose_category(), "https://w3id.org/dpv#DirectMarketing");
        assert_eq!(r.offer(), Some("free americano"));
    }

    #[test]
    fn the_constructor_refuses_each_invalid_part() {
        let email: FieldName = "email".parse().expect("name");
        let cases: Vec<(GrantRequestParts, GrantError)> = vec![
            (
                GrantRequestParts {
                    fields: vec![],
                    derived: vec![],
                    ..parts()
                },
                GrantError::NothingChosen,
            ),
            (
                GrantRequestParts {
                    derived: vec![Derived::AgeOver(0)],
                    ..parts()
                },
                GrantError::AgeOutOfRange("0".into()),
            ),
            (
                GrantRequestParts {
                    derived: vec![Derived::AgeOver(100)],
                    ..parts()
                },
                GrantError::AgeOutOfRange("100".into()),
            ),
            (
                GrantRequestParts {
                    fields: vec![email.clone(), "address.locality".parse().expect("name")],
                    derived: vec![Derived::City],
                    ..parts()
                },
                GrantError::Conflict("address.locality".into(), "city".into()),
            ),
            (
                GrantRequestParts {
                    purpose: " \t ".into(),
                    ..parts()
                },
                GrantError::MissingPurpose,
            ),
            (
                GrantRequestParts {
                    purpose: "x".repeat(MAX_PURPOSE + 1),
                    ..parts()
                },
                GrantError::MissingPurpose,
            ),
            (
                GrantRequestParts {
                    purpose: "line\nbreak".into(),
                    ..parts()
                },
                GrantError::MissingPurpose,
            ),
            (
                GrantRequestParts {
                    purpose_category: Some("Spying".into()),
                    ..parts()
                },
                GrantError::UnknownPurposeCategory("Spying".into()),
            ),
            (
                GrantRequestParts {
                    offer: Some("o".repeat(MAX_OFFER + 1)),
                    ..parts()
                },
                GrantError::OfferTooLong,
            ),
            (
                GrantRequestParts {
                    expires_at: NOW,
                    ..parts()
                },
                GrantError::ExpiryInPast("2027-01-15T08:00:00Z".into()),
            ),
            (
                GrantRequestParts {
                    expires_at: NOW + MAX_LIFETIME_SECS + 1,
                    ..parts()
                },
                GrantError::ExpiryTooFar("2037-01-22T08:00:01Z".into()),
            ),
        ];
        for (p, want) in cases {
            assert_eq!(GrantRequest::new(p, NOW), Err(want));
        }
    }

    #[test]
    fn derived_spellings() {
        assert_eq!(parse_derived("age_over:18"), Ok(Derived::AgeOver(18)));
        assert_eq!(parse_derived("age_over_21"), Ok(Derived::AgeOver(21)));
        assert_eq!(parse_derived("Birthday"), Ok(Derived::Birthday));
        assert_eq!(parse_derived("city"), Ok(Derived::City));
        assert_eq!(parse_derived(" Adult_KR "), Ok(Derived::AdultKr));
        assert_eq!(Derived::AdultKr.to_string(), "adult_kr");
        assert_eq!(
            serde_json::to_value(Derived::AdultKr).ok(),
            Some(serde_json::Value::from("adult_kr"))
        );
        assert!(matches!(
            parse_derived("age_over:0"),
            Err(GrantError::AgeOutOfRange(_))
        ));
        assert!(matches!(
            parse_derived("age_over:x"),
            Err(GrantError::AgeOutOfRange(_))
        ));
        assert!(matches!(
            parse_derived("zodiac"),
            Err(GrantError::UnknownDerived(_))
        ));
        assert_eq!(Derived::AgeOver(19).to_string(), "age_over_19");
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
