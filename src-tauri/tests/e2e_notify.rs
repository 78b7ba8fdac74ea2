//! End-to-end: the day's notification reaches the OS notification service, in the language of
//! the settings, once.
//!
//! The app gets a private D-Bus session bus (`dbus-daemon`) with a real notification server on
//! it, dunst (Debian's `dunst`, on the test's X display), and `dbus-monitor` recording every
//! `org.freedesktop.Notifications.Notify` call on that bus. The vault is prepared with the app's
//! own command layer: a grant to Acme Coffee ending in 5 days, settings in Korean (while the
//! computer's locale is English). Then, through the real window:
//!
//! 1. unlock: once the window has been quiet for the notifier's few seconds
//!    (`vouchsafe_app::notify::QUIET_FOR`), one `Notify` call whose summary and body are the
//!    Korean notification for one grant ending soon, and dunst shows one notification;
//! 2. lock and unlock again the same day: no second call;
//! 3. the app closed and started again the same day, unlocked: still none (the day is kept in
//!    `notified.json` beside the vault);
//! 4. the switch in Settings, in Korean: on, and off in the settings file once saved.
//!
//! Run like tests/e2e.rs: `VOUCHSAFE_E2E=1 cargo test -p vouchsafe-desktop --features
//! custom-protocol --test e2e_notify` (`VOUCHSAFE_APP=/usr/bin/vouchsafe-desktop` for the
//! installed .deb). Without `VOUCHSAFE_E2E=1` missing tools skip the test with a note.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Harness, Proc, Ui, until};
use vouchsafe::KdfParams;
use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{ChannelDto, ChannelKindDto, GrantRequestDto, Locale, SettingsDto};
use vouchsafe_app::notify;
use vouchsafe_app::{AppConfig, AppState, SecretArg};

const PASS: &str = "violet tractor 93 unwise lagoon";
/// The notifier looks once no command has come for `QUIET_FOR` (5 s), on the ticker's next
/// 3-s tick; the review of a small vault takes milliseconds. The rest is room for a slow
/// window to finish loading its first screen.
const NOTIFY_WITHIN: Duration = notify::QUIET_FOR.saturating_add(Duration::from_secs(20));
/// How long "no second notification" is watched for after each unlock: past the quiet period
/// the notifier waits for, then several ticks.
const WATCH_FOR: Duration = notify::QUIET_FOR.saturating_add(Duration::from_secs(10));

/// The vault the app will find under this HOME: one grant ending in 5 days, Korean settings.
fn prepare(data: &Path, config: &Path) {
    let vault = data.join("vouchsafe").join("vault.db");
    let state = AppState::new(
        AppConfig::new(&vault)
            .with_kdf(KdfParams::MINIMUM)
            .with_anchor_dir(Some(config.join("vouchsafe").join("anchors"))),
    );
    let st = &state;
    c::create_vault(st, SecretArg::new(PASS), SecretArg::new(PASS)).expect("create");
    c::set_field(st, "email", "minjun@example.kr", None).expect("email");
    c::add_brand(st, "acme", "Acme Coffee", None, None).expect("brand");
    c::issue_grant(
        st,
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
            expires: "5d".into(),
        },
    )
    .expect("grant");
    c::set_settings(
        st,
        SettingsDto {
            locale: Some(Locale::Ko),
            auto_lock_minutes: 30,
            notifications: true,
        },
    )
    .expect("settings");
    c::lock(st).expect("lock");
}

/// Whether `name` is owned on `bus`.
fn on_bus(bus: &str, name: &str) -> bool {
    let out = Command::new("dbus-send")
        .arg(format!("--bus={bus}"))
        .args([
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.ListNames",
        ])
        .output()
        .expect("run dbus-send");
    String::from_utf8_lossy(&out.stdout).contains(&format!("\"{name}\""))
}

/// One `Notify` call as `dbus-monitor` printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NotifyCall {
    app_name: String,
    summary: String,
    body: String,
}

