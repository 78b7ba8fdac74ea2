//! End-to-end: the Review screen and the channel × kind choices through the real window, in
//! English and then in Korean (tauri-driver + WebKitWebDriver, under Xvfb when there is no
//! display; a private D-Bus session bus, so notifications and the single-instance name stay off
//! the machine's own session).
//!
//! The vault is made before the app starts, with the core on a clock the test sets back
//! (`src/clock.rs`), so it holds what the review lists, for two brands each: a grant expiring
//! within 14 days, an advertising consent given more than two years ago, and a grant releasing
//! the birth date for an age check where `adult_kr` would do. The app then opens it as a person's
//! vault. In each language the test:
//!
//! 1. checks the Review screen lists the items most important first (expiring, old advertising
//!    consent, raw value; by date within a kind) with their sentences in that language;
//! 2. reissues one expiring grant and settles one old advertising consent (English: "stop the
//!    ads", which asks first, and cancelling it changes nothing; Korean: "keep receiving ads"),
//!    and checks those items go and the Grants screen shows the result (the old grant revoked,
//!    its successor with the new end date, or with the advertising refused or kept);
//! 3. narrows a raw birth date to `adult_kr` when the screen offers it (until then the action is
//!    shown disabled, with its reason);
//! 4. sets channels with the grid on the Share screen, checks the one-sentence summary in that
//!    language, shares, checks the token's channel claims with `vouchsafe-verify` and the
//!    grant's channel line on the Grants screen.
//!
//! Screenshots: `<target>/e2e-screenshots/{en,ko}-review-NN-*.png`. Run like tests/e2e.rs:
//! `VOUCHSAFE_E2E=1 cargo test -p vouchsafe-desktop --features custom-protocol --test
//! e2e_review` (`VOUCHSAFE_APP=/usr/bin/vouchsafe-desktop` for the installed .deb).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::Value;
use support::{Harness, Ui, has_hangul, tid, until};
use vouchsafe::grants::{Channel, ChannelChoices, Choice, Derived, Kind};
use vouchsafe::{
    Clock, FieldName, FixedClock, GrantRequest, GrantRequestParts, KdfParams, NewBrand, Passphrase,
    SystemClock, Vault,
};

const PASS: &str = "violet tractor 93 unwise lagoon";
const DAY: i64 = 86_400;

// --- the vault ------------------------------------------------------------------------------

/// One brand's grants that the review lists.
struct BrandGrants {
    id: &'static str,
    name: &'static str,
    /// Given long ago with advertising by email and SMS (purpose `old_ad_purpose`).
    old_ad: String,
    old_ad_purpose: &'static str,
    /// How many days ago its advertising consent was given.
    old_ad_days: i64,
    /// Ends within 14 days (purpose `expiring_purpose`).
    expiring: String,
    expiring_purpose: &'static str,
    /// Its end, and the length it was given for (what a reissue adds).
    expiring_at: i64,
    expiring_period_days: i64,
}

