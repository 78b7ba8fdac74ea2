//! What is generated for the UI and the shell from the Rust side: the TypeScript types of the
//! DTOs (ts-rs), the typed `invoke` wrappers of every command, and the window's capability,
//! the last two from the one command list ([`crate::with_desktop_commands`]).
//!
//! They are committed (`ui/src/lib/bindings/`, one file per type plus `commands.ts`;
//! `src-tauri/capabilities/default.json`) so the UI builds without Rust; `tests/bindings.rs`
//! regenerates them and fails on any difference, and
//! `VOUCHSAFE_UPDATE_BINDINGS=1 cargo test -p vouchsafe-app --test bindings` rewrites them.

use std::any::TypeId;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use ts_rs::{Config, Dependency, TS, TypeVisitor};

use crate::connect::*;
use crate::dto::*;
use crate::error::{CommandError, ErrorKind};
use crate::ipc::{Access, COMMANDS, CONNECT_LINK_EVENT, VAULT_LOCKED_EVENT};
use crate::pages::{BrandChoiceDto, BrandChoicesDto, BrandPageDto, FieldPageDto};
use crate::secret::SecretArg;

/// Where the committed bindings live, relative to the workspace root.
pub const BINDINGS_DIR: &str = "ui/src/lib/bindings";

/// The generated command wrappers, inside [`BINDINGS_DIR`].
pub const COMMANDS_FILE: &str = "commands.ts";
/// Re-exports every generated type and the command wrappers, so the UI imports from one place.
pub const INDEX_FILE: &str = "index.ts";
/// The window's capability, relative to the workspace root.
pub const CAPABILITY_FILE: &str = "src-tauri/capabilities/default.json";

/// Times and counts are well below 2^53, so plain `number` rather than `bigint`, which
/// JSON.parse would not produce anyway.
fn config() -> Config {
    Config::new().with_large_int("number")
}

fn one<T: TS + 'static>(
    cfg: &Config,
    out: &mut Vec<(PathBuf, String)>,
) -> Result<(), ts_rs::ExportError> {
    let path = T::output_path().ok_or(ts_rs::ExportError::CannotBeExported(
        std::any::type_name::<T>(),
    ))?;
    out.push((path, T::export_to_string(cfg)?));
    Ok(())
}

