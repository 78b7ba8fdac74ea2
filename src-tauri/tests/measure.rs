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
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Harness, Ui};

/// Resident set size in KiB (`VmRSS` of /proc/PID/status).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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

/// RSS of the app and of its WebKit helper processes (web content, network), in KiB.
fn rss_tree(pid: u32) -> (u64, u64, Vec<(String, u64)>) {
    let procs = processes();
    let mut kids = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (c, pp, name) in &procs {
            if *pp == p {
                kids.push((name.clone(), rss_kib(*c).unwrap_or(0)));
                frontier.push(*c);
            }
        }
    }
    let main = rss_kib(pid).unwrap_or(0);
    let total = main + kids.iter().map(|k| k.1).sum::<u64>();
    (main, total, kids)
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
            timeout: Duration::from_secs(60),
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
    let (locked_main, locked_total, _) = rss_tree(pid);

    ui.fill("unlock-passphrase", &pass).await;
    let t0 = Instant::now();
    ui.click("unlock-submit").await;
    ui.el("nav-profile").await;
    // The profile screen lists every field; wait until the last one is on the page.
    ui.el("field-input-custom.item_0999").await;
    let unlock_to_profile_ms = t0.elapsed().as_secs_f64() * 1000.0;
    ui.click("nav-grants").await;
    ui.el("grant-filter").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (main, total, helpers) = rss_tree(pid);

    let mut sorted = startup_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let result = json!({
        "app": app,
        "startup_ms": startup_ms,
        "startup_median_ms": sorted[sorted.len() / 2],
        "unlock_to_profile_ms": unlock_to_profile_ms,
        "rss_locked_kib": { "app": locked_main, "with_webkit": locked_total },
        "rss_unlocked_kib": { "app": main, "with_webkit": total },
        "webkit_helpers": helpers.iter().map(|(n, k)| json!({"name": n, "rss_kib": k})).collect::<Vec<_>>(),
    });
    std::fs::write(&out, serde_json::to_string_pretty(&result).expect("json"))
        .expect("write result");
    eprintln!("{result:#}");
    let _ = ui.c.close().await;
    drop(harness);
}
