//! Contact-channel consent the way Korean law shapes it: channel × kind, night-time advertising
//! on its own, and the date of each consent.
//!
//! 정보통신망법 Art. 50 treats advertising apart from informational messages: advertising needs
//! its own opt-in per channel, advertising between 21:00 and 08:00 needs a consent of its own
//! (Art. 50(3)), and advertising consent must be reconfirmed every two years (Enforcement Decree
//! Art. 62-3). So a consent here is one channel *and* one kind, with the moment it was given;
//! [`ChannelChoices::new`] is the only way to build a set and refuses a set that could not be
//! meant (the same channel and kind twice, night-time ads without any advertising consent).
//!
//! Grants issued before this model carry version 1 (`{"email": true}`), which never separated
//! advertising: [`ChannelChoices::from_claim`] reads its `true` as informational only and marks
//! the set [`ChannelChoices::is_legacy`], so the review can ask the consumer again.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use vouchsafe_token::claims::{ChannelConsentClaim, ChannelsClaim, NightAdsClaim};
use vouchsafe_token::protocol::{self, ChannelConsentChanged, ChannelKind};

use super::request::GrantError;

/// The built-in channels by wire name, in their canonical order; `custom.NAME` beside them.
pub const CHANNELS: &[&str] = &["email", "sms", "phone", "kakao", "push", "post"];

/// Longest name after `custom.`.
pub const MAX_CUSTOM_CHANNEL: usize = 32;

/// A contact channel. Serialised as its wire name (`email`, `kakao`, `custom.line`, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Channel {
    Email,
    /// SMS and MMS.
    Sms,
    /// A phone call.
    Phone,
    /// KakaoTalk: 알림톡 carries informational messages, 브랜드 메시지 advertising.
    Kakao,
    /// App push notifications.
    Push,
    /// Postal mail.
    Post,
    /// `custom.NAME`: NAME is 1 to [`MAX_CUSTOM_CHANNEL`] of `a-z 0-9 _`, starting with a letter.
    Custom(String),
}

impl Channel {
    pub const BUILT_IN: [Channel; 6] = [
        Channel::Email,
        Channel::Sms,
        Channel::Phone,
        Channel::Kakao,
        Channel::Push,
        Channel::Post,
    ];

    /// The wire name, as in `authorization_details.channels[].channel`.
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Kakao => "kakao",
            Channel::Push => "push",
            Channel::Post => "post",
            Channel::Custom(wire) => wire,
        }
    }

    /// A name as version 1 grants wrote it: those channels, plus `messenger`, which is read as
    /// `custom.messenger` (it never said which messenger, so it is not taken for KakaoTalk).
    fn from_legacy(name: &str) -> Option<Channel> {
        match name {
            "messenger" => Some(Channel::Custom("custom.messenger".into())),
            other => other.parse().ok(),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = GrantError;
    /// A wire name, any case, surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, GrantError> {
        let t = s.trim().to_ascii_lowercase();
        if let Some(c) = Channel::BUILT_IN.into_iter().find(|c| c.as_str() == t) {
            return Ok(c);
        }
        if let Some(name) = t.strip_prefix("custom.") {
            let ok = !name.is_empty()
                && name.len() <= MAX_CUSTOM_CHANNEL
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if ok {
                return Ok(Channel::Custom(t));
            }
        }
        Err(GrantError::UnknownChannel(s.trim().to_string()))
    }
}

impl TryFrom<String> for Channel {
    type Error = GrantError;
    fn try_from(s: String) -> Result<Self, GrantError> {
        s.parse()
    }
}

impl From<Channel> for String {
    fn from(c: Channel) -> String {
        c.as_str().to_string()
    }
}

/// What a message is: informational (receipts, account notices) or advertising.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Info,
    Ad,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Info, Kind::Ad];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Info => "info",
            Kind::Ad => "ad",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = GrantError;
    fn from_str(s: &str) -> Result<Self, GrantError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(Kind::Info),
            "ad" => Ok(Kind::Ad),
            _ => Err(GrantError::UnknownChannelKind(s.trim().to_string())),
        }
    }
}

impl From<Kind> for ChannelKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Info => ChannelKind::Info,
            Kind::Ad => ChannelKind::Ad,
        }
    }
}

impl From<ChannelKind> for Kind {
    fn from(k: ChannelKind) -> Self {
        match k {
            ChannelKind::Info => Kind::Info,
            ChannelKind::Ad => Kind::Ad,
        }
    }
}

