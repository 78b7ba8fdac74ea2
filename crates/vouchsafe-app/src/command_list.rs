// The one list of desktop commands. No inner doc comment (`//!`) here: src-tauri/build.rs
// `include!`s this file, where only items may appear.

/// The one list of desktop commands (docs/desktop-ipc.md); calls `$then! { entries }` with every
/// command, in the order the docs list them.
///
/// Everything else that names a command is generated from this list, so adding one means
/// writing its body in [`crate::commands`] and one line here:
/// - `src-tauri/src/lib.rs`: the `#[tauri::command]` wrappers and `generate_handler!`;
/// - `src-tauri/build.rs` (which `include!`s this file, as a build script cannot cheaply depend
///   on this crate): the app manifest, so Tauri makes an `allow-<command>` permission for each;
/// - [`crate::bindings`]: the capability `src-tauri/capabilities/default.json`, which grants
///   exactly these, and the UI's typed `invoke` wrappers `ui/src/lib/bindings/commands.ts`.
///   `tests/bindings.rs` fails when either committed file is stale.
///
/// An entry is `name(arg: Type, ...) -> Result` in the IPC's terms (what Tauri deserialises and
/// serialises; the body receives each argument through [`crate::ipc::Lend`]), optionally followed
/// by one marker:
/// - `[lock_free]`: works while the vault is locked (every other command fails with `locked`;
///   `tests/command_list.rs` checks both ways);
/// - `[shell]`: the src-tauri wrapper is written by hand because it needs what only the shell
///   has (the system clipboard); it is still registered, permitted and bound like the rest.
///
/// Types are written bare; a consumer that emits them brings [`crate::ipc::types`] into scope.
/// This file must stay plain `macro_rules!` with no `use`: the build script includes it as is.
#[macro_export]
macro_rules! with_desktop_commands {
    ($then:ident) => {
        $then! {
            /// Whether a vault exists and is unlocked, and the settings the window starts with.
            app_status() -> AppStatus [lock_free];
            /// How hard a new passphrase would be to guess (zxcvbn).
            passphrase_strength(passphrase: SecretArg) -> Strength [lock_free];
            /// Create the vault at the default path, and unlock it.
            create_vault(passphrase: SecretArg, confirm: SecretArg) -> () [lock_free];
            /// `allow_costly_kdf`: go on with a file that asks for more than the default KDF
            /// cost (refused with `costly_kdf`, before any derivation, without it).
            /// Runs the whole-vault integrity check and reports it. A vault older than the one
            /// last seen on this machine stays locked (`unlocked: false`) unless
            /// `accept_rollback`, which is recorded in the activity log.
            unlock(passphrase: SecretArg, allow_costly_kdf: bool, accept_rollback: bool) -> UnlockDto [lock_free];
            /// Drop the vault and every cached value.
            lock() -> ();
            /// Count user input as activity for auto-lock.
            touch() -> ();
            /// Replace (or create) the vault from a backup file, then unlocked. Over an existing
            /// vault, `current` is its passphrase and it is kept as a dated safety copy beside
            /// it (the result says where); with none, `current` is ignored. Without `confirmed`,
            /// a restore over a vault (or of a backup older than this machine has seen) only
            /// returns its preview: the grants it would un-revoke or forget.
            restore_backup(path: String, passphrase: SecretArg, current: SecretArg, overwrite: bool, allow_costly_kdf: bool, confirmed: bool) -> RestoreDto [lock_free];
            field_catalogue() -> Vec<FieldSpecDto> [lock_free];
            list_fields() -> Vec<FieldDto>;
            /// One page of fields matching `query` (name, label or description; all when blank)
            /// in profile order, `limit` (at most 500) from `offset`, how many match, and the
            /// derived facts the whole profile can give.
            field_page(query: String, offset: u32, limit: u32) -> FieldPageDto;
            /// Returns the field as stored (normalised, e.g. a phone number in E.164).
            set_field(name: String, value: String, label: Option<String>) -> FieldDto;
            remove_field(name: String) -> ();
            list_brands() -> Vec<BrandDto>;
            /// One page of brands matching `query` (name or id; all when blank), sorted by name,
            /// `limit` (at most 500) from `offset`, each with its grants counted, and how many
            /// match. Reads only the page's brands' grants.
            brand_page(query: String, offset: u32, limit: u32) -> BrandPageDto;
            /// Up to `limit` (at most 500) brands matching `query` for a picker (id, name,
            /// connected), and how many match. Reads no grant.
            brand_choices(query: String, limit: u32) -> BrandChoicesDto;
            add_brand(id: String, name: String, url: Option<String>, status_url: Option<String>) -> BrandDto;
            /// Returns the final status list token when live grants were revoked on the way.
            remove_brand(id: String, revoke: bool) -> Option<String>;
            /// Exactly what the brand would receive, before anything is issued.
            preview_grant(request: GrantRequestDto) -> GrantPreviewDto;
            issue_grant(request: GrantRequestDto) -> IssuedGrantDto;
            list_grants(brand: Option<String>) -> Vec<GrantDto>;
            /// One page of grants, newest first: of `brand` (all when `null`) in `grant_state` (any when
            /// `null`), `limit` of them (at most 500) from `offset`, with how many match.
            grant_page(brand: Option<String>, grant_state: Option<GrantStateDto>, offset: u32, limit: u32) -> GrantPageDto;
            revoke_grant(id: String) -> GrantDto;
            /// Revoke every live grant of a brand; returns how many.
            revoke_brand(id: String) -> u32;
            /// Replace an active grant with one carrying today's values (after a field changed),
            /// the old one revoked; `expires_at` sets another period. A connected brand's event
            /// is queued in the same transaction. No network.
            reissue_grant(id: String, expires_at: Option<i64>) -> IssuedGrantDto;
            /// Change an active grant's channel consent (channel × kind, night-time ads): it is
            /// reissued with the new choices and the old one revoked; a connected brand's
            /// `channel-consent-changed` event is queued in the same transaction. No network.
            change_grant_channels(id: String, change: ChannelChangeDto) -> IssuedGrantDto;
            /// Narrow an active grant: raw values replaced by a fact derived from them, or
            /// items dropped; reissued (same purpose, channels, end), the old one revoked. A
            /// connected brand's `token-claims-change` event is queued in the same transaction.
            /// No network.
            narrow_grant(id: String, narrowing: NarrowDto) -> IssuedGrantDto;
            /// Revoke a grant and ask its (connected) brand to erase what it received; the
            /// event is queued in the same transaction. No network.
            erase_grant(id: String) -> GrantDto;
            grant_receipt(id: String) -> ReceiptDto;
            /// Fetch a brand's request (a `vouchsafe://connect?…` link, its https URI, or the
            /// path of a saved request file), verify it against the brand's keys, and return
            /// what the consent screen shows. Network: the request and the brand's keys.
            connect_preview(link: String) -> ConnectRequestDto;
            /// Exactly what `choices` would send for an opened request (`handle` from
            /// `connect_preview`) and its summary sentence. No network.
            connect_plan(handle: String, choices: ConnectChoicesDto) -> ConnectPlanDto;
            /// Issue the grant for an opened request (its handle, or a link), deliver it to the
            /// brand and verify and keep the brand's receipt. Network: the brand's origin only.
            connect_send(request: String, choices: ConnectChoicesDto) -> ConnectedDto;
            /// The `vouchsafe://` link the desktop last handed to the app (`connect-link`
            /// event), once; `None` when there is none. Held until the vault is unlocked.
            take_connect_link() -> Option<HandedLinkDto> [shell];
            /// Each grant's brand receipt and the events about it, with their delivery state, in
            /// the order of `ids` (a page's grants; at most 500).
            grant_deliveries(ids: Vec<String>) -> Vec<GrantDeliveryDto>;
            /// Every event waiting for, or past, delivery to a brand.
            outbox_list() -> Vec<OutboxItemDto>;
            /// Deliver every waiting event (and queued grant) now. Network: the brands'
            /// endpoints, with the session lock free while waiting.
            outbox_retry() -> OutboxReportDto;
            /// What deserves attention now, most important first (docs/review.md): each item's
            /// kind, brand, grant, message key and parameters, and its actions.
            review_list() -> Vec<ReviewItemDto>;
            /// Reconfirm (`keep`) or withdraw a grant's advertising consents: reissued with the
            /// same channel choices dated now, or with advertising refused. No network.
            review_ad_consent(id: String, keep: bool) -> IssuedGrantDto;
            /// The brand's signed status list token.
            status_list(brand: String) -> String;
            /// Write a grant's token or receipt (by grant id) or a brand's status list (by brand
            /// id) to `path`, owner-only.
            save_text(path: String, what: SaveWhat, id: String) -> ();
            /// Save a brand's report (what it holds, since when, for what, with the receipts;
            /// no values) as printable HTML in `lang` to `path`, owner-only.
            save_brand_report(brand: String, lang: Locale, path: String) -> ();
            /// An SVG document of the QR code of `text`.
            qr_svg(text: String) -> String;
            /// Put `text` on the clipboard; cleared after 30 s if it still holds it.
            copy_secret(text: String) -> () [shell];
            audit_log() -> AuditDto;
            /// One page of the activity log, newest first: `limit` entries (at most 500) from
            /// `offset`, and how many there are.
            audit_page(offset: u32, limit: u32) -> AuditPageDto;
            /// Check the whole activity log's hash chain (opens every entry).
            audit_chain() -> ChainStateDto;
            change_passphrase(current: SecretArg, new: SecretArg, confirm: SecretArg) -> ();
            get_settings() -> SettingsDto;
            set_settings(settings: SettingsDto) -> SettingsDto;
            backup(path: String, overwrite: bool) -> ();
            /// Needs the vault's passphrase: the file holds every value in the clear.
            export_plaintext(path: String, passphrase: SecretArg) -> ();
            /// `confirmation` is the word the UI asked the person to type (`ERASE` or `삭제`);
            /// `passphrase` is the vault's.
            erase_vault(confirmation: String, passphrase: SecretArg) -> ();
        }
    };
}
