//! Transparency: the one-sentence summary of a grant and its Kantara consent receipt.
//!
//! The summary answers what, to whom, why, how they may contact you and until when, in words;
//! the receipt is the same consent in Kantara Consent Receipt v1.1 field names, signed with the
//! brand relationship's key so the consumer can prove what they agreed to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vouchsafe_token::claims::{
    ConsentEvent as EventClaim, ConsentReceiptClaims, PiiController, ReceiptPurpose, ReceiptService,
};

use super::request::{Channel, ChannelChoice, Derived};
use crate::profile::{AddressPart, FieldName, StdField};

/// Languages the product speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];
}

/// One sentence in every language the product speaks, keyed by language:
/// `{"en": "...", "ko": "..."}` on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Summary(BTreeMap<Lang, String>);

impl Summary {
    /// The sentence in `lang`; empty if it was never written in that language.
    pub fn get(&self, lang: Lang) -> &str {
        self.0.get(&lang).map_or("", String::as_str)
    }

    pub fn insert(&mut self, lang: Lang, text: impl Into<String>) {
        self.0.insert(lang, text.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(String::is_empty)
    }

    /// Every (language, sentence), in language order.
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        self.0.iter().map(|(l, s)| (*l, s.as_str()))
    }
}

/// Serialise a summary as the two members `summary_en` and `summary_ko`: the JSON the CLI's
/// `--json` output has always printed and scripts read. Used with `#[serde(flatten)]`.
pub(crate) fn summary_pair<S: serde::Serializer>(s: &Summary, ser: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Pair<'a> {
        summary_en: &'a str,
        summary_ko: &'a str,
    }
    Pair {
        summary_en: s.get(Lang::En),
        summary_ko: s.get(Lang::Ko),
    }
    .serialize(ser)
}

impl FromIterator<(Lang, String)> for Summary {
    fn from_iter<I: IntoIterator<Item = (Lang, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

fn field_words(name: &FieldName, lang: Lang) -> String {
    let (en, ko) = match name {
        FieldName::Std(s) => match s {
            StdField::GivenName => ("given name", "이름"),
            StdField::FamilyName => ("family name", "성"),
            StdField::MiddleName => ("middle name", "중간 이름"),
            StdField::Nickname => ("nickname", "별명"),
            StdField::Name => ("full name", "전체 이름"),
            StdField::Email => ("email", "이메일"),
            StdField::PhoneNumber => ("phone number", "전화번호"),
            StdField::Birthdate => ("birth date", "생년월일"),
            StdField::Gender => ("gender", "성별"),
            StdField::Locale => ("language", "언어"),
            StdField::Zoneinfo => ("time zone", "시간대"),
            StdField::Interests => ("interests", "관심사"),
            StdField::ClothingSize => ("clothing size", "옷 사이즈"),
            StdField::ShoeSize => ("shoe size", "신발 사이즈"),
            StdField::DietaryPreferences => ("dietary preferences", "식단 선호"),
            StdField::ContactChannels => ("contact channels", "연락 채널"),
        },
        FieldName::Address(p) => match p {
            AddressPart::StreetAddress => ("street address", "도로명 주소"),
            AddressPart::Locality => ("city", "시/군/구"),
            AddressPart::Region => ("region", "시/도"),
            AddressPart::PostalCode => ("postal code", "우편번호"),
            AddressPart::Country => ("country", "국가"),
            AddressPart::Formatted => ("full address", "전체 주소"),
            AddressPart::Detail => ("address detail", "상세주소"),
            AddressPart::Jibun => ("lot-number address", "지번 주소"),
            AddressPart::FormattedEn => ("address in English", "영문 주소"),
        },
        FieldName::Membership(n) => {
            return match lang {
                Lang::En => format!("{n} membership number"),
                Lang::Ko => format!("{n} 멤버십 번호"),
            };
        }
        FieldName::Custom(n) => return n.replace('_', " "),
    };
    match lang {
        Lang::En => en.into(),
        Lang::Ko => ko.into(),
    }
}

fn derived_words(d: &Derived, lang: Lang) -> String {
    match (d, lang) {
        (Derived::AgeOver(n), Lang::En) => format!("whether you are over {n}"),
        (Derived::AgeOver(n), Lang::Ko) => format!("만 {n}세 이상 여부"),
        (Derived::AdultKr, Lang::En) => "adult status (Korean Youth Protection Act)".into(),
        (Derived::AdultKr, Lang::Ko) => "성인 여부(청소년보호법 기준)".into(),
        (Derived::Birthday, Lang::En) => "birthday (no year)".into(),
        (Derived::Birthday, Lang::Ko) => "생일(연도 제외)".into(),
        (Derived::City, Lang::En) => "city".into(),
        (Derived::City, Lang::Ko) => "거주 도시".into(),
    }
}

fn channel_words(c: Channel, lang: Lang) -> &'static str {
    match (c, lang) {
        (Channel::Email, Lang::En) => "email",
        (Channel::Email, Lang::Ko) => "이메일",
        (Channel::Sms, Lang::En) => "SMS",
        (Channel::Sms, Lang::Ko) => "문자",
        (Channel::Phone, Lang::En) => "phone",
        (Channel::Phone, Lang::Ko) => "전화",
        (Channel::Post, Lang::En) => "post",
        (Channel::Post, Lang::Ko) => "우편",
        (Channel::Push, Lang::En) => "push notification",
        (Channel::Push, Lang::Ko) => "앱 알림",
        (Channel::Messenger, Lang::En) => "messenger",
        (Channel::Messenger, Lang::Ko) => "메신저",
    }
}

/// The Korean object particle for `word`: 을 after a final consonant (받침), 를 after a vowel;
/// for a word not ending in Hangul, the neutral written form 을(를).
fn object_particle(word: &str) -> &'static str {
    // A trailing parenthetical is read past: "생일(연도 제외)" takes the particle of 생일.
    let word = match word
        .strip_suffix(')')
        .and_then(|w| w.rfind('(').map(|i| &w[..i]))
    {
        Some(head) => head.trim_end(),
        None => word,
    };
    match word.chars().last().map(u32::from) {
        Some(c @ 0xAC00..=0xD7A3) if (c - 0xAC00) % 28 != 0 => "을",
        Some(0xAC00..=0xD7A3) => "를",
        _ => "을(를)",
    }
}