/// Every binding as (file name, contents), sorted by file name.
pub fn render() -> Result<Vec<(PathBuf, String)>, ts_rs::ExportError> {
    let cfg = config();
    let mut out = Vec::new();
    one::<AppStatus>(&cfg, &mut out)?;
    one::<AskedChannelDto>(&cfg, &mut out)?;
    one::<AskedClaimDto>(&cfg, &mut out)?;
    one::<BrandReceiptDto>(&cfg, &mut out)?;
    one::<ConnectChoicesDto>(&cfg, &mut out)?;
    one::<ConnectPlanDto>(&cfg, &mut out)?;
    one::<ConnectRequestDto>(&cfg, &mut out)?;
    one::<ConnectedDto>(&cfg, &mut out)?;
    one::<EventKindDto>(&cfg, &mut out)?;
    one::<GrantDeliveryDto>(&cfg, &mut out)?;
    one::<LocalText>(&cfg, &mut out)?;
    one::<OutboxItemDto>(&cfg, &mut out)?;
    one::<OutboxReportDto>(&cfg, &mut out)?;
    one::<OutboxStateDto>(&cfg, &mut out)?;
    one::<AuditDto>(&cfg, &mut out)?;
    one::<AuditEntryDto>(&cfg, &mut out)?;
    one::<AuditPageDto>(&cfg, &mut out)?;
    one::<BrandDto>(&cfg, &mut out)?;
    one::<BrandPageDto>(&cfg, &mut out)?;
    one::<BrandChoiceDto>(&cfg, &mut out)?;
    one::<BrandChoicesDto>(&cfg, &mut out)?;
    one::<ChainStateDto>(&cfg, &mut out)?;
    one::<ChannelChangeDto>(&cfg, &mut out)?;
    one::<NarrowDto>(&cfg, &mut out)?;
    one::<ChannelConsentDto>(&cfg, &mut out)?;
    one::<ChannelDto>(&cfg, &mut out)?;
    one::<ChannelKindDto>(&cfg, &mut out)?;
    one::<GrantChannelsDto>(&cfg, &mut out)?;
    one::<CommandError>(&cfg, &mut out)?;
    one::<ErrorKind>(&cfg, &mut out)?;
    one::<FieldDto>(&cfg, &mut out)?;
    one::<FieldPageDto>(&cfg, &mut out)?;
    one::<FieldGroupDto>(&cfg, &mut out)?;
    one::<FieldSpecDto>(&cfg, &mut out)?;
    one::<GrantBriefDto>(&cfg, &mut out)?;
    one::<GrantDto>(&cfg, &mut out)?;
    one::<GrantPageDto>(&cfg, &mut out)?;
    one::<GrantPreviewDto>(&cfg, &mut out)?;
    one::<GrantRequestDto>(&cfg, &mut out)?;
    one::<GrantStateDto>(&cfg, &mut out)?;
    one::<IntegrityDto>(&cfg, &mut out)?;
    one::<IssuedGrantDto>(&cfg, &mut out)?;
    one::<Locale>(&cfg, &mut out)?;
    one::<LockReason>(&cfg, &mut out)?;
    one::<ProblemDto>(&cfg, &mut out)?;
    one::<ProblemKindDto>(&cfg, &mut out)?;
    one::<ReceiptDto>(&cfg, &mut out)?;
    one::<RestoreDto>(&cfg, &mut out)?;
    one::<RestorePreviewDto>(&cfg, &mut out)?;
    one::<ReviewActionDto>(&cfg, &mut out)?;
    one::<ReviewItemDto>(&cfg, &mut out)?;
    one::<ReviewKindDto>(&cfg, &mut out)?;
    one::<RollbackDto>(&cfg, &mut out)?;
    one::<SaveWhat>(&cfg, &mut out)?;
    one::<SettingsDto>(&cfg, &mut out)?;
    one::<Strength>(&cfg, &mut out)?;
    one::<UnlockDto>(&cfg, &mut out)?;
    one::<VaultLockedEvent>(&cfg, &mut out)?;
    one::<HandedLinkDto>(&cfg, &mut out)?;
    out.push((PathBuf::from(INDEX_FILE), render_index(&out)));
    out.push((PathBuf::from(COMMANDS_FILE), render_commands(&cfg)?));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `index.ts`: `export type { T } from "./T"` for every ts-rs file (named for its type), and the
/// command wrappers.
fn render_index(types: &[(PathBuf, String)]) -> String {
    let mut ts = String::from(
        "// This file was generated by vouchsafe_app::bindings. Do not edit it: \
         VOUCHSAFE_UPDATE_BINDINGS=1 cargo test -p vouchsafe-app --test bindings\n",
    );
    let mut names: Vec<String> = types
        .iter()
        .filter_map(|(p, _)| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        let _ = writeln!(ts, "export type {{ {n} }} from \"./{n}\";");
    }
    ts.push_str("export * from \"./commands\";\n");
    ts
}

/// The TypeScript side of a type the command list names: ts-rs for the DTOs and std types,
/// `string` for a passphrase.
trait IpcType {
    fn ts(cfg: &Config) -> String;
    fn is_option() -> bool;
    /// The generated types this one names, as `(type, file)`, for the imports.
    fn imports(cfg: &Config, out: &mut BTreeSet<(String, PathBuf)>);
}

impl<T: TS + 'static> IpcType for T {
    fn ts(cfg: &Config) -> String {
        // `()` is `null` on the wire; `void` says "nothing to read" to the caller.
        if TypeId::of::<T>() == TypeId::of::<()>() {
            "void".into()
        } else {
            T::name(cfg)
        }
    }
    fn is_option() -> bool {
        T::IS_OPTION
    }
    fn imports(cfg: &Config, out: &mut BTreeSet<(String, PathBuf)>) {
        struct Collect<'a>(&'a Config, &'a mut BTreeSet<(String, PathBuf)>);
        impl TypeVisitor for Collect<'_> {
            fn visit<U: TS + 'static + ?Sized>(&mut self) {
                if let Some(d) = Dependency::from_ty::<U>(self.0) {
                    self.1.insert((d.ts_name, d.output_path));
                }
            }
        }
        let mut c = Collect(cfg, out);
        c.visit::<T>();
        T::visit_generics(&mut c);
    }
}

impl IpcType for SecretArg {
    fn ts(_: &Config) -> String {
        "string".into()
    }
    fn is_option() -> bool {
        false
    }
    fn imports(_: &Config, _: &mut BTreeSet<(String, PathBuf)>) {}
}

