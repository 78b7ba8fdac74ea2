//! The review: what in the consumer's sharing deserves attention now, most important first,
//! each with the action that settles it (issue 11, "a review that keeps sharing tidy").
//!
//! The review only reads, through the repositories' views (grants, their brand receipts, the
//! outbox, brands, one profile field); it never touches another module's tables. It reads each
//! grant's authenticated row once and opens a grant's record only when a rule looks into it
//! (grants not withdrawn), so a vault of thousands of grants is reviewed in one pass.
//! Time comes from the vault's clock, so every rule can be tested at any moment.
//!
//! Each item carries a stable [`ReviewKind`], the grant or brand it concerns, a message key with
//! parameters (a face translates it: the desktop through its i18n tables, the CLI in the
//! locale's language) and its [`ReviewAction`]s. The JSON of [`ReviewItem`] is an interface
//! (`vouchsafe review --json`, the desktop's `review_list`; docs/review.md).
//!
//! Rules, in the order items are listed:
//! 1. [`ReviewKind::ErasureOverdue`]: a revocation or erasure request still without the brand's
//!    erasure receipt [`RECEIPT_DEADLINE_SECS`] (PIPA's 10 days) after it was made.
//! 2. [`ReviewKind::PastRetention`]: a grant not withdrawn whose brand receipt promised to keep
//!    the data only until a date now past, and no erasure confirmed or asked for since.
//! 3. [`ReviewKind::Expiring`]: an active grant expiring within [`EXPIRY_WINDOW_SECS`].
//! 4. [`ReviewKind::OldAdConsent`]: an active grant allowing advertising on a channel under a
//!    consent given [`AD_CONSENT_MAX_AGE_DAYS`] or more ago: 정보통신망법 asks that advertising
//!    consent be reconfirmed every two years (Enforcement Decree Art. 62-3).
//!    Beside it, [`ReviewKind::LegacyChannels`]: an active grant issued before advertising was
//!    asked apart, whose channel yes now reads as informational only, to confirm as it stands.
//! 5. [`ReviewKind::RawValue`]: an active grant releasing a raw value where a derived fact would
//!    do (a birth date for an age check or birthday offers, a full address where the city would).
//! 6. [`ReviewKind::SilentBrand`]: a connected brand holding live grants that has not answered
//!    anything (receipt, accepted event) for [`SILENT_AFTER_SECS`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use vouchsafe_token::protocol::{ERASURE_REQUESTED, GRANT_REVOKED};

use crate::clock::local_date;
use crate::error::Result;
use crate::grants::{ChannelChoices, Choice, GrantState, Kind};
use crate::profile::{AddressPart, FieldName};
use crate::records::Records;
use crate::repo::grants::GrantChoices;
use crate::repo::outbox::RECEIPT_DEADLINE_SECS;
use crate::repo::{BrandRepo, FieldRepo, GrantRepo, OutboxItem, OutboxRepo, OutboxState};

/// A grant expiring within this many seconds (14 days) is listed, so there is time to renew it.
pub const EXPIRY_WINDOW_SECS: i64 = 14 * 86_400;

/// A connected brand with live grants that has answered nothing for this long (180 days) is
/// listed: half a year without a receipt or an accepted event suggests its inbox is gone, and
/// the consumer may prefer to withdraw what it holds.
pub const SILENT_AFTER_SECS: i64 = 180 * 86_400;

/// Advertising consent older than this many days (two years) is to be reconfirmed.
pub const AD_CONSENT_MAX_AGE_DAYS: i64 = 730;

const DAY: i64 = 86_400;

/// What an item is about. The order of the variants is the order of importance: a legal
/// deadline missed comes before a promise broken, before a date coming up, before tidying.
/// The snake_case names are stable (JSON, message keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    ErasureOverdue,
    PastRetention,
    Expiring,
    OldAdConsent,
    LegacyChannels,
    RawValue,
    SilentBrand,
}