fn join_en(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., tail] => format!("{} {last} {tail}", rest.join(", ")),
    }
}

/// What a summary is about.
pub struct SummaryInput<'a> {
    pub brand_name: &'a str,
    pub fields: &'a [FieldName],
    pub derived: &'a [Derived],
    pub purpose: &'a str,
    pub channels: &'a [ChannelChoice],
    /// The last day of the grant, in the consumer's calendar.
    pub until: jiff::civil::Date,
}

/// The summary in every language the product speaks.
pub fn summaries(s: &SummaryInput<'_>) -> Summary {
    Lang::ALL.into_iter().map(|l| (l, summary(s, l))).collect()
}

/// "Acme Coffee gets your email and birthday (no year) to send a birthday coupon, by email
/// only, until 2027-03-01."
pub fn summary(s: &SummaryInput<'_>, lang: Lang) -> String {
    let what: Vec<String> = s
        .fields
        .iter()
        .map(|f| field_words(f, lang))
        .chain(s.derived.iter().map(|d| derived_words(d, lang)))
        .collect();
    let allowed: Vec<String> = s
        .channels
        .iter()
        .filter(|c| c.allowed)
        .map(|c| channel_words(c.channel, lang).to_string())
        .collect();
    let purpose = s.purpose.trim().trim_end_matches('.');
    match lang {
        Lang::En => {
            // The sentence supplies "to"; a purpose typed as "to send …" must not read "to to".
            let purpose = purpose.strip_prefix("to ").unwrap_or(purpose);
            let how = match (allowed.as_slice(), s.channels.is_empty()) {
                (_, true) => String::new(),
                ([], false) => ", with no contact".into(),
                ([one], false) => format!(", by {one} only"),
                (many, false) => format!(", by {}", join_en(many, "or")),
            };
            format!(
                "{} gets your {} to {purpose}{how}, until {}.",
                s.brand_name,
                join_en(&what, "and"),
                s.until
            )
        }
        Lang::Ko => {
            let how = match (allowed.as_slice(), s.channels.is_empty()) {
                (_, true) => String::new(),
                ([], false) => ", 연락은 받지 않음".into(),
                ([one], false) => format!(", 연락은 {one}로만"),
                (many, false) => format!(", 연락은 {}로", many.join("·")),
            };
            let what = what.join(", ");
            let particle = object_particle(&what);
            format!(
                "{}에 {what}{particle} 제공합니다. 목적: {purpose}{how}, {}까지.",
                s.brand_name, s.until
            )
        }
    }
}

/// One consent event for the receipt.
#[derive(Debug, Clone)]
pub struct ConsentEvent {
    pub event: &'static str,
    /// Unix seconds.
    pub at: i64,
}

