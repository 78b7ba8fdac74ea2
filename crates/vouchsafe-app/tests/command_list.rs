//! The command list's markers say what the commands do: every command marked `[lock_free]`
//! works on a locked vault, and every other one refuses with `locked`. Each command is called
//! through the same generated call the Tauri wrappers make, with placeholder arguments.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use vouchsafe::KdfParams;
use vouchsafe_app::commands as app;
use vouchsafe_app::connect::ConnectChoicesDto;
use vouchsafe_app::dto::{
    ChannelChangeDto, GrantRequestDto, GrantStateDto, Locale, LockReason, NarrowDto, SaveWhat,
    SettingsDto,
};
use vouchsafe_app::ipc::{Access, COMMANDS, Lend};
use vouchsafe_app::{AppConfig, AppState, ErrorKind, SecretArg};

/// A placeholder argument of each type the list uses; a new argument type fails to compile
/// here until it has one.
trait Placeholder {
    fn placeholder() -> Self;
}
impl Placeholder for String {
    fn placeholder() -> Self {
        "x".into()
    }
}
impl Placeholder for Vec<String> {
    fn placeholder() -> Self {
        vec!["x".into()]
    }
}
impl Placeholder for Option<String> {
    fn placeholder() -> Self {
        None
    }
}
impl Placeholder for Option<i64> {
    fn placeholder() -> Self {
        None
    }
}
impl Placeholder for u32 {
    fn placeholder() -> Self {
        0
    }
}
impl Placeholder for Option<GrantStateDto> {
    fn placeholder() -> Self {
        None
    }
}
impl Placeholder for bool {
    fn placeholder() -> Self {
        false
    }
}
impl Placeholder for SecretArg {
    fn placeholder() -> Self {
        SecretArg::new("x")
    }
}
impl Placeholder for SaveWhat {
    fn placeholder() -> Self {
        SaveWhat::Token
    }
}
impl Placeholder for Locale {
    fn placeholder() -> Self {
        Locale::Ko
    }
}
impl Placeholder for SettingsDto {
    fn placeholder() -> Self {
        SettingsDto {
            locale: None,
            auto_lock_minutes: 5,
            notifications: true,
        }
    }
}
impl Placeholder for GrantRequestDto {
    fn placeholder() -> Self {
        serde_json::from_value(serde_json::json!({
            "brand": "acme", "fields": ["email"], "derived": [], "purpose": "x",
            "purposeCategory": null, "channels": [], "offer": null, "expires": "30d"
        }))
        .expect("a request")
    }
}

impl Placeholder for ChannelChangeDto {
    fn placeholder() -> Self {
        Self {
            channels: vec![],
            night_ads: false,
        }
    }
}

impl Placeholder for NarrowDto {
    fn placeholder() -> Self {
        Self {
            replace: vec![],
            with: None,
            drop: vec!["email".into()],
        }
    }
}

impl Placeholder for ConnectChoicesDto {
    fn placeholder() -> Self {
        Self::default()
    }
}

/// `(command, what calling it on `state` gave)` for every command the wrappers generate.
macro_rules! call_all {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $([$marker:ident])? ; )*) => {
        fn call_all(state: &AppState) -> Vec<(&'static str, Result<(), ErrorKind>)> {
            let mut out = Vec::new();
            $( call_one!(out, state, $name ($($arg: $ty),*) $([$marker])?); )*
            out
        }
    };
}
macro_rules! call_one {
    // Its body takes the shell's clipboard; commands.rs tests it on a locked vault.
    ($out:ident, $state:ident, $name:ident ($($arg:ident : $ty:ty),*) [shell]) => {};
    ($out:ident, $state:ident, $name:ident ($($arg:ident : $ty:ty),*) $([$marker:ident])?) => {{
        $(let mut $arg = <$ty as Placeholder>::placeholder();)*
        let r = app::$name($state, $(Lend::lend(&mut $arg)),*);
        $out.push((stringify!($name), r.map(drop).map_err(|e| e.kind)));
        relock($state);
    }};
}
vouchsafe_app::with_desktop_commands!(call_all);

/// A lock-free call that succeeded in opening the vault must not let the next one through.
fn relock(state: &AppState) {
    if app::app_status(state).expect("status").unlocked {
        app::lock(state).expect("lock");
    }
}

#[test]
fn markers_are_known() {
    for c in COMMANDS {
        assert!(
            c.access().is_some(),
            "{}: unknown marker [{}]",
            c.name,
            c.marker
        );
    }
}

#[test]
fn lock_free_marks_exactly_the_commands_that_work_while_locked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = AppConfig::new(dir.path().join("vault.db"))
        .with_kdf(KdfParams::MINIMUM)
        .with_anchor_dir(Some(dir.path().join("anchors")));
    let state = AppState::new(config);
    let pass = || SecretArg::new("correct horse battery staple");
    app::create_vault(&state, pass(), pass()).expect("create");
    app::lock(&state).expect("lock");

    let results = call_all(&state);
    let generated = COMMANDS
        .iter()
        .filter(|c| c.access() != Some(Access::Shell));
    assert_eq!(results.len(), generated.count());
    for (name, result) in results {
        let spec = COMMANDS.iter().find(|c| c.name == name).expect("listed");
        let refused = result == Err(ErrorKind::Locked);
        match spec.access() {
            Some(Access::LockFree) => assert!(!refused, "{name} is [lock_free] but said locked"),
            _ => assert!(
                refused,
                "{name} is not [lock_free] but gave {result:?} while locked"
            ),
        }
    }
    assert_eq!(
        app::app_status(&state).expect("status").locked_reason,
        Some(LockReason::Manual),
        "no call claimed an auto-lock"
    );
}
