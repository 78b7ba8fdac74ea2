//! Desktop notifications about what cannot wait (issue 11): grants about to expire
//! ([`ReviewKind::Expiring`], within 14 days) and erasure requests a brand left unanswered past
//! PIPA's 10-day deadline ([`ReviewKind::ErasureOverdue`]). The review is the one source
//! ([`vouchsafe::Review`]); this module only decides whether to tell the person today, and in
//! what words. The shell shows the [`Notice`] through the OS notification service.
//!
//! Rules:
//! - only while the vault is unlocked (the review needs it), and only while the app runs: there
//!   is no background service;
//! - only once the person has been quiet for [`QUIET_FOR`]: the review holds the session lock
//!   for as long as it reads (≈130 ms on a vault of 10,000 grants), and a screen opened then
//!   would wait behind it, so the look waits for a pause instead of landing right after the
//!   unlock, when the first screens load;
//! - at most once per local calendar day, across restarts: the day last notified is kept beside
//!   the vault ([`NOTIFIED_FILE`]);
//! - never while the `notifications` setting is off;
//! - the words are counts and the most urgent item of each kind (brand name, date, days): never
//!   a field value, which may show on a lock screen or in a notification history.
//!
//! "Overdue answers" are exactly the review's overdue erasure requests (revocations and erasure
//! requests without the brand's erasure receipt 10 days on). No other outbox event has a legal
//! answer deadline: a grant's delivery owes nothing by a date, and a reissue
//! (`token-claims-change`) still waiting for the new grant's receipt, which
//! `vouchsafe::repo::OutboxItem::is_overdue` would also match, is left out by the review and so
//! here; a brand silent for half a year is the review's `silent_brand`, a tidying item.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use vouchsafe::{ReviewItem, ReviewKind};

use crate::dto::Locale;
use crate::idle::BootInstant;
use crate::state::{AppConfig, AppState};

/// The day a notification was last shown, in the vault's directory beside `settings.json`.
/// Plain JSON, like the settings: it tells whoever can read that directory only that on some
/// day something in the vault was due, not what or for whom, and it must be readable without
/// the passphrase's key work on every tick. A missing or damaged file means "never": the worst
/// case is one notification more that day.
pub const NOTIFIED_FILE: &str = "notified.json";

/// How often an unlocked vault is looked at again on a day nothing was shown yet: an item can
/// fall due during the day (a deadline passes, a grant enters its last 14 days). A fresh unlock
/// is looked at on the first quiet tick ([`QUIET_FOR`]).
pub const RECHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// How long the person must have been idle (no command counted as activity, as auto-lock counts
/// it: [`crate::state::Session::idle_for`]) before the notifier looks at the review. A look
/// holds the session lock for the whole review, so it waits until no screen is loading: someone
/// moving between screens sends a command at least every second or two, and 5 s without one
/// means they are reading, not navigating. The shell's ticker comes every 3 s, so a look put off
/// is retried then, and the notification arrives 5 to 8 s after the last command; short enough
/// to keep "right after an unlock" true to the person, long enough that the first screens after
/// an unlock never wait behind it.
pub const QUIET_FOR: Duration = Duration::from_secs(5);

/// The longest brand name a notification quotes whole; longer ones are cut with "…".
const BRAND_MAX_CHARS: usize = 40;

/// A notification to show: a one-line title and a short body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// What is due, from the review: the items that warrant a notification, most urgent first
/// within each kind (the review's order: oldest deadline, soonest expiry).
#[derive(Debug)]
struct Due<'a> {
    overdue: Vec<&'a ReviewItem>,
    expiring: Vec<&'a ReviewItem>,
}

impl<'a> Due<'a> {
    fn of(items: &'a [ReviewItem]) -> Self {
        let mut overdue: Vec<&ReviewItem> = items
            .iter()
            .filter(|i| i.kind == ReviewKind::ErasureOverdue)
            .collect();
        let mut expiring: Vec<&ReviewItem> = items
            .iter()
            .filter(|i| i.kind == ReviewKind::Expiring)
            .collect();
        // The review sorts by `at` within a kind already; sorting again keeps that true here
        // whatever order the items come in.
        overdue.sort_by_key(|i| i.at);
        expiring.sort_by_key(|i| i.at);
        Self { overdue, expiring }
    }

