//! The Tauri shell of the Vouchsafe desktop app.
//!
//! Deliberately thin: each `#[tauri::command]` below is generated from the one command list
//! (`vouchsafe_app::with_desktop_commands!`), receives its arguments and calls the function of
//! the same name in [`vouchsafe_app::commands`], where the whole body lives and is tested
//! without a window; `build.rs` declares the same list's permissions. What only this layer can
//! do is here too: the real clipboard, the timer that clears it, the auto-lock ticker that
//! tells the window (and, from the same ticker, the day's notification of expiring grants and
//! overdue erasures, [`vouchsafe_app::notify`]), locking on suspend and screen lock (D-Bus,
//! Linux), process hardening,
//! single-instance, and the `vouchsafe://` links the desktop hands over ([`link`]).
//!
//! Commands run on Tauri's async runtime (`async` attribute), not on the main thread, so the
//! window stays responsive while Argon2id derives a key.

pub mod allocator;
mod link;
pub mod webkit_env;

use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_notification::NotificationExt;
use vouchsafe_app::commands as app;
use vouchsafe_app::dto::{LockReason, VaultLockedEvent};
use vouchsafe_app::ipc::Lend;
use vouchsafe_app::ipc::types::*; // the types the command list names, bare
use vouchsafe_app::notify::{Notice, Notifier};
use vouchsafe_app::{AppConfig, AppState, CLEAR_AFTER, Clipboard, CmdResult};

/// How often the auto-lock ticker looks at the idle time; the lock lands at most this late.
/// The notifier rides the same tick and waits for the person to be quiet
/// ([`vouchsafe_app::notify::QUIET_FOR`], 5 s) before it looks; a look put off lands on the
/// first tick after that, 5 to 8 s after the last command.
const AUTO_LOCK_TICK: Duration = Duration::from_secs(3);
/// How often waiting outbox events are delivered while the vault is unlocked (a few at a time,
/// with short timeouts: `vouchsafe_app::connect::deliver_due`).
const OUTBOX_TICK: Duration = Duration::from_secs(60);
/// The event the UI listens for to show the unlock screen.
pub const VAULT_LOCKED_EVENT: &str = vouchsafe_app::ipc::VAULT_LOCKED_EVENT;
/// The event that tells the UI a `vouchsafe://` link is waiting for `take_connect_link`.
pub const CONNECT_LINK_EVENT: &str = vouchsafe_app::ipc::CONNECT_LINK_EVENT;
/// Label of the one window (tauri.conf.json, capabilities/default.json).
const MAIN_WINDOW: &str = "main";

/// One `#[tauri::command]` per entry of the command list, calling the body of the same name.
macro_rules! wrapper {
    // Written by hand below: they need what only the shell has (the clipboard, handed links).
    ($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty [shell]) => {};
    ($(#[doc = $doc:literal])* $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty $([$marker:ident])?) => {
        $(#[doc = $doc])*
        #[tauri::command(async)]
        fn $name(state: State<'_, AppState>, $(mut $arg: $ty),*) -> CmdResult<$ret> {
            app::$name(&state, $(Lend::lend(&mut $arg)),*)
        }
    };
}

/// Expands the command list ([`vouchsafe_app::command_list`]) into the wrappers and the
/// handler that registers exactly them.
macro_rules! tauri_commands {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $([$marker:ident])? ; )*) => {
        $( wrapper!($(#[doc = $doc])* $name ($($arg: $ty),*) -> $ret $([$marker])?); )*

        /// Every command of the list, for `Builder::invoke_handler`.
        fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}
vouchsafe_app::with_desktop_commands!(tauri_commands);

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

/// The link the desktop last handed over, once. Only while unlocked, like every command not
/// marked `[lock_free]`: a link that arrives while locked waits for the unlock.
#[tauri::command(async)]
fn take_connect_link(
    state: State<'_, AppState>,
    pending: State<'_, link::PendingLink>,
) -> CmdResult<Option<HandedLinkDto>> {
    if !state.session().is_unlocked() {
        return Err(vouchsafe_app::CommandError::locked());
    }
    Ok(pending.take())
}

/// Keep each handed-over link (checked) for the window, tell it, and bring it to the front.
fn hand_links<R: Runtime>(app: &AppHandle<R>, urls: impl IntoIterator<Item = String>) {
    let mut any = false;
    for url in urls {
        app.state::<link::PendingLink>().put(link::check(&url));
        any = true;
    }
    if any {
        let _ = app.emit_to(MAIN_WINDOW, CONNECT_LINK_EVENT, ());
        focus_main(app);
    }
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

/// Tell the window the vault locked by itself, so it shows the unlock screen.
fn tell_locked<R: Runtime>(handle: &AppHandle<R>, reason: LockReason) {
    let _ = handle.emit_to(MAIN_WINDOW, VAULT_LOCKED_EVENT, VaultLockedEvent { reason });
}

/// Every few seconds, lock an idle vault and tell the window. The idle time is read on the
/// boot-time clock, so after a suspend the first tick locks if the time asleep was enough.
/// The same tick asks the notifier whether today's notification is due: it looks at the
/// review after an unlock and every quarter of an hour after, each time only once no command
/// has come for a few seconds (the review holds the session lock, and a screen opened meanwhile
/// would wait), and shows at most one a day.
fn spawn_auto_lock<R: Runtime>(handle: AppHandle<R>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(AUTO_LOCK_TICK);
            let state = handle.state::<AppState>();
            if state.auto_lock_if_idle(state.now()) {
                tell_locked(&handle, LockReason::Auto);
            }
            if let Some(notice) = handle.state::<Notifier>().poll(&state) {
                show_notice(&handle, &notice);
            }
        }
    });
}

/// Through the OS notification service (on Linux `org.freedesktop.Notifications` on the
/// session bus), sent from here, never from the web view, which holds no notification
/// permission. The plugin sends on a thread of its own; a missing service is not an error
/// worth more than a line.
fn show_notice<R: Runtime>(handle: &AppHandle<R>, notice: &Notice) {
    if let Err(e) = handle
        .notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show()
    {
        eprintln!("vouchsafe: cannot show a notification: {e}");
    }
}

/// While unlocked, deliver what waits in the outbox (revocations, erasure requests, updates)
/// and fetch the brands' receipts: the app's background delivery. Only items already due are
/// tried, so a brand that is down is retried on the outbox's back-off, not every minute.
fn spawn_outbox<R: Runtime>(handle: AppHandle<R>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(OUTBOX_TICK);
            vouchsafe_app::connect::deliver_due(&handle.state::<AppState>());
        }
    });
}

