//! Driving the real app binary through `tauri-driver` + `WebKitWebDriver`, under Xvfb when there
//! is no display. Shared by the end-to-end test and the performance measurement.
//!
//! Recipe (/work/shared/TAURI-ON-LINUX.md): capabilities `{"tauri:options": {"application": …}}`
//! and nothing else; tauri-driver on a free port; stop it with SIGTERM so it stops
//! WebKitWebDriver (and with it the app).
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test support fails by panicking

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// The tools an end-to-end run needs.
pub struct Tools {
    pub tauri_driver: PathBuf,
    pub webkit_driver: PathBuf,
    /// Only when there is no `DISPLAY`.
    pub xvfb: Option<PathBuf>,
}

/// `name` on `PATH`, or in `~/.cargo/bin` (where `cargo install tauri-driver` puts it).
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// Which tools are missing, or all of them.
pub fn tools() -> Result<Tools, Vec<String>> {
    let mut missing = Vec::new();
    let tauri_driver = find_tool("tauri-driver");
    if tauri_driver.is_none() {
        missing.push("tauri-driver (cargo install tauri-driver --version ^2 --locked)".to_string());
    }
    let webkit_driver = find_tool("WebKitWebDriver");
    if webkit_driver.is_none() {
        missing.push("WebKitWebDriver (apt-get install webkit2gtk-driver)".to_string());
    }
    let need_xvfb = std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty());
    let xvfb = if need_xvfb { find_tool("Xvfb") } else { None };
    if need_xvfb && xvfb.is_none() {
        missing.push("Xvfb, as DISPLAY is unset (apt-get install xvfb)".to_string());
    }
    match (tauri_driver, webkit_driver) {
        (Some(tauri_driver), Some(webkit_driver)) if missing.is_empty() => Ok(Tools {
            tauri_driver,
            webkit_driver,
            xvfb,
        }),
        _ => Err(missing),
    }
}

/// The profile directory (`target/debug`) this test binary runs from.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// The workspace's target directory (`CARGO_TARGET_DIR` or `target/`).
pub fn target_dir() -> PathBuf {
    profile_dir().parent().expect("target dir").to_path_buf()
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The `vouchsafe-verify` binary of this profile, built on demand.
pub fn verify_binary() -> PathBuf {
    let bin = profile_dir().join("vouchsafe-verify");
    if !bin.is_file() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace_root())
            .args(["build", "-p", "vouchsafe-verify-cli"]);
        if profile_dir().file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let st = cmd
            .status()
            .expect("run cargo build -p vouchsafe-verify-cli");
        assert!(st.success(), "cargo build -p vouchsafe-verify-cli failed");
    }
    bin
}

/// A child process stopped with SIGTERM (then SIGKILL after 5 s) when dropped.
pub struct Proc {
    pub child: Child,
    what: &'static str,
}

