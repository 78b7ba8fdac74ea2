//! The notifier on a real vault with no window: what the shell's ticker would show, day by day,
//! with the calendar and the idle clock moved by hand.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::civil::Date;
use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{GrantRequestDto, Locale, SettingsDto};
use vouchsafe_app::notify::{self, Notifier, QUIET_FOR, RECHECK_EVERY};
use vouchsafe_app::{AppConfig, AppState, BootInstant, SecretArg};

mod common;

use common::PASS;

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
        let config = common::config(dir.path());
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
                expires: expires.into(),
                ..common::request("acme", &["email"])
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

    /// Move the idle clock the commands read to `t`: the next command counts as activity then.
    fn clock_to(&self, t: BootInstant) {
        *self.idle.lock().unwrap() = t;
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
    // (The commands all ran at 100 s on the idle clock: a look from 105 s on finds the person
    // quiet, so each `None` here is the day's rule, not the quiet one.)
    let restarted = f.notifier();
    assert_eq!(restarted.poll_at(&f.state, at(100) + QUIET_FOR), None);

    // The next day, once more (in the language chosen now).
    f.next_day();
    f.set(Some(Locale::Ko), true);
    let ko = restarted.poll_at(&f.state, at(200)).expect("next day");
    assert_eq!(ko.title, "Vouchsafe: 곧 끝나는 동의 1건");
    assert!(
        ko.body.starts_with("가장 먼저 끝나는 동의: Acme Coffee, "),
        "{}",
        ko.body
    );
    assert_eq!(restarted.poll_at(&f.state, at(200) + RECHECK_EVERY), None);
}

#[test]
fn not_while_locked_nor_switched_off() {
    let f = Fixture::new();
    f.share("3d");
    f.set(None, false);
    let n = f.notifier();
    // Every look below comes after the person was quiet long enough, so each `None` is the rule
    // it names, not the wait for quiet.
    assert_eq!(n.poll_at(&f.state, at(200)), None, "switched off");
    // Switched on again: the next quiet tick may look (the setting, not the clock, changed).
    f.clock_to(at(300));
    f.set(None, true);
    c::lock(&f.state).expect("lock");
    assert_eq!(
        n.poll_at(&f.state, at(400)),
        None,
        "locked: the review needs the vault"
    );
    f.clock_to(at(500));
    c::unlock(&f.state, SecretArg::new(PASS), false, false).expect("unlock");
    assert_eq!(
        n.poll_at(&f.state, at(501)),
        None,
        "just unlocked: the first screens are loading"
    );
    let shown = n
        .poll_at(&f.state, at(500) + QUIET_FOR)
        .expect("the first quiet tick after the unlock");
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

#[test]
fn only_once_the_person_is_quiet() {
    let f = Fixture::new();
    f.set(Some(Locale::En), true);
    f.share("5d");
    let n = f.notifier();
    let path = notify::notified_path(&f.config);

    // A command at 300 s (opening a screen) counts as activity; the ticker comes every 3 s.
    f.clock_to(at(300));
    c::list_fields(&f.state).expect("a screen loads");
    for secs in [0, 1, 3, 4] {
        assert_eq!(
            n.poll_at(&f.state, at(300 + secs)),
            None,
            "{secs} s after a command: the person is active"
        );
    }
    assert_eq!(
        n.poll_at(&f.state, at(300) + (QUIET_FOR - Duration::from_millis(1))),
        None,
        "a millisecond short of quiet"
    );
    // Nothing was consumed: not the day (no file, and the look is still due), not the look.
    assert!(!path.exists(), "a look put off records no day");
    let shown = n
        .poll_at(&f.state, at(306))
        .expect("the tick 6 s after the command looks");
    assert_eq!(shown.title, "Vouchsafe: 1 grant ends soon");
    assert!(path.is_file());

    // Later looks wait for quiet too: the next day's first look, due while the person works,
    // is put off until they pause.
    f.next_day();
    f.clock_to(at(500));
    c::list_grants(&f.state, None).expect("another screen");
    assert_eq!(
        n.poll_at(&f.state, at(502)),
        None,
        "the day changed, but the person is active"
    );
    f.clock_to(at(504));
    c::list_brands(&f.state).expect("and another");
    assert_eq!(
        n.poll_at(&f.state, at(508)),
        None,
        "4 s after the last command is not quiet yet"
    );
    assert!(
        n.poll_at(&f.state, at(504) + QUIET_FOR).is_some(),
        "quiet at last: the day's look runs"
    );
}

#[test]
fn a_recheck_waits_for_quiet_too() {
    let f = Fixture::new();
    // Auto-lock after 30 minutes, so the vault is still open when the recheck falls due.
    c::set_settings(
        &f.state,
        SettingsDto {
            locale: Some(Locale::En),
            auto_lock_minutes: 30,
            notifications: true,
        },
    )
    .expect("settings");
    // Nothing due at the first look, a quiet minute after the setup.
    f.share("365d");
    let n = f.notifier();
    assert_eq!(n.poll_at(&f.state, at(160)), None);
    // A grant ending in 5 days is issued just as the recheck falls due.
    let recheck = at(160) + RECHECK_EVERY;
    f.clock_to(recheck);
    f.share("5d");
    assert_eq!(
        n.poll_at(&f.state, recheck + Duration::from_secs(3)),
        None,
        "the recheck is due, but a command ran 3 s ago"
    );
    let shown = n
        .poll_at(&f.state, recheck + QUIET_FOR)
        .expect("the recheck, once quiet");
    assert_eq!(shown.title, "Vouchsafe: 1 grant ends soon");
}