impl ReviewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::ErasureOverdue => "erasure_overdue",
            ReviewKind::PastRetention => "past_retention",
            ReviewKind::Expiring => "expiring",
            ReviewKind::OldAdConsent => "old_ad_consent",
            ReviewKind::LegacyChannels => "legacy_channels",
            ReviewKind::RawValue => "raw_value",
            ReviewKind::SilentBrand => "silent_brand",
        }
    }

    /// The message key a face translates: `review.<kind>`.
    pub fn message_key(self) -> String {
        format!("review.{}", self.as_str())
    }
}

/// What settles an item, with what it acts on. Serialised with an `action` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReviewAction {
    /// Replace the grant with one carrying the same choices for another period: `period_days`
    /// (as long as the grant was given for) after its current end, so it runs `until` then
    /// (`GrantRepo::reissue_until`).
    Reissue {
        grant: String,
        period_days: i64,
        until: i64,
    },
    /// Replace the grant with one releasing the derived fact `with` instead of the raw
    /// values `replace`.
    Narrow {
        grant: String,
        replace: Vec<String>,
        with: String,
    },
    /// Keep the grant's advertising consents: reissue it with the same channel choices, dated
    /// now ([`reconfirmed_channels`]).
    Reconfirm { grant: String },
    /// Withdraw the grant's advertising consents: reissue it with every advertising channel
    /// refused and no night-time advertising ([`channels_without_ads`]).
    StopAds { grant: String },
    /// Confirm the channel choices of a grant issued before advertising was asked apart, as
    /// they read now (informational only): reissued with them restated, dated now
    /// ([`reconfirmed_channels`]).
    Restate { grant: String },
    /// Revoke the grant.
    Revoke { grant: String },
    /// Revoke the grant (if it is not yet) and ask its brand to erase what it received.
    Erase { grant: String },
    /// Deliver the waiting outbox event now.
    Retry { event: String },
    /// Revoke every live grant of the brand.
    RevokeBrand { brand: String },
}

/// One thing to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    pub kind: ReviewKind,
    /// The brand's id (for an event about a brand since removed, the id the event names).
    pub brand: String,
    /// The brand's name as the consumer knows it (its id if the brand is gone).
    pub brand_name: String,
    /// The grant it concerns, if any.
    pub grant: Option<String>,
    /// The outbox event it concerns, if any.
    pub event: Option<String>,
    /// The moment the item turns on (Unix seconds): the expiry, the deadline missed, the end
    /// of the stated retention, the last answer heard.
    pub at: i64,
    /// `review.<kind>`.
    pub message: String,
    /// The message's parameters, all strings (`brand`, `date`, `days`, ... per kind; docs).
    pub params: BTreeMap<String, String>,
    /// Most fitting first.
    pub actions: Vec<ReviewAction>,
}

impl ReviewItem {
    fn new(kind: ReviewKind, brand: &str, brand_name: &str, at: i64) -> Self {
        let mut params = BTreeMap::new();
        params.insert("brand".to_string(), brand_name.to_string());
        params.insert("date".to_string(), local_date(at).to_string());
        Self {
            kind,
            brand: brand.to_string(),
            brand_name: brand_name.to_string(),
            grant: None,
            event: None,
            at,
            message: kind.message_key(),
            params,
            actions: Vec::new(),
        }
    }

    fn param(mut self, k: &str, v: impl ToString) -> Self {
        self.params.insert(k.to_string(), v.to_string());
        self
    }
}

/// Whole days from `from` to `to`, rounded up (a grant expiring in 2 h expires in 1 day).
fn days_between(from: i64, to: i64) -> i64 {
    (to - from + DAY - 1).div_euclid(DAY).max(0)
}

/// The review of one vault, read at the vault clock's now.
#[derive(Debug)]
pub struct Review<'a> {
    rec: &'a Records,
}