/// What the test prepared. `acme` is settled in English, `bori` in Korean.
struct Prepared {
    acme: BrandGrants,
    bori: BrandGrants,
    /// The raw birth dates for an age check, one per language: (brand id, grant id).
    raw: [(&'static str, String); 2],
}

fn field(name: &str) -> FieldName {
    name.parse().expect("field name")
}

/// How a prepared grant may contact the person.
#[derive(Clone, Copy)]
enum Contact {
    None,
    /// Notices by email.
    Notices,
    /// Notices by email, advertising by email and SMS, none at night.
    Ads,
}

/// A prepared grant: issued `ago` days before the test, for `days`, releasing `field`.
struct Spec {
    ago: i64,
    days: i64,
    brand: &'static str,
    field: &'static str,
    purpose: &'static str,
    contact: Contact,
}

const fn spec(
    ago: i64,
    days: i64,
    brand: &'static str,
    field: &'static str,
    purpose: &'static str,
    contact: Contact,
) -> Spec {
    Spec {
        ago,
        days,
        brand,
        field,
        purpose,
        contact,
    }
}

/// In issue order: advertising consents given 800 and 760 days ago (the grants still
/// running), grants given for 60 and 52 days ending in 10 and 12, and the birth date itself
/// for two age checks.
const SPECS: [Spec; 6] = [
    spec(800, 1100, "acme", "email", "Coupons and news", Contact::Ads),
    spec(760, 1100, "bori", "email", "Bread offers", Contact::Ads),
    spec(50, 60, "acme", "email", "Order updates", Contact::Notices),
    spec(40, 52, "bori", "email", "Pickup notices", Contact::Notices),
    spec(
        30,
        365,
        "wine",
        "birthdate",
        "Check you are an adult before selling wine",
        Contact::None,
    ),
    spec(
        20,
        365,
        "pub",
        "birthdate",
        "Age check for beer",
        Contact::None,
    ),
];

const BRANDS: [(&str, &str); 4] = [
    ("acme", "Acme Coffee"),
    ("bori", "Bori Bakery"),
    ("wine", "Wine Cellar"),
    ("pub", "Corner Pub"),
];

fn brand_name(id: &str) -> &'static str {
    BRANDS
        .iter()
        .find(|(b, _)| *b == id)
        .map(|(_, n)| *n)
        .expect("a prepared brand")
}

/// Issue `s` on a clock set back to when it was given.
fn issue(v: &mut Vault, clock: &FixedClock, now: i64, s: &Spec) -> String {
    clock.set(now - s.ago * DAY);
    let at = clock.now();
    let mut choices = vec![Choice::new(Channel::Email, Kind::Info, true)];
    match s.contact {
        Contact::None => choices.clear(),
        Contact::Notices => {}
        Contact::Ads => choices.extend([
            Choice::new(Channel::Email, Kind::Ad, true),
            Choice::new(Channel::Sms, Kind::Ad, true),
        ]),
    }
    let req = GrantRequest::new(
        GrantRequestParts {
            brand: s.brand.into(),
            fields: vec![field(s.field)],
            derived: Vec::<Derived>::new(),
            purpose: s.purpose.into(),
            purpose_category: None,
            channels: ChannelChoices::new(choices, false, at).expect("channels"),
            offer: None,
            expires_at: at + s.days * DAY,
        },
        at,
    )
    .expect("grant request");
    v.grants_mut().issue(&req).expect("issue").id
}

/// Make the vault the app will find at `path`, through the core, with each grant issued on a
/// clock set back to when it was given. Minimum KDF cost: unlocking is not what is tested.
fn prepare(path: &Path) -> Prepared {
    std::fs::create_dir_all(path.parent().expect("vault dir")).expect("mkdir");
    let mut v = Vault::create(path, &Passphrase::new(PASS), KdfParams::MINIMUM).expect("create");
    let now = SystemClock.now();
    let clock = FixedClock::at(now);
    v.set_clock(Arc::new(clock.clone()));
    for (name, value) in [
        ("given_name", "민준"),
        ("email", "minjun@example.kr"),
        ("birthdate", "1990-05-17"),
    ] {
        v.fields_mut().set(&field(name), value, None).expect(name);
    }
    for (id, name) in BRANDS {
        v.brands_mut()
            .add(&NewBrand {
                id,
                name,
                ..NewBrand::default()
            })
            .expect("brand");
    }
    let mut ids: Vec<String> = SPECS
        .iter()
        .map(|s| issue(&mut v, &clock, now, s))
        .collect();
    drop(v);
    let mut take = || ids.remove(0);
    let (acme_old, bori_old, acme_exp, bori_exp) = (take(), take(), take(), take());
    let brand = |old: String, o: &Spec, expiring: String, e: &Spec| BrandGrants {
        id: o.brand,
        name: brand_name(o.brand),
        old_ad: old,
        old_ad_purpose: o.purpose,
        old_ad_days: o.ago,
        expiring,
        expiring_purpose: e.purpose,
        expiring_at: now + (e.days - e.ago) * DAY,
        expiring_period_days: e.days,
    };
    Prepared {
        acme: brand(acme_old, &SPECS[0], acme_exp, &SPECS[2]),
        bori: brand(bori_old, &SPECS[1], bori_exp, &SPECS[3]),
        raw: [(SPECS[4].brand, take()), (SPECS[5].brand, take())],
    }
}

/// Run `vouchsafe-verify` on a token for `brand` (no status check); the claims it prints.
fn verify(token: &str, brand: &str) -> Value {
    let out = Command::new(support::verify_binary())
        .args([token, "--audience", brand, "--no-status-check"])
        .output()
        .expect("run vouchsafe-verify");
    assert!(
        out.status.success(),
        "vouchsafe-verify refused the token: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("verify prints the claims as JSON")
}

// --- the window -----------------------------------------------------------------------------

/// One review item as the screen lists it.
#[derive(Debug)]
struct Item {
    kind: String,
    grant: String,
    text: String,
}

/// One grant row on the Grants screen.
#[derive(Debug)]
struct Row {
    id: String,
    state: String,
    text: String,
}

/// The words each language uses, for the checks.
struct Words {
    /// The expiring sentence's "in N days" for `n`.
    days_left: fn(i64) -> String,
    /// The old advertising consent's "N days ago" for `n`.
    days_ago: fn(i64) -> String,
    /// The channels of the old advertising consents, as the sentence lists them.
    ad_channels: &'static str,
    /// The label of `adult_kr` and of the birth date.
    adult_kr: &'static str,
    birthdate: &'static str,
    /// The reissue button for `n` more days.
    reissue: fn(i64) -> String,
    /// The Grants screen's channel line: notices and ads by email, ads by email and SMS.
    notices_email: &'static str,
    ads_label: &'static str,
    ads_email_sms: &'static str,
    /// `Intl` tag and month style of the Grants screen's dates.
    date_tag: &'static str,
    date_month: &'static str,
}

const EN: Words = Words {
    days_left: |n| format!("in {n} days"),
    days_ago: |n| format!("{n} days ago"),
    ad_channels: "Email, SMS",
    adult_kr: "Adult (Korean Youth Protection Act)",
    birthdate: "Date of birth",
    reissue: |n| format!("Reissue for {n} more days"),
    notices_email: "Notices: Email",
    ads_label: "Ads:",
    ads_email_sms: "Ads: Email, SMS",
    date_tag: "en-GB",
    date_month: "short",
};

const KO: Words = Words {
    days_left: |n| format!("{n}일 남음"),
    days_ago: |n| format!("{n}일 전"),
    ad_channels: "이메일, 문자",
    adult_kr: "성인 (청소년보호법 기준)",
    birthdate: "생년월일",
    reissue: |n| format!("{n}일 더 연장"),
    notices_email: "안내: 이메일",
    ads_label: "광고:",
    ads_email_sms: "광고: 이메일, 문자",
    date_tag: "ko-KR",
    date_month: "long",
};

struct Run {
    ui: Ui,
    shots: PathBuf,
    lang: &'static str,
    words: &'static Words,
    taken: Vec<PathBuf>,
}

impl Run {
    async fn shot(&mut self, name: &str) {
        let p = self
            .ui
            .shot(&self.shots, &format!("{}-review-{name}", self.lang))
            .await;
        self.taken.push(p);
    }

    async fn nav(&self, screen: &str, ready: &str) {
        self.ui.click(&format!("nav-{screen}")).await;
        self.ui.el(ready).await;
    }

    /// Check the text is in this run's language: Hangul in Korean, none in English (every
    /// name the test chose is Latin, so Hangul in English can only be an untranslated string).
    fn in_language(&self, what: &str, text: &str) {
        let korean = has_hangul(text);
        assert_eq!(
            korean,
            self.lang == "ko",
            "{what} should be in {}: {text:?}",
            self.lang
        );
    }

    /// The items on the Review screen, in the order shown.
    async fn items(&self) -> Vec<Item> {
        let els = self
            .ui
            .c
            .find_all(Locator::Css("[data-testid^=\"review-item-\"]"))
            .await
            .unwrap_or_default();
        let mut out = Vec::new();
        for e in els {
            let testid = e.attr("data-testid").await.ok().flatten();
            let grant = e.attr("data-grant").await.ok().flatten();
            let text = e.text().await.unwrap_or_default();
            if let Some(kind) =
                testid.and_then(|t| t.strip_prefix("review-item-").map(str::to_string))
            {
                out.push(Item {
                    kind,
                    grant: grant.unwrap_or_default(),
                    text,
                });
            }
        }
        out
    }

    /// Open the Review screen and wait for its list (items or the empty note).
    async fn open_review(&self) {
        self.ui.click("nav-review").await;
        until("the review list", self.ui.timeout, || async {
            self.ui.has("review-empty").await || !self.items().await.is_empty()
        })
        .await;
    }

    /// Wait until the Review screen shows exactly `want` (kind, grant) in this order.
    async fn items_are(&self, want: &[(&str, &str)]) -> Vec<Item> {
        let deadline = Instant::now() + self.ui.timeout;
        loop {
            let items = self.items().await;
            let got: Vec<(&str, &str)> = items
                .iter()
                .map(|i| (i.kind.as_str(), i.grant.as_str()))
                .collect();
            // An empty list counts once the screen says so, not while it reloads.
            if got == want && (!want.is_empty() || self.ui.has("review-empty").await) {
                return items;
            }
            assert!(
                Instant::now() < deadline,
                "the review should list {want:?} in this order; it lists {items:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The button of `action` in the item of `kind` about `grant`.
    fn action_css(kind: &str, grant: &str, action: &str) -> String {
        format!(
            "{}[data-grant=\"{grant}\"] {}",
            tid(&format!("review-item-{kind}")),
            tid(&format!("review-action-{action}"))
        )
    }

    async fn action(&self, kind: &str, grant: &str, action: &str) -> fantoccini::elements::Element {
        let css = Self::action_css(kind, grant, action);
        until(&css, self.ui.timeout, || async {
            self.ui.c.find(Locator::Css(&css)).await.is_ok()
        })
        .await;
        self.ui.c.find(Locator::Css(&css)).await.expect("just seen")
    }

    async fn press(&self, kind: &str, grant: &str, action: &str) {
        let b = self.action(kind, grant, action).await;
        assert!(
            b.is_enabled().await.unwrap_or(false),
            "{action} on the {kind} item of {grant} is enabled"
        );
        b.click()
            .await
            .unwrap_or_else(|e| panic!("click {action} on {grant}: {e}"));
    }

    /// Every grant row on the Grants screen (one page holds all of this test's grants).
    async fn rows(&self) -> Vec<Row> {
        let els = self
            .ui
            .c
            .find_all(Locator::Css("[data-testid^=\"grant-row-\"]"))
            .await
            .unwrap_or_default();
        let mut out = Vec::new();
        for e in els {
            let Some(id) = e
                .attr("data-testid")
                .await
                .ok()
                .flatten()
                .and_then(|t| t.strip_prefix("grant-row-").map(str::to_string))
            else {
                continue;
            };
            out.push(Row {
                id,
                state: e
                    .attr("data-state")
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                text: e.text().await.unwrap_or_default(),
            });
        }
        out
    }

    /// Open the Grants screen and wait until the row `id` is there.
    async fn open_grants(&self, id: &str) {
        self.nav("grants", "grant-filter").await;
        self.ui.el(&format!("grant-row-{id}")).await;
    }

    /// The state of the row of `id`.
    async fn state_of(&self, id: &str) -> String {
        self.ui
            .attr(&format!("grant-row-{id}"), "data-state")
            .await
            .unwrap_or_default()
    }

    /// The one active row, other than `old`, of the brand whose purpose is `purpose`: the
    /// grant that replaced `old`.
    async fn successor(&self, old: &str, brand_name: &str, purpose: &str) -> Row {
        let rows = self.rows().await;
        let mut found: Vec<Row> = rows
            .into_iter()
            .filter(|r| {
                r.id != old
                    && r.state == "active"
                    && r.text.contains(brand_name)
                    && r.text.contains(purpose)
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one active grant replaces {old} ({brand_name}, {purpose}): {found:#?}"
        );
        found.remove(0)
    }

    /// The channel line of a grant's row.
    async fn channels_of(&self, id: &str) -> String {
        let css = format!(
            "{} {}",
            tid(&format!("grant-row-{id}")),
            tid("grant-channels")
        );
        match self.ui.c.find(Locator::Css(&css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// `secs` as the Grants screen writes a date in this language (the browser's own `Intl`).
    async fn date(&self, secs: i64) -> String {
        let v = self
            .ui
            .c
            .execute(
                "return new Intl.DateTimeFormat(arguments[1], \
                 { year: 'numeric', month: arguments[2], day: 'numeric' }) \
                 .format(new Date(arguments[0] * 1000));",
                vec![
                    Value::from(secs),
                    Value::from(self.words.date_tag),
                    Value::from(self.words.date_month),
                ],
            )
            .await
            .expect("format a date");
        v.as_str().expect("a string").to_string()
    }

    async fn set_checked(&self, id: &str, on: bool) {
        let e = self.ui.el(id).await;
        if e.is_selected().await.unwrap_or(false) != on {
            self.ui.click(id).await;
        }
        until(&format!("{id} checked = {on}"), self.ui.timeout, || async {
            e.is_selected().await.unwrap_or(!on) == on
        })
        .await;
    }
}

/// Unlock the prepared vault.
async fn unlock(ui: &Ui) {
    ui.el_within("unlock-passphrase", Duration::from_secs(60))
        .await;
    ui.fill("unlock-passphrase", PASS).await;
    ui.click("unlock-submit").await;
    ui.el_within("nav-profile", Duration::from_secs(60)).await;
}

/// The review in one language: the list in order with its sentences, then `b`'s expiring grant
/// reissued and its old advertising consent settled (English: stop the ads, Korean: keep them),
/// and the raw birth date of `raw` narrowed if the screen offers it. `before` is the list the
/// screen must show first. Returns whether `raw` was narrowed.
async fn review(
    run: &mut Run,
    b: &BrandGrants,
    raw: &(&'static str, String),
    before: &[(&str, &str)],
) -> bool {
    let w = run.words;
    run.open_review().await;
    let items = run.items_are(before).await;
    for i in &items {
        run.in_language(&format!("the {} item of {}", i.kind, i.grant), &i.text);
    }
    let text_of = |grant: &str, kind: &str| {
        items
            .iter()
            .find(|i| i.grant == grant && i.kind == kind)
            .map(|i| i.text.clone())
            .expect("listed")
    };
    let expiring = text_of(&b.expiring, "expiring");
    let left = (b.expiring_at - SystemClock.now() + DAY - 1) / DAY;
    for want in [b.name.to_string(), (w.days_left)(left)] {
        assert!(expiring.contains(&want), "{want:?} in {expiring:?}");
    }
    assert!(
        expiring.contains(&(w.reissue)(b.expiring_period_days)),
        "the reissue button offers the grant's own period again: {expiring:?}"
    );
    let old_ad = text_of(&b.old_ad, "old_ad_consent");
    for want in [
        b.name.to_string(),
        (w.days_ago)(b.old_ad_days),
        w.ad_channels.to_string(),
    ] {
        assert!(old_ad.contains(&want), "{want:?} in {old_ad:?}");
    }
    let raw_text = text_of(&raw.1, "raw_value");
    for want in [w.birthdate, w.adult_kr] {
        assert!(raw_text.contains(want), "{want:?} in {raw_text:?}");
    }
    run.shot("01-review").await;

    // Reissue: no question asked (nothing is taken away); the item goes.
    run.press("expiring", &b.expiring, "reissue").await;
    let after_reissue: Vec<(&str, &str)> = before
        .iter()
        .copied()
        .filter(|(_, g)| *g != b.expiring)
        .collect();
    run.items_are(&after_reissue).await;
    run.ui.el("notice").await;

    // The old advertising consent.
    if run.lang == "en" {
        // Stopping the ads takes something away: it asks first, and cancelling changes nothing.
        run.press("old_ad_consent", &b.old_ad, "stopAds").await;
        run.ui.el("confirm-yes").await;
        run.shot("02-stop-ads-confirm").await;
        run.ui.click("confirm-no").await;
        run.ui.gone("confirm-yes").await;
        // Long enough for an action and the list's reload, had the cancel carried it out.
        tokio::time::sleep(Duration::from_millis(500)).await;
        run.items_are(&after_reissue).await;
        run.press("old_ad_consent", &b.old_ad, "stopAds").await;
        run.ui.click("confirm-yes").await;
    } else {
        run.press("old_ad_consent", &b.old_ad, "reconfirm").await;
    }
    let mut after: Vec<(&str, &str)> = after_reissue
        .iter()
        .copied()
        .filter(|(_, g)| *g != b.old_ad)
        .collect();
    run.items_are(&after).await;

    // Narrowing the raw birth date to adult_kr, once the screen can do it in place.
    let narrow = run.action("raw_value", &raw.1, "narrow").await;
    let narrowed = narrow.is_enabled().await.unwrap_or(false);
    if narrowed {
        narrow.click().await.expect("click narrow");
        // It may ask first (the brand gets a new grant); either way the item then goes.
        let css = format!("{}[data-grant=\"{}\"]", tid("review-item-raw_value"), raw.1);
        until(
            "the narrow question or the item gone",
            run.ui.timeout,
            || async {
                run.ui.has("confirm-yes").await || run.ui.c.find(Locator::Css(&css)).await.is_err()
            },
        )
        .await;
        if run.ui.has("confirm-yes").await {
            run.shot("02b-narrow-confirm").await;
            run.ui.click("confirm-yes").await;
        }
        after.retain(|(_, g)| *g != raw.1);
        run.items_are(&after).await;
    } else {
        let why = narrow
            .attr("title")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        assert!(!why.is_empty(), "a disabled narrow action says why");
        run.in_language("why narrowing is not offered", &why);
    }
    run.shot("03-review-after").await;
    narrowed
}

/// The Grants screen after the review's actions: each settled grant revoked, and its successor
/// active with what the action changed.
async fn grants_after_review(run: &mut Run, b: &BrandGrants, raw: Option<&(&str, String)>) {
    let w = run.words;
    run.open_grants(&b.expiring).await;
    for old in [&b.expiring, &b.old_ad] {
        assert_eq!(run.state_of(old).await, "revoked", "{old} was replaced");
    }
    // Reissued for as long again as it was given for, counted from its end.
    let renewed = run.successor(&b.expiring, b.name, b.expiring_purpose).await;
    let until = run.date(b.expiring_at + b.expiring_period_days * DAY).await;
    assert!(
        renewed.text.contains(&until),
        "the reissued grant runs until {until}: {}",
        renewed.text
    );
    let settled = run.successor(&b.old_ad, b.name, b.old_ad_purpose).await;
    let line = run.channels_of(&settled.id).await;
    run.in_language("the channel line", &line);
    assert!(line.contains(w.notices_email), "notices kept: {line:?}");
    if run.lang == "en" {
        assert!(
            !line.contains(w.ads_label),
            "no ads after stopping them: {line:?}"
        );
    } else {
        assert!(line.contains(w.ads_email_sms), "ads kept: {line:?}");
    }
    if let Some((brand, old)) = raw {
        assert_eq!(run.state_of(old).await, "revoked", "{old} was narrowed");
        let name = brand_name(brand);
        let rows = run.rows().await;
        let new = rows
            .iter()
            .find(|r| r.state == "active" && r.text.contains(name))
            .unwrap_or_else(|| panic!("an active grant for {name}: {rows:#?}"));
        assert!(
            new.text.contains(w.adult_kr) && !new.text.contains(w.birthdate),
            "the narrowed grant releases {} instead of {}: {}",
            w.adult_kr,
            w.birthdate,
            new.text
        );
    }
    run.shot("04-grants-after-review").await;
}

/// Share with the channel × kind grid: notices by email and KakaoTalk, ads by email, no ads by
/// SMS, ads at night in English only; check the summary, the token's claims and the Grants line.
async fn share_with_channels(run: &mut Run, b: &BrandGrants) {
    let night = run.lang == "en";
    let (purpose, sentence, line_parts): (&str, &str, &[&str]) = if night {
        (
            "Coffee club news",
            "Notices by email or KakaoTalk; ads by email only; ads at night too.",
            &[
                "Notices: Email, KakaoTalk",
                "Ads: Email",
                "ads at night too",
            ],
        )
    } else {
        (
            "새 메뉴 소식",
            "안내는 이메일·카카오톡으로, 광고는 이메일로만, 야간 광고 수신 안 함.",
            &["안내: 이메일, 카카오톡", "광고: 이메일"],
        )
    };
    run.nav("share", "share-brand").await;
    let ui = &run.ui;
    ui.select("share-brand", b.id).await;
    run.set_checked("share-field-email", true).await;
    ui.fill("share-purpose", purpose).await;
    for (cell, value) in [
        ("email-info", "yes"),
        ("kakao-info", "yes"),
        ("email-ad", "yes"),
        ("sms-ad", "no"),
    ] {
        ui.select(&format!("share-channel-{cell}"), value).await;
    }
    run.set_checked("share-night-ads", night).await;
    let summary = run
        .ui
        .text_until("share-summary", sentence, |t| t.contains(sentence))
        .await;
    run.in_language("the share summary", &summary);
    run.shot("05-share-channels").await;

    run.ui.click("share-issue").await;
    let token = run
        .ui
        .value_until("issued-token", "a token", |v| v.split('.').count() == 3)
        .await;
    let issued = run.ui.text("issued-summary").await;
    assert!(issued.contains(sentence), "the issued summary: {issued:?}");
    run.shot("06-shared").await;

    // What the brand receives: exactly the grid, in the documented order, and the night answer.
    let claims = verify(&token, b.id);
    let details = &claims["authorization_details"][0];
    let got: Vec<(String, String, bool)> = details["channels"]
        .as_array()
        .unwrap_or_else(|| panic!("channels in {claims}"))
        .iter()
        .map(|c| {
            (
                c["channel"].as_str().unwrap_or_default().to_string(),
                c["kind"].as_str().unwrap_or_default().to_string(),
                c["allowed"].as_bool().expect("allowed"),
            )
        })
        .collect();
    let want: Vec<(String, String, bool)> = [
        ("email", "info", true),
        ("email", "ad", true),
        ("sms", "ad", false),
        ("kakao", "info", true),
    ]
    .iter()
    .map(|(c, k, a)| (c.to_string(), k.to_string(), *a))
    .collect();
    assert_eq!(got, want, "the token's channels");
    assert_eq!(
        details["night_ads"]["allowed"], night,
        "night_ads in {details}"
    );
    let jti = claims["jti"].as_str().expect("jti").to_string();

    run.open_grants(&jti).await;
    assert_eq!(run.state_of(&jti).await, "active");
    let line = run.channels_of(&jti).await;
    run.in_language("the shared grant's channel line", &line);
    for part in line_parts {
        assert!(line.contains(part), "{part:?} in {line:?}");
    }
    if !night {
        assert!(!line.contains("야간"), "no ads at night: {line:?}");
    }
    run.shot("07-grants-channels").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_and_channels_through_the_window() {
    let started = Instant::now();
    let Some((app, tools, [dbus])) =
        support::gate("Review end-to-end test", [("dbus-daemon", "dbus")])
    else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dirs = ["home", "data", "config", "cache"].map(|d| tmp.path().join(d));
    for d in &dirs {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let p = prepare(&dirs[1].join("vouchsafe").join("vault.db"));
    let (_bus, bus_address) = support::session_bus(&dbus, tmp.path());
    let bus_address = PathBuf::from(bus_address);
    let env: [(&str, &Path); 5] = [
        ("HOME", &dirs[0]),
        ("XDG_DATA_HOME", &dirs[1]),
        ("XDG_CONFIG_HOME", &dirs[2]),
        ("XDG_CACHE_HOME", &dirs[3]),
        ("DBUS_SESSION_BUS_ADDRESS", &bus_address),
    ];
    let harness = Harness::start(&tools, &env, "en_US.UTF-8");
    let shots = support::target_dir().join("e2e-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let mut run = Run {
        ui: Ui {
            c: harness.session(&app).await,
            timeout: Duration::from_secs(20),
        },
        shots,
        lang: "en",
        words: &EN,
        taken: Vec::new(),
    };
    unlock(&run.ui).await;

    // English: everything listed, most important first; Acme's items settled.
    let all = [
        ("expiring", p.acme.expiring.as_str()),
        ("expiring", p.bori.expiring.as_str()),
        ("old_ad_consent", p.acme.old_ad.as_str()),
        ("old_ad_consent", p.bori.old_ad.as_str()),
        ("raw_value", p.raw[0].1.as_str()),
        ("raw_value", p.raw[1].1.as_str()),
    ];
    let narrowed_en = review(&mut run, &p.acme, &p.raw[0], &all).await;
    grants_after_review(&mut run, &p.acme, narrowed_en.then_some(&p.raw[0])).await;
    share_with_channels(&mut run, &p.acme).await;

    // Korean, chosen in Settings: what is left, Bori's items settled.
    run.nav("settings", "settings-locale").await;
    run.ui.select("settings-locale", "ko").await;
    run.ui.click("settings-save").await;
    run.ui.text_until("nav-profile", "Korean", has_hangul).await;
    run.lang = "ko";
    run.words = &KO;
    let left: Vec<(&str, &str)> = all
        .iter()
        .copied()
        .filter(|(_, g)| {
            ![p.acme.expiring.as_str(), p.acme.old_ad.as_str()].contains(g)
                && (!narrowed_en || *g != p.raw[0].1)
        })
        .collect();
    let narrowed_ko = review(&mut run, &p.bori, &p.raw[1], &left).await;
    grants_after_review(&mut run, &p.bori, narrowed_ko.then_some(&p.raw[1])).await;
    share_with_channels(&mut run, &p.bori).await;

    eprintln!(
        "review end-to-end: {:.1} s; narrow {}; screenshots:",
        started.elapsed().as_secs_f64(),
        if narrowed_en && narrowed_ko {
            "exercised"
        } else {
            "not offered yet (disabled, with its reason)"
        }
    );
    for s in &run.taken {
        eprintln!("  {}", s.display());
    }
    let _ = run.ui.c.close().await;
    drop(harness);
}