/// One decision before it is dated: yes or no to `kind` messages on `channel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub channel: Channel,
    pub kind: Kind,
    pub allowed: bool,
}

impl Choice {
    pub fn new(channel: Channel, kind: Kind, allowed: bool) -> Self {
        Self {
            channel,
            kind,
            allowed,
        }
    }
}

/// One dated decision: yes or no to `kind` messages on `channel`, given at `given_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsent {
    pub channel: Channel,
    pub kind: Kind,
    pub allowed: bool,
    /// Unix seconds.
    pub given_at: i64,
}

/// Night-time advertising (21:00–08:00): yes or no, and when that was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NightAds {
    pub allowed: bool,
    /// Unix seconds.
    pub given_at: i64,
}

/// The consumer's whole channel consent for one grant, always valid: each channel and kind at
/// most once (in canonical order: channel, then informational before advertising), and night-time
/// advertising allowed only beside at least one allowed advertising consent. Nothing chosen is
/// the empty set (the brand gets no contact consent at all).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ChannelChoices {
    consents: Vec<ChannelConsent>,
    night_ads: NightAds,
    /// Read from a version 1 grant, which did not separate advertising: its `true` is kept as
    /// informational only, and the review flags it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    legacy: bool,
}

impl ChannelChoices {
    /// The only way to build a set from the consumer's decisions, all dated `now`. Refused: the
    /// same channel and kind twice, and night-time advertising with no advertising allowed
    /// (there would be nothing to send at night; a "yes" there can only be a mistake).
    pub fn new(choices: Vec<Choice>, night_ads: bool, now: i64) -> Result<Self, GrantError> {
        let mut consents: Vec<ChannelConsent> = Vec::with_capacity(choices.len());
        for c in choices {
            if consents
                .iter()
                .any(|o| o.channel == c.channel && o.kind == c.kind)
            {
                return Err(GrantError::DuplicateChannel(format!(
                    "{}:{}",
                    c.channel, c.kind
                )));
            }
            consents.push(ChannelConsent {
                channel: c.channel,
                kind: c.kind,
                allowed: c.allowed,
                given_at: now,
            });
        }
        Self::checked(
            consents,
            NightAds {
                allowed: night_ads,
                given_at: now,
            },
        )
    }

    fn checked(mut consents: Vec<ChannelConsent>, night_ads: NightAds) -> Result<Self, GrantError> {
        consents.sort_by(|a, b| (&a.channel, a.kind).cmp(&(&b.channel, b.kind)));
        if night_ads.allowed && !consents.iter().any(|c| c.kind == Kind::Ad && c.allowed) {
            return Err(GrantError::NightAdsWithoutAds);
        }
        Ok(Self {
            consents,
            night_ads,
            legacy: false,
        })
    }

    /// Every dated decision, in canonical order.
    pub fn consents(&self) -> &[ChannelConsent] {
        &self.consents
    }

    pub fn night_ads(&self) -> NightAds {
        self.night_ads
    }