/// Where a brand stands, for the rules that look at brands.
struct BrandFacts {
    name: String,
    connected: bool,
    created_at: i64,
}

/// A grant as the rules read it: its authenticated state always, what its record says only
/// when a rule needs it. The rules about what a grant released or consented to (2, 4, 5) look
/// at grants not withdrawn; a revoked grant is only counted (rule 6), so its record is never
/// opened, and neither is an expired one without a brand receipt (rule 2 needs a receipt).
struct Grant {
    id: String,
    brand: String,
    brand_name: String,
    state: GrantState,
    issued_at: i64,
    expires_at: i64,
    choices: Option<GrantChoices>,
}

impl Grant {
    /// What the grant released, if its record was opened.
    fn released(&self) -> &[String] {
        self.choices.as_ref().map_or(&[], |c| c.released.as_slice())
    }
}

/// The active grants, with their records' choices.
fn active(grants: &[Grant]) -> impl Iterator<Item = (&Grant, &GrantChoices)> {
    grants
        .iter()
        .filter(|g| g.state == GrantState::Active)
        .filter_map(|g| g.choices.as_ref().map(|c| (g, c)))
}

impl<'a> Review<'a> {
    pub(crate) fn new(rec: &'a Records) -> Self {
        Self { rec }
    }

    /// Every item, most important first: by [`ReviewKind`], then by the moment each turns on,
    /// then by grant or brand id (a stable order).
    pub fn items(&self) -> Result<Vec<ReviewItem>> {
        let now = self.rec.now();
        let grants_repo = GrantRepo::new(self.rec);
        let brand_repo = BrandRepo::new(self.rec);
        let outbox = OutboxRepo::new(self.rec).list()?;
        let listed = brand_repo.list()?;
        // Brand row id → brand id: a grant row names its brand by row id, MAC-checked.
        let by_row: BTreeMap<String, &str> = listed
            .iter()
            .map(|b| (brand_repo.row_id(&b.id), b.id.as_str()))
            .collect();
        let brands: BTreeMap<String, BrandFacts> = listed
            .iter()
            .map(|b| {
                (
                    b.id.clone(),
                    BrandFacts {
                        name: b.name.clone(),
                        connected: b.events_uri.is_some(),
                        created_at: b.created_at,
                    },
                )
            })
            .collect();
        // Every receipt in one pass, then each grant's record opened at most once, and only
        // for the grants a rule looks into.
        let receipts = grants_repo.brand_receipts()?;
        let grants: Vec<Grant> = grants_repo
            .facts(|id, state| state == GrantState::Active || receipts.contains_key(id))?
            .into_iter()
            .map(|f| {
                let brand = match (&f.choices, by_row.get(&f.brand_row)) {
                    (Some(c), _) => c.brand.clone(),
                    (None, Some(id)) => (*id).to_string(),
                    (None, None) => f.brand_row.clone(),
                };
                let brand_name = brands
                    .get(&brand)
                    .map_or_else(|| brand.clone(), |b| b.name.clone());
                Grant {
                    id: f.id,
                    brand,
                    brand_name,
                    state: f.state,
                    issued_at: f.issued_at,
                    expires_at: f.expires_at,
                    choices: f.choices,
                }
            })
            .collect();
        let country = FieldRepo::new(self.rec)
            .get(&FieldName::Address(AddressPart::Country))?
            .map(|f| f.value.to_string());
        let name_of = |id: &str| {
            brands
                .get(id)
                .map_or_else(|| id.to_string(), |b| b.name.clone())
        };

        let mut items = Vec::new();
        items.extend(erasure_overdue(&outbox, &brands, now, &name_of));
        items.extend(past_retention(&grants, &receipts, &outbox, now));
        items.extend(expiring(&grants, now));
        items.extend(old_ad_consents(&grants, now));
        items.extend(legacy_channels(&grants));
        items.extend(raw_values(&grants, country.as_deref()));
        items.extend(silent_brands(&grants, &receipts, &outbox, &brands, now));
        items.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then(a.at.cmp(&b.at))
                .then_with(|| a.grant.cmp(&b.grant))
                .then_with(|| a.brand.cmp(&b.brand))
        });
        Ok(items)
    }
}

