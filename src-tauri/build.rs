//! tauri.conf.json lives at the repository root (the design card wants it there), so point the
//! build at it; `src-tauri/tauri.conf.json` is a symlink to it for the Tauri CLI.
//!
//! The app manifest declares every command of the one command list, which makes Tauri generate
//! an `allow-<command>` permission per command and deny any command that
//! `capabilities/default.json` (generated from the same list) does not grant.

// The list itself: a build script cannot cheaply depend on the app crate, so it includes the
// file (plain `macro_rules!`; the types it names are never expanded here). Cargo rebuilds and
// reruns this script when the included file changes.
include!("../crates/vouchsafe-app/src/command_list.rs");

/// The names of the list's commands, in list order.
macro_rules! command_names {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $([$marker:ident])? ; )*) => {
        &[$(stringify!($name)),*]
    };
}
const COMMANDS: &[&str] = with_desktop_commands!(command_names);

fn main() {
    let attrs = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        // A build script reports failure by exiting non-zero with the reason on stderr.
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