    fn is_empty(&self) -> bool {
        self.overdue.is_empty() && self.expiring.is_empty()
    }
}

/// Whether to notify on `today`, and with what: `None` when switched off, already shown on
/// `today` (or on a later day, should the clock have gone back), or nothing is due. Pure, so
/// every rule is tested with any date.
pub fn decide(
    enabled: bool,
    today: Date,
    last: Option<Date>,
    items: &[ReviewItem],
    locale: Locale,
) -> Option<Notice> {
    if !enabled || last.is_some_and(|l| l >= today) {
        return None;
    }
    compose(items, locale)
}

/// The notification for `items` in `locale`, or `None` when nothing in them is due.
pub fn compose(items: &[ReviewItem], locale: Locale) -> Option<Notice> {
    let due = Due::of(items);
    if due.is_empty() {
        return None;
    }
    let (o, e) = (due.overdue.len(), due.expiring.len());
    let mut lines = Vec::new();
    let title = match locale {
        Locale::En => {
            let overdue = match o {
                1 => "1 erasure request is overdue".to_string(),
                n => format!("{n} erasure requests are overdue"),
            };
            let expiring = match e {
                1 => "1 grant ends soon".to_string(),
                n => format!("{n} grants end soon"),
            };
            if let Some(i) = due.overdue.first() {
                lines.push(format!(
                    "Most overdue: {}, asked to erase your data, {} past the {} deadline.",
                    brand(i),
                    days_en(param(i, "days")),
                    param(i, "date"),
                ));
            }
            if let Some(i) = due.expiring.first() {
                lines.push(format!(
                    "Ending first: your grant to {}, on {} ({} left).",
                    brand(i),
                    param(i, "date"),
                    days_en(param(i, "days")),
                ));
            }
            lines.push("Open Review in Vouchsafe to act on it.".to_string());
            match (o, e) {
                (_, 0) => format!("Vouchsafe: {overdue}"),
                (0, _) => format!("Vouchsafe: {expiring}"),
                _ => format!(
                    "Vouchsafe: {}, {}",
                    match o {
                        1 => "1 erasure request overdue".to_string(),
                        n => format!("{n} erasure requests overdue"),
                    },
                    expiring
                ),
            }
        }
        Locale::Ko => {
            if let Some(i) = due.overdue.first() {
                lines.push(format!(
                    "가장 오래 밀린 삭제 요청: {}, 기한 {}에서 {}일 지남.",
                    brand(i),
                    param(i, "date"),
                    param(i, "days"),
                ));
            }
            if let Some(i) = due.expiring.first() {
                lines.push(format!(
                    "가장 먼저 끝나는 동의: {}, {}({}일 남음).",
                    brand(i),
                    param(i, "date"),
                    param(i, "days"),
                ));
            }
            lines.push("Vouchsafe의 검토 화면에서 처리하세요.".to_string());
            let parts: Vec<String> = [
                (o > 0).then(|| format!("기한이 지난 삭제 요청 {o}건")),
                (e > 0).then(|| format!("곧 끝나는 동의 {e}건")),
            ]
            .into_iter()
            .flatten()
            .collect();
            format!("Vouchsafe: {}", parts.join(", "))
        }
    };
    Some(Notice {
        title,
        body: lines.join("\n"),
    })
}

/// A review parameter (the review always sets the ones read here).
fn param<'a>(item: &'a ReviewItem, key: &str) -> &'a str {
    item.params.get(key).map_or("", String::as_str)
}

/// "1 day", "3 days"; the review's `days` is a whole number.
fn days_en(days: &str) -> String {
    if days == "1" {
        "1 day".to_string()
    } else {
        format!("{days} days")
    }
}

