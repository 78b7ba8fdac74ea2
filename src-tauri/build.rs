//! tauri.conf.json lives at the repository root (the design card wants it there), so point the
//! build at it; `src-tauri/tauri.conf.json` is a symlink to it for the Tauri CLI.
//!
//! The app manifest declares every command, which makes Tauri generate an `allow-<command>`
//! permission per command and deny any command that `capabilities/default.json` does not grant.

/// Every IPC command of docs/desktop-ipc.md; must match `generate_handler!` in src/lib.rs.
const COMMANDS: &[&str] = &[
    "app_status",
    "passphrase_strength",
    "create_vault",
    "unlock",
    "lock",
    "touch",
    "restore_backup",
    "field_catalogue",
    "list_fields",
    "set_field",
    "remove_field",
    "list_brands",
    "add_brand",
    "remove_brand",
    "preview_grant",
    "issue_grant",
    "list_grants",
    "revoke_grant",
    "revoke_brand",
    "grant_receipt",
    "status_list",
    "save_text",
    "qr_svg",
    "copy_secret",
    "audit_log",
    "change_passphrase",
    "get_settings",
    "set_settings",
    "backup",
    "export_plaintext",
    "erase_vault",
];

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