/// Whether an event asks the brand to erase (a revocation does too: docs/protocol.md §4).
fn asks_erasure(item: &OutboxItem) -> bool {
    item.event == GRANT_REVOKED || item.event == ERASURE_REQUESTED
}

/// Rule 1. One item per overdue request; none for a grant whose erasure some later request
/// already confirmed (a receipt came).
fn erasure_overdue(
    outbox: &[OutboxItem],
    brands: &BTreeMap<String, BrandFacts>,
    now: i64,
    name_of: &dyn Fn(&str) -> String,
) -> Vec<ReviewItem> {
    let confirmed: BTreeSet<&str> = outbox
        .iter()
        .filter(|o| asks_erasure(o) && o.receipt.is_some())
        .map(|o| o.grant_id.as_str())
        .collect();
    let mut out = Vec::new();
    for o in outbox {
        if !asks_erasure(o) || !o.is_overdue(now) || confirmed.contains(o.grant_id.as_str()) {
            continue;
        }
        let deadline = o.requested_at + RECEIPT_DEADLINE_SECS;
        let mut item = ReviewItem::new(
            ReviewKind::ErasureOverdue,
            &o.brand,
            &name_of(&o.brand),
            deadline,
        )
        .param("days", days_between(deadline, now))
        .param("sent", local_date(o.requested_at))
        .param("state", o.state.as_str());
        item.grant = Some(o.grant_id.clone());
        item.event = Some(o.id.clone());
        if o.state.is_pending() {
            item.actions.push(ReviewAction::Retry {
                event: o.id.clone(),
            });
        }
        // Asking again needs the brand's inbox, which a removed brand no longer has.
        if brands.get(&o.brand).is_some_and(|b| b.connected) {
            item.actions.push(ReviewAction::Erase {
                grant: o.grant_id.clone(),
            });
        }
        out.push(item);
    }
    out
}

/// The end of the retention a brand's receipt states (`retention.until`). The receipt was
/// verified against the brand's keys before it was stored, and is sealed and MACed since, so
/// its claims are read here without checking the signature again.
fn retention_until(receipt: &str) -> Option<i64> {
    vouchsafe_token::CompactJws::parse(receipt)
        .and_then(|c| c.claims())
        .ok()?
        .get("retention")?
        .get("until")?
        .as_i64()
}

/// Rule 2. Grants not withdrawn (active or expired) whose brand promised a retention now
/// over. A grant already revoked asked the brand to erase: rule 1 watches that request.
fn past_retention(
    grants: &[Grant],
    receipts: &BTreeMap<String, (String, i64)>,
    outbox: &[OutboxItem],
    now: i64,
) -> Vec<ReviewItem> {
    let asked: BTreeSet<&str> = outbox
        .iter()
        .filter(|o| asks_erasure(o))
        .map(|o| o.grant_id.as_str())
        .collect();
    let mut out = Vec::new();
    for g in grants {
        if g.state == GrantState::Revoked || asked.contains(g.id.as_str()) {
            continue;
        }
        let Some(until) = receipts.get(&g.id).and_then(|(r, _)| retention_until(r)) else {
            continue;
        };
        if until > now {
            continue;
        }
        let mut item = ReviewItem::new(ReviewKind::PastRetention, &g.brand, &g.brand_name, until)
            .param("days", days_between(until, now))
            .param("released", g.released().join(", "));
        item.grant = Some(g.id.clone());
        item.actions.push(ReviewAction::Erase {
            grant: g.id.clone(),
        });
        out.push(item);
    }
    out
}

