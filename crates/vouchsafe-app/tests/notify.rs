//! The notifier on a real vault with no window: what the shell's ticker would show, day by day,
//! with the calendar and the idle clock moved by hand.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::civil::Date;
use vouchsafe::KdfParams;
use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{ChannelDto, ChannelKindDto, GrantRequestDto, Locale, SettingsDto};
use vouchsafe_app::notify::{self, Notifier, RECHECK_EVERY};
use vouchsafe_app::{AppConfig, AppState, BootInstant, SecretArg};

const PASS: &str = "correct horse battery staple";

struct Fixture {
    _dir: tempfile::TempDir,
    config: AppConfig,
    state: AppState,
    today: Arc<Mutex<Date>>,
    /// The idle clock the state reads, moved by hand.
    idle: Arc<Mutex<BootInstant>>,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = AppConfig::new(dir.path().join("vouchsafe").join("vault.db"))
            .with_kdf(KdfParams::MINIMUM)
            .with_anchor_dir(Some(dir.path().join("anchors")));
        let idle = Arc::new(Mutex::new(at(100)));
        let clock = Arc::clone(&idle);
        let state = AppState::with_clock(config.clone(), Arc::new(move || *clock.lock().unwrap()));
        c::create_vault(&state, SecretArg::new(PASS), SecretArg::new(PASS)).expect("create");
        c::set_field(&state, "email", "minjun@example.kr", None).expect("email");
        c::add_brand(&state, "acme", "Acme Coffee", None, None).expect("brand");
        Self {
            _dir: dir,
            config,
            state,
            today: Arc::new(Mutex::new(day("2026-11-27"))),
            idle,
        }
    }

    /// A notifier as a fresh start of the app makes it.
    fn notifier(&self) -> Notifier {
        let today = Arc::clone(&self.today);
        Notifier::with_calendar(&self.config, Arc::new(move || *today.lock().unwrap()))
    }

    fn share(&self, expires: &str) {
        c::issue_grant(
            &self.state,
            &GrantRequestDto {
                brand: "acme".into(),
                fields: vec!["email".into()],
                derived: vec![],
                purpose: "order updates".into(),
                purpose_category: None,
                channels: vec![ChannelDto {
                    channel: "email".into(),
                    kind: ChannelKindDto::Info,
                    allowed: true,
                }],
                night_ads: false,
                offer: None,
                expires: expires.into(),
            },
        )
        .expect("issue");
    }

    fn set(&self, locale: Option<Locale>, notifications: bool) {
        c::set_settings(
            &self.state,
            SettingsDto {
                locale,
                auto_lock_minutes: 5,
                notifications,
            },
        )
        .expect("settings");
    }

    fn next_day(&self) {
        let mut d = self.today.lock().unwrap();
        *d = d.tomorrow().expect("tomorrow");
    }
}

fn day(s: &str) -> Date {
    s.parse().expect("date")
}

fn at(secs: u64) -> BootInstant {
    BootInstant::from_since_boot(Duration::from_secs(secs))
}

#[test]
fn once_a_day_while_unlocked_across_restarts() {
    let f = Fixture::new();
    f.set(Some(Locale::En), true);
    let n = f.notifier();
    // Nothing due: a grant for a year.
    f.share("365d");
    assert_eq!(n.poll_at(&f.state, at(1_000)), None);

    // A grant ending in 5 days falls due: nothing until the next look (a quarter of an hour
    // later, or a fresh unlock), then one notification.
    f.share("5d");
    assert_eq!(n.poll_at(&f.state, at(1_003)), None, "looked a moment ago");
    let shown = n
        .poll_at(&f.state, at(1_000) + RECHECK_EVERY)
        .expect("due after the recheck interval");
    assert_eq!(shown.title, "Vouchsafe: 1 grant ends soon");
    assert!(
        shown
            .body
            .starts_with("Ending first: your grant to Acme Coffee, on "),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("(5 days left)"), "{}", shown.body);
    assert!(!shown.body.contains("minjun"), "never a field value");

    // Not again that day: not later, not after a lock and unlock, not after a restart.
    assert_eq!(n.poll_at(&f.state, at(1_000) + RECHECK_EVERY * 3), None);
    c::lock(&f.state).expect("lock");
    c::unlock(&f.state, SecretArg::new(PASS), false, false).expect("unlock");
    assert_eq!(n.poll_at(&f.state, at(5_000)), None);
    let restarted = f.notifier();
    assert_eq!(restarted.poll_at(&f.state, at(10)), None);

    // The next day, once more (in the language chosen now).
    f.next_day();
    f.set(Some(Locale::Ko), true);
    let ko = restarted.poll_at(&f.state, at(20)).expect("next day");
    assert_eq!(ko.title, "Vouchsafe: 곧 끝나는 동의 1건");
    assert!(
        ko.body.starts_with("가장 먼저 끝나는 동의: Acme Coffee, "),
        "{}",
        ko.body
    );
    assert_eq!(restarted.poll_at(&f.state, at(20) + RECHECK_EVERY), None);
}

#[test]
fn not_while_locked_nor_switched_off() {
    let f = Fixture::new();
    f.share("3d");
    f.set(None, false);
    let n = f.notifier();
    assert_eq!(n.poll_at(&f.state, at(1)), None, "switched off");
    // Switched on again: the very next tick may look (the setting, not the clock, changed).
    f.set(None, true);
    c::lock(&f.state).expect("lock");
    assert_eq!(
        n.poll_at(&f.state, at(2)),
        None,
        "locked: the review needs the vault"
    );
    c::unlock(&f.state, SecretArg::new(PASS), false, false).expect("unlock");
    let shown = n.poll_at(&f.state, at(3)).expect("right after the unlock");
    // No language chosen: the computer's (this test's environment decides which).
    let expected = match notify::system_locale() {
        Locale::En => "Vouchsafe: 1 grant ends soon",
        Locale::Ko => "Vouchsafe: 곧 끝나는 동의 1건",
    };
    assert_eq!(shown.title, expected);
    // Looking never counts as activity: a look 4 minutes after the unlock leaves the vault to
    // lock 5 minutes after it (the default timeout).
    let unlocked_at = f.state.now();
    f.next_day();
    *f.idle.lock().unwrap() = unlocked_at + Duration::from_secs(4 * 60);
    assert!(
        n.poll_at(&f.state, f.state.now()).is_some(),
        "the next day's look ran"
    );
    assert!(
        f.state
            .auto_lock_if_idle(unlocked_at + Duration::from_secs(5 * 60))
    );

    // Erasing the vault takes the record of the day with it.
    let path = notify::notified_path(&f.config);
    assert!(path.is_file());
    c::unlock(&f.state, SecretArg::new(PASS), false, false).expect("unlock");
    c::erase_vault(&f.state, "ERASE", SecretArg::new(PASS)).expect("erase");
    assert!(!path.exists());
}