impl Proc {
    /// Own `child`: stopped with SIGTERM (then SIGKILL) when dropped; `what` names it then.
    pub fn new(child: Child, what: &'static str) -> Proc {
        Proc { child, what }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // The workspace forbids `unsafe`, so no libc::kill: the `kill` utility sends the signal.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.what);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Xvfb (if needed) and tauri-driver, with the environment the app will inherit.
pub struct Harness {
    // Dropped in field order: the driver (and the app) before the X server.
    driver: Proc,
    xvfb: Option<Proc>,
    pub port: u16,
    pub display: String,
}

impl Harness {
    /// `env` is added to the driver's environment, which WebKitWebDriver passes on to the app.
    pub fn start(tools: &Tools, env: &[(&str, &Path)], lang: &str) -> Harness {
        let (xvfb, display) = match &tools.xvfb {
            None => (None, std::env::var("DISPLAY").unwrap_or_default()),
            Some(bin) => {
                // -displayfd 1: Xvfb picks a free display and writes its number on stdout.
                let mut child = Command::new(bin)
                    .args([
                        "-displayfd",
                        "1",
                        "-screen",
                        "0",
                        "1280x800x24",
                        "-nolisten",
                        "tcp",
                    ])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start Xvfb");
                let mut line = String::new();
                let out = child.stdout.take().expect("Xvfb stdout");
                BufReader::new(out)
                    .read_line(&mut line)
                    .expect("read Xvfb display");
                let display = format!(":{}", line.trim());
                (
                    Some(Proc {
                        child,
                        what: "Xvfb",
                    }),
                    display,
                )
            }
        };
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new(&tools.tauri_driver);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .arg("--native-driver")
        .arg(&tools.webkit_driver)
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("VOUCHSAFE_VAULT")
        .env("GDK_BACKEND", "x11")
        .env("LANG", lang)
        .env("LANGUAGE", lang.split('.').next().unwrap_or(lang))
        .env("LC_ALL", lang)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let driver = Proc {
            child: cmd.spawn().expect("start tauri-driver"),
            what: "tauri-driver",
        };
        Harness {
            driver,
            xvfb,
            port,
            display,
        }
    }

    /// A WebDriver session, which launches the app. Retries while the driver starts.
    pub async fn session(&self, app: &Path) -> Client {
        self.session_with_args(app, &[]).await
    }

    /// [`Harness::session`], launching the app with `args` (e.g. a link, as a browser does).
    pub async fn session_with_args(&self, app: &Path, args: &[&str]) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app, "args": args }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut b = ClientBuilder::new(HttpConnector::new());
            b.capabilities(caps.clone());
            match b.connect(&url).await {
                Ok(c) => return c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("no WebDriver session from tauri-driver at {url}: {e}"),
            }
        }
    }
}

/// `[data-testid="…"]`.
pub fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// Poll `f` until it is true or `timeout` passes.
pub async fn until<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !f().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn has_hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// A thin layer over the client that speaks in `data-testid`s.
pub struct Ui {
    pub c: Client,
    pub timeout: Duration,
}

impl Ui {
    pub async fn find(&self, id: &str) -> Option<Element> {
        self.c.find(Locator::Css(&tid(id))).await.ok()
    }

    pub async fn has(&self, id: &str) -> bool {
        match self.find(id).await {
            Some(e) => e.is_displayed().await.unwrap_or(false),
            None => false,
        }
    }

    /// Wait until the element exists and is shown.
    pub async fn el(&self, id: &str) -> Element {
        self.el_within(id, self.timeout).await
    }

    pub async fn el_within(&self, id: &str, timeout: Duration) -> Element {
        until(&format!("[data-testid={id}]"), timeout, || self.has(id)).await;
        self.find(id).await.expect("element just seen")
    }