/// The `Notify` calls in `dbus-monitor`'s output: each is a `method call … member=Notify` line
/// followed by its arguments, the first four strings being app name, icon, summary, body (a
/// string may run over several lines; dbus-monitor prints it between quotes as it is).
fn notify_calls(log: &str) -> Vec<NotifyCall> {
    let mut calls = Vec::new();
    let mut blocks = log.split("method call ").skip(1);
    for block in blocks.by_ref() {
        let Some((header, args)) = block.split_once('\n') else {
            continue;
        };
        if !header.contains("member=Notify") {
            continue;
        }
        let mut strings = Vec::new();
        let mut rest = args;
        while let Some(start) = rest.find("string \"") {
            let after = &rest[start + "string \"".len()..];
            // The string ends at a quote followed by the end of its line.
            let Some(end) = after
                .find("\"\n")
                .or_else(|| after.strip_suffix('"').map(str::len))
            else {
                break;
            };
            strings.push(after[..end].to_string());
            rest = &after[end..];
            if strings.len() == 4 {
                break;
            }
        }
        if let [app_name, _icon, summary, body] = strings.as_slice() {
            calls.push(NotifyCall {
                app_name: app_name.clone(),
                summary: summary.clone(),
                body: body.clone(),
            });
        }
    }
    calls
}

/// Records the `Notify` calls on a bus into a file.
struct Monitor {
    _proc: Proc,
    log: PathBuf,
}

impl Monitor {
    fn start(bus: &str, dir: &Path) -> Monitor {
        let log = dir.join("dbus-monitor.log");
        let out = std::fs::File::create(&log).expect("monitor log");
        let child = Command::new("dbus-monitor")
            .args(["--address", bus])
            .arg("type='method_call',interface='org.freedesktop.Notifications',member='Notify'")
            .stdout(Stdio::from(out))
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-monitor");
        Monitor {
            _proc: Proc::new(child, "dbus-monitor"),
            log,
        }
    }

    fn calls(&self) -> Vec<NotifyCall> {
        notify_calls(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }
}

/// `dunstctl count <what>` on the bus: `displayed`, `waiting` or `history`.
fn dunst_count(bus: &str, what: &str) -> u32 {
    let out = Command::new("dunstctl")
        .args(["count", what])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .expect("run dunstctl");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("dunstctl count {what}: {out:?}"))
}

async fn unlock(ui: &Ui) {
    ui.el_within("unlock-passphrase", Duration::from_secs(60))
        .await;
    ui.fill("unlock-passphrase", PASS).await;
    ui.click("unlock-submit").await;
    ui.el_within("nav-profile", Duration::from_secs(60)).await;
}

