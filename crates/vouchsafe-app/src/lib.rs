//! The desktop app's command layer, with no Tauri dependency.
//!
//! `src-tauri/` is a thin shell: each `#[tauri::command]` there deserialises its arguments and
//! calls the function of the same name in [`commands`]. Keeping the bodies here means every
//! command is tested with real vault files and no window, and the IPC types ([`dto`]) generate
//! the UI's TypeScript ([`bindings`]) so the two sides cannot drift. The contract is
//! docs/desktop-ipc.md, and the one list of commands is [`command_list`].

pub mod bindings;
pub mod clipboard;
/// The one list of desktop commands: [`with_desktop_commands!`].
pub mod command_list;
pub mod commands;
pub mod connect;
pub mod dto;
pub mod error;
pub mod hardening;
pub mod idle;
pub mod integrity;
pub mod ipc;
pub mod kdf_gate;
pub mod notify;
pub mod pages;
#[cfg(target_os = "linux")]
pub mod presence;
pub mod report;
pub mod review;
pub mod secret;
pub mod settings;
pub mod state;

pub use clipboard::{CLEAR_AFTER, ClearOutcome, Clipboard, PendingClear};
pub use error::{CmdResult, CommandError, ErrorKind};
pub use idle::{BootInstant, IdleClock};
pub use secret::SecretArg;
pub use state::{AppConfig, AppState, Session};