    /// Read from a version 1 grant (advertising was never asked apart).
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }

    pub fn is_empty(&self) -> bool {
        self.consents.is_empty()
    }

    /// Whether `kind` messages on `channel` are allowed.
    pub fn allows(&self, channel: &Channel, kind: Kind) -> bool {
        self.consents
            .iter()
            .any(|c| &c.channel == channel && c.kind == kind && c.allowed)
    }

    /// The channels on which `kind` messages are allowed, in canonical order.
    pub fn allowed(&self, kind: Kind) -> Vec<&Channel> {
        self.consents
            .iter()
            .filter(|c| c.kind == kind && c.allowed)
            .map(|c| &c.channel)
            .collect()
    }

    /// Advertising consents still allowed that were given `days` days or more before `now`
    /// (Unix seconds): 정보통신망법 asks that advertising consent be reconfirmed every two years,
    /// so the review calls this with 730. Night-time advertising is dated with them.
    pub fn ad_consents_older_than(&self, now: i64, days: i64) -> Vec<&ChannelConsent> {
        let limit = now.saturating_sub(days.saturating_mul(86_400));
        self.consents
            .iter()
            .filter(|c| c.kind == Kind::Ad && c.allowed && c.given_at <= limit)
            .collect()
    }

    /// The claims of version 2 (`channels` and `night_ads` of `authorization_details`); both
    /// `None` when nothing was chosen. A legacy set is written as version 2 too: a reissued
    /// grant carries what the vault now reads it as.
    pub fn to_claim(&self) -> (Option<ChannelsClaim>, Option<NightAdsClaim>) {
        if self.consents.is_empty() {
            return (None, None);
        }
        let list = self
            .consents
            .iter()
            .map(|c| ChannelConsentClaim {
                channel: c.channel.to_string(),
                kind: c.kind.into(),
                allowed: c.allowed,
                given_at: c.given_at,
            })
            .collect();
        (
            Some(ChannelsClaim::Consents(list)),
            Some(NightAdsClaim {
                allowed: self.night_ads.allowed,
                given_at: self.night_ads.given_at,
            }),
        )
    }

    /// Read a grant's channel claims of either version; `issued_at` dates a version 1 consent,
    /// which carried no date of its own. A version 1 `true` is informational only; `false`
    /// refuses both kinds. Names this version does not know are skipped in version 1 (they
    /// could only be refusals or informational consents a brand cannot act on anyway) and
    /// refused in version 2.
    pub fn from_claim(
        channels: Option<&ChannelsClaim>,
        night_ads: Option<&NightAdsClaim>,
        issued_at: i64,
    ) -> Result<Self, GrantError> {
        match channels {
            None => Ok(Self::default()),
            Some(ChannelsClaim::Legacy(map)) => Ok(Self::from_legacy(
                map.iter().map(|(k, v)| (k.as_str(), *v)),
                issued_at,
            )),
            Some(ChannelsClaim::Consents(list)) => {
                let mut consents = Vec::with_capacity(list.len());
                for c in list {
                    let channel: Channel = c.channel.parse()?;
                    let kind = Kind::from(c.kind);
                    if consents
                        .iter()
                        .any(|o: &ChannelConsent| o.channel == channel && o.kind == kind)
                    {
                        return Err(GrantError::DuplicateChannel(format!("{channel}:{kind}")));
                    }
                    consents.push(ChannelConsent {
                        channel,
                        kind,
                        allowed: c.allowed,
                        given_at: c.given_at,
                    });
                }
                let night = night_ads.map_or(
                    NightAds {
                        allowed: false,
                        given_at: issued_at,
                    },
                    |n| NightAds {
                        allowed: n.allowed,
                        given_at: n.given_at,
                    },
                );
                Self::checked(consents, night)
            }
        }
    }

    /// Version 1 decisions (`name` → allowed), dated `issued_at`.
    fn from_legacy<'a>(items: impl Iterator<Item = (&'a str, bool)>, issued_at: i64) -> Self {
        let mut consents: Vec<ChannelConsent> = Vec::new();
        for (name, allowed) in items {
            let Some(channel) = Channel::from_legacy(name) else {
                continue;
            };
            let kinds: &[Kind] = if allowed {
                &[Kind::Info]
            } else {
                &[Kind::Info, Kind::Ad]
            };
            for &kind in kinds {
                if !consents
                    .iter()
                    .any(|o| o.channel == channel && o.kind == kind)
                {
                    consents.push(ChannelConsent {
                        channel: channel.clone(),
                        kind,
                        allowed,
                        given_at: issued_at,
                    });
                }
            }
        }
        consents.sort_by(|a, b| (&a.channel, a.kind).cmp(&(&b.channel, b.kind)));
        // Nothing chosen then is nothing chosen now: there is nothing to ask again.
        let legacy = !consents.is_empty();
        Self {
            consents,
            night_ads: NightAds {
                allowed: false,
                given_at: issued_at,
            },
            legacy,
        }
    }

    /// Date a set read from a record written before dates existed (given_at 0) with the
    /// grant's issue time.
    pub(crate) fn dated(mut self, issued_at: i64) -> Self {
        for c in &mut self.consents {
            if c.given_at == 0 {
                c.given_at = issued_at;
            }
        }
        if self.night_ads.given_at == 0 {
            self.night_ads.given_at = issued_at;
        }
        self
    }

    /// The `channel-consent-changed` event's payload (docs/protocol.md §4): the allowed
    /// channel × kind pairs, night-time advertising, and when the set was given (its latest
    /// date).
    pub fn to_event(&self) -> ChannelConsentChanged {
        let given_at = self
            .consents
            .iter()
            .map(|c| c.given_at)
            .chain([self.night_ads.given_at])
            .max()
            .unwrap_or(0);
        ChannelConsentChanged {
            channels: self
                .consents
                .iter()
                .filter(|c| c.allowed)
                .map(|c| protocol::Channel {
                    channel: c.channel.to_string(),
                    kind: c.kind.into(),
                })
                .collect(),
            night_ads: self.night_ads.allowed,
            given_at,
        }
    }
}

