//! Connect through the desktop's commands, against the real `vouchsafe-inbox` binary on
//! loopback (SQLite): the consent screen's data is exactly the request, only the accepted
//! claims reach the brand, the brand's receipt and the erasure receipt land in the vault, and
//! a refused request says why.
//!
//! As in crates/vouchsafe-cli/tests/connect.rs, the inbox binary is `VOUCHSAFE_INBOX_BIN` when
//! set, and otherwise built once with the cargo running the tests (a no-op when up to date):
//! `cargo test -p vouchsafe-app` does not build another package's binary.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vouchsafe_app::commands as c;
use vouchsafe_app::connect::{ConnectChoicesDto, EventKindDto, OutboxStateDto};
use vouchsafe_app::dto::{Locale, NarrowDto};
use vouchsafe_app::{AppState, ErrorKind, SecretArg};

mod common;

use common::PASS;

// --- the inbox ------------------------------------------------------------------------------

fn inbox_bin() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        if let Some(bin) = std::env::var_os("VOUCHSAFE_INBOX_BIN") {
            let bin = PathBuf::from(bin);
            assert!(
                bin.is_file(),
                "VOUCHSAFE_INBOX_BIN={} is not a file",
                bin.display()
            );
            return bin;
        }
        // target/<profile>/deps/<test>-<hash> → target/<profile>
        let dir = std::env::current_exe()
            .expect("current exe")
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "vouchsafe-inbox",
            "--bin",
            "vouchsafe-inbox",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build -p vouchsafe-inbox");
        assert!(status.success(), "cargo build -p vouchsafe-inbox failed");
        let bin = dir.join(format!("vouchsafe-inbox{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "no {}", bin.display());
        bin
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A plain HTTP/1.0 GET on loopback: status and body.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    Some((status, body.to_string()))
}

/// The reference inbox on `127.0.0.1:port`, with its SQLite file.
struct Inbox {
    port: u16,
    db: String,
    child: Option<Child>,
}

impl Inbox {
    fn start(dir: &Path) -> Self {
        let port = free_port();
        Self::start_on(dir, port, port)
    }

    /// The inbox with origin port `port`, listening on `listen` (something else stands on
    /// `port` in front of it).
    fn start_on(dir: &Path, port: u16, listen: u16) -> Self {
        let mut inbox = Inbox {
            port,
            db: format!("sqlite:{}", dir.join("inbox.db").display()),
            child: None,
        };
        let child = inbox
            .cmd()
            .args(["serve", "--listen", &format!("127.0.0.1:{listen}")])
            .args(["--rate-limit", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the inbox");
        inbox.child = Some(child);
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if http_get(listen, "/healthz").is_some_and(|(s, _)| s == 200) {
                return inbox;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the inbox did not become healthy");
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(inbox_bin());
        c.env_clear()
            .env("VOUCHSAFE_INBOX_DB", &self.db)
            .env("VOUCHSAFE_INBOX_ORIGIN", self.origin())
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("run the inbox CLI");
        assert!(
            out.status.success(),
            "vouchsafe-inbox {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// A new request; returns its JSON (`link`, `request_uri`, …).
    fn request(&self, required: &str, optional: &str, ttl: &str) -> Value {
        let out = self.run(&[
            "request",
            "new",
            "--claims",
            required,
            "--optional",
            optional,
            "--purpose",
            "send the coupon",
            "--optional-purpose",
            "point you to the nearest shop",
            "--purpose-category",
            "ServicePersonalisation",
            "--retention",
            "1y",
            "--channels",
            "email:info,sms:ad",
            "--offer",
            "a free americano",
            "--refusal",
            "no coupon",
            "--name",
            "Neighbourhood Café",
            "--ttl",
            ttl,
            "--json",
        ]);
        serde_json::from_str(&out).expect("json")
    }

    /// `consumers list --json`.
    fn consumers(&self) -> Value {
        serde_json::from_str(&self.run(&["consumers", "list", "--json"])).expect("json")
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

// --- the vault, through the app's commands --------------------------------------------------

struct App {
    dir: tempfile::TempDir,
    state: AppState,
}

impl App {
    fn new() -> Self {
        let (dir, state) = common::vault_with(&[
            ("email", "gildong@example.com"),
            ("given_name", "길동"),
            ("birthdate", "1990-05-04"),
            ("address.locality", "서울"),
        ]);
        App { dir, state }
    }
}

/// An inbox in a directory of its own and an app with a profile, what most tests start from;
/// the directory lives as long as the handle returned with them.
fn setup() -> (tempfile::TempDir, Inbox, App) {
    let work = tempfile::tempdir().expect("tempdir");
    let inbox = Inbox::start(work.path());
    (work, inbox, App::new())
}

/// One grant's delivery state, through the command the grants screen calls per page.
fn delivery(app: &App, id: &str) -> vouchsafe_app::connect::GrantDeliveryDto {
    c::grant_deliveries(&app.state, &[id.to_string()])
        .expect("delivery")
        .remove(0)
}

fn choices(accept: &[&str], derived: &[&str], ads: &[&str]) -> ConnectChoicesDto {
    let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
    ConnectChoicesDto {
        accept: v(accept),
        derived: v(derived),
        ad_channels: v(ads),
        night_ads: false,
    }
}

// --- tests ----------------------------------------------------------------------------------

#[test]
fn preview_shows_exactly_the_request_and_what_each_choice_would_send() {
    let (_work, inbox, app) = setup();
    let req = inbox.request("email", "birthdate,phone_number", "600");
    let link = req["link"].as_str().expect("link");

    let p = c::connect_preview(&app.state, link).expect("preview");
    assert_eq!(p.origin, inbox.origin());
    assert_eq!(p.name.en, "Neighbourhood Café");
    assert!(!p.known_brand);
    let asked: Vec<(&str, bool, bool)> = p
        .claims
        .iter()
        .map(|a| (a.path.as_str(), a.required, a.available))
        .collect();
    assert_eq!(
        asked,
        [
            ("email", true, true),
            ("birthdate", false, true),
            ("phone_number", false, false)
        ]
    );
    assert_eq!(p.claims[0].purpose.en, "send the coupon");
    assert_eq!(p.claims[1].purpose.en, "point you to the nearest shop");
    assert_eq!(
        Value::Object(p.claims[0].value.clone()),
        json!({"email": "gildong@example.com"})
    );
    // A birth date asked: the birthday without the year would do, and is offered.
    assert_eq!(p.claims[1].suggestion.as_deref(), Some("birthday"));
    assert_eq!(
        Value::Object(p.claims[1].value.clone()),
        json!({"birthdate": "1990-05-04"})
    );
    assert_eq!(
        p.claims[1].suggested_value.clone().map(Value::Object),
        Some(json!({"birthdate": "0000-05-04"}))
    );
    assert!(p.claims[2].value.is_empty());
    assert_eq!(p.purpose_category, "ServicePersonalisation");
    assert_eq!(p.retention, "P1Y");
    assert!(p.retention_until.is_some());
    let channels: Vec<(&str, bool)> = p
        .channels
        .iter()
        .map(|c| (c.channel.as_str(), c.advertising))
        .collect();
    assert_eq!(channels, [("email", false), ("sms", true)]);
    assert_eq!(p.offer.en, "a free americano");
    assert_eq!(p.refusal.en, "no coupon");
    // Nothing reached the brand by looking.
    assert_eq!(inbox.consumers(), json!([]));

    // The live preview follows the choices, with no network: only what is chosen.
    let only_required =
        c::connect_plan(&app.state, &p.handle, &choices(&[], &[], &[])).expect("plan");
    assert_eq!(only_required.sending, ["email"]);
    assert_eq!(
        Value::Object(only_required.claims.clone()),
        json!({"email": "gildong@example.com"})
    );
    for locale in [Locale::En, Locale::Ko] {
        assert!(
            only_required
                .summary
                .get(&locale)
                .is_some_and(|s| !s.is_empty()),
            "{locale:?}"
        );
    }
    let birthday = c::connect_plan(
        &app.state,
        &p.handle,
        &choices(&["birthdate"], &["birthdate"], &[]),
    )
    .expect("plan");
    assert_eq!(birthday.derived, ["birthdate"]);
    assert_eq!(
        Value::Object(birthday.claims),
        json!({"email": "gildong@example.com", "birthdate": "0000-05-04"})
    );
    // A claim the request does not ask for is refused by name.
    let e = c::connect_plan(&app.state, &p.handle, &choices(&["given_name"], &[], &[]))
        .expect_err("not asked");
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(
        e.message
            .contains("\"given_name\" is not a claim of this request"),
        "{}",
        e.message
    );

    // Locking forgets the opened request.
    c::lock(&app.state).expect("lock");
    c::unlock(&app.state, SecretArg::new(PASS), false, false).expect("unlock");
    let e = c::connect_plan(&app.state, &p.handle, &choices(&[], &[], &[])).expect_err("gone");
    assert_eq!(e.kind, ErrorKind::NotFound);
    drop(app.dir);
}

#[test]
fn send_delivers_only_the_accepted_claims_and_keeps_the_receipts() {
    let (_work, inbox, app) = setup();
    let req = inbox.request("email", "given_name,address.locality,birthdate", "600");
    let p = c::connect_preview(&app.state, req["link"].as_str().expect("link")).expect("preview");
    let done = c::connect_send(
        &app.state,
        &p.handle,
        &choices(&["address.locality"], &[], &[]),
    )
    .expect("send");
    assert!(done.receipt_verified);
    assert_eq!(done.brand_id, inbox.origin());
    assert_eq!(done.received, ["address.locality", "email"]);

    // Exactly the accepted claims reached the brand; the declined ones never left.
    let consumers = inbox.consumers();
    assert_eq!(consumers.as_array().map(Vec::len), Some(1), "{consumers}");
    assert_eq!(
        consumers[0]["claims"],
        json!({"email": "gildong@example.com", "address": {"locality": "서울"}})
    );
    assert_eq!(
        consumers[0]["channels"],
        json!([{"channel": "email", "kind": "info"}])
    );

    let d = delivery(&app, &done.grant_id);
    let r = d.brand_receipt.expect("brand receipt");
    assert_eq!(r.received, ["address.locality", "email"]);
    assert!(d.events.is_empty());

    // Revoke: the event is queued with the revocation, delivered on retry, and the brand's
    // signed erasure receipt is verified and kept.
    c::revoke_grant(&app.state, &done.grant_id).expect("revoke");
    let queued = c::outbox_list(&app.state).expect("outbox");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].state, OutboxStateDto::Queued);
    assert_eq!(queued[0].kind, EventKindDto::Revoked);
    assert!(queued[0].deadline.is_some() && !queued[0].overdue);
    let report = c::outbox_retry(&app.state).expect("retry");
    assert_eq!(
        (report.sent, report.acknowledged, report.pending),
        (1, 1, 0)
    );
    let d = delivery(&app, &done.grant_id);
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.events[0].state, OutboxStateDto::Acknowledged);
    assert!(d.events[0].receipt.is_some() && !d.events[0].overdue);
    let consumers = inbox.consumers();
    assert_eq!(
        (consumers[0]["claims"].clone(), consumers[0]["live"].clone()),
        (json!({}), json!(0)),
        "{consumers}"
    );
}

#[test]
fn refused_requests_say_why() {
    let (work, inbox, app) = setup();

    // Answered already: the brand says so, and nothing is sent twice.
    let once = inbox.request("email", "", "600");
    let link = once["link"].as_str().expect("link");
    let first = c::connect_send(&app.state, link, &choices(&[], &[], &[])).expect("first send");
    let e = c::connect_preview(&app.state, link).expect_err("answered");
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("already answered"), "{}", e.message);

    // A request the brand does not know.
    let unknown = format!("{}/vouchsafe/requests/nothing-here", inbox.origin());
    let e = c::connect_preview(&app.state, &unknown).expect_err("unknown");
    assert!(
        e.message.contains("does not know this request"),
        "{}",
        e.message
    );

    // Plain http to a host that is not loopback is never contacted.
    let e = c::connect_preview(
        &app.state,
        "vouchsafe://connect?request_uri=http%3A%2F%2Fshop.example%2Fr%2F1",
    )
    .expect_err("plain http");
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("plain http"), "{}", e.message);

    // A request file whose signature does not verify against the origin's keys.
    let fresh = inbox.request("email", "", "600");
    let path = fresh["request_uri"]
        .as_str()
        .expect("uri")
        .trim_start_matches(&inbox.origin())
        .to_string();
    let (status, jwt) = http_get(inbox.port, &path).expect("get");
    assert_eq!(status, 200);
    let mut parts: Vec<String> = jwt.trim().split('.').map(str::to_string).collect();
    assert_eq!(parts.len(), 3);
    let mut sig = parts[2].clone().into_bytes();
    sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
    parts[2] = String::from_utf8(sig).expect("ascii");
    let file = work.path().join("request.jwt");
    std::fs::write(&file, parts.join(".")).expect("write");
    let e = c::connect_preview(&app.state, file.to_str().expect("path")).expect_err("bad sig");
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(
        e.message.starts_with("refusing the request from"),
        "{}",
        e.message
    );

    // Not a link at all.
    let e = c::connect_preview(&app.state, "vouchsafe://other").expect_err("not a link");
    assert_eq!(e.kind, ErrorKind::InvalidInput);

    // Only the one accepted grant reached the brand.
    assert_eq!(inbox.consumers().as_array().map(Vec::len), Some(1));

    // The shell's background delivery sends what is due while unlocked, and nothing when locked.
    c::revoke_grant(&app.state, &first.grant_id).expect("revoke");
    c::lock(&app.state).expect("lock");
    assert!(!vouchsafe_app::connect::deliver_due(&app.state));
    assert_eq!(inbox.consumers()[0]["live"], json!(1));
    c::unlock(&app.state, SecretArg::new(PASS), false, false).expect("unlock");
    assert!(vouchsafe_app::connect::deliver_due(&app.state));
    let items = c::outbox_list(&app.state).expect("outbox");
    assert_eq!(items[0].state, OutboxStateDto::Acknowledged);
    assert_eq!(inbox.consumers()[0]["live"], json!(0));
    assert!(
        !vouchsafe_app::connect::deliver_due(&app.state),
        "nothing is due any more"
    );
}

// --- a brand that never answers ---------------------------------------------------------------

/// A loopback proxy in front of the inbox: it forwards every exchange, except that while
/// `hang` is set it accepts a POST and never answers it (until `release`), counting those in
/// `hung`.
struct Proxy {
    hang: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
    hung: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(port: u16, behind: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let p = Proxy {
            hang: Arc::new(AtomicBool::new(false)),
            release: Arc::new(AtomicBool::new(false)),
            hung: Arc::new(AtomicUsize::new(0)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (hang, release, hung, stop) = (
            p.hang.clone(),
            p.release.clone(),
            p.hung.clone(),
            p.stop.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let (hang, release, hung) = (hang.clone(), release.clone(), hung.clone());
                std::thread::spawn(move || serve(conn, behind, &hang, &release, &hung));
            }
        });
        p
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.release.store(true, Ordering::SeqCst);
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One exchange through the proxy: read the request whole, then forward it or hang.
fn serve(
    mut conn: TcpStream,
    behind: u16,
    hang: &AtomicBool,
    release: &AtomicBool,
    hung: &AtomicUsize,
) {
    conn.set_nonblocking(false).expect("blocking");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = conn.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    if head.starts_with("post ") && hang.load(Ordering::SeqCst) {
        hung.fetch_add(1, Ordering::SeqCst);
        while !release.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
        return; // closes the connection without an answer
    }
    // HTTP/1.1 with `Connection: close` from the client is forwarded as is; the answer is
    // relayed until the inbox closes.
    let Ok(mut up) = TcpStream::connect(("127.0.0.1", behind)) else {
        return;
    };
    let text = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines: Vec<&str> = text
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let rewritten = format!("{}\r\n\r\n", lines.join("\r\n"));
    if up.write_all(rewritten.as_bytes()).is_err() || up.write_all(&buf[head_end..]).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = up.read_to_end(&mut answer);
    let _ = conn.write_all(&answer);
}

/// `f` on another thread, waited for at most `limit`: `None` if it did not return by then.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).ok()
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Issue 10: a delivery waiting on a brand that never answers holds no session lock, so
/// every other command answers meanwhile; connect_send with a brand that never answers leaves
/// the grant issued and its delivery queued; a lock while the answer is awaited means the
/// answer is not recorded (the item stays due and is delivered after the next unlock).
#[test]
fn a_brand_that_never_answers_holds_up_no_other_command() {
    let work = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let behind = free_port();
    let proxy = Proxy::start(port, behind);
    let inbox = Inbox::start_on(work.path(), port, behind);
    let app = Arc::new(App::new());
    // What "promptly" means here: far below the 15 s a stuck exchange may take, far above
    // anything a local command needs on a loaded machine.
    let prompt = Duration::from_secs(5);

    // 1. The grant's own delivery hangs: other commands answer; then it is queued.
    proxy.hang.store(true, Ordering::SeqCst);
    let req = inbox.request("email", "", "600");
    let p = c::connect_preview(&app.state, req["link"].as_str().expect("link")).expect("preview");
    let a = app.clone();
    let handle = p.handle.clone();
    let sending =
        std::thread::spawn(move || c::connect_send(&a.state, &handle, &choices(&[], &[], &[])));
    wait_until("the grant's POST never reached the proxy", || {
        proxy.hung.load(Ordering::SeqCst) == 1
    });
    let a = app.clone();
    let fields = within(prompt, move || c::list_fields(&a.state).map(|f| f.len()));
    assert_eq!(
        fields
            .expect("list_fields waited for the network")
            .expect("fields"),
        4
    );
    let a = app.clone();
    let grants = within(prompt, move || {
        c::list_grants(&a.state, None).map(|g| g.len())
    });
    assert_eq!(
        grants.expect("list_grants waited").expect("grants"),
        1,
        "issued before it is sent"
    );
    proxy.release.store(true, Ordering::SeqCst);
    let e = sending.join().expect("thread").expect_err("not delivered");
    assert_eq!(e.kind, ErrorKind::Io);
    assert!(e.message.contains("delivery queued"), "{}", e.message);
    // The request is answered by the grant on its way: it cannot issue a second one.
    let again = c::connect_send(&app.state, &p.handle, &choices(&[], &[], &[]));
    assert_eq!(again.expect_err("answered").kind, ErrorKind::InvalidInput);
    assert_eq!(c::list_grants(&app.state, None).expect("grants").len(), 1);
    let items = c::outbox_list(&app.state).expect("outbox");
    assert_eq!(items.len(), 1);
    assert_eq!(
        (
            items[0].kind,
            items[0].state,
            items[0].deadline,
            items[0].overdue
        ),
        (
            EventKindDto::GrantDelivery,
            OutboxStateDto::Queued,
            None,
            false
        )
    );
    let grant_id = items[0].grant_id.clone();

    // 2. outbox_retry against a brand that never answers: the same, and a lock meanwhile
    // drops the answer (nothing is recorded into a vault that may not be the one it read).
    proxy.release.store(false, Ordering::SeqCst);
    let a = app.clone();
    let retrying = std::thread::spawn(move || c::outbox_retry(&a.state));
    wait_until("the retry never reached the proxy", || {
        proxy.hung.load(Ordering::SeqCst) == 2
    });
    let a = app.clone();
    let status = within(prompt, move || c::app_status(&a.state).map(|s| s.unlocked));
    assert!(status.expect("app_status waited").expect("status"));
    let a = app.clone();
    assert!(within(prompt, move || c::list_fields(&a.state).is_ok()).expect("list_fields waited"));
    c::lock(&app.state).expect("lock");
    proxy.release.store(true, Ordering::SeqCst);
    let e = retrying
        .join()
        .expect("thread")
        .expect_err("locked meanwhile");
    assert_eq!(e.kind, ErrorKind::Locked);
    c::unlock(&app.state, SecretArg::new(PASS), false, false).expect("unlock");
    let items = c::outbox_list(&app.state).expect("outbox");
    assert_eq!(
        (items[0].state, items[0].attempts),
        (OutboxStateDto::Queued, 1),
        "the hung try was not recorded"
    );

    // 3. The brand answers again: the grant is delivered, its receipt verified and kept.
    proxy.hang.store(false, Ordering::SeqCst);
    let r = c::outbox_retry(&app.state).expect("retry");
    assert_eq!((r.sent, r.acknowledged, r.pending), (1, 1, 0));
    assert!(c::outbox_list(&app.state).expect("outbox").is_empty());
    let d = delivery(&app, &grant_id);
    assert_eq!(d.brand_receipt.expect("brand receipt").received, ["email"]);
    assert_eq!(inbox.consumers()[0]["live"], json!(1));
    drop(proxy);
}

/// Reissue ("move house", and for another period) and "ask to erase" from the desktop: each
/// queues its event in the same transaction, as the CLI does, and the outbox delivers it.
#[test]
fn reissue_and_erase_reach_the_brand() {
    let (_work, inbox, app) = setup();
    let req = inbox.request("email,address.locality", "", "600");
    let p = c::connect_preview(&app.state, req["link"].as_str().expect("link")).expect("preview");
    let done = c::connect_send(&app.state, &p.handle, &choices(&[], &[], &[])).expect("send");
    assert!(c::list_brands(&app.state).expect("brands")[0].connected);

    // Move house, and run for another 90 days.
    c::set_field(&app.state, "address.locality", "부산", None).expect("move");
    let until = jiff::Timestamp::now().as_second() + 90 * 86_400;
    let new = c::reissue_grant(&app.state, &done.grant_id, Some(until)).expect("reissue");
    let items = c::outbox_list(&app.state).expect("outbox");
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].kind, items[0].state),
        (EventKindDto::ClaimsChanged, OutboxStateDto::Queued)
    );
    let r = c::outbox_retry(&app.state).expect("retry");
    assert_eq!((r.acknowledged, r.pending), (1, 0));
    assert_eq!(
        inbox.consumers()[0]["claims"]["address"]["locality"],
        "부산"
    );
    let grants = c::list_grants(&app.state, None).expect("grants");
    let g = grants
        .iter()
        .find(|g| g.id == new.id)
        .expect("the new grant");
    assert_eq!(g.expires_at, until);
    let old = grants
        .iter()
        .find(|g| g.id == done.grant_id)
        .expect("the old grant");
    assert!(old.revoked_at.is_some());
    assert!(delivery(&app, &new.id).brand_receipt.is_some());

    // Ask to erase: revoked, the brand erased, its signed erasure receipt kept.
    let erased = c::erase_grant(&app.state, &new.id).expect("erase");
    assert!(erased.revoked_at.is_some());
    let r = c::outbox_retry(&app.state).expect("retry");
    assert_eq!((r.acknowledged, r.pending), (1, 0));
    let d = delivery(&app, &new.id);
    let e = d
        .events
        .iter()
        .find(|e| e.kind == EventKindDto::ErasureRequested)
        .expect("erasure");
    assert_eq!(e.state, OutboxStateDto::Acknowledged);
    assert!(e.receipt.is_some() && !e.overdue);
    assert_eq!(inbox.consumers()[0]["erased"], json!(1));

    // A brand shared with by hand has nobody to ask.
    c::add_brand(&app.state, "hand.example", "By hand", None, None).expect("brand");
    assert!(
        !c::list_brands(&app.state)
            .expect("brands")
            .iter()
            .any(|b| b.id == "hand.example" && b.connected)
    );
}

/// Narrowing from the desktop (the review's `narrow` action) reaches a connected brand as a
/// token-claims-change carrying the narrowed grant: the brand replaces what it holds, so the
/// raw value is gone there too. A narrowing the brand's request does not allow (a required claim
/// dropped) is refused by the brand and shown refused; the grant it replaces, revoked in the
/// vault, is withdrawn at the brand all the same (docs/protocol.md §4).
#[test]
fn narrowing_reaches_the_brand() {
    let (_work, inbox, app) = setup();
    let req = inbox.request("email", "birthdate,given_name", "600");
    let p = c::connect_preview(&app.state, req["link"].as_str().expect("link")).expect("preview");
    let done = c::connect_send(
        &app.state,
        &p.handle,
        &choices(&["birthdate", "given_name"], &[], &[]),
    )
    .expect("send");
    assert_eq!(done.received, ["birthdate", "email", "given_name"]);

    let new = c::narrow_grant(
        &app.state,
        &done.grant_id,
        &NarrowDto {
            replace: vec!["birthdate".into()],
            with: Some("birthday".into()),
            drop: vec!["given_name".into()],
        },
    )
    .expect("narrow");
    let items = c::outbox_list(&app.state).expect("outbox");
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].kind, items[0].state),
        (EventKindDto::ClaimsChanged, OutboxStateDto::Queued)
    );
    let r = c::outbox_retry(&app.state).expect("retry");
    assert_eq!((r.acknowledged, r.pending), (1, 0));
    assert_eq!(
        inbox.consumers()[0]["claims"],
        json!({"email": "gildong@example.com", "birthdate": "0000-05-04"}),
        "the year and the name are gone at the brand"
    );
    let receipt = delivery(&app, &new.id)
        .brand_receipt
        .expect("the brand's receipt of the narrowed grant");
    assert_eq!(receipt.received, ["birthdate", "email"]);

    // Email is required by the brand: a grant without it is refused there, and says so here.
    c::narrow_grant(
        &app.state,
        &new.id,
        &NarrowDto {
            replace: vec![],
            with: None,
            drop: vec!["email".into()],
        },
    )
    .expect("narrowed in the vault");
    let r = c::outbox_retry(&app.state).expect("retry");
    assert_eq!(r.refused, 1);
    let refused = c::outbox_list(&app.state).expect("outbox");
    assert!(
        refused
            .iter()
            .any(|i| i.kind == EventKindDto::ClaimsChanged && i.state == OutboxStateDto::Refused),
        "{refused:?}"
    );
    // Deliberately changed: the brand used to keep the revoked grant's values here.
    let c = &inbox.consumers()[0];
    assert_eq!(
        (&c["live"], &c["revoked"], &c["claims"]),
        (&json!(0), &json!(1), &json!({})),
        "the brand keeps nothing of the revoked grant: {c}"
    );
}

