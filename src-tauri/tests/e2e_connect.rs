//! End-to-end: Connect through the real window, with the link opened the way the desktop opens
//! it, against the real `vouchsafe-inbox` on loopback (SQLite).
//!
//! The flow: create a vault and fill a few fields → the brand (the inbox) makes a request →
//! a **second launch** of the app with the `vouchsafe://connect?request_uri=…` link hands it to
//! the running one over D-Bus (single-instance + deep-link plugins) and exits → the window is on
//! the consent screen with the request previewed (origin, claims, purposes, terms, the live
//! preview) → one optional claim is accepted, the other declined → Send → the grant shows the
//! brand's verified receipt, and the inbox holds exactly the accepted claims → in Korean,
//! Revoke → the inbox has erased them and the grant shows the erasure receipt. A link of
//! another form is refused with one line, and a Korean consent screen is taken from a second
//! request (cancelled, so nothing more is sent). Last, the app is started afresh with a link as
//! its argument (a first launch, as a browser does): the link waits for the unlock, then the
//! consent screen shows it. Screenshots in both languages go to
//! `<target>/e2e-screenshots/{en,ko}-connect-*.png`.
//!
//! The app gets a private D-Bus session bus (`dbus-daemon`): the single-instance plugin finds the
//! running app by its bus name, and the machine's own session (if any) must not be involved.
//!
//! Run like tests/e2e.rs: `VOUCHSAFE_E2E=1 cargo test -p vouchsafe-desktop --features
//! custom-protocol --test e2e_connect` (`VOUCHSAFE_APP=/usr/bin/vouchsafe-desktop` for the
//! installed .deb). The inbox is `VOUCHSAFE_INBOX_BIN`, else built with the cargo running the
//! test. Without `VOUCHSAFE_E2E=1` missing tools skip the test with a note.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};
use support::{Harness, Proc, Ui, has_hangul, until};

const PASS: &str = "violet tractor 93 unwise lagoon";

// --- the brand's inbox ----------------------------------------------------------------------

/// `VOUCHSAFE_INBOX_BIN`, or the inbox built by the cargo running this test (a no-op when up
/// to date; `cargo test -p vouchsafe-desktop` does not build another package's binary).
fn inbox_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("VOUCHSAFE_INBOX_BIN") {
        let bin = PathBuf::from(bin);
        assert!(
            bin.is_file(),
            "VOUCHSAFE_INBOX_BIN={} is not a file",
            bin.display()
        );
        return bin;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(support::workspace_root()).args([
        "build",
        "--quiet",
        "-p",
        "vouchsafe-inbox",
        "--bin",
        "vouchsafe-inbox",
    ]);
    if support::profile_dir()
        .file_name()
        .is_some_and(|n| n == "release")
    {
        cmd.arg("--release");
    }
    let st = cmd.status().expect("run cargo build -p vouchsafe-inbox");
    assert!(st.success(), "cargo build -p vouchsafe-inbox failed");
    support::profile_dir().join("vouchsafe-inbox")
}

/// A plain HTTP/1.0 GET on loopback: the status.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.split(' ').nth(1)?.parse().ok()
}

/// The reference inbox on loopback with its SQLite file; its CLI is the brand's admin view.
struct Inbox {
    bin: PathBuf,
    port: u16,
    db: String,
    _server: Proc,
}