/// Rule 3. Active grants expiring within [`EXPIRY_WINDOW_SECS`].
fn expiring(grants: &[Grant], now: i64) -> Vec<ReviewItem> {
    let mut out = Vec::new();
    for g in grants {
        if g.state != GrantState::Active || g.expires_at - now > EXPIRY_WINDOW_SECS {
            continue;
        }
        let period_days = days_between(g.issued_at, g.expires_at).max(1);
        let mut item = ReviewItem::new(ReviewKind::Expiring, &g.brand, &g.brand_name, g.expires_at)
            .param("days", days_between(now, g.expires_at))
            .param("period_days", period_days);
        item.grant = Some(g.id.clone());
        item.actions.push(ReviewAction::Reissue {
            grant: g.id.clone(),
            period_days,
            until: g.expires_at + period_days * DAY,
        });
        item.actions.push(ReviewAction::Revoke {
            grant: g.id.clone(),
        });
        out.push(item);
    }
    out
}

/// Rule 4. One item per grant, naming every channel whose advertising consent is due.
fn old_ad_consents(grants: &[Grant], now: i64) -> Vec<ReviewItem> {
    let mut out = Vec::new();
    for (g, c) in active(grants) {
        let old = c
            .channels
            .ad_consents_older_than(now, AD_CONSENT_MAX_AGE_DAYS);
        let Some(given) = old.iter().map(|c| c.given_at).min() else {
            continue;
        };
        let channels: Vec<&str> = old.iter().map(|c| c.channel.as_str()).collect();
        let mut item = ReviewItem::new(ReviewKind::OldAdConsent, &g.brand, &g.brand_name, given)
            .param("channels", channels.join(", "))
            .param("days", (now - given).div_euclid(DAY));
        item.grant = Some(g.id.clone());
        item.actions.extend([
            ReviewAction::Reconfirm {
                grant: g.id.clone(),
            },
            ReviewAction::StopAds {
                grant: g.id.clone(),
            },
        ]);
        out.push(item);
    }
    out
}

/// Beside rule 4. A version 1 grant said `email: true` without saying for what; the vault reads
/// it as informational only (`ChannelChoices::is_legacy`), so the consumer confirms that or
/// chooses again. Grants with no channel consent have nothing to confirm.
fn legacy_channels(grants: &[Grant]) -> Vec<ReviewItem> {
    let mut out = Vec::new();
    for (g, c) in active(grants) {
        if !c.channels.is_legacy() || c.channels.is_empty() {
            continue;
        }
        let info: Vec<&str> = c
            .channels
            .allowed(Kind::Info)
            .iter()
            .map(|c| c.as_str())
            .collect();
        let mut item = ReviewItem::new(
            ReviewKind::LegacyChannels,
            &g.brand,
            &g.brand_name,
            g.issued_at,
        )
        .param("channels", info.join(", "));
        item.grant = Some(g.id.clone());
        item.actions.extend([
            ReviewAction::Restate {
                grant: g.id.clone(),
            },
            ReviewAction::Revoke {
                grant: g.id.clone(),
            },
        ]);
        out.push(item);
    }
    out
}

/// The same channel decisions, each given again at `now`: what [`ReviewAction::Reconfirm`]
/// reissues the grant with (`GrantRepo::change_channels`).
pub fn reconfirmed_channels(channels: &ChannelChoices, now: i64) -> Result<ChannelChoices> {
    let choices = channels
        .consents()
        .iter()
        .map(|c| Choice::new(c.channel.clone(), c.kind, c.allowed))
        .collect();
    Ok(ChannelChoices::new(
        choices,
        channels.night_ads().allowed,
        now,
    )?)
}