    pub async fn gone(&self, id: &str) {
        let mut present = true;
        let deadline = Instant::now() + self.timeout;
        while present {
            present = self.has(id).await;
            assert!(
                !present || Instant::now() < deadline,
                "{id} did not go away"
            );
            if present {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    pub async fn click(&self, id: &str) {
        let e = self.el(id).await;
        until(&format!("{id} enabled"), self.timeout, || async {
            e.is_enabled().await.unwrap_or(false)
        })
        .await;
        e.click()
            .await
            .unwrap_or_else(|err| panic!("click {id}: {err}"));
    }

    /// Type into an input; if the driver cannot type some characters (e.g. Hangul), set the
    /// value the way a paste would and fire `input` so the UI's bindings see it.
    pub async fn fill(&self, id: &str, text: &str) {
        let e = self.el(id).await;
        e.clear()
            .await
            .unwrap_or_else(|err| panic!("clear {id}: {err}"));
        let typed = e.send_keys(text).await.is_ok() && self.value(id).await == text;
        if !typed {
            self.c
                .execute(
                    "const el = arguments[0]; el.value = arguments[1]; \
                     el.dispatchEvent(new Event('input', { bubbles: true }));",
                    vec![
                        serde_json::to_value(&e).expect("element ref"),
                        serde_json::Value::from(text),
                    ],
                )
                .await
                .unwrap_or_else(|err| panic!("set {id}: {err}"));
        }
        assert_eq!(self.value(id).await, text, "value of {id}");
    }

    pub async fn select(&self, id: &str, value: &str) {
        let e = self.el(id).await;
        e.select_by_value(value)
            .await
            .unwrap_or_else(|err| panic!("select {value} in {id}: {err}"));
    }

    pub async fn value(&self, id: &str) -> String {
        match self.find(id).await {
            Some(e) => e.prop("value").await.ok().flatten().unwrap_or_default(),
            None => String::new(),
        }
    }

    pub async fn text(&self, id: &str) -> String {
        match self.find(id).await {
            Some(e) => e.text().await.unwrap_or_default(),
            None => String::new(),
        }
    }

    pub async fn attr(&self, id: &str, name: &str) -> Option<String> {
        self.find(id).await?.attr(name).await.ok().flatten()
    }

    /// Wait until the element's text satisfies `pred`.
    pub async fn text_until(&self, id: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + self.timeout;
        loop {
            let last = self.text(id).await;
            if pred(&last) {
                return last;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {id} to show {what}; it shows {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the element's value satisfies `pred`.
    pub async fn value_until(&self, id: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + self.timeout;
        loop {
            let v = self.value(id).await;
            if pred(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for the value of {id} to be {what}; it is {v:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The whole page's visible text.
    pub async fn page_text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Save a screenshot of the window's page to `dir/name.png`, after the ~200 ms a fresh DOM
    /// change needs to reach the frame.
    pub async fn shot(&self, dir: &Path, name: &str) -> PathBuf {
        // Two animation frames guarantee the last DOM change was painted at least once; the
        // pause then covers the compositor handing that frame to the snapshot.
        let _ = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        let png = self
            .c
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }
}

/// The app under test, or why there is none.
pub fn app_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("VOUCHSAFE_APP") {
        return Ok(PathBuf::from(p));
    }
    if !cfg!(feature = "custom-protocol") {
        return Err("the app must embed the built UI: build with --features custom-protocol (after `npm --prefix ui run build`)".into());
    }
    Ok(PathBuf::from(env!("CARGO_BIN_EXE_vouchsafe-desktop")))
}

/// A private session bus; its address.
pub fn session_bus(dbus: &Path, dir: &Path) -> (Proc, String) {
    let mut child = Command::new(dbus)
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .arg(format!("--address=unix:path={}", dir.join("bus").display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dbus-daemon");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("dbus-daemon stdout"))
        .read_line(&mut line)
        .expect("read the bus address");
    (Proc::new(child, "dbus-daemon"), line.trim().to_string())
}

/// What a window test needs, or `None` after saying why it is skipped: the app
/// ([`app_binary`]), the window tools ([`tools`]) and the programs in `extra`, each named with
/// the Debian package that has it (`("dbus-daemon", "dbus")`), found in the same order. `what`
/// names the test in the note. A test is skipped quietly on a machine without them, unless
/// `VOUCHSAFE_E2E=1` asks for it (as CI does): then a missing piece fails it.
pub fn gate<const N: usize>(
    what: &str,
    extra: [(&str, &str); N],
) -> Option<(PathBuf, Tools, [PathBuf; N])> {
    let required = std::env::var("VOUCHSAFE_E2E").is_ok_and(|v| v == "1");
    let mut why = Vec::new();
    let app = app_binary().map_err(|e| why.push(e)).ok();
    let tools = tools().map_err(|m| why.extend(m)).ok();
    let mut found = Vec::with_capacity(N);
    for (tool, package) in extra {
        match find_tool(tool) {
            Some(path) => found.push(path),
            None => why.push(format!("{tool} (apt-get install {package})")),
        }
    }
    match (app, tools, <[PathBuf; N]>::try_from(found)) {
        (Some(app), Some(tools), Ok(found)) if why.is_empty() => Some((app, tools, found)),
        _ => {
            let msg = format!("{what} skipped; missing: {}", why.join("; "));
            assert!(!required, "VOUCHSAFE_E2E=1 but {msg}");
            eprintln!("{msg} (set VOUCHSAFE_E2E=1 to make this a failure)");
            None
        }
    }
}