/// Lock as soon as the machine is about to sleep or the screen locks. Where a bus is missing
/// (no logind, no desktop session) say so once and carry on: the idle timer still counts time
/// asleep.
#[cfg(target_os = "linux")]
fn spawn_presence<R: Runtime>(handle: &AppHandle<R>) {
    use vouchsafe_app::presence::{self, Leaving};
    let on_leave = |handle: AppHandle<R>| {
        move |l: Leaving| {
            if handle.state::<AppState>().lock_now(l.reason()) {
                tell_locked(&handle, l.reason());
            }
        }
    };
    if let Err(e) = presence::watch_suspend(on_leave(handle.clone())) {
        eprintln!(
            "vouchsafe: not locking on suspend: no logind on the system bus ({e}); the idle timer still counts time asleep"
        );
    }
    if let Err(e) = presence::watch_screen_lock(on_leave(handle.clone())) {
        eprintln!("vouchsafe: not locking on screen lock: no session bus ({e})");
    }
}
#[cfg(not(target_os = "linux"))]
fn spawn_presence<R: Runtime>(_: &AppHandle<R>) {}

/// A second launch brings the running window to the front instead of opening the vault twice;
/// a link it was given arrives through the deep-link plugin (`hand_links`).
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
        // First, so a second instance exits before it sets anything else up. With its
        // `deep-link` feature it passes the second launch's arguments to the deep-link plugin,
        // which emits the link to `on_open_url` below.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            focus_main(app)
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(Notifier::new(state.config()))
        .manage(state)
        .manage(link::PendingLink::default())
        .setup(|app| {
            // A link given at this launch was read by the plugin before anyone listened.
            let handle = app.handle().clone();
            if let Ok(Some(urls)) = app.deep_link().get_current() {
                hand_links(&handle, urls.into_iter().map(String::from));
            }
            let on_open = handle.clone();
            app.deep_link().on_open_url(move |event| {
                hand_links(&on_open, event.urls().into_iter().map(String::from));
            });
            let clip: Arc<dyn Clipboard + Send + Sync> =
                Arc::new(TauriClipboard(app.handle().clone()));
            app.manage(SharedClipboard(clip));
            spawn_auto_lock(app.handle().clone());
            spawn_outbox(app.handle().clone());
            spawn_presence(app.handle());
            Ok(())
        })
        .invoke_handler(handler::<R>())
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
    // Before anything holds a secret: no core dumps, no same-user ptrace or /proc/<pid>/mem.
    let hardening = vouchsafe_app::hardening::harden_process();
    for problem in &hardening.problems {
        eprintln!("vouchsafe: process hardening incomplete: {problem}");
    }
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