/// The sealed record form: the current shape, or the version 1 list `[{"channel": "email",
/// "allowed": true}]` that records written before channel × kind hold. An object is the one,
/// a list the other: told apart by the first token, not by trying each (serde's `untagged`
/// buffers the whole value first, which was a large part of opening 10,000 grants for the
/// review).
impl<'de> Deserialize<'de> for ChannelChoices {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
        use serde::de::{Error, MapAccess, SeqAccess, Visitor};

        #[derive(Deserialize)]
        struct Current {
            consents: Vec<ChannelConsent>,
            night_ads: NightAds,
            #[serde(default)]
            legacy: bool,
        }
        #[derive(Deserialize)]
        struct Old {
            channel: String,
            allowed: bool,
        }
        struct Stored;
        impl<'de> Visitor<'de> for Stored {
            type Value = ChannelChoices;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("channel choices (an object, or a version 1 list)")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let c = Current::deserialize(MapAccessDeserializer::new(map))?;
                let mut set =
                    ChannelChoices::checked(c.consents, c.night_ads).map_err(A::Error::custom)?;
                set.legacy = c.legacy;
                Ok(set)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let list = Vec::<Old>::deserialize(SeqAccessDeserializer::new(seq))?;
                Ok(ChannelChoices::from_legacy(
                    list.iter().map(|o| (o.channel.as_str(), o.allowed)),
                    0,
                ))
            }
        }
        d.deserialize_any(Stored)
    }
}

/// Parse `email:info,email:ad,kakao:info,-sms:ad`: `CHANNEL:KIND` is a yes, a leading `-` a no.
/// For scripts written before kinds existed, a bare `email` means `email:info` (informational
/// only: advertising was never asked apart, so it stays off) and a bare `-sms` means no message
/// of either kind on SMS. `messenger` is read as `custom.messenger`.
pub fn parse_channels(s: &str) -> Result<Vec<Choice>, GrantError> {
    let mut out: Vec<Choice> = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (allowed, rest) = match item.strip_prefix('-').or_else(|| item.strip_prefix('!')) {
            Some(n) => (false, n.trim()),
            None => (true, item.strip_prefix('+').unwrap_or(item).trim()),
        };
        let (name, kinds): (&str, Vec<Kind>) = match rest.rsplit_once(':') {
            Some((name, kind)) => (name, vec![kind.parse()?]),
            None if allowed => (rest, vec![Kind::Info]),
            None => (rest, Kind::ALL.to_vec()),
        };
        let channel = if name.trim().eq_ignore_ascii_case("messenger") {
            Channel::Custom("custom.messenger".into())
        } else {
            name.parse::<Channel>()?
        };
        for kind in kinds {
            if out.iter().any(|o| o.channel == channel && o.kind == kind) {
                return Err(GrantError::DuplicateChannel(format!("{channel}:{kind}")));
            }
            out.push(Choice::new(channel.clone(), kind, allowed));
        }
    }
    Ok(out)
}