impl Inbox {
    fn start(dir: &Path) -> Inbox {
        let bin = inbox_bin();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let db = format!("sqlite:{}", dir.join("inbox.db").display());
        let child = Self::cmd_for(&bin, &db, port)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the inbox");
        let server = Proc::new(child, "vouchsafe-inbox");
        let t = Instant::now();
        while http_status(port, "/healthz") != Some(200) {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the inbox did not become healthy"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        Inbox {
            bin,
            port,
            db,
            _server: server,
        }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn cmd_for(bin: &Path, db: &str, port: u16) -> Command {
        let mut c = Command::new(bin);
        c.env_clear()
            .env("VOUCHSAFE_INBOX_DB", db)
            .env("VOUCHSAFE_INBOX_ORIGIN", format!("http://127.0.0.1:{port}"))
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        c
    }

    fn run(&self, args: &[&str]) -> Value {
        let out = Self::cmd_for(&self.bin, &self.db, self.port)
            .args(args)
            .output()
            .expect("run the inbox CLI");
        assert!(
            out.status.success(),
            "vouchsafe-inbox {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("inbox JSON")
    }

    /// A new signed request for `email` (required) and two optional claims, its texts in
    /// `lang` (`en` or `ko`); returns its link.
    fn request(&self, lang: &str) -> String {
        let [name, purpose, optional_purpose, offer, refusal] = if lang == "ko" {
            [
                "동네 카페",
                "쿠폰 발송",
                "가까운 매장 안내",
                "아메리카노 한 잔",
                "쿠폰을 받을 수 없음",
            ]
        } else {
            [
                "Neighbourhood Café",
                "send the coupon",
                "point you to the nearest shop",
                "a free americano",
                "no coupon",
            ]
        };
        let r = self.run(&[
            "request",
            "new",
            "--claims",
            "email",
            "--optional",
            "given_name,address.locality",
            "--purpose",
            purpose,
            "--optional-purpose",
            optional_purpose,
            "--purpose-category",
            "ServicePersonalisation",
            "--retention",
            "1y",
            "--channels",
            "email:info,sms:ad",
            "--offer",
            offer,
            "--refusal",
            refusal,
            "--name",
            name,
            "--lang",
            lang,
            "--ttl",
            "600",
            "--json",
        ]);
        let link = r["link"].as_str().expect("the request's link").to_string();
        assert!(
            link.starts_with("vouchsafe://connect?request_uri="),
            "{link}"
        );
        link
    }

    fn consumers(&self) -> Value {
        self.run(&["consumers", "list", "--json"])
    }
}

/// Whether the app holds its single-instance name on `bus` (the one a second launch finds).
fn app_on_bus(bus: &str) -> bool {
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
    String::from_utf8_lossy(&out.stdout).contains("app.vouchsafe.desktop.SingleInstance")
}

// --- the desktop ----------------------------------------------------------------------------

/// What the app under test and its second launches run with.
struct Desktop {
    app: PathBuf,
    env: Vec<(&'static str, PathBuf)>,
    display: String,
}

impl Desktop {
    /// Start the app again with `link` as its one argument, as a browser does. The running app
    /// owns the single-instance name on the bus, so this launch hands the link over and exits;
    /// one that stays up opened a second window instead, which fails the test.
    fn launch_with(&self, link: &str) {
        let mut cmd = Command::new(&self.app);
        cmd.arg(link)
            .env("DISPLAY", &self.display)
            .env("GDK_BACKEND", "x11")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("VOUCHSAFE_VAULT")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("second launch");
        let t = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait for the second launch") {
                break st;
            }
            if t.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the second launch did not hand its link to the running app and exit");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        assert!(status.success(), "second launch: {status}: {err}");
    }
}

struct Run {
    ui: Ui,
    shots: PathBuf,
    taken: Vec<PathBuf>,
}

impl Run {
    async fn shot(&mut self, lang: &str, name: &str) {
        let p = self
            .ui
            .shot(&self.shots, &format!("{lang}-connect-{name}"))
            .await;
        self.taken.push(p);
    }

    async fn nav(&self, screen: &str, ready: &str) {
        self.ui.click(&format!("nav-{screen}")).await;
        self.ui.el(ready).await;
    }

    async fn set_field(&self, name: &str, value: &str) {
        self.ui.fill(&format!("field-input-{name}"), value).await;
        self.ui.click(&format!("field-save-{name}")).await;
        self.ui.el(&format!("field-remove-{name}")).await;
    }

    async fn locale(&self, lang: &str) {
        self.nav("settings", "settings-locale").await;
        self.ui.select("settings-locale", lang).await;
        self.ui.click("settings-save").await;
        let korean = lang == "ko";
        self.ui
            .text_until("nav-profile", lang, |t| has_hangul(t) == korean)
            .await;
    }

    /// The `data-testid` of the one element whose id starts with `prefix`.
    async fn only_id(&self, prefix: &str) -> String {
        let css = format!("[data-testid^=\"{prefix}\"]");
        let deadline = Instant::now() + self.ui.timeout;
        let found = loop {
            let found = self
                .ui
                .c
                .find_all(Locator::Css(&css))
                .await
                .unwrap_or_default();
            if !found.is_empty() {
                break found;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {css}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(found.len(), 1, "one {css}");
        found[0]
            .attr("data-testid")
            .await
            .ok()
            .flatten()
            .expect("data-testid")
    }

    /// A screenshot with the element `id` scrolled into the middle of the window.
    async fn shot_at(&mut self, lang: &str, name: &str, id: &str) {
        let e = self.ui.el(id).await;
        self.ui
            .c
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(&e).expect("element ref")],
            )
            .await
            .expect("scroll");
        self.shot(lang, name).await;
    }

    /// Wait for the consent screen of a handed-over link, previewed.
    async fn consent(&self, origin: &str) {
        let ui = &self.ui;
        ui.el("consent").await;
        ui.text_until("consent-origin", "the inbox's origin", |t| {
            t.contains(origin)
        })
        .await;
        ui.text_until("consent-claims", "the live preview", |t| {
            t.contains("email")
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_through_the_window_from_a_handed_link() {
    let started = Instant::now();
    let Some((app, tools, [dbus, _])) = support::gate(
        "Connect end-to-end test",
        [("dbus-daemon", "dbus"), ("dbus-send", "dbus")],
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let inbox = Inbox::start(tmp.path());
    let (bus, bus_address) = support::session_bus(&dbus, tmp.path());
    let dirs = ["home", "data", "config", "cache"].map(|d| tmp.path().join(d));
    for d in &dirs {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let env: Vec<(&'static str, PathBuf)> = vec![
        ("HOME", dirs[0].clone()),
        ("XDG_DATA_HOME", dirs[1].clone()),
        ("XDG_CONFIG_HOME", dirs[2].clone()),
        ("XDG_CACHE_HOME", dirs[3].clone()),
        ("DBUS_SESSION_BUS_ADDRESS", PathBuf::from(&bus_address)),
    ];
    let env_refs: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    let harness = Harness::start(&tools, &env_refs, "en_US.UTF-8");
    let desktop = Desktop {
        app: app.clone(),
        env: env.clone(),
        display: harness.display.clone(),
    };
    let shots = support::target_dir().join("e2e-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let mut run = Run {
        ui: Ui {
            c: harness.session(&app).await,
            timeout: Duration::from_secs(20),
        },
        shots,
        taken: Vec::new(),
    };

    // A vault with a few fields.
    run.ui
        .el_within("passphrase", Duration::from_secs(60))
        .await;
    run.ui.fill("passphrase", PASS).await;
    run.ui.fill("passphrase-confirm", PASS).await;
    run.ui.click("create-vault").await;
    run.ui
        .el_within("nav-profile", Duration::from_secs(60))
        .await;
    run.nav("profile", "field-input-given_name").await;
    for (f, v) in [
        ("given_name", "민준"),
        ("email", "minjun@example.kr"),
        ("address.locality", "중구"),
    ] {
        run.set_field(f, v).await;
    }

    // A link of another form: one line saying why, nothing opened.
    assert!(
        app_on_bus(&bus_address),
        "the app holds its single-instance name on the session bus"
    );
    desktop.launch_with("vouchsafe://share?request_uri=https%3A%2F%2Fevil.example%2Fr");
    let refused = run
        .ui
        .text_until("connect-link-error", "why the link is refused", |t| {
            t.contains("vouchsafe://connect?request_uri=")
        })
        .await;
    assert!(!refused.contains('\n'), "one line: {refused:?}");
    assert!(!run.ui.has("consent").await);

    // The brand's request, opened by a second launch with its link: the consent screen.
    let origin = inbox.origin();
    desktop.launch_with(&inbox.request("en"));
    run.consent(&origin).await;
    // Claim ids are the request's DCQL ids (`address-locality` for ["address","locality"]).
    for claim in ["email", "given_name", "address-locality"] {
        run.ui.el(&format!("asked-{claim}")).await;
    }
    let purposes = run.ui.text("asked-given_name").await;
    assert!(
        purposes.contains("point you to the nearest shop"),
        "{purposes}"
    );
    assert!(
        run.ui
            .text("consent-offer")
            .await
            .contains("a free americano")
    );
    assert!(run.ui.text("consent-refusal").await.contains("no coupon"));
    assert_eq!(
        inbox.consumers(),
        json!([]),
        "nothing sent by opening the link"
    );
    // Accept one optional claim; the other stays declined (nothing optional is ticked at first).
    run.ui.click("accept-address-locality").await;
    let preview = run
        .ui
        .text_until("consent-claims", "the accepted locality", |t| {
            t.contains("중구")
        })
        .await;
    assert!(
        !preview.contains("민준"),
        "the declined claim is not in the preview: {preview}"
    );
    run.shot("en", "01-consent").await;
    run.shot_at("en", "02-preview", "consent-preview").await;
    run.ui.click("connect-send").await;
    run.ui.el("connect-done").await;
    run.ui.el("connect-receipt").await;
    run.shot("en", "03-sent").await;

    // The brand holds exactly the accepted claims.
    let consumers = inbox.consumers();
    assert_eq!(consumers.as_array().map(Vec::len), Some(1), "{consumers}");
    assert_eq!(
        consumers[0]["claims"],
        json!({"email": "minjun@example.kr", "address": {"locality": "중구"}}),
        "{consumers}"
    );

    // The grant: delivered, with the brand's verified receipt.
    run.nav("grants", "grant-filter").await;
    let row = run.only_id("grant-row-").await;
    let id = row.trim_start_matches("grant-row-").to_string();
    run.ui.el(&format!("brand-receipt-{id}")).await;
    run.shot("en", "04-delivered").await;

    // In Korean: the same grant, then Revoke → the brand erases and answers with a receipt.
    run.locale("ko").await;
    run.nav("grants", &format!("brand-receipt-{id}")).await;
    run.ui
        .text_until(&format!("brand-receipt-{id}"), "Korean", has_hangul)
        .await;
    run.shot("ko", "04-delivered").await;
    run.ui.click(&format!("grant-revoke-{id}")).await;
    run.ui.click("confirm-yes").await;
    let erased = "[data-testid^=\"event-\"][data-badge=\"receipt\"]";
    until(
        "the erasure receipt on the grant",
        run.ui.timeout,
        || async { run.ui.c.find(Locator::Css(erased)).await.is_ok() },
    )
    .await;
    let consumers = inbox.consumers();
    assert_eq!(
        (consumers[0]["claims"].clone(), consumers[0]["live"].clone()),
        (json!({}), json!(0)),
        "the inbox erased the claims: {consumers}"
    );
    run.shot("ko", "05-erased").await;

    // The Korean consent screen, from a request in Korean; cancelled, so nothing more is sent.
    desktop.launch_with(&inbox.request("ko"));
    run.consent(&origin).await;
    run.ui
        .text_until("asked-given_name", "the Korean purpose", |t| {
            t.contains("가까운 매장 안내")
        })
        .await;
    run.ui.click("accept-address-locality").await;
    run.ui
        .text_until("consent-claims", "the accepted locality", |t| {
            t.contains("중구")
        })
        .await;
    run.shot("ko", "01-consent").await;
    run.shot_at("ko", "02-preview", "consent-preview").await;
    run.ui.click("connect-cancel").await;
    run.ui.gone("consent").await;

    // Back in English: the revoked grant with its erasure receipt.
    run.locale("en").await;
    run.nav("grants", &format!("grant-row-{id}")).await;
    until(
        "the erasure receipt, in English",
        run.ui.timeout,
        || async {
            match run.ui.c.find(Locator::Css(erased)).await {
                Ok(e) => e
                    .text()
                    .await
                    .is_ok_and(|t| !t.is_empty() && !has_hangul(&t)),
                Err(_) => false,
            }
        },
    )
    .await;
    run.shot("en", "05-erased").await;
    assert_eq!(
        inbox.consumers()[0]["live"],
        json!(0),
        "the cancelled request sent nothing"
    );

    // A first launch with a link, as a browser starts the app: the vault is locked, so the
    // link waits for the unlock, then the consent screen shows it.
    let _ = run.ui.c.clone().close().await;
    until("the first app to leave the bus", run.ui.timeout, || async {
        !app_on_bus(&bus_address)
    })
    .await;
    let link = inbox.request("en");
    run.ui.c = harness.session_with_args(&app, &[&link]).await;
    run.ui.fill("unlock-passphrase", PASS).await;
    run.ui.click("unlock-submit").await;
    run.consent(&origin).await;
    run.ui.el("asked-address-locality").await;

    eprintln!("Connect end-to-end: {:?}; screenshots:", started.elapsed());
    for p in &run.taken {
        eprintln!("  {}", p.display());
    }
    let _ = run.ui.c.close().await;
    drop(harness);
    drop(bus);
}
