//! What the app's integration tests share: a vault in a temporary directory, made through the
//! app's own commands, and the grant request most of them issue. Each test file is a crate of
//! its own and uses only part of this.
#![allow(dead_code, clippy::expect_used)] // test support fails by panicking

use std::path::Path;

use tempfile::TempDir;
use vouchsafe::KdfParams;
use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{ChannelDto, ChannelKindDto, GrantRequestDto};
use vouchsafe_app::{AppConfig, AppState, CommandError, ErrorKind, SecretArg};

/// The passphrase of every test vault.
pub const PASS: &str = "correct horse battery staple";

/// A vault in `dir`, laid out as the app lays it out (`vouchsafe/vault.db`), with the minimum
/// Argon2id parameters (a vault in a fraction of a second, not one) and the last-seen
/// generations in `dir` too, never in the user's configuration directory.
pub fn config(dir: &Path) -> AppConfig {
    AppConfig::new(dir.join("vouchsafe").join("vault.db"))
        .with_kdf(KdfParams::MINIMUM)
        .with_anchor_dir(Some(dir.join("anchors")))
}

/// A state on a vault not created yet; the directory lives as long as the returned handle.
pub fn empty_state() -> (TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::new(config(dir.path()));
    (dir, state)
}

/// A new, unlocked vault (passphrase [`PASS`]) holding `fields`, each a name and a value.
pub fn vault_with(fields: &[(&str, &str)]) -> (TempDir, AppState) {
    let (dir, state) = empty_state();
    c::create_vault(&state, SecretArg::new(PASS), SecretArg::new(PASS)).expect("create");
    for (name, value) in fields {
        c::set_field(&state, name, value, None).expect(name);
    }
    (dir, state)
}

/// A secret argument, as the window passes one (short: the tests pass many).
pub fn s(text: &str) -> SecretArg {
    SecretArg::new(text)
}

/// The kind of error a command that should fail failed with.
pub fn kind<T: std::fmt::Debug>(r: Result<T, CommandError>) -> ErrorKind {
    r.expect_err("should fail").kind
}

/// A request to share `fields` with `brand` for order updates, by email (information, allowed),
/// for 30 days; a test changes what it needs with `..request(…)`.
pub fn request(brand: &str, fields: &[&str]) -> GrantRequestDto {
    GrantRequestDto {
        brand: brand.into(),
        fields: fields.iter().map(|f| (*f).to_string()).collect(),
        derived: vec![],
        purpose: "order updates".into(),
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
