//! What the generated command code needs: how an IPC argument reaches a command body, the
//! types the list names, the event the shell emits, and the list as data.

use crate::secret::SecretArg;

/// The event the shell emits when auto-lock fires; its payload is [`types::VaultLockedEvent`].
pub const VAULT_LOCKED_EVENT: &str = "vault-locked";
/// The event the shell emits when the desktop hands it a `vouchsafe://` link; no payload: the
/// window then takes the link with `take_connect_link`, which also covers a link that arrived
/// before the window listened (a first launch with the link).
pub const CONNECT_LINK_EVENT: &str = "connect-link";

/// The types [`with_desktop_commands!`](crate::with_desktop_commands) names, for code that
/// expands the list (`use vouchsafe_app::ipc::types::*`).
pub mod types {
    pub use crate::connect::{
        ConnectChoicesDto, ConnectPlanDto, ConnectRequestDto, ConnectedDto, GrantDeliveryDto,
        OutboxItemDto, OutboxReportDto,
    };
    pub use crate::dto::{
        AppStatus, AuditDto, AuditPageDto, BrandDto, ChainStateDto, ChannelChangeDto, FieldDto,
        FieldSpecDto, GrantDto, GrantPageDto, GrantPreviewDto, GrantRequestDto, GrantStateDto,
        HandedLinkDto, IssuedGrantDto, Locale, NarrowDto, ReceiptDto, RestoreDto, ReviewItemDto,
        SaveWhat, SettingsDto, Strength, UnlockDto, VaultLockedEvent,
    };
    pub use crate::pages::{BrandChoicesDto, BrandPageDto, FieldPageDto};
    pub use crate::secret::SecretArg;
}

/// How a deserialised argument is handed to its command body, so one generated call fits every
/// body: text is lent as `&str`, a request by reference, and a passphrase is moved out (the body
/// wipes it), as are small `Copy` values.
pub trait Lend<'a, P> {
    fn lend(&'a mut self) -> P;
}

impl<'a> Lend<'a, &'a str> for String {
    fn lend(&'a mut self) -> &'a str {
        self
    }
}

impl<'a> Lend<'a, Option<&'a str>> for Option<String> {
    fn lend(&'a mut self) -> Option<&'a str> {
        self.as_deref()
    }
}

impl<'a> Lend<'a, &'a [String]> for Vec<String> {
    fn lend(&'a mut self) -> &'a [String] {
        self
    }
}

impl<'a, T> Lend<'a, &'a T> for T {
    fn lend(&'a mut self) -> &'a T {
        self
    }
}

impl<T: Copy> Lend<'_, T> for T {
    fn lend(&mut self) -> T {
        *self
    }
}

impl Lend<'_, SecretArg> for SecretArg {
    fn lend(&mut self) -> SecretArg {
        // Moves the text out; what stays behind is empty, and the wrapper drops it right away.
        std::mem::replace(self, SecretArg::new(String::new()))
    }
}

/// What an entry's marker says about a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Needs an unlocked vault; fails with `locked` otherwise.
    Vault,
    /// Works while the vault is locked.
    LockFree,
    /// Needs an unlocked vault; the shell writes its Tauri wrapper by hand.
    Shell,
}

impl Access {
    /// The marker as written in the list (`""` for none); `None` for a marker the list does not
    /// define, which `tests/command_list.rs` rejects.
    pub fn from_marker(marker: &str) -> Option<Self> {
        match marker {
            "" => Some(Self::Vault),
            "lock_free" => Some(Self::LockFree),
            "shell" => Some(Self::Shell),
            _ => None,
        }
    }
}

/// One command as data, for generating what is not Rust (TypeScript, the capability, docs).
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    /// The entry's doc comment, one string per line.
    pub docs: &'static [&'static str],
    /// Argument names as written in Rust (snake_case); Tauri expects them camelCase.
    pub args: &'static [&'static str],
    /// The marker as written (`""` for none); see [`Access::from_marker`].
    pub marker: &'static str,
}

impl CommandSpec {
    pub fn access(&self) -> Option<Access> {
        Access::from_marker(self.marker)
    }
}

macro_rules! specs {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $([$marker:ident])? ; )*) => {
        /// Every desktop command, in list order.
        pub const COMMANDS: &[CommandSpec] = &[
            $(CommandSpec {
                name: stringify!($name),
                docs: &[$($doc),*],
                args: &[$(stringify!($arg)),*],
                marker: concat!("" $(, stringify!($marker))?),
            }),*
        ];
    };
}
crate::with_desktop_commands!(specs);