/// The same channel decisions with every advertising consent refused and no night-time
/// advertising, dated `now`: what [`ReviewAction::StopAds`] reissues the grant with.
pub fn channels_without_ads(channels: &ChannelChoices, now: i64) -> Result<ChannelChoices> {
    let choices = channels
        .consents()
        .iter()
        .map(|c| Choice::new(c.channel.clone(), c.kind, c.allowed && c.kind != Kind::Ad))
        .collect();
    Ok(ChannelChoices::new(choices, false, now)?)
}

/// DPV categories whose purpose needs the raw value itself.
const NEEDS_BIRTHDATE: &[&str] = &["IdentityVerification"];
const NEEDS_ADDRESS: &[&str] = &["DeliveryOfGoods", "CustomerOrderManagement"];
const AGE_CATEGORIES: &[&str] = &["AgeVerification"];

/// Words (English, whole words) and stems (Korean, anywhere) in a purpose that say what it is
/// for. A purpose is the consumer's or the brand's own words, so this is a hint, not a rule:
/// when nothing matches, the birth date still gets the year-free birthday suggested.
const AGE_WORDS: &[&str] = &[
    "age", "ages", "adult", "adults", "alcohol", "liquor", "tobacco", "wine", "beer", "19+",
];
const AGE_STEMS: &[&str] = &["성인", "나이", "연령", "주류", "담배", "청소년", "술"];
const DELIVERY_WORDS: &[&str] = &[
    "deliver",
    "delivery",
    "deliveries",
    "shipping",
    "ship",
    "shipment",
    "parcel",
    "courier",
];
const DELIVERY_STEMS: &[&str] = &["배송", "배달", "택배", "발송", "우편"];

fn mentions(purpose: &str, words: &[&str], stems: &[&str]) -> bool {
    let lower = purpose.to_lowercase();
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '+'))
        .any(|w| words.contains(&w))
        || stems.iter().any(|s| lower.contains(s))
}

fn in_category(g: &GrantChoices, names: &[&str]) -> bool {
    let local = g.purpose_category.rsplit('#').next().unwrap_or("");
    names.contains(&local)
}

/// The parts of an address that say more than the city: everything but locality, region and
/// country.
fn fine_address(released: &str) -> bool {
    released.strip_prefix("address.").is_some_and(|p| {
        ![
            AddressPart::Locality.as_str(),
            AddressPart::Region.as_str(),
            AddressPart::Country.as_str(),
        ]
        .contains(&p)
    })
}

/// Rule 4. For an age check the derived fact is `adult_kr` for a Korean profile (country KR or
/// none set: the first users are Korean) and `age_over_18` otherwise; for anything else but
/// identity verification, the birthday without the year. A full address is flagged unless the
/// purpose is delivering something.
fn raw_values(grants: &[Grant], country: Option<&str>) -> Vec<ReviewItem> {
    let mut out = Vec::new();
    for (g, c) in active(grants) {
        let mut suggest = |replace: Vec<String>, with: &str| {
            let mut item =
                ReviewItem::new(ReviewKind::RawValue, &g.brand, &g.brand_name, g.issued_at)
                    .param("fields", replace.join(", "))
                    .param("derived", with);
            item.grant = Some(g.id.clone());
            item.actions.push(ReviewAction::Narrow {
                grant: g.id.clone(),
                replace,
                with: with.to_string(),
            });
            item.actions.push(ReviewAction::Revoke {
                grant: g.id.clone(),
            });
            out.push(item);
        };
        if c.released.iter().any(|r| r == "birthdate") {
            let age = in_category(c, AGE_CATEGORIES) || mentions(&c.purpose, AGE_WORDS, AGE_STEMS);
            if age {
                let fact = match country {
                    None | Some("KR") => "adult_kr",
                    Some(_) => "age_over_18",
                };
                suggest(vec!["birthdate".into()], fact);
            } else if !in_category(c, NEEDS_BIRTHDATE) {
                suggest(vec!["birthdate".into()], "birthday");
            }
        }
        let fine: Vec<String> = c
            .released
            .iter()
            .filter(|r| fine_address(r))
            .cloned()
            .collect();
        let delivery =
            in_category(c, NEEDS_ADDRESS) || mentions(&c.purpose, DELIVERY_WORDS, DELIVERY_STEMS);
        // The city is read from the locality or an address line; a postal code alone does not
        // name it (the narrowing would be refused as releasing more).
        let city_source = c.released.iter().any(|r| {
            let path: Vec<&str> = r.split('.').collect();
            vouchsafe_token::derived::DerivedFact::City.derives_from(&path)
        });
        if !fine.is_empty() && city_source && !delivery {
            // Narrowing to the city replaces every address part the grant released.
            let all: Vec<String> = c
                .released
                .iter()
                .filter(|r| r.starts_with("address."))
                .cloned()
                .collect();
            suggest(all, "city");
        }
    }
    out
}