/// One command's TypeScript signature.
struct Signature {
    /// `(rust name, TypeScript type, optional)` per argument.
    args: Vec<(&'static str, String, bool)>,
    ret: String,
}

macro_rules! signatures {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty $([$marker:ident])? ; )*) => {
        /// Every command's signature, in list order, and the types they name.
        fn signatures(cfg: &Config, imports: &mut BTreeSet<(String, PathBuf)>) -> Vec<Signature> {
            vec![$({
                $(<$ty as IpcType>::imports(cfg, imports);)*
                <$ret as IpcType>::imports(cfg, imports);
                Signature {
                    args: vec![$((
                        stringify!($arg),
                        <$ty as IpcType>::ts(cfg),
                        <$ty as IpcType>::is_option(),
                    )),*],
                    ret: <$ret as IpcType>::ts(cfg),
                }
            }),*]
        }
    };
}
crate::with_desktop_commands!(signatures);

/// `status_url` → `statusUrl`: Tauri's key for an argument, and our TypeScript name.
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A parameter name JavaScript accepts: `new` is reserved, so it becomes `new_`.
fn js_param(name: &str) -> String {
    const RESERVED: &[&str] = &[
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "let",
        "new",
        "null",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ];
    if RESERVED.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// The kinds of [`ErrorKind`], read from its ts-rs union (`"a" | "b"`) so the UI's runtime
/// list comes from the enum itself.
fn error_kinds(cfg: &Config) -> Result<Vec<String>, ts_rs::ExportError> {
    let union = ErrorKind::inline(cfg);
    union
        .split('|')
        .map(|k| {
            let k = k.trim();
            k.strip_prefix('"')
                .and_then(|k| k.strip_suffix('"'))
                .filter(|k| !k.contains('"'))
                .map(str::to_string)
                .ok_or(ts_rs::ExportError::CannotBeExported(
                    "ErrorKind is not a union of strings",
                ))
        })
        .collect()
}

/// `ui/src/lib/bindings/commands.ts`: the typed command map and one wrapper per command over
/// a transport the UI supplies (`createCommands(call)`), so behaviour such as error
/// normalisation stays in hand-written code and no command name is written by hand.
pub fn render_commands(cfg: &Config) -> Result<String, ts_rs::ExportError> {
    let mut imports = BTreeSet::new();
    let sigs = signatures(cfg, &mut imports);
    imports.insert(("ErrorKind".into(), PathBuf::from("ErrorKind.ts")));

    let mut ts = String::new();
    let w = &mut ts;
    // `fmt::Write` for a String cannot fail; the results are ignored below for that reason.
    let _ = writeln!(
        w,
        "// This file was generated from the command list (crates/vouchsafe-app/src/command_list.rs).\n\
         // Do not edit it: VOUCHSAFE_UPDATE_BINDINGS=1 cargo test -p vouchsafe-app --test bindings"
    );
    for (name, path) in &imports {
        let module = path.with_extension("");
        let _ = writeln!(
            w,
            "import type {{ {name} }} from \"./{}\";",
            module.display()
        );
    }
    let _ = writeln!(
        w,
        "\n/** Every command: its arguments (camelCase keys, as Tauri reads them) and its result. */"
    );
    let _ = writeln!(w, "export type Commands = {{");
    for (spec, sig) in COMMANDS.iter().zip(&sigs) {
        let args = if sig.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = sig
                .args
                .iter()
                .map(|(n, t, _)| format!("{}: {t}", camel(n)))
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        let _ = writeln!(
            w,
            "  {}: {{ args: {args}; result: {} }};",
            spec.name, sig.ret
        );
    }
    let _ = writeln!(w, "}};\n\nexport type CommandName = keyof Commands;");
    let names: Vec<String> = COMMANDS.iter().map(|c| json_str(c.name)).collect();
    let _ = writeln!(
        w,
        "\nexport const COMMAND_NAMES: readonly CommandName[] = [{}];",
        names.join(", ")
    );
    let lock_free: Vec<String> = COMMANDS
        .iter()
        .filter(|c| c.access() == Some(Access::LockFree))
        .map(|c| json_str(c.name))
        .collect();
    let _ = writeln!(
        w,
        "\n/** The commands that work while the vault is locked; every other one fails with `locked` then. */\n\
         export const LOCK_FREE_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>([{}]);",
        lock_free.join(", ")
    );
    let kinds: Vec<String> = error_kinds(cfg)?.iter().map(|k| json_str(k)).collect();
    let _ = writeln!(
        w,
        "\n/** Every `kind` a command can fail with. */\nexport const ERROR_KINDS: readonly ErrorKind[] = [{}];",
        kinds.join(", ")
    );
    let _ = writeln!(
        w,
        "\n/** The event the shell emits when auto-lock fires; its payload is a `VaultLockedEvent`. */\n\
         export const VAULT_LOCKED_EVENT = {};",
        json_str(VAULT_LOCKED_EVENT)
    );
    let _ = writeln!(
        w,
        "\n/** The event the shell emits when the desktop hands it a `vouchsafe://` link; no payload: call `takeConnectLink`. */\n\
         export const CONNECT_LINK_EVENT = {};",
        json_str(CONNECT_LINK_EVENT)
    );
    let _ = writeln!(
        w,
        "\n/** How a command reaches the Rust side: `invoke`, wrapped by the UI as it needs. */\n\
         export type Call = <C extends CommandName>(command: C, args: Commands[C][\"args\"]) => Promise<Commands[C][\"result\"]>;"
    );
    let _ = writeln!(
        w,
        "\n/** One typed function per command, each calling `call`. */"
    );
    let _ = writeln!(
        w,
        "export function createCommands(call: Call) {{\n  return {{"
    );
    for (spec, sig) in COMMANDS.iter().zip(&sigs) {
        if !spec.docs.is_empty() {
            let lines: Vec<&str> = spec.docs.iter().map(|l| l.trim()).collect();
            let _ = writeln!(w, "    /** {} */", lines.join(" "));
        }
        // Trailing optional arguments may be left out, and then are `null`.
        let first_defaulted = sig
            .args
            .iter()
            .rposition(|(_, _, opt)| !opt)
            .map_or(0, |i| i + 1);
        let params: Vec<String> = sig
            .args
            .iter()
            .enumerate()
            .map(|(i, (n, t, _))| {
                let default = if i >= first_defaulted { " = null" } else { "" };
                format!("{}: {t}{default}", js_param(&camel(n)))
            })
            .collect();
        let keys: Vec<String> = sig
            .args
            .iter()
            .map(|(n, _, _)| {
                let (key, param) = (camel(n), js_param(&camel(n)));
                if key == param {
                    key
                } else {
                    format!("{key}: {param}")
                }
            })
            .collect();
        let args = if keys.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", keys.join(", "))
        };
        let _ = writeln!(
            w,
            "    {}: ({}): Promise<{}> => call({}, {args}),",
            camel(spec.name),
            params.join(", "),
            sig.ret,
            json_str(spec.name)
        );
    }
    let _ = writeln!(
        w,
        "  }};\n}}\n\nexport type CommandFunctions = ReturnType<typeof createCommands>;"
    );
    Ok(ts)
}