/// `yes` or `no` (any case), for `--night-ads`.
pub fn parse_yes_no(s: &str) -> Result<bool, GrantError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => Err(GrantError::BadNightAds(s.trim().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    #[test]
    fn channel_names_parse_only_as_themselves() {
        assert_eq!(" EMAIL ".parse::<Channel>(), Ok(Channel::Email));
        assert_eq!("kakao".parse::<Channel>(), Ok(Channel::Kakao));
        assert_eq!(
            "custom.Line".parse::<Channel>(),
            Ok(Channel::Custom("custom.line".into()))
        );
        for bad in [
            "-email",
            "fax",
            "",
            "e-mail",
            "custom.",
            "custom.1line",
            "custom.a-b",
            "messenger",
        ] {
            assert_eq!(
                bad.parse::<Channel>(),
                Err(GrantError::UnknownChannel(bad.trim().to_string())),
                "{bad}"
            );
        }
        let long = format!("custom.{}", "a".repeat(MAX_CUSTOM_CHANNEL + 1));
        assert!(long.parse::<Channel>().is_err());
        for c in Channel::BUILT_IN {
            assert_eq!(c.to_string().parse::<Channel>(), Ok(c.clone()));
            assert!(CHANNELS.contains(&c.as_str()));
        }
    }

    #[test]
    fn the_cli_spelling() {
        let got = parse_channels("email:info, email:ad, kakao:info, -sms:ad").expect("ok");
        assert_eq!(
            got,
            vec![
                Choice::new(Channel::Email, Kind::Info, true),
                Choice::new(Channel::Email, Kind::Ad, true),
                Choice::new(Channel::Kakao, Kind::Info, true),
                Choice::new(Channel::Sms, Kind::Ad, false),
            ]
        );
        // Old scripts: a bare yes is informational only; a bare no refuses both kinds.
        assert_eq!(
            parse_channels("email,-sms,messenger").expect("ok"),
            vec![
                Choice::new(Channel::Email, Kind::Info, true),
                Choice::new(Channel::Sms, Kind::Info, false),
                Choice::new(Channel::Sms, Kind::Ad, false),
                Choice::new(Channel::Custom("custom.messenger".into()), Kind::Info, true),
            ]
        );
        assert_eq!(
            parse_channels("fax:info"),
            Err(GrantError::UnknownChannel("fax".into()))
        );
        assert_eq!(
            parse_channels("email:spam"),
            Err(GrantError::UnknownChannelKind("spam".into()))
        );
        assert_eq!(
            parse_channels("email:ad,-email:ad"),
            Err(GrantError::DuplicateChannel("email:ad".into()))
        );
        assert_eq!(
            parse_channels("-sms,sms:ad"),
            Err(GrantError::DuplicateChannel("sms:ad".into()))
        );
        assert_eq!(parse_channels(" , "), Ok(vec![]));
    }

    #[test]
    fn the_constructor_orders_dates_and_refuses() {
        let set = ChannelChoices::new(
            vec![
                Choice::new(Channel::Kakao, Kind::Info, true),
                Choice::new(Channel::Email, Kind::Ad, true),
                Choice::new(Channel::Email, Kind::Info, true),
            ],
            true,
            NOW,
        )
        .expect("valid");
        let order: Vec<(String, Kind)> = set
            .consents()
            .iter()
            .map(|c| (c.channel.to_string(), c.kind))
            .collect();
        assert_eq!(
            order,
            [
                ("email".to_string(), Kind::Info),
                ("email".to_string(), Kind::Ad),
                ("kakao".to_string(), Kind::Info)
            ]
        );
        assert!(set.consents().iter().all(|c| c.given_at == NOW));
        assert_eq!(
            set.night_ads(),
            NightAds {
                allowed: true,
                given_at: NOW
            }
        );
        assert_eq!(
            ChannelChoices::new(
                vec![
                    Choice::new(Channel::Sms, Kind::Ad, true),
                    Choice::new(Channel::Sms, Kind::Ad, false),
                ],
                false,
                NOW
            ),
            Err(GrantError::DuplicateChannel("sms:ad".into()))
        );
        // Night-time ads need some advertising allowed: a refused ad does not count.
        for choices in [
            vec![],
            vec![Choice::new(Channel::Email, Kind::Info, true)],
            vec![Choice::new(Channel::Email, Kind::Ad, false)],
        ] {
            assert_eq!(
                ChannelChoices::new(choices, true, NOW),
                Err(GrantError::NightAdsWithoutAds)
            );
        }
        assert!(
            ChannelChoices::new(vec![], false, NOW)
                .expect("ok")
                .is_empty()
        );
    }

    #[test]
    fn version_2_claims_round_trip() {
        let set = ChannelChoices::new(
            parse_channels("email:info,email:ad,-sms:ad,custom.line:info").expect("ok"),
            false,
            NOW,
        )
        .expect("ok");
        let (channels, night) = set.to_claim();
        let back = ChannelChoices::from_claim(channels.as_ref(), night.as_ref(), 0).expect("ok");
        assert_eq!(back, set);
        assert!(!back.is_legacy());
        assert_eq!(
            ChannelChoices::default().to_claim(),
            (None, None),
            "nothing chosen, nothing written"
        );
    }

    #[test]
    fn old_grants_read_conservatively() {
        // Version 1 never separated ads: `true` is informational only, `false` refuses both.
        let v1 = ChannelsClaim::Legacy(BTreeMap::from([
            ("email".to_string(), true),
            ("sms".to_string(), false),
            ("messenger".to_string(), true),
            ("fax".to_string(), true),
        ]));
        let set = ChannelChoices::from_claim(Some(&v1), None, NOW).expect("ok");
        assert!(set.is_legacy());
        assert!(set.allows(&Channel::Email, Kind::Info));
        assert!(!set.allows(&Channel::Email, Kind::Ad));
        assert!(!set.allows(&Channel::Sms, Kind::Info));
        assert!(!set.night_ads().allowed);
        assert!(set.allows(&Channel::Custom("custom.messenger".into()), Kind::Info));
        assert_eq!(
            set.consents().len(),
            4,
            "email:info, sms:info, sms:ad, messenger"
        );
        assert!(set.consents().iter().all(|c| c.given_at == NOW));
        assert!(set.ad_consents_older_than(NOW + 1000 * DAY, 730).is_empty());
        // The sealed records of that time read the same way, dated by the grant.
        let old: ChannelChoices = serde_json::from_str(
            r#"[{"channel":"email","allowed":true},{"channel":"sms","allowed":false}]"#,
        )
        .expect("old record");
        let old = old.dated(NOW);
        assert!(old.is_legacy());
        assert!(old.allows(&Channel::Email, Kind::Info));
        assert!(!old.allows(&Channel::Email, Kind::Ad));
        assert!(old.consents().iter().all(|c| c.given_at == NOW));
        let none: ChannelChoices = serde_json::from_str("[]").expect("old, nothing chosen");
        assert!(none.is_empty() && !none.is_legacy());
        // And the current record form round-trips, legacy mark included.
        let json = serde_json::to_string(&old).expect("json");
        let again: ChannelChoices = serde_json::from_str(&json).expect("current");
        assert_eq!(again, old);
    }

    #[test]
    fn a_version_2_claim_that_could_not_be_meant_is_refused() {
        let dup = ChannelsClaim::Consents(vec![
            ChannelConsentClaim {
                channel: "email".into(),
                kind: ChannelKind::Ad,
                allowed: true,
                given_at: 1,
            };
            2
        ]);
        assert!(ChannelChoices::from_claim(Some(&dup), None, 0).is_err());
        let night = NightAdsClaim {
            allowed: true,
            given_at: 1,
        };
        let info_only = ChannelsClaim::Consents(vec![ChannelConsentClaim {
            channel: "email".into(),
            kind: ChannelKind::Info,
            allowed: true,
            given_at: 1,
        }]);
        assert_eq!(
            ChannelChoices::from_claim(Some(&info_only), Some(&night), 0),
            Err(GrantError::NightAdsWithoutAds)
        );
        let unknown = ChannelsClaim::Consents(vec![ChannelConsentClaim {
            channel: "fax".into(),
            kind: ChannelKind::Info,
            allowed: true,
            given_at: 1,
        }]);
        assert!(ChannelChoices::from_claim(Some(&unknown), None, 0).is_err());
    }

    #[test]
    fn advertising_consents_older_than_two_years() {
        let old = NOW - 731 * DAY;
        let mut set = ChannelChoices::new(
            parse_channels("email:info,email:ad,sms:ad,-kakao:ad").expect("ok"),
            false,
            old,
        )
        .expect("ok");
        // Only allowed advertising counts; informational and refused ones never expire.
        let stale: Vec<String> = set
            .ad_consents_older_than(NOW, 730)
            .iter()
            .map(|c| c.channel.to_string())
            .collect();
        assert_eq!(stale, ["email", "sms"]);
        assert!(set.ad_consents_older_than(NOW, 732).is_empty());
        // Restated yesterday: nothing to reconfirm.
        set = ChannelChoices::new(parse_channels("email:ad").expect("ok"), false, NOW - DAY)
            .expect("ok");
        assert!(set.ad_consents_older_than(NOW, 730).is_empty());
    }

    #[test]
    fn the_event_lists_what_is_allowed() {
        let set = ChannelChoices::new(
            parse_channels("email:info,email:ad,-sms:ad").expect("ok"),
            true,
            NOW,
        )
        .expect("ok");
        let e = set.to_event();
        assert_eq!(
            serde_json::to_value(&e).expect("json"),
            serde_json::json!({
                "channels": [{"channel": "email", "kind": "info"}, {"channel": "email", "kind": "ad"}],
                "night_ads": true,
                "given_at": NOW
            })
        );
    }

    #[test]
    fn yes_no() {
        assert_eq!(parse_yes_no("YES"), Ok(true));
        assert_eq!(parse_yes_no("no"), Ok(false));
        assert_eq!(
            parse_yes_no("maybe"),
            Err(GrantError::BadNightAds("maybe".into()))
        );
    }
}
