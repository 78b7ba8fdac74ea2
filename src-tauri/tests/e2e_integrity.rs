//! End-to-end: integrity at rest in the real desktop window (tauri-driver + WebKitWebDriver,
//! under Xvfb when there is no display). The vault is prepared with the app's own command layer
//! in a fresh HOME, then changed behind the app's back as an attacker or an old copy would:
//!
//! 1. an older copy of the vault put in place: unlock warns and asks; accepting opens it and
//!    says so;
//! 2. restore from Settings of a backup taken before a revocation: the preview names the grant
//!    it would make valid again, and nothing is replaced until confirmed;
//! 3. a revoked grant un-revoked with SQL while the app is locked: unlock shows the integrity
//!    banner naming the grant, in English and in Korean; restoring the backup over it (the
//!    preview says the vault cannot be trusted to tell what comes back) clears it;
//! 4. (Korean) the older copy again: declining keeps the vault locked; restoring the backup
//!    from the unlock screen previews it (older than this machine has seen) and restores.
//!
//! Screenshots: `<target>/e2e-screenshots/integrity-*.png`. Run like `e2e.rs`:
//! `VOUCHSAFE_E2E=1 cargo test -p vouchsafe-desktop --features custom-protocol --test e2e_integrity`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::{Harness, Ui, has_hangul, until};
use vouchsafe::KdfParams;
use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{ChannelDto, ChannelKindDto, GrantRequestDto};
use vouchsafe_app::{AppConfig, AppState, SecretArg};

const PASS: &str = "violet tractor 93 unwise lagoon";

fn s(t: &str) -> SecretArg {
    SecretArg::new(t)
}

fn request() -> GrantRequestDto {
    GrantRequestDto {
        brand: "acme".into(),
        fields: vec!["email".into()],
        derived: vec!["age_over:18".into()],
        purpose: "Birthday coupon".into(),
        purpose_category: None,
        channels: vec![ChannelDto {
            channel: "email".into(),
            kind: ChannelKindDto::Info,
            allowed: true,
        }],
        night_ads: false,
        offer: None,
        expires: "30d".into(),
    }
}

/// What the test prepared: the files and the grant it plays with.
struct Prepared {
    vault: PathBuf,
    /// A copy of the vault taken early (one grant, live).
    old: PathBuf,
    /// A backup taken after a second grant, before the first was revoked.
    backup: PathBuf,
    grant: String,
}

/// Build the vault the app will find, with the same paths and the same record of generations
/// the app uses under this HOME, through the app's own commands.
fn prepare(data: &Path, config: &Path, tmp: &Path) -> Prepared {
    let vault = data.join("vouchsafe").join("vault.db");
    let state = AppState::new(
        AppConfig::new(&vault)
            .with_kdf(KdfParams::MINIMUM)
            .with_anchor_dir(Some(config.join("vouchsafe").join("anchors"))),
    );
    let st = &state;
    c::create_vault(st, s(PASS), s(PASS)).expect("create");
    for (name, value) in [
        ("given_name", "민준"),
        ("email", "minjun@example.kr"),
        ("birthdate", "1990-05-17"),
    ] {
        c::set_field(st, name, value, None).expect(name);
    }
    c::add_brand(st, "acme", "Acme Coffee", None, None).expect("brand");
    let grant = c::issue_grant(st, &request()).expect("issue").id;
    let old = tmp.join("old-copy.db");
    c::backup(st, &old.display().to_string(), false).expect("old copy");
    c::issue_grant(st, &request()).expect("second grant");
    let backup = tmp.join("before-revoke.vault");
    c::backup(st, &backup.display().to_string(), false).expect("backup");
    c::revoke_grant(st, &grant).expect("revoke");
    c::lock(st).expect("lock");
    Prepared {
        vault,
        old,
        backup,
        grant,
    }
}