/// `src-tauri/capabilities/default.json`: the one window may call exactly the listed commands
/// (the `allow-<command>` permissions the app manifest generates), listen for the app's event
/// and open the save/open dialogs; nothing else.
pub fn render_capability() -> String {
    #[derive(Serialize)]
    struct Capability {
        #[serde(rename = "$schema")]
        schema: &'static str,
        identifier: &'static str,
        description: &'static str,
        windows: [&'static str; 1],
        permissions: Vec<String>,
    }
    const SHELL_PERMISSIONS: [&str; 4] = [
        "core:event:allow-listen",
        "core:event:allow-unlisten",
        "dialog:allow-save",
        "dialog:allow-open",
    ];
    let mut permissions: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.name.replace('_', "-")))
        .collect();
    permissions.extend(SHELL_PERMISSIONS.map(String::from));
    let cap = Capability {
        schema: "../gen/schemas/desktop-schema.json",
        identifier: "default",
        description: "Generated from crates/vouchsafe-app/src/command_list.rs. The main window may call the app's own commands, listen for its events (vault-locked, connect-link) and open the save/open dialogs. Nothing else: no file system, shell or HTTP access from the web view.",
        // The label of the one window (tauri.conf.json).
        windows: ["main"],
        permissions,
    };
    // Serialising plain strings cannot fail.
    let mut json = serde_json::to_string_pretty(&cap).unwrap_or_default();
    json.push('\n');
    json
}