/// Everything a consent receipt states.
pub struct ReceiptInput<'a> {
    pub grant_id: &'a str,
    pub issuer: &'a str,
    pub brand_id: &'a str,
    pub brand_name: &'a str,
    pub brand_url: Option<&'a str>,
    pub jurisdiction: &'a str,
    pub purpose: &'a str,
    pub purpose_category: &'a str,
    pub datatypes: &'a [String],
    pub issued_at: i64,
    pub expires_at: i64,
    pub status_uri: &'a str,
    pub status_idx: usize,
    pub events: &'a [ConsentEvent],
    pub summary: &'a str,
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Receipt claims using Kantara Consent Receipt v1.1 names, plus `events` and `summary`.
pub fn receipt_claims(r: &ReceiptInput<'_>, now: i64) -> ConsentReceiptClaims {
    ConsentReceiptClaims {
        iss: r.issuer.into(),
        sub: r.issuer.into(),
        iat: now,
        jti: r.grant_id.into(),
        version: "KI-CR-v1.1.0".into(),
        jurisdiction: r.jurisdiction.into(),
        consent_timestamp: r.issued_at,
        collection_method: "Issued by the consumer as a signed Vouchsafe grant".into(),
        consent_receipt_id: r.grant_id.into(),
        language: "en".into(),
        pii_principal_id: r.issuer.into(),
        pii_controllers: vec![PiiController {
            pii_controller: r.brand_name.into(),
            contact: r.brand_id.into(),
            on_behalf: false,
            url: r.brand_url.map(str::to_string),
        }],
        policy_url: r.brand_url.unwrap_or("").into(),
        services: vec![ReceiptService {
            service: "Release of chosen profile data".into(),
            purposes: vec![ReceiptPurpose {
                purpose: r.purpose.into(),
                purpose_category: vec![r.purpose_category.into()],
                consent_type: "EXPLICIT".into(),
                pii_category: r.datatypes.to_vec(),
                primary_purpose: true,
                termination: format!(
                    "Ends at {} or when the consumer revokes it (vouchsafe grant revoke {}); revocation is published in status list {} at index {}",
                    rfc3339(r.expires_at),
                    r.grant_id,
                    r.status_uri,
                    r.status_idx
                ),
                third_party_disclosure: false,
            }],
        }],
        sensitive: false,
        spi_cat: Vec::new(),
        events: r
            .events
            .iter()
            .map(|e| EventClaim {
                event: e.event.into(),
                at: rfc3339(e.at),
                timestamp: e.at,
            })
            .collect(),
        summary: r.summary.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> FieldName {
        s.parse().expect("name")
    }

    #[test]
    fn the_products_own_example_sentence() {
        let channels = vec![
            ChannelChoice {
                channel: Channel::Email,
                allowed: true,
            },
            ChannelChoice {
                channel: Channel::Sms,
                allowed: false,
            },
        ];
        let s = SummaryInput {
            brand_name: "Acme Coffee",
            fields: &[n("email")],
            derived: &[Derived::Birthday],
            purpose: "send a birthday coupon",
            channels: &channels,
            until: "2027-03-01".parse().expect("date"),
        };
        assert_eq!(
            summary(&s, Lang::En),
            "Acme Coffee gets your email and birthday (no year) to send a birthday coupon, by email only, until 2027-03-01."
        );
        assert_eq!(
            summary(&s, Lang::Ko),
            "Acme Coffee에 이메일, 생일(연도 제외)을 제공합니다. 목적: send a birthday coupon, 연락은 이메일로만, 2027-03-01까지."
        );
    }

    #[test]
    fn korean_object_particle_follows_the_last_syllable() {
        assert_eq!(object_particle("이메일"), "을");
        assert_eq!(object_particle("만 18세 이상 여부"), "를");
        assert_eq!(object_particle("생일(연도 제외)"), "을");
        assert_eq!(object_particle("blood type"), "을(를)");
        assert_eq!(object_particle(""), "을(를)");
    }

    #[test]
    fn lists_and_channel_variants() {
        let until = "2027-01-01".parse().expect("date");
        let base = |channels: &'static [ChannelChoice]| SummaryInput {
            brand_name: "B",
            fields: &[],
            derived: &[],
            purpose: "x.",
            channels,
            until,
        };
        let fields = [n("given_name"), n("email"), n("address.locality")];
        let s = SummaryInput {
            fields: &fields,
            derived: &[Derived::AgeOver(19)],
            ..base(&[])
        };
        assert_eq!(
            summary(&s, Lang::En),
            "B gets your given name, email, city and whether you are over 19 to x, until 2027-01-01."
        );
        let none: &'static [ChannelChoice] = &[ChannelChoice {
            channel: Channel::Sms,
            allowed: false,
        }];
        assert!(
            summary(
                &SummaryInput {
                    fields: &fields[..1],
                    ..base(none)
                },
                Lang::En
            )
            .contains(", with no contact,")
        );
    }
}