/// Watch for `WATCH_FOR` that no call beyond the first arrives.
async fn stays_quiet(monitor: &Monitor, what: &str) {
    let until_t = Instant::now() + WATCH_FOR;
    while Instant::now() < until_t {
        let calls = monitor.calls();
        assert_eq!(calls.len(), 1, "{what}: {calls:#?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[test]
fn monitor_output_is_read_as_dbus_monitor_prints_it() {
    let log = "signal time=1 sender=org.freedesktop.DBus -> destination=:1.0 serial=2 path=/org/freedesktop/DBus; interface=org.freedesktop.DBus; member=NameAcquired\n   string \":1.0\"\n\
method call time=2 sender=:1.2 -> destination=:1.1 serial=8 path=/org/freedesktop/Notifications; interface=org.freedesktop.Notifications; member=Notify\n   string \"vouchsafe-desktop\"\n   uint32 0\n   string \"\"\n   string \"Vouchsafe: 곧 끝나는 동의 1건\"\n   string \"첫 줄.\n둘째 \"줄\".\"\n   array [\n   ]\n   array [\n      dict entry(\n         string \"urgency\"\n         variant             byte 1\n      )\n   ]\n   int32 -1\n";
    assert_eq!(
        notify_calls(log),
        vec![NotifyCall {
            app_name: "vouchsafe-desktop".into(),
            summary: "Vouchsafe: 곧 끝나는 동의 1건".into(),
            body: "첫 줄.\n둘째 \"줄\".".into(),
        }]
    );
    assert!(notify_calls("method call time=3 member=GetCapabilities\n").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_days_notification_reaches_the_notification_server_once() {
    let Some((app, tools, [dbus, ..])) = support::gate(
        "notification end-to-end test",
        [
            ("dbus-daemon", "dbus"),
            ("dbus-monitor", "dbus"),
            ("dbus-send", "dbus"),
            ("dunst", "dunst"),
            ("dunstctl", "dunst"),
        ],
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dirs = ["home", "data", "config", "cache"].map(|d| tmp.path().join(d));
    for d in &dirs {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    prepare(&dirs[1], &dirs[2]);
    let (_bus, bus_address) = support::session_bus(&dbus, tmp.path());
    let env: Vec<(&'static str, PathBuf)> = vec![
        ("HOME", dirs[0].clone()),
        ("XDG_DATA_HOME", dirs[1].clone()),
        ("XDG_CONFIG_HOME", dirs[2].clone()),
        ("XDG_CACHE_HOME", dirs[3].clone()),
        ("DBUS_SESSION_BUS_ADDRESS", PathBuf::from(&bus_address)),
    ];
    let env_refs: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    // The computer speaks English; the settings say Korean, and decide.
    let harness = Harness::start(&tools, &env_refs, "en_US.UTF-8");

    // The notification server, on the app's bus and display, with an empty configuration.
    let dunst_conf = tmp.path().join("dunstrc");
    std::fs::write(&dunst_conf, "[global]\n").expect("dunstrc");
    let dunst = Command::new("dunst")
        .arg("-config")
        .arg(&dunst_conf)
        .env("DISPLAY", &harness.display)
        .env_remove("WAYLAND_DISPLAY")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
        .env("HOME", &dirs[0])
        .env("XDG_CONFIG_HOME", &dirs[2])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dunst");
    let _dunst = Proc::new(dunst, "dunst");
    until(
        "dunst on the session bus",
        Duration::from_secs(10),
        || async { on_bus(&bus_address, "org.freedesktop.Notifications") },
    )
    .await;
    let monitor = Monitor::start(&bus_address, tmp.path());
    // dbus-monitor prints nothing until it is a monitor; give it a moment to register.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(dunst_count(&bus_address, "displayed"), 0);

    // 1. Unlock: one Notify call, in Korean.
    let ui = Ui {
        c: harness.session(&app).await,
        timeout: Duration::from_secs(20),
    };
    let unlocked = Instant::now();
    unlock(&ui).await;
    until("the Notify call", NOTIFY_WITHIN, || async {
        !monitor.calls().is_empty()
    })
    .await;
    let after = unlocked.elapsed();
    let calls = monitor.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let call = &calls[0];
    assert_eq!(call.summary, "Vouchsafe: 곧 끝나는 동의 1건");
    let mut lines = call.body.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with("가장 먼저 끝나는 동의: Acme Coffee, ") && first.ends_with("(5일 남음)."),
        "{:?}",
        call.body
    );
    assert_eq!(lines.next(), Some("Vouchsafe의 검토 화면에서 처리하세요."));
    assert!(!call.body.contains("minjun"), "never a field value");
    // The server took it: dunst shows it (or holds it for display).
    until(
        "dunst to hold the notification",
        Duration::from_secs(5),
        || async {
            dunst_count(&bus_address, "displayed") + dunst_count(&bus_address, "waiting") == 1
        },
    )
    .await;
    eprintln!(
        "notification: app {:?}, {:?} / {:?}; shown {:.1} s after the unlock began",
        call.app_name,
        call.summary,
        call.body,
        after.as_secs_f64()
    );
    let notified = dirs[1].join("vouchsafe").join("notified.json");
    assert!(notified.is_file(), "the day is recorded beside the vault");

    // 2. Lock and unlock again the same day: nothing more.
    ui.click("lock-now").await;
    unlock(&ui).await;
    stays_quiet(&monitor, "a second unlock the same day").await;

    // 3. Close the app and start it again the same day: still nothing.
    ui.c.close().await.expect("close the session");
    until(
        "the first app to leave the bus",
        Duration::from_secs(20),
        || async { !on_bus(&bus_address, "app.vouchsafe.desktop.SingleInstance") },
    )
    .await;
    let ui = Ui {
        c: harness.session(&app).await,
        timeout: Duration::from_secs(20),
    };
    unlock(&ui).await;
    stays_quiet(&monitor, "a restart the same day").await;

    // 4. The switch in Settings (in Korean): on, and off once saved.
    ui.click("nav-settings").await;
    let label = ui
        .text_until("settings-notifications-label", "the Korean switch", |t| {
            t.contains("알리기")
        })
        .await;
    assert!(label.contains("하루 한 번"), "{label}");
    // The form shows the saved settings once loaded (the language is Korean).
    ui.value_until("settings-locale", "ko", |v| v == "ko").await;
    let checked = ui
        .find("settings-notifications")
        .await
        .expect("the switch")
        .prop("checked")
        .await
        .ok()
        .flatten();
    assert_eq!(checked.as_deref(), Some("true"));
    ui.click("settings-notifications").await;
    ui.click("settings-save").await;
    let settings = dirs[1].join("vouchsafe").join("settings.json");
    until(
        "notifications off in the settings file",
        ui.timeout,
        || async {
            std::fs::read_to_string(&settings).is_ok_and(|t| t.contains("\"notifications\": false"))
        },
    )
    .await;
    ui.c.close().await.expect("close the session");
}
