//! Transparency: the one-sentence summary of a grant and its Kantara consent receipt.
//!
//! The summary answers what, to whom, why, how they may contact you and until when, in words;
//! the receipt is the same consent in Kantara Consent Receipt v1.1 field names, signed with the
//! brand relationship's key so the consumer can prove what they agreed to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vouchsafe_token::claims::{
    ChannelsClaim, ConsentEvent as EventClaim, ConsentReceiptClaims, PiiController, ReceiptPurpose,
    ReceiptService,
};

use super::channels::{Channel, ChannelChoices, Kind};
use super::request::{Derived, parse_derived};
use crate::korean;
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

/// The words for one released item as [`GrantInfo::released`](super::GrantInfo) names it (a
/// field name or a derived fact), for a face that lists them; the name itself if it is neither.
pub fn release_words(item: &str, lang: Lang) -> String {
    if let Ok(name) = item.parse::<FieldName>() {
        return field_words(&name, lang);
    }
    match parse_derived(item) {
        Ok(d) => derived_words(&d, lang),
        Err(_) => item.to_string(),
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

fn channel_words(c: &Channel, lang: Lang) -> String {
    let (en, ko) = match c {
        Channel::Email => ("email", "이메일"),
        Channel::Sms => ("SMS", "문자"),
        Channel::Phone => ("phone", "전화"),
        Channel::Kakao => ("KakaoTalk", "카카오톡"),
        Channel::Push => ("app push", "앱 푸시"),
        Channel::Post => ("post", "우편"),
        Channel::Custom(wire) => {
            return wire
                .strip_prefix("custom.")
                .unwrap_or(wire)
                .replace('_', " ");
        }
    };
    match lang {
        Lang::En => en.into(),
        Lang::Ko => ko.into(),
    }
}

/// The channel consent in plain words, as a sentence of its own: "Notices by email only; ads
/// by email only; no ads at night." / "안내는 이메일로만, 광고는 이메일로만, 야간 광고 수신 안 함."
/// Empty when nothing was chosen.
pub fn channel_sentence(c: &ChannelChoices, lang: Lang) -> String {
    if c.is_empty() {
        return String::new();
    }
    let words = |kind| -> Vec<String> {
        c.allowed(kind)
            .into_iter()
            .map(|ch| channel_words(ch, lang))
            .collect()
    };
    let (info, ads) = (words(Kind::Info), words(Kind::Ad));
    let night = c.night_ads().allowed;
    match lang {
        Lang::En => {
            if info.is_empty() && ads.is_empty() {
                return "No contact.".into();
            }
            let by = |list: &[String]| match list {
                [one] => format!("by {one} only"),
                many => format!("by {}", join_en(many, "or")),
            };
            let mut parts = vec![if info.is_empty() {
                "no notices".to_string()
            } else {
                format!("notices {}", by(&info))
            }];
            if ads.is_empty() {
                parts.push("no ads".into());
            } else {
                parts.push(format!("ads {}", by(&ads)));
                parts.push(
                    if night {
                        "ads at night too"
                    } else {
                        "no ads at night"
                    }
                    .into(),
                );
            }
            let text = parts.join("; ");
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
                None => String::new(),
            }
        }
        Lang::Ko => {
            if info.is_empty() && ads.is_empty() {
                return "연락 받지 않음.".into();
            }
            let by = |list: &[String]| {
                let joined = list.join("·");
                let particle = korean::instrumental_particle(&joined);
                if list.len() == 1 {
                    format!("{joined}{particle}만")
                } else {
                    format!("{joined}{particle}")
                }
            };
            let mut parts = vec![if info.is_empty() {
                "안내 수신 안 함".to_string()
            } else {
                format!("안내는 {}", by(&info))
            }];
            if ads.is_empty() {
                parts.push("광고 수신 안 함".into());
            } else {
                parts.push(format!("광고는 {}", by(&ads)));
                parts.push(
                    if night {
                        "야간 광고 수신 동의"
                    } else {
                        "야간 광고 수신 안 함"
                    }
                    .into(),
                );
            }
            format!("{}.", parts.join(", "))
        }
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
    pub channels: &'a ChannelChoices,
    /// The last day of the grant, in the consumer's calendar.
    pub until: jiff::civil::Date,
}

/// The summary in every language the product speaks.
pub fn summaries(s: &SummaryInput<'_>) -> Summary {
    Lang::ALL.into_iter().map(|l| (l, summary(s, l))).collect()
}

/// "Acme Coffee gets your email and birthday (no year) to send a birthday coupon, until
/// 2027-03-01. Notices by email only; ads by email only; no ads at night."
pub fn summary(s: &SummaryInput<'_>, lang: Lang) -> String {
    let what: Vec<String> = s
        .fields
        .iter()
        .map(|f| field_words(f, lang))
        .chain(s.derived.iter().map(|d| derived_words(d, lang)))
        .collect();
    let purpose = s.purpose.trim().trim_end_matches('.');
    match lang {
        Lang::En => {
            // The sentence supplies "to"; a purpose typed as "to send …" must not read "to to".
            let purpose = purpose.strip_prefix("to ").unwrap_or(purpose);
            let main = format!(
                "{} gets your {} to {purpose}, until {}.",
                s.brand_name,
                join_en(&what, "and"),
                s.until
            );
            with_contact(main, s.channels, lang)
        }
        Lang::Ko => {
            let what = what.join(", ");
            let particle = korean::object_particle(&what);
            let main = format!(
                "{}에 {what}{particle} 제공합니다. 목적: {purpose}, {}까지.",
                s.brand_name, s.until
            );
            with_contact(main, s.channels, lang)
        }
    }
}

/// The main sentence, followed by the channel sentence when channels were chosen.
fn with_contact(main: String, channels: &ChannelChoices, lang: Lang) -> String {
    match channel_sentence(channels, lang) {
        c if c.is_empty() => main,
        c => format!("{main} {c}"),
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
    /// The channel consent, carried as in the grant (version 2).
    pub channels: &'a ChannelChoices,
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
        channels: match r.channels.to_claim().0 {
            Some(ChannelsClaim::Consents(list)) => Some(list),
            _ => None,
        },
        night_ads: r.channels.to_claim().1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> FieldName {
        s.parse().expect("name")
    }

    fn choices(spec: &str, night: bool) -> ChannelChoices {
        ChannelChoices::new(
            crate::grants::channels::parse_channels(spec).expect("spec"),
            night,
            1,
        )
        .expect("valid")
    }

    #[test]
    fn the_products_own_example_sentence() {
        let channels = choices("email:info,email:ad,-sms:ad", false);
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
            "Acme Coffee gets your email and birthday (no year) to send a birthday coupon, until 2027-03-01. Notices by email only; ads by email only; no ads at night."
        );
        assert_eq!(
            summary(&s, Lang::Ko),
            "Acme Coffee에 이메일, 생일(연도 제외)을 제공합니다. 목적: send a birthday coupon, 2027-03-01까지. 안내는 이메일로만, 광고는 이메일로만, 야간 광고 수신 안 함."
        );
    }

    #[test]
    fn channel_sentences_in_both_languages() {
        let cases = [
            // (spec, night ads, English, Korean)
            (
                "email:ad",
                false,
                "No notices; ads by email only; no ads at night.",
                "안내 수신 안 함, 광고는 이메일로만, 야간 광고 수신 안 함.",
            ),
            (
                "email:info,kakao:info,-sms:ad",
                false,
                "Notices by email or KakaoTalk; no ads.",
                "안내는 이메일·카카오톡으로, 광고 수신 안 함.",
            ),
            (
                "kakao:info,kakao:ad,sms:ad,post:ad",
                true,
                "Notices by KakaoTalk only; ads by SMS, KakaoTalk or post; ads at night too.",
                "안내는 카카오톡으로만, 광고는 문자·카카오톡·우편으로, 야간 광고 수신 동의.",
            ),
            (
                "phone:info,push:ad,custom.line_biz:info",
                false,
                "Notices by phone or line biz; ads by app push only; no ads at night.",
                "안내는 전화·line biz(으)로, 광고는 앱 푸시로만, 야간 광고 수신 안 함.",
            ),
            ("-email,-sms:ad", false, "No contact.", "연락 받지 않음."),
        ];
        for (spec, night, en, ko) in cases {
            let c = choices(spec, night);
            assert_eq!(channel_sentence(&c, Lang::En), en, "{spec}");
            assert_eq!(channel_sentence(&c, Lang::Ko), ko, "{spec}");
        }
        assert_eq!(channel_sentence(&ChannelChoices::default(), Lang::Ko), "");
    }

    #[test]
    fn korean_instrumental_particle() {
        assert_eq!(korean::instrumental_particle("이메일"), "로", "ㄹ takes 로");
        assert_eq!(korean::instrumental_particle("문자"), "로");
        assert_eq!(korean::instrumental_particle("카카오톡"), "으로");
        assert_eq!(korean::instrumental_particle("우편"), "으로");
        assert_eq!(korean::instrumental_particle("line"), "(으)로");
    }

    #[test]
    fn the_receipt_carries_the_channel_consent() {
        let channels = choices("email:info,email:ad", true);
        let input = ReceiptInput {
            grant_id: "g",
            issuer: "urn:x",
            brand_id: "acme",
            brand_name: "Acme",
            brand_url: None,
            jurisdiction: "KR",
            purpose: "p",
            purpose_category: "c",
            datatypes: &[],
            issued_at: 1,
            expires_at: 2,
            status_uri: "urn:s",
            status_idx: 0,
            events: &[],
            summary: "s",
            channels: &channels,
        };
        let claims = receipt_claims(&input, 3);
        let json = serde_json::to_value(&claims).expect("json");
        assert_eq!(
            json["channels"],
            serde_json::json!([
                {"channel": "email", "kind": "info", "allowed": true, "given_at": 1},
                {"channel": "email", "kind": "ad", "allowed": true, "given_at": 1}
            ])
        );
        assert_eq!(
            json["nightAds"],
            serde_json::json!({"allowed": true, "given_at": 1})
        );
        let none = ReceiptInput {
            channels: &ChannelChoices::default(),
            ..input
        };
        let json = serde_json::to_value(receipt_claims(&none, 3)).expect("json");
        assert!(json.get("channels").is_none() && json.get("nightAds").is_none());
    }

    #[test]
    fn korean_object_particle_follows_the_last_syllable() {
        assert_eq!(korean::object_particle("이메일"), "을");
        assert_eq!(korean::object_particle("만 18세 이상 여부"), "를");
        assert_eq!(korean::object_particle("생일(연도 제외)"), "을");
        assert_eq!(korean::object_particle("blood type"), "을(를)");
        assert_eq!(korean::object_particle(""), "을(를)");
    }

    static EMPTY: std::sync::LazyLock<ChannelChoices> =
        std::sync::LazyLock::new(ChannelChoices::default);

    #[test]
    fn lists_and_channel_variants() {
        let until = "2027-01-01".parse().expect("date");
        let base = |channels: &'static ChannelChoices| SummaryInput {
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
            ..base(&EMPTY)
        };
        assert_eq!(
            summary(&s, Lang::En),
            "B gets your given name, email, city and whether you are over 19 to x, until 2027-01-01."
        );
        let none: &'static ChannelChoices = Box::leak(Box::new(choices("-sms", false)));
        assert!(
            summary(
                &SummaryInput {
                    fields: &fields[..1],
                    ..base(none)
                },
                Lang::En
            )
            .ends_with(", until 2027-01-01. No contact.")
        );
    }
}
