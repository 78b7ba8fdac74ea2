//! The Tauri shell of the Vouchsafe desktop app.
//!
//! Deliberately thin: each `#[tauri::command]` below receives its arguments and calls the
//! function of the same name in [`vouchsafe_app::commands`], where the whole body lives and is
//! tested without a window. What only this layer can do is here too: the real clipboard, the
//! timer that clears it, the auto-lock ticker that tells the window, and single-instance.
//!
//! Commands run on Tauri's async runtime (`async` attribute), not on the main thread, so the
//! window stays responsive while Argon2id derives a key.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use vouchsafe_app::commands as app;
use vouchsafe_app::dto::{
    AppStatus, AuditDto, BrandDto, FieldDto, FieldSpecDto, GrantDto, GrantPreviewDto,
    GrantRequestDto, IssuedGrantDto, LockReason, ReceiptDto, SaveWhat, SettingsDto, Strength,
    VaultLockedEvent,
};
use vouchsafe_app::{AppConfig, AppState, CLEAR_AFTER, Clipboard, CmdResult, SecretArg};

/// How often the auto-lock ticker looks at the idle time; the lock lands at most this late.
const AUTO_LOCK_TICK: Duration = Duration::from_secs(3);
/// The event the UI listens for to show the unlock screen.
pub const VAULT_LOCKED_EVENT: &str = "vault-locked";
/// Label of the one window (tauri.conf.json, capabilities/default.json).
const MAIN_WINDOW: &str = "main";

#[tauri::command(async)]
fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    app::app_status(&state)
}

#[tauri::command(async)]
fn passphrase_strength(state: State<'_, AppState>, passphrase: SecretArg) -> CmdResult<Strength> {
    app::passphrase_strength(&state, &passphrase)
}

#[tauri::command(async)]
fn create_vault(
    state: State<'_, AppState>,
    passphrase: SecretArg,
    confirm: SecretArg,
) -> CmdResult<()> {
    app::create_vault(&state, passphrase, confirm)
}

#[tauri::command(async)]
fn unlock(state: State<'_, AppState>, passphrase: SecretArg) -> CmdResult<()> {
    app::unlock(&state, passphrase)
}

#[tauri::command(async)]
fn lock(state: State<'_, AppState>) -> CmdResult<()> {
    app::lock(&state)
}

#[tauri::command(async)]
fn touch(state: State<'_, AppState>) -> CmdResult<()> {
    app::touch(&state)
}

#[tauri::command(async)]
fn restore_backup(
    state: State<'_, AppState>,
    path: String,
    passphrase: SecretArg,
    overwrite: bool,
) -> CmdResult<()> {
    app::restore_backup(&state, &path, passphrase, overwrite)
}

#[tauri::command(async)]
fn field_catalogue(state: State<'_, AppState>) -> CmdResult<Vec<FieldSpecDto>> {
    app::field_catalogue(&state)
}

#[tauri::command(async)]
fn list_fields(state: State<'_, AppState>) -> CmdResult<Vec<FieldDto>> {
    app::list_fields(&state)
}

#[tauri::command(async)]
fn set_field(
    state: State<'_, AppState>,
    name: String,
    value: String,
    label: Option<String>,
) -> CmdResult<FieldDto> {
    app::set_field(&state, &name, &value, label.as_deref())
}

#[tauri::command(async)]
fn remove_field(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    app::remove_field(&state, &name)
}

#[tauri::command(async)]
fn list_brands(state: State<'_, AppState>) -> CmdResult<Vec<BrandDto>> {
    app::list_brands(&state)
}

#[tauri::command(async)]
fn add_brand(
    state: State<'_, AppState>,
    id: String,
    name: String,
    url: Option<String>,
    status_url: Option<String>,
) -> CmdResult<BrandDto> {
    app::add_brand(&state, &id, &name, url.as_deref(), status_url.as_deref())
}

#[tauri::command(async)]
fn remove_brand(state: State<'_, AppState>, id: String, revoke: bool) -> CmdResult<Option<String>> {
    app::remove_brand(&state, &id, revoke)
}

#[tauri::command(async)]
fn preview_grant(
    state: State<'_, AppState>,
    request: GrantRequestDto,
) -> CmdResult<GrantPreviewDto> {
    app::preview_grant(&state, &request)
}

#[tauri::command(async)]
fn issue_grant(state: State<'_, AppState>, request: GrantRequestDto) -> CmdResult<IssuedGrantDto> {
    app::issue_grant(&state, &request)
}

#[tauri::command(async)]
fn list_grants(state: State<'_, AppState>, brand: Option<String>) -> CmdResult<Vec<GrantDto>> {
    app::list_grants(&state, brand.as_deref())
}

#[tauri::command(async)]
fn revoke_grant(state: State<'_, AppState>, id: String) -> CmdResult<GrantDto> {
    app::revoke_grant(&state, &id)
}

#[tauri::command(async)]
fn revoke_brand(state: State<'_, AppState>, id: String) -> CmdResult<u32> {
    app::revoke_brand(&state, &id)
}

#[tauri::command(async)]
fn grant_receipt(state: State<'_, AppState>, id: String) -> CmdResult<ReceiptDto> {
    app::grant_receipt(&state, &id)
}

#[tauri::command(async)]
fn status_list(state: State<'_, AppState>, brand: String) -> CmdResult<String> {
    app::status_list(&state, &brand)
}

#[tauri::command(async)]
fn save_text(
    state: State<'_, AppState>,
    path: String,
    what: SaveWhat,
    id: String,
) -> CmdResult<()> {
    app::save_text(&state, &path, what, &id)
}

#[tauri::command(async)]
fn qr_svg(state: State<'_, AppState>, text: String) -> CmdResult<String> {
    app::qr_svg(&state, &text)
}