/// Put the older copy where the vault is (its WAL companions go: they belong to the other).
fn put_back(p: &Prepared) {
    for suffix in ["-wal", "-shm"] {
        let mut side = p.vault.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::copy(&p.old, &p.vault).expect("put the old copy back");
}

/// Un-revoke `grant` in the (locked) vault file with SQL, as someone without the passphrase.
fn un_revoke(vault: &Path, grant: &str) {
    let conn = rusqlite::Connection::open(vault).expect("open with sqlite");
    let n = conn
        .execute("UPDATE grants SET revoked_at = NULL WHERE id = ?1", [grant])
        .expect("tamper");
    assert_eq!(n, 1, "the grant row was there to change");
}

struct Run {
    ui: Ui,
    shots: PathBuf,
    taken: Vec<PathBuf>,
}

impl Run {
    async fn shot(&mut self, name: &str) {
        // A frame taken right after a DOM change can show the previous one.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let p = self
            .ui
            .shot(&self.shots, &format!("integrity-{name}"))
            .await;
        self.taken.push(p);
    }

    async fn nav(&self, screen: &str, ready: &str) {
        self.ui.click(&format!("nav-{screen}")).await;
        self.ui.el(ready).await;
    }

    async fn unlock(&self) {
        self.ui
            .el_within("unlock-passphrase", Duration::from_secs(60))
            .await;
        self.ui.fill("unlock-passphrase", PASS).await;
        self.ui.click("unlock-submit").await;
    }

    async fn lock(&self) {
        self.ui.click("lock-now").await;
        self.ui.el("unlock-passphrase").await;
    }

    async fn revoke(&self, grant: &str) {
        self.nav("grants", &format!("grant-row-{grant}")).await;
        self.ui.click(&format!("grant-revoke-{grant}")).await;
        if self.ui.find("confirm-yes").await.is_some() {
            self.ui.click("confirm-yes").await;
        }
        let row = format!("grant-row-{grant}");
        until("the grant to show as revoked", self.ui.timeout, || async {
            self.ui.attr(&row, "data-state").await.as_deref() == Some("revoked")
        })
        .await;
    }
}

/// Answer the next native file dialogs with `path` (see `ui/src/lib/dialogs.ts`).
async fn answer_file_dialogs(ui: &Ui, path: &Path) {
    ui.c.execute(
        "window.__VOUCHSAFE_E2E_FILE__ = arguments[0];",
        vec![Value::from(path.display().to_string())],
    )
    .await
    .expect("set the file dialog answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrity_end_to_end() {
    let Some((app, tools, [])) = support::gate("integrity end-to-end test", []) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let data = tmp.path().join("data");
    let config = tmp.path().join("config");
    let cache = tmp.path().join("cache");
    for d in [&home, &data, &config, &cache] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let p = prepare(&data, &config, tmp.path());
    put_back(&p);

    let env: [(&str, &Path); 4] = [
        ("HOME", &home),
        ("XDG_DATA_HOME", &data),
        ("XDG_CONFIG_HOME", &config),
        ("XDG_CACHE_HOME", &cache),
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
        taken: Vec::new(),
    };

    // 1. The older copy: asked about before anything opens; accepting opens it, says so, and
    //    the older state (the grant live again) is what the window shows.
    run.unlock().await;
    let warning = run
        .ui
        .el_within("rollback-warning", Duration::from_secs(60))
        .await;
    let dialog = run.ui.page_text().await;
    assert!(
        dialog.contains("older than the one last opened here"),
        "{dialog}"
    );
    drop(warning);
    assert!(!run.ui.has("nav-profile").await, "nothing opened yet");
    run.shot("en-01-rollback-warning").await;
    run.ui.click("confirm-yes").await;
    run.ui
        .el_within("nav-profile", Duration::from_secs(60))
        .await;
    run.ui
        .text_until("flash", "the rollback notice", |t| t.contains("older copy"))
        .await;
    run.shot("en-02-rollback-accepted").await;
    let row = format!("grant-row-{}", p.grant);
    run.nav("grants", &row).await;
    assert_eq!(
        run.ui.attr(&row, "data-state").await.as_deref(),
        Some("active"),
        "the older copy has the grant live"
    );

    // 2. Revoke it again, then restore the backup taken before the revocation: the preview
    //    names the grant it would make valid again.
    run.revoke(&p.grant).await;
    run.nav("settings", "settings-locale").await;
    answer_file_dialogs(&run.ui, &p.backup).await;
    run.ui.click("settings-restore").await;
    run.ui.fill("settings-restore-passphrase", PASS).await;
    run.ui.fill("settings-restore-current", PASS).await;
    run.ui.click("confirm-yes").await;
    let listed = run
        .ui
        .text_until("preview-unrevoked", "the grant it would un-revoke", |t| {
            t.contains("Acme Coffee")
        })
        .await;
    assert!(listed.contains(&p.grant[..8]), "{listed}");
    run.ui.el("preview-older").await;
    run.shot("en-03-restore-preview").await;
    run.ui.click("confirm-yes").await;
    run.ui
        .text_until("notice", "the safety copy", |t| t.contains(".replaced-"))
        .await;
    run.shot("en-04-restored").await;

    // 3. As the preview advised, revoke it again; then un-revoke it with SQL while locked.
    run.revoke(&p.grant).await;
    run.lock().await;
    un_revoke(&p.vault, &p.grant);
    run.unlock().await;
    let banner = run
        .ui
        .text_until("integrity-banner", "the integrity banner", |t| {
            t.contains(&p.grant[..8])
        })
        .await;
    assert!(banner.contains("failed its integrity check"), "{banner}");
    assert!(
        banner.contains("changed without your passphrase"),
        "{banner}"
    );
    assert!(
        !run.ui.has("flash").await,
        "the earlier session's notice went with it"
    );
    run.nav("profile", "field-input-given_name").await;
    run.ui.el("integrity-banner").await;
    run.shot("en-05-tampered-banner").await;
    // The grants screen cannot list a grant it cannot trust: it says so instead.
    run.nav("grants", "error").await;
    run.shot("en-06-tampered-grants").await;
    run.nav("settings", "settings-locale").await;
    run.ui.select("settings-locale", "ko").await;
    run.ui.click("settings-save").await;
    run.ui.text_until("nav-profile", "Korean", has_hangul).await;
    run.nav("profile", "field-input-given_name").await;
    run.ui
        .text_until("integrity-banner", "the Korean banner", |t| {
            t.contains("무결성") && t.contains(&p.grant[..8])
        })
        .await;
    run.shot("ko-05-tampered-banner").await;

    // The way out: restore the backup over the tampered vault, from the banner's button. The
    // preview cannot say what the backup brings back (the vault cannot be trusted to know).
    run.ui.click("integrity-restore").await;
    run.ui.el("settings-locale").await;
    answer_file_dialogs(&run.ui, &p.backup).await;
    run.ui.click("settings-restore").await;
    run.ui.fill("settings-restore-passphrase", PASS).await;
    run.ui.fill("settings-restore-current", PASS).await;
    run.ui.click("confirm-yes").await;
    run.ui
        .el_within("preview-untrusted", Duration::from_secs(60))
        .await;
    run.ui.el("preview-older").await;
    run.shot("ko-06-restore-over-tampered").await;
    run.ui.click("confirm-yes").await;
    run.ui
        .text_until("notice", "the safety copy", |t| t.contains(".replaced-"))
        .await;
    run.ui.gone("integrity-banner").await;

    // 4. The older copy again, in Korean: declining keeps it locked.
    run.lock().await;
    put_back(&p);
    run.unlock().await;
    run.ui
        .el_within("rollback-warning", Duration::from_secs(60))
        .await;
    until("the Korean warning", run.ui.timeout, || async {
        run.ui.page_text().await.contains("오래되었습니다")
    })
    .await;
    run.shot("ko-01-rollback-warning").await;
    run.ui.click("confirm-no").await;
    run.ui.gone("rollback-warning").await;
    assert!(!run.ui.has("nav-profile").await, "declined: still locked");
    run.ui.el("unlock-passphrase").await;

    // ...and restoring the backup from the unlock screen previews it first.
    answer_file_dialogs(&run.ui, &p.backup).await;
    run.ui.click("restore-instead").await;
    run.ui.click("restore-open").await;
    run.ui
        .text_until("restore-path", "the chosen backup", |t| {
            t.contains("before-revoke.vault")
        })
        .await;
    run.ui.fill("restore-passphrase", PASS).await;
    run.ui.click("restore-overwrite").await;
    run.ui.fill("restore-current", PASS).await;
    run.ui.click("restore-submit").await;
    run.ui
        .el_within("restore-preview", Duration::from_secs(60))
        .await;
    run.ui.el("preview-rollback").await;
    run.shot("ko-03-restore-preview").await;
    run.ui.click("confirm-yes").await;
    run.ui
        .el_within("nav-profile", Duration::from_secs(60))
        .await;
    assert!(
        !run.ui.has("integrity-banner").await,
        "the restored vault is intact"
    );
    run.shot("ko-04-restored").await;

    eprintln!("screenshots:");
    for p in &run.taken {
        eprintln!("  {}", p.display());
    }
    let _ = run.ui.c.close().await;
    drop(harness);
}