/// A brand that asked for the birth date takes `adult_kr` narrowed from it: strictly less data,
/// from a claim it asked for (docs/protocol.md §4).
#[test]
fn narrowing_to_a_fact_derived_from_what_the_brand_asked_is_taken() {
    let (_work, inbox, app) = setup();
    let req = inbox.request("email,birthdate", "", "600");
    let p = c::connect_preview(&app.state, req["link"].as_str().expect("link")).expect("preview");
    let done =
        c::connect_send(&app.state, &p.handle, &choices(&["birthdate"], &[], &[])).expect("send");
    assert_eq!(done.received, ["birthdate", "email"]);
    let new = c::narrow_grant(
        &app.state,
        &done.grant_id,
        &NarrowDto {
            replace: vec!["birthdate".into()],
            with: Some("adult_kr".into()),
            drop: vec![],
        },
    )
    .expect("narrow");
    let r = c::outbox_retry(&app.state).expect("retry");
    assert_eq!((r.acknowledged, r.refused, r.pending), (1, 0, 0));
    assert_eq!(
        inbox.consumers()[0]["claims"],
        json!({"email": "gildong@example.com", "adult_kr": true}),
        "the birth date is gone at the brand"
    );
    let receipt = delivery(&app, &new.id)
        .brand_receipt
        .expect("the brand's receipt of the narrowed grant");
    assert_eq!(receipt.received, ["adult_kr", "email"]);
}