#[tauri::command(async)]
fn copy_secret(
    state: State<'_, AppState>,
    clipboard: State<'_, SharedClipboard>,
    text: String,
) -> CmdResult<()> {
    let pending = app::copy_secret(&state, clipboard.0.as_ref(), &text)?;
    let clip = Arc::clone(&clipboard.0);
    // A plain thread: the clipboard must not be read on the main thread (it can deadlock on
    // Linux), and one sleeping thread per copy is nothing.
    std::thread::spawn(move || {
        std::thread::sleep(CLEAR_AFTER);
        let _ = pending.clear_if_unchanged(clip.as_ref());
    });
    Ok(())
}

#[tauri::command(async)]
fn audit_log(state: State<'_, AppState>) -> CmdResult<AuditDto> {
    app::audit_log(&state)
}

#[tauri::command(async)]
fn change_passphrase(
    state: State<'_, AppState>,
    current: SecretArg,
    new: SecretArg,
    confirm: SecretArg,
) -> CmdResult<()> {
    app::change_passphrase(&state, current, new, confirm)
}

#[tauri::command(async)]
fn get_settings(state: State<'_, AppState>) -> CmdResult<SettingsDto> {
    app::get_settings(&state)
}

#[tauri::command(async)]
fn set_settings(state: State<'_, AppState>, settings: SettingsDto) -> CmdResult<SettingsDto> {
    app::set_settings(&state, settings)
}

#[tauri::command(async)]
fn backup(state: State<'_, AppState>, path: String, overwrite: bool) -> CmdResult<()> {
    app::backup(&state, &path, overwrite)
}

#[tauri::command(async)]
fn export_plaintext(state: State<'_, AppState>, path: String) -> CmdResult<()> {
    app::export_plaintext(&state, &path)
}

#[tauri::command(async)]
fn erase_vault(state: State<'_, AppState>, confirmation: String) -> CmdResult<()> {
    app::erase_vault(&state, &confirmation)
}

/// The system clipboard through the clipboard-manager plugin, for the app crate's clear rule.
struct TauriClipboard<R: Runtime>(AppHandle<R>);

impl<R: Runtime> Clipboard for TauriClipboard<R> {
    fn read_text(&self) -> Option<String> {
        self.0.clipboard().read_text().ok()
    }
    fn write_text(&self, text: &str) -> Result<(), String> {
        // Marked as secret so clipboard managers leave it out of their history.
        self.0
            .clipboard()
            .write_secret(text)
            .map_err(|e| e.to_string())
    }
    fn clear(&self) -> Result<(), String> {
        self.0.clipboard().clear().map_err(|e| e.to_string())
    }
}

/// The clipboard as managed state, so `copy_secret` need not be generic over the runtime.
struct SharedClipboard(Arc<dyn Clipboard + Send + Sync>);

/// Every few seconds, lock an idle vault and tell the window.
fn spawn_auto_lock<R: Runtime>(handle: AppHandle<R>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(AUTO_LOCK_TICK);
            let state = handle.state::<AppState>();
            if state.auto_lock_if_idle(Instant::now()) {
                let _ = handle.emit_to(
                    MAIN_WINDOW,
                    VAULT_LOCKED_EVENT,
                    VaultLockedEvent {
                        reason: LockReason::Auto,
                    },
                );
            }
        }
    });
}

/// A second launch brings the running window to the front instead of opening the vault twice.
fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// The app, generic over the runtime so tests can build it on `tauri::test::mock_runtime`.
pub fn builder<R: Runtime>(state: AppState) -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        // First, so a second instance exits before it sets anything else up.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            focus_main(app)
        }))
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .setup(|app| {
            let clip: Arc<dyn Clipboard + Send + Sync> =
                Arc::new(TauriClipboard(app.handle().clone()));
            app.manage(SharedClipboard(clip));
            spawn_auto_lock(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_status,
            passphrase_strength,
            create_vault,
            unlock,
            lock,
            touch,
            restore_backup,
            field_catalogue,
            list_fields,
            set_field,
            remove_field,
            list_brands,
            add_brand,
            remove_brand,
            preview_grant,
            issue_grant,
            list_grants,
            revoke_grant,
            revoke_brand,
            grant_receipt,
            status_list,
            save_text,
            qr_svg,
            copy_secret,
            audit_log,
            change_passphrase,
            get_settings,
            set_settings,
            backup,
            export_plaintext,
            erase_vault,
        ])
}

/// Where the vault lives: `$VOUCHSAFE_VAULT` (as for the CLI), else the platform data dir.
fn vault_path() -> Option<std::path::PathBuf> {
    std::env::var_os("VOUCHSAFE_VAULT")
        .filter(|v| !v.is_empty())
        .map(Into::into)
        .or_else(vouchsafe::default_vault_path)
}

/// Run the desktop app; returns the process exit code.
pub fn run() -> i32 {
    // GTK panics deep inside tao when there is no display; say so in one line instead.
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "vouchsafe: no display found (DISPLAY and WAYLAND_DISPLAY are unset); start it from a desktop session, or under Xvfb (xvfb-run -a vouchsafe-desktop)"
        );
        return 1;
    }
    let Some(path) = vault_path() else {
        eprintln!(
            "vouchsafe: cannot find a data directory for the vault; set VOUCHSAFE_VAULT or XDG_DATA_HOME"
        );
        return 1;
    };
    let state = AppState::new(AppConfig::new(path));
    // Through the `src-tauri/tauri.conf.json` symlink to the root file, so that the paths in it
    // (written relative to src-tauri/, as the Tauri CLI reads them) resolve the same way here.
    match builder::<tauri::Wry>(state).run(tauri::generate_context!("tauri.conf.json")) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("vouchsafe: {e}");
            1
        }
    }
}