/// Rule 5. The last time a brand answered: a brand receipt stored, an event accepted (`202`),
/// an erasure receipt, or an event acknowledged without one. A brand never heard from counts
/// from when it was connected.
fn silent_brands(
    grants: &[Grant],
    receipts: &BTreeMap<String, (String, i64)>,
    outbox: &[OutboxItem],
    brands: &BTreeMap<String, BrandFacts>,
    now: i64,
) -> Vec<ReviewItem> {
    let mut out = Vec::new();
    for (id, b) in brands.iter().filter(|(_, b)| b.connected) {
        let mine: Vec<&Grant> = grants.iter().filter(|g| &g.brand == id).collect();
        if !mine.iter().any(|g| g.state == GrantState::Active) {
            continue;
        }
        let from_receipts = mine
            .iter()
            .filter_map(|g| receipts.get(&g.id).map(|(_, at)| *at));
        let from_events = outbox.iter().filter(|o| &o.brand == id).flat_map(|o| {
            let acked = (o.state == OutboxState::Acknowledged).then_some(o.updated_at);
            [o.sent_at, o.receipt_at, acked].into_iter().flatten()
        });
        let last = from_receipts
            .chain(from_events)
            .max()
            .unwrap_or(b.created_at);
        if now - last < SILENT_AFTER_SECS {
            continue;
        }
        let live = mine
            .iter()
            .filter(|g| g.state == GrantState::Active)
            .count();
        let item = ReviewItem::new(ReviewKind::SilentBrand, id, &b.name, last)
            .param("days", (now - last).div_euclid(DAY))
            .param("live", live);
        let mut item = item;
        item.actions
            .push(ReviewAction::RevokeBrand { brand: id.clone() });
        out.push(item);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_up() {
        assert_eq!(days_between(0, 1), 1);
        assert_eq!(days_between(0, DAY), 1);
        assert_eq!(days_between(0, DAY + 1), 2);
        assert_eq!(days_between(5, 0), 0);
    }

    #[test]
    fn purposes_are_read_by_whole_words() {
        assert!(mentions("check you are an adult", AGE_WORDS, AGE_STEMS));
        assert!(mentions("성인 인증", AGE_WORDS, AGE_STEMS));
        assert!(!mentions(
            "send a message about usage",
            AGE_WORDS,
            AGE_STEMS
        ));
        assert!(mentions("택배 배송", DELIVERY_WORDS, DELIVERY_STEMS));
        assert!(!mentions("birthday coupon", DELIVERY_WORDS, DELIVERY_STEMS));
    }

    #[test]
    fn kinds_have_stable_names_in_order_of_importance() {
        let kinds = [
            ReviewKind::ErasureOverdue,
            ReviewKind::PastRetention,
            ReviewKind::Expiring,
            ReviewKind::OldAdConsent,
            ReviewKind::LegacyChannels,
            ReviewKind::RawValue,
            ReviewKind::SilentBrand,
        ];
        assert!(kinds.windows(2).all(|w| w[0] < w[1]));
        for k in kinds {
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::Value::from(k.as_str()))
            );
        }
    }
}
