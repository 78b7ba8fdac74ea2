//! Performance figures for scripts/measure-desktop.sh; does nothing unless VOUCHSAFE_MEASURE=1.
//!
//! Inputs (environment): `VOUCHSAFE_APP` (the binary to measure, normally the release build),
//! `VOUCHSAFE_MEASURE_VAULT` (a prepared vault, see the `big_vault` example),
//! `VOUCHSAFE_PASSPHRASE`, `VOUCHSAFE_MEASURE_OUT` (where to write the JSON result) and
//! optionally `VOUCHSAFE_MEASURE_RUNS` (start-up samples, default 5).
//!
//! Start-up is the time from asking tauri-driver for a session (which launches the app) until
//! the WebDriver sees the unlock screen's passphrase field: process start, GTK and WebKit
//! initialisation, loading the UI, its first `app_status` call and rendering.
//!
//! Unlock is the time from pressing Unlock until the first screen's first field row is on the
//! page; a screen's first content is the time from clicking its entry in the navigation until
//! its first row (or, for a screen without rows, its first control that needs the vault) is on
//! the page. Both are taken twice: in the page (from the click event's time stamp to the frame
//! after the content entered the document, once that frame was painted: what a person sees),
//! and by WebDriver (from sending the click until a CSS query finds the content), which adds
//! WebDriver's own round trips: the click command and every poll, each served by the web
//! process between its other work. Memory is RSS and PSS of the app and every process it started (WebKit's web
//! content and network processes), summed, after every screen was visited: PSS shares each
//! shared page among the processes that map it, so the sum counts the libraries they all map
//! once, where the RSS sum counts them once per process.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;
use support::{Harness, Ui};

/// Resident set size in KiB (`VmRSS` of /proc/PID/status).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Proportional set size in KiB (`Pss` of /proc/PID/smaps_rollup): each page divided by the
/// number of processes mapping it, so a sum over processes counts shared libraries once.
fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = rollup.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Memory of one process: its command name, RSS and PSS in KiB.
struct Mem {
    pid: u32,
    name: String,
    rss: u64,
    pss: u64,
}

impl Mem {
    fn of(pid: u32, name: String) -> Mem {
        Mem {
            pid,
            name,
            rss: rss_kib(pid).unwrap_or(0),
            pss: pss_kib(pid).unwrap_or(0),
        }
    }
}

/// (pid, parent pid, command name) of every process.
fn processes() -> Vec<(u32, u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid …; comm may contain spaces, so split after the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        out.push((pid, ppid, comm));
    }
    out
}

/// The app's process: the one whose executable is `app`.
fn app_pid(app: &Path) -> Option<u32> {
    let want = std::fs::canonicalize(app).ok()?;
    processes().into_iter().map(|p| p.0).find(|pid| {
        std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .as_deref()
            == Some(&want)
    })
}

/// Memory of the app (first) and of every process descended from it (WebKit's web content and
/// network processes).
fn mem_tree(pid: u32) -> Vec<Mem> {
    let procs = processes();
    let name = procs
        .iter()
        .find(|p| p.0 == pid)
        .map(|p| p.2.clone())
        .unwrap_or_default();
    let mut all = vec![Mem::of(pid, name)];
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (c, pp, name) in &procs {
            if *pp == p {
                all.push(Mem::of(*c, name.clone()));
                frontier.push(*c);
            }
        }
    }
    all
}

/// The JSON form of a memory snapshot: each process, and the sums.
fn mem_json(tree: &[Mem]) -> serde_json::Value {
    json!({
        "app": { "rss_kib": tree[0].rss, "pss_kib": tree[0].pss },
        "total": {
            "rss_kib": tree.iter().map(|m| m.rss).sum::<u64>(),
            "pss_kib": tree.iter().map(|m| m.pss).sum::<u64>(),
        },
        "processes": tree
            .iter()
            .map(|m| json!({ "name": m.name, "rss_kib": m.rss, "pss_kib": m.pss }))
            .collect::<Vec<_>>(),
    })
}