/// The brand's name as a notification quotes it: control characters dropped, cut to
/// [`BRAND_MAX_CHARS`], and, where the body is read as markup (the freedesktop servers: GNOME,
/// KDE, dunst), `&`, `<`, `>` escaped, so a brand's chosen name cannot add links or formatting.
fn brand(item: &ReviewItem) -> String {
    let clean: String = item
        .brand_name
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let mut name: String = clean.chars().take(BRAND_MAX_CHARS).collect();
    if clean.chars().count() > BRAND_MAX_CHARS {
        name.push('…');
    }
    if cfg!(all(unix, not(target_os = "macos"))) {
        escape_markup(&name)
    } else {
        name
    }
}

/// The Desktop Notifications Specification's body markup is a small XML subset: these three
/// are all it needs escaped.
fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The OS language as the window's `navigator.language` sees it under GTK (`LANGUAGE`'s first
/// entry, then `LC_ALL`, `LC_MESSAGES`, `LANG`; empty counts as unset): Korean for a `ko`
/// locale, English otherwise, as the UI resolves it (ui/src/lib/i18n `resolveLocale`). Used
/// when the setting follows the computer.
pub fn system_locale() -> Locale {
    locale_of(|name| std::env::var(name).ok())
}

fn locale_of(var: impl Fn(&str) -> Option<String>) -> Locale {
    let value = ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .filter_map(var)
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    let first = value.split(':').next().unwrap_or_default();
    // `ko`, `ko_KR.UTF-8`, `ko-KR`, `ko@euro`… but not `kok` (Konkani).
    match first.strip_prefix("ko") {
        Some(rest) if rest.is_empty() || rest.starts_with(['_', '-', '.', '@']) => Locale::Ko,
        _ => Locale::En,
    }
}

/// The file's content.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notified {
    /// `YYYY-MM-DD`, the local date.
    last_notified: String,
}

/// The day last notified, if the file says one.
pub fn load_last(path: &Path) -> Option<Date> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str::<Notified>(&text)
        .ok()?
        .last_notified
        .parse()
        .ok()
}

/// Record `day` as notified, atomically (temporary file, then rename).
pub fn save_last(path: &Path, day: Date) -> std::io::Result<()> {
    let text = serde_json::to_string(&Notified {
        last_notified: day.to_string(),
    })
    .map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    let written = fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())
                .and_then(|()| f.write_all(b"\n"))
                .and_then(|()| f.sync_all())
        })
        .and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Where [`NOTIFIED_FILE`] is for a vault.
pub fn notified_path(config: &AppConfig) -> PathBuf {
    config.vault_path.with_file_name(NOTIFIED_FILE)
}

/// Today's local date, as the notifier reads it.
pub type Calendar = Arc<dyn Fn() -> Date + Send + Sync>;

/// The system's local date.
pub fn system_calendar() -> Calendar {
    Arc::new(|| vouchsafe::Clock::today(&vouchsafe::SystemClock))
}

/// What the notifier remembers between the shell's ticks.
#[derive(Debug, Default)]
struct Memory {
    /// The day last notified: read from the file once, then kept here too, so a file that
    /// cannot be written still means at most once a day while the app runs.
    last: Option<Option<Date>>,
    /// The session epoch, the moment and the day of the last look at the review.
    looked: Option<(u64, BootInstant, Date)>,
}

/// The shell's notifier: call [`Notifier::poll`] on every tick; show what it returns.
pub struct Notifier {
    path: PathBuf,
    today: Calendar,
    memory: Mutex<Memory>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// For the vault of `config`, on the system's calendar.
    pub fn new(config: &AppConfig) -> Self {
        Self::with_calendar(config, system_calendar())
    }

    /// [`Notifier::new`] reading today's date from `today` (tests move it by hand).
    pub fn with_calendar(config: &AppConfig, today: Calendar) -> Self {
        Self {
            path: notified_path(config),
            today,
            memory: Mutex::new(Memory::default()),
        }
    }