/// The consent screen's night-time advertising answer: no unless said, yes only beside some
/// advertising channel, and carried by the grant the brand gets (정보통신망법 Art. 50(3)).
#[test]
fn night_time_ads_are_answered_on_the_consent_screen() {
    let (_work, inbox, app) = setup();
    let req = inbox.request("email", "", "600");
    let p = c::connect_preview(&app.state, req["link"].as_str().expect("link")).expect("preview");
    let night = |ads: &[&str]| ConnectChoicesDto {
        night_ads: true,
        ..choices(&[], &[], ads)
    };
    let refused = c::connect_plan(&app.state, &p.handle, &night(&[])).expect_err("no ads");
    assert_eq!(refused.kind, ErrorKind::InvalidInput);
    assert!(refused.message.contains("night-time ads"), "{refused:?}");
    let plan = c::connect_plan(&app.state, &p.handle, &night(&["sms"])).expect("plan");
    assert!(
        plan.summary[&Locale::En].contains("ads at night too"),
        "{}",
        plan.summary[&Locale::En]
    );
    let done = c::connect_send(&app.state, &p.handle, &night(&["sms"])).expect("send");
    let grants = c::list_grants(&app.state, None).expect("grants");
    let g = grants
        .iter()
        .find(|g| g.id == done.grant_id)
        .expect("grant");
    assert!(g.channels.night_ads);
    // The brand records the answer the grant carries, and the consent receipt says so, dated.
    assert_eq!(inbox.consumers()[0]["night_ads"], true);
    let receipt = c::grant_receipt(&app.state, &done.grant_id).expect("receipt");
    let claims = Value::Object(receipt.claims);
    assert_eq!(claims["nightAds"]["allowed"], true, "{claims}");
    let d = delivery(&app, &done.grant_id);
    assert!(d.brand_receipt.is_some(), "the brand took it");
}