/// Each screen (its navigation id) and the CSS selector of its first content.
const SCREENS: &[(&str, &str)] = &[
    (
        "brands",
        "[data-testid^='brand-row-'], [data-testid='brands-empty']",
    ),
    ("share", "[data-testid^='share-field-']"),
    ("connect", "[data-testid='connect-link']"),
    ("grants", "[data-testid^='grant-row-']"),
    ("activity", "[data-testid^='audit-entry-']"),
    (
        "review",
        "[data-testid^='review-item-'], [data-testid='review-empty']",
    ),
    ("settings", "[data-testid='settings-locale']"),
    ("profile", "[data-testid^='field-row-']"),
];

/// Milliseconds from `t0` until `css` matches an element, polling as fast as WebDriver answers;
/// `None` when it did not within 120 s (the result records it as missing, the run goes on).
async fn first_content(ui: &Ui, css: &str, t0: Instant) -> Option<f64> {
    let deadline = t0 + Duration::from_secs(120);
    loop {
        if ui.c.find(Locator::Css(css)).await.is_ok() {
            return Some(t0.elapsed().as_secs_f64() * 1000.0);
        }
        if Instant::now() >= deadline {
            eprintln!("no {css} within 120 s");
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Installed once: keeps the time stamp of the last click, in the page's `performance.now()`
/// time (when the web view received it, before any handler ran).
const WATCH_CLICKS: &str = "if (!window.__vsWatch) { window.__vsWatch = true; \
    document.addEventListener('click', (e) => { window.__vsClick = e.timeStamp; }, true); } \
    return true;";

/// Installed before each click: from the next animation frame on, looks for `arguments[0]` at
/// the start of every frame; once it is there, that frame paints it, and the time is taken at
/// the start of the frame after. Polling by frame rather than observing mutations keeps the
/// walk's memory figures as they are without the clock (a `MutationObserver` over the whole
/// document queued thousands of records per screen and moved PSS by 10–20 MiB).
const WATCH_CONTENT: &str = "const sel = arguments[0]; window.__vsShown = null; \
    const until = performance.now() + 5000; \
    const look = () => { \
      if (document.querySelector(sel)) { \
        requestAnimationFrame(() => { window.__vsShown = performance.now(); }); \
      } else if (performance.now() < until) { requestAnimationFrame(look); } }; \
    requestAnimationFrame(look); \
    return true;";

/// Start watching for `css` in the page (see [`WATCH_CONTENT`]).
async fn watch(ui: &Ui, css: &str) {
    ui.c.execute(WATCH_CLICKS, vec![])
        .await
        .expect("watch clicks");
    ui.c.execute(WATCH_CONTENT, vec![json!(css)])
        .await
        .expect("watch content");
}

/// Milliseconds from the last click to the painted frame with the watched content, in the
/// page's own clock; `None` if the page did not report it within 5 s.
async fn in_page(ui: &Ui) -> Option<f64> {
    let ask = "return window.__vsShown == null || window.__vsClick == null \
        ? null : window.__vsShown - window.__vsClick;";
    for _ in 0..250 {
        if let Ok(v) = ui.c.execute(ask, vec![]).await
            && let Some(ms) = v.as_f64()
        {
            return Some(ms);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// Click `id` and wait until `css` is on the page: WebDriver's milliseconds, and with `clocked`
/// the page's own ([`watch`], [`in_page`]).
async fn click_until(ui: &Ui, id: &str, css: &str, clocked: bool) -> (Option<f64>, Option<f64>) {
    ui.el(id).await;
    if clocked {
        watch(ui, css).await;
    }
    let t0 = Instant::now();
    ui.click(id).await;
    let webdriver = first_content(ui, css, t0).await;
    let page = if clocked { in_page(ui).await } else { None };
    (webdriver, page)
}

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).unwrap_or_else(|| panic!("set {name}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_desktop() {
    if std::env::var("VOUCHSAFE_MEASURE").is_ok_and(|v| v == "1") {
        run().await;
    } else {
        eprintln!("measurement skipped: set VOUCHSAFE_MEASURE=1 (scripts/measure-desktop.sh does)");
    }
}

async fn run() {
    let tools = support::tools().unwrap_or_else(|m| panic!("missing: {}", m.join("; ")));
    let app = env_path("VOUCHSAFE_APP");
    let big = env_path("VOUCHSAFE_MEASURE_VAULT");
    let out = env_path("VOUCHSAFE_MEASURE_OUT");
    let pass = std::env::var("VOUCHSAFE_PASSPHRASE").expect("set VOUCHSAFE_PASSPHRASE");
    let runs: usize = std::env::var("VOUCHSAFE_MEASURE_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);

    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let data = tmp.path().join("data");
    let vault_dir = data.join("vouchsafe");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::create_dir_all(&vault_dir).expect("mkdir");
    std::fs::copy(&big, vault_dir.join("vault.db")).expect("copy the prepared vault");
    let env: [(&str, &Path); 2] = [("HOME", &home), ("XDG_DATA_HOME", &data)];
    let harness = Harness::start(&tools, &env, "en_US.UTF-8");

    let mut startup_ms = Vec::new();
    let mut last = None;
    for i in 0..runs {
        let t0 = Instant::now();
        let client = harness.session(&app).await;
        let ui = Ui {
            c: client,
            timeout: Duration::from_secs(180),
        };
        ui.el("unlock-passphrase").await;
        startup_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        if i + 1 < runs {
            let _ = ui.c.close().await;
            // Let the previous instance exit fully before the next launch.
            tokio::time::sleep(Duration::from_millis(500)).await;
        } else {
            last = Some(ui);
        }
    }
    let ui = last.expect("at least one run");
    let pid = app_pid(&app).expect("the app's process");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let locked = mem_tree(pid);

    // The memory walk: nothing of the measurement's own runs in the page, so the figures are
    // the app's; its first content is timed by WebDriver only.
    let typing = Instant::now();
    ui.fill("unlock-passphrase", &pass).await;
    let type_passphrase_ms = typing.elapsed().as_secs_f64() * 1000.0;
    let first_screen = SCREENS[SCREENS.len() - 1].1;
    let (unlock_webdriver_ms, _) = click_until(&ui, "unlock-submit", first_screen, false).await;
    let mut screens_webdriver = serde_json::Map::new();
    // The PSS of the app and its WebKit processes together after each screen, in KiB: which
    // screen the memory grows on.
    let mut pss_after = serde_json::Map::new();
    for (name, css) in SCREENS {
        let (ms, _) = click_until(&ui, &format!("nav-{name}"), css, false).await;
        screens_webdriver.insert((*name).to_string(), json!(ms));
        // Let the screen finish loading and rendering before moving on.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let total: u64 = mem_tree(pid).iter().map(|m| m.pss).sum();
        pss_after.insert((*name).to_string(), json!(total));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let unlocked = mem_tree(pid);
    if let Some(dir) = std::env::var_os("VOUCHSAFE_MEASURE_SMAPS") {
        // For finding where the memory is: each process's smaps after every screen.
        for m in &unlocked {
            let from = format!("/proc/{}/smaps", m.pid);
            let to = Path::new(&dir).join(format!("{}-{}.smaps", m.name, m.pid));
            let _ = std::fs::copy(&from, &to);
        }
    }
    let _ = ui.c.close().await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The clocked walk: a fresh launch on the same vault, the same screens in the same rhythm,
    // each first content taken in the page ([`watch`], [`in_page`]). Kept apart from the memory
    // walk because the page's clock (frame callbacks, script calls) moves PSS by several MiB.
    let ui = Ui {
        c: harness.session(&app).await,
        timeout: Duration::from_secs(180),
    };
    ui.fill("unlock-passphrase", &pass).await;
    let (_, unlock_to_first_screen_ms) =
        click_until(&ui, "unlock-submit", first_screen, true).await;
    let mut screens = serde_json::Map::new();
    for (name, css) in SCREENS {
        let (_, ms) = click_until(&ui, &format!("nav-{name}"), css, true).await;
        screens.insert((*name).to_string(), json!(ms));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    let mut sorted = startup_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let result = json!({
        "app": app,
        "startup_ms": startup_ms,
        "startup_median_ms": sorted[sorted.len() / 2],
        "unlock_to_first_screen_ms": unlock_to_first_screen_ms,
        "unlock_webdriver_ms": unlock_webdriver_ms,
        "type_passphrase_ms": type_passphrase_ms,
        "pss_after_screen_kib": pss_after,
        "first_content_ms": screens,
        "first_content_webdriver_ms": screens_webdriver,
        "locked": mem_json(&locked),
        "unlocked": mem_json(&unlocked),
    });
    std::fs::write(&out, serde_json::to_string_pretty(&result).expect("json"))
        .expect("write result");
    eprintln!("{result:#}");
    let _ = ui.c.close().await;
    drop(harness);
}