    /// The notification to show now, if any. Cheap on most ticks: the review runs only when the
    /// vault was unlocked (or replaced) since the last look, the day changed, or
    /// [`RECHECK_EVERY`] has passed, and never once today's notification was shown; and then only
    /// once the person has been idle for [`QUIET_FOR`], else the look is put off to a later tick
    /// (nothing is recorded: neither the look nor the day). Never counts as activity (the idle
    /// timer is not reset), and never locks. The day is recorded before the notice is returned.
    pub fn poll(&self, state: &AppState) -> Option<Notice> {
        self.poll_at(state, state.now())
    }

    /// [`Notifier::poll`] at `now` on the idle clock.
    pub fn poll_at(&self, state: &AppState, now: BootInstant) -> Option<Notice> {
        let today = (self.today)();
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        let last = *memory.last.get_or_insert_with(|| load_last(&self.path));
        if last.is_some_and(|l| l >= today) {
            return None;
        }
        // Not `enter()`: a look from the ticker is not the person's activity.
        let mut s = state.session();
        if !s.settings.notifications || !s.is_unlocked() {
            return None;
        }
        let fresh = memory.looked.is_none_or(|(epoch, at, day)| {
            epoch != s.epoch || day != today || now.saturating_duration_since(at) >= RECHECK_EVERY
        });
        // The person is busy (a screen may be loading): look on a later tick, once quiet.
        if !fresh || s.idle_for(now) < QUIET_FOR {
            return None;
        }
        memory.looked = Some((s.epoch, now, today));
        let locale = s.settings.locale.unwrap_or_else(system_locale);
        // A vault the review cannot read (busy, damaged) is looked at again later.
        //
        // The review runs with the session lock held throughout: it borrows the open vault's
        // one connection and key (`Vault::review(&self)`), and the vault lives behind that lock.
        // Taking the vault out for it (as `AppState::hold_out` does for a passphrase change)
        // would make a command arriving meanwhile fail with `conflict` instead of waiting, and
        // reading on a second connection needs the data key, which `Vault` does not hand out.
        // Waiting for a quiet moment ([`QUIET_FOR`]) is what keeps the hold off the person's way.
        let items = s.vault().ok()?.review().items().ok()?;
        drop(s);
        let notice = decide(true, today, last, &items, locale)?;
        memory.last = Some(Some(today));
        if let Err(e) = save_last(&self.path, today) {
            eprintln!(
                "vouchsafe: cannot record today's notification in {} ({e}); this run still shows at most one a day",
                self.path.display()
            );
        }
        Some(notice)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn day(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn item(kind: ReviewKind, brand: &str, at: i64, date: &str, days: &str) -> ReviewItem {
        let mut params = BTreeMap::new();
        params.insert("brand".to_string(), brand.to_string());
        params.insert("date".to_string(), date.to_string());
        params.insert("days".to_string(), days.to_string());
        ReviewItem {
            kind,
            brand: brand.to_lowercase(),
            brand_name: brand.to_string(),
            grant: Some("g".into()),
            event: None,
            at,
            message: kind.message_key(),
            params,
            actions: Vec::new(),
        }
    }

    fn expiring() -> Vec<ReviewItem> {
        vec![
            item(ReviewKind::Expiring, "Acme Coffee", 100, "2026-11-30", "3"),
            item(ReviewKind::Expiring, "Bora Books", 200, "2026-12-05", "8"),
        ]
    }

    #[test]
    fn once_a_day_and_only_when_on_and_something_is_due() {
        let items = expiring();
        let d = day("2026-11-27");
        assert!(decide(true, d, None, &items, Locale::En).is_some());
        assert!(decide(true, d, Some(day("2026-11-26")), &items, Locale::En).is_some());
        assert_eq!(decide(true, d, Some(d), &items, Locale::En), None);
        // The clock went back (a time-zone change): already shown "later", nothing now.
        assert_eq!(
            decide(true, d, Some(day("2026-11-28")), &items, Locale::En),
            None
        );
        assert_eq!(decide(false, d, None, &items, Locale::En), None);
        assert_eq!(decide(true, d, None, &[], Locale::En), None);
        // Items of other kinds are the Review screen's business, not a notification's.
        let tidy = vec![item(
            ReviewKind::RawValue,
            "Acme Coffee",
            1,
            "2026-01-01",
            "0",
        )];
        assert_eq!(decide(true, d, None, &tidy, Locale::Ko), None);
    }

    #[test]
    fn the_words_in_english_and_korean() {
        let mut items = expiring();
        let en = compose(&items, Locale::En).expect("en");
        assert_eq!(en.title, "Vouchsafe: 2 grants end soon");
        assert_eq!(
            en.body,
            "Ending first: your grant to Acme Coffee, on 2026-11-30 (3 days left).\nOpen Review in Vouchsafe to act on it."
        );
        let ko = compose(&items, Locale::Ko).expect("ko");
        assert_eq!(ko.title, "Vouchsafe: 곧 끝나는 동의 2건");
        assert_eq!(
            ko.body,
            "가장 먼저 끝나는 동의: Acme Coffee, 2026-11-30(3일 남음).\nVouchsafe의 검토 화면에서 처리하세요."
        );

        items.push(item(
            ReviewKind::ErasureOverdue,
            "Cafe <b>Nero</b>",
            50,
            "2026-11-26",
            "1",
        ));
        let en = compose(&items, Locale::En).expect("en");
        assert_eq!(
            en.title,
            "Vouchsafe: 1 erasure request overdue, 2 grants end soon"
        );
        let first = en.body.lines().next().unwrap_or_default();
        #[cfg(all(unix, not(target_os = "macos")))]
        assert_eq!(
            first,
            "Most overdue: Cafe &lt;b&gt;Nero&lt;/b&gt;, asked to erase your data, 1 day past the 2026-11-26 deadline."
        );
        assert!(first.contains("1 day past"), "{first}");
        let ko = compose(&items[2..], Locale::Ko).expect("ko");
        assert_eq!(ko.title, "Vouchsafe: 기한이 지난 삭제 요청 1건");
        assert!(
            ko.body
                .starts_with("가장 오래 밀린 삭제 요청: Cafe &lt;b&gt;Nero&lt;/b&gt;, 기한 2026-11-26에서 1일 지남.")
                || !cfg!(all(unix, not(target_os = "macos"))),
            "{}",
            ko.body
        );
        let en = compose(&items[2..], Locale::En).expect("en");
        assert_eq!(en.title, "Vouchsafe: 1 erasure request is overdue");
    }

    #[test]
    fn long_brand_names_are_cut_and_control_characters_dropped() {
        let long = format!("{}\u{7}\n{}", "A".repeat(30), "B".repeat(30));
        let n = compose(
            &[item(ReviewKind::Expiring, &long, 1, "2026-11-30", "1")],
            Locale::En,
        )
        .expect("notice");
        let expected = format!("{}{}…", "A".repeat(30), "B".repeat(10));
        assert!(
            n.body.starts_with(&format!(
                "Ending first: your grant to {expected}, on 2026-11-30 (1 day left)."
            )),
            "{}",
            n.body
        );
    }

    #[test]
    fn the_system_language_as_the_window_sees_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(locale_of(env(&[("LANG", "ko_KR.UTF-8")])), Locale::Ko);
        assert_eq!(locale_of(env(&[("LANG", "kok_IN")])), Locale::En);
        assert_eq!(locale_of(env(&[])), Locale::En);
        assert_eq!(
            locale_of(env(&[("LANGUAGE", "ko:en"), ("LANG", "en_US.UTF-8")])),
            Locale::Ko
        );
        assert_eq!(
            locale_of(env(&[
                ("LANGUAGE", ""),
                ("LC_ALL", "en_GB.UTF-8"),
                ("LANG", "ko_KR")
            ])),
            Locale::En
        );
    }

    #[test]
    fn the_day_survives_in_its_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(NOTIFIED_FILE);
        assert_eq!(load_last(&path), None);
        save_last(&path, day("2026-11-27")).expect("save");
        assert_eq!(load_last(&path), Some(day("2026-11-27")));
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(text, "{\"lastNotified\":\"2026-11-27\"}\n");
        fs::write(&path, "garbage").expect("write");
        assert_eq!(load_last(&path), None);
    }
}
