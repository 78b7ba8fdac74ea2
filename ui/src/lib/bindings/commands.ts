// This file was generated from the command list (crates/vouchsafe-app/src/command_list.rs).
// Do not edit it: VOUCHSAFE_UPDATE_BINDINGS=1 cargo test -p vouchsafe-app --test bindings
import type { AppStatus } from "./AppStatus";
import type { AuditDto } from "./AuditDto";
import type { AuditPageDto } from "./AuditPageDto";
import type { BrandChoicesDto } from "./BrandChoicesDto";
import type { BrandDto } from "./BrandDto";
import type { BrandPageDto } from "./BrandPageDto";
import type { ChainState } from "./ChainState";
import type { ChannelChangeDto } from "./ChannelChangeDto";
import type { ConnectChoicesDto } from "./ConnectChoicesDto";
import type { ConnectPlanDto } from "./ConnectPlanDto";
import type { ConnectRequestDto } from "./ConnectRequestDto";
import type { ConnectedDto } from "./ConnectedDto";
import type { ErrorKind } from "./ErrorKind";
import type { FieldDto } from "./FieldDto";
import type { FieldPageDto } from "./FieldPageDto";
import type { FieldSpecDto } from "./FieldSpecDto";
import type { GrantDeliveryDto } from "./GrantDeliveryDto";
import type { GrantDto } from "./GrantDto";
import type { GrantPageDto } from "./GrantPageDto";
import type { GrantPreviewDto } from "./GrantPreviewDto";
import type { GrantRequestDto } from "./GrantRequestDto";
import type { GrantState } from "./GrantState";
import type { HandedLinkDto } from "./HandedLinkDto";
import type { IssuedGrantDto } from "./IssuedGrantDto";
import type { Locale } from "./Locale";
import type { NarrowDto } from "./NarrowDto";
import type { OutboxItemDto } from "./OutboxItemDto";
import type { OutboxReportDto } from "./OutboxReportDto";
import type { ReceiptDto } from "./ReceiptDto";
import type { RestoreDto } from "./RestoreDto";
import type { ReviewItemDto } from "./ReviewItemDto";
import type { SaveWhat } from "./SaveWhat";
import type { SettingsDto } from "./SettingsDto";
import type { Strength } from "./Strength";
import type { UnlockDto } from "./UnlockDto";

/** Every command: its arguments (camelCase keys, as Tauri reads them) and its result. */
export type Commands = {
  app_status: { args: Record<string, never>; result: AppStatus };
  passphrase_strength: { args: { passphrase: string }; result: Strength };
  create_vault: { args: { passphrase: string; confirm: string }; result: void };
  unlock: { args: { passphrase: string; allowCostlyKdf: boolean; acceptRollback: boolean }; result: UnlockDto };
  lock: { args: Record<string, never>; result: void };
  touch: { args: Record<string, never>; result: void };
  restore_backup: { args: { path: string; passphrase: string; current: string; overwrite: boolean; allowCostlyKdf: boolean; confirmed: boolean }; result: RestoreDto };
  field_catalogue: { args: Record<string, never>; result: Array<FieldSpecDto> };
  list_fields: { args: Record<string, never>; result: Array<FieldDto> };
  field_page: { args: { query: string; offset: number; limit: number }; result: FieldPageDto };
  set_field: { args: { name: string; value: string; label: string | null }; result: FieldDto };
  remove_field: { args: { name: string }; result: void };
  list_brands: { args: Record<string, never>; result: Array<BrandDto> };
  brand_page: { args: { query: string; offset: number; limit: number }; result: BrandPageDto };
  brand_choices: { args: { query: string; limit: number }; result: BrandChoicesDto };
  add_brand: { args: { id: string; name: string; url: string | null; statusUrl: string | null }; result: BrandDto };
  remove_brand: { args: { id: string; revoke: boolean }; result: string | null };
  preview_grant: { args: { request: GrantRequestDto }; result: GrantPreviewDto };
  issue_grant: { args: { request: GrantRequestDto }; result: IssuedGrantDto };
  list_grants: { args: { brand: string | null }; result: Array<GrantDto> };
  grant_page: { args: { brand: string | null; grantState: GrantState | null; offset: number; limit: number }; result: GrantPageDto };
  revoke_grant: { args: { id: string }; result: GrantDto };
  revoke_brand: { args: { id: string }; result: number };
  reissue_grant: { args: { id: string; expiresAt: number | null }; result: IssuedGrantDto };
  change_grant_channels: { args: { id: string; change: ChannelChangeDto }; result: IssuedGrantDto };
  narrow_grant: { args: { id: string; narrowing: NarrowDto }; result: IssuedGrantDto };
  erase_grant: { args: { id: string }; result: GrantDto };
  grant_receipt: { args: { id: string }; result: ReceiptDto };
  connect_preview: { args: { link: string }; result: ConnectRequestDto };
  connect_plan: { args: { handle: string; choices: ConnectChoicesDto }; result: ConnectPlanDto };
  connect_send: { args: { request: string; choices: ConnectChoicesDto }; result: ConnectedDto };
  take_connect_link: { args: Record<string, never>; result: HandedLinkDto | null };
  grant_deliveries: { args: { ids: Array<string> }; result: Array<GrantDeliveryDto> };
  outbox_list: { args: Record<string, never>; result: Array<OutboxItemDto> };
  outbox_retry: { args: Record<string, never>; result: OutboxReportDto };
  review_list: { args: Record<string, never>; result: Array<ReviewItemDto> };
  review_ad_consent: { args: { id: string; keep: boolean }; result: IssuedGrantDto };
  status_list: { args: { brand: string }; result: string };
  save_text: { args: { path: string; what: SaveWhat; id: string }; result: void };
  save_brand_report: { args: { brand: string; lang: Locale; path: string }; result: void };
  qr_svg: { args: { text: string }; result: string };
  copy_secret: { args: { text: string }; result: void };
  audit_log: { args: Record<string, never>; result: AuditDto };
  audit_page: { args: { offset: number; limit: number }; result: AuditPageDto };
  audit_chain: { args: Record<string, never>; result: ChainState };
  change_passphrase: { args: { current: string; new: string; confirm: string }; result: void };
  get_settings: { args: Record<string, never>; result: SettingsDto };
  set_settings: { args: { settings: SettingsDto }; result: SettingsDto };
  backup: { args: { path: string; overwrite: boolean }; result: void };
  export_plaintext: { args: { path: string; passphrase: string }; result: void };
  erase_vault: { args: { confirmation: string; passphrase: string }; result: void };
};

export type CommandName = keyof Commands;

export const COMMAND_NAMES: readonly CommandName[] = ["app_status", "passphrase_strength", "create_vault", "unlock", "lock", "touch", "restore_backup", "field_catalogue", "list_fields", "field_page", "set_field", "remove_field", "list_brands", "brand_page", "brand_choices", "add_brand", "remove_brand", "preview_grant", "issue_grant", "list_grants", "grant_page", "revoke_grant", "revoke_brand", "reissue_grant", "change_grant_channels", "narrow_grant", "erase_grant", "grant_receipt", "connect_preview", "connect_plan", "connect_send", "take_connect_link", "grant_deliveries", "outbox_list", "outbox_retry", "review_list", "review_ad_consent", "status_list", "save_text", "save_brand_report", "qr_svg", "copy_secret", "audit_log", "audit_page", "audit_chain", "change_passphrase", "get_settings", "set_settings", "backup", "export_plaintext", "erase_vault"];

/** The commands that work while the vault is locked; every other one fails with `locked` then. */
export const LOCK_FREE_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(["app_status", "passphrase_strength", "create_vault", "unlock", "restore_backup", "field_catalogue"]);

/** Every `kind` a command can fail with. */
export const ERROR_KINDS: readonly ErrorKind[] = ["locked", "wrong_passphrase", "invalid_input", "not_found", "conflict", "integrity", "vault_file", "costly_kdf", "io", "internal"];

/** The event the shell emits when auto-lock fires; its payload is a `VaultLockedEvent`. */
export const VAULT_LOCKED_EVENT = "vault-locked";

/** The event the shell emits when the desktop hands it a `vouchsafe://` link; no payload: call `takeConnectLink`. */
export const CONNECT_LINK_EVENT = "connect-link";

/** How a command reaches the Rust side: `invoke`, wrapped by the UI as it needs. */
export type Call = <C extends CommandName>(command: C, args: Commands[C]["args"]) => Promise<Commands[C]["result"]>;

/** One typed function per command, each calling `call`. */
export function createCommands(call: Call) {
  return {
    /** Whether a vault exists and is unlocked, and the settings the window starts with. */
    appStatus: (): Promise<AppStatus> => call("app_status", {}),
    /** How hard a new passphrase would be to guess (zxcvbn). */
    passphraseStrength: (passphrase: string): Promise<Strength> => call("passphrase_strength", { passphrase }),
    /** Create the vault at the default path, and unlock it. */
    createVault: (passphrase: string, confirm: string): Promise<void> => call("create_vault", { passphrase, confirm }),
    /** `allow_costly_kdf`: go on with a file that asks for more than the default KDF cost (refused with `costly_kdf`, before any derivation, without it). Runs the whole-vault integrity check and reports it. A vault older than the one last seen on this machine stays locked (`unlocked: false`) unless `accept_rollback`, which is recorded in the activity log. */
    unlock: (passphrase: string, allowCostlyKdf: boolean, acceptRollback: boolean): Promise<UnlockDto> => call("unlock", { passphrase, allowCostlyKdf, acceptRollback }),
    /** Drop the vault and every cached value. */
    lock: (): Promise<void> => call("lock", {}),
    /** Count user input as activity for auto-lock. */
    touch: (): Promise<void> => call("touch", {}),
    /** Replace (or create) the vault from a backup file, then unlocked. Over an existing vault, `current` is its passphrase and it is kept as a dated safety copy beside it (the result says where); with none, `current` is ignored. Without `confirmed`, a restore over a vault (or of a backup older than this machine has seen) only returns its preview: the grants it would un-revoke or forget. */
    restoreBackup: (path: string, passphrase: string, current: string, overwrite: boolean, allowCostlyKdf: boolean, confirmed: boolean): Promise<RestoreDto> => call("restore_backup", { path, passphrase, current, overwrite, allowCostlyKdf, confirmed }),
    fieldCatalogue: (): Promise<Array<FieldSpecDto>> => call("field_catalogue", {}),
    listFields: (): Promise<Array<FieldDto>> => call("list_fields", {}),
    /** One page of fields matching `query` (name, label or description; all when blank) in profile order, `limit` (at most 500) from `offset`, how many match, and the derived facts the whole profile can give. */
    fieldPage: (query: string, offset: number, limit: number): Promise<FieldPageDto> => call("field_page", { query, offset, limit }),
    /** Returns the field as stored (normalised, e.g. a phone number in E.164). */
    setField: (name: string, value: string, label: string | null = null): Promise<FieldDto> => call("set_field", { name, value, label }),
    removeField: (name: string): Promise<void> => call("remove_field", { name }),
    listBrands: (): Promise<Array<BrandDto>> => call("list_brands", {}),
    /** One page of brands matching `query` (name or id; all when blank), sorted by name, `limit` (at most 500) from `offset`, each with its grants counted, and how many match. Reads only the page's brands' grants. */
    brandPage: (query: string, offset: number, limit: number): Promise<BrandPageDto> => call("brand_page", { query, offset, limit }),
    /** Up to `limit` (at most 500) brands matching `query` for a picker (id, name, connected), and how many match. Reads no grant. */
    brandChoices: (query: string, limit: number): Promise<BrandChoicesDto> => call("brand_choices", { query, limit }),
    addBrand: (id: string, name: string, url: string | null = null, statusUrl: string | null = null): Promise<BrandDto> => call("add_brand", { id, name, url, statusUrl }),
    /** Returns the final status list token when live grants were revoked on the way. */
    removeBrand: (id: string, revoke: boolean): Promise<string | null> => call("remove_brand", { id, revoke }),
    /** Exactly what the brand would receive, before anything is issued. */
    previewGrant: (request: GrantRequestDto): Promise<GrantPreviewDto> => call("preview_grant", { request }),
    issueGrant: (request: GrantRequestDto): Promise<IssuedGrantDto> => call("issue_grant", { request }),
    listGrants: (brand: string | null = null): Promise<Array<GrantDto>> => call("list_grants", { brand }),
    /** One page of grants, newest first: of `brand` (all when `null`) in `grant_state` (any when `null`), `limit` of them (at most 500) from `offset`, with how many match. */
    grantPage: (brand: string | null, grantState: GrantState | null, offset: number, limit: number): Promise<GrantPageDto> => call("grant_page", { brand, grantState, offset, limit }),
    revokeGrant: (id: string): Promise<GrantDto> => call("revoke_grant", { id }),
    /** Revoke every live grant of a brand; returns how many. */
    revokeBrand: (id: string): Promise<number> => call("revoke_brand", { id }),
    /** Replace an active grant with one carrying today's values (after a field changed), the old one revoked; `expires_at` sets another period. A connected brand's event is queued in the same transaction. No network. */
    reissueGrant: (id: string, expiresAt: number | null = null): Promise<IssuedGrantDto> => call("reissue_grant", { id, expiresAt }),
    /** Change an active grant's channel consent (channel × kind, night-time ads): it is reissued with the new choices and the old one revoked; a connected brand's `channel-consent-changed` event is queued in the same transaction. No network. */
    changeGrantChannels: (id: string, change: ChannelChangeDto): Promise<IssuedGrantDto> => call("change_grant_channels", { id, change }),
    /** Narrow an active grant: raw values replaced by a fact derived from them, or items dropped; reissued (same purpose, channels, end), the old one revoked. A connected brand's `token-claims-change` event is queued in the same transaction. No network. */
    narrowGrant: (id: string, narrowing: NarrowDto): Promise<IssuedGrantDto> => call("narrow_grant", { id, narrowing }),
    /** Revoke a grant and ask its (connected) brand to erase what it received; the event is queued in the same transaction. No network. */
    eraseGrant: (id: string): Promise<GrantDto> => call("erase_grant", { id }),
    grantReceipt: (id: string): Promise<ReceiptDto> => call("grant_receipt", { id }),
    /** Fetch a brand's request (a `vouchsafe://connect?…` link, its https URI, or the path of a saved request file), verify it against the brand's keys, and return what the consent screen shows. Network: the request and the brand's keys. */
    connectPreview: (link: string): Promise<ConnectRequestDto> => call("connect_preview", { link }),
    /** Exactly what `choices` would send for an opened request (`handle` from `connect_preview`) and its summary sentence. No network. */
    connectPlan: (handle: string, choices: ConnectChoicesDto): Promise<ConnectPlanDto> => call("connect_plan", { handle, choices }),
    /** Issue the grant for an opened request (its handle, or a link), deliver it to the brand and verify and keep the brand's receipt. Network: the brand's origin only. */
    connectSend: (request: string, choices: ConnectChoicesDto): Promise<ConnectedDto> => call("connect_send", { request, choices }),
    /** The `vouchsafe://` link the desktop last handed to the app (`connect-link` event), once; `None` when there is none. Held until the vault is unlocked. */
    takeConnectLink: (): Promise<HandedLinkDto | null> => call("take_connect_link", {}),
    /** Each grant's brand receipt and the events about it, with their delivery state, in the order of `ids` (a page's grants; at most 500). */
    grantDeliveries: (ids: Array<string>): Promise<Array<GrantDeliveryDto>> => call("grant_deliveries", { ids }),
    /** Every event waiting for, or past, delivery to a brand. */
    outboxList: (): Promise<Array<OutboxItemDto>> => call("outbox_list", {}),
    /** Deliver every waiting event (and queued grant) now. Network: the brands' endpoints, with the session lock free while waiting. */
    outboxRetry: (): Promise<OutboxReportDto> => call("outbox_retry", {}),
    /** What deserves attention now, most important first (docs/review.md): each item's kind, brand, grant, message key and parameters, and its actions. */
    reviewList: (): Promise<Array<ReviewItemDto>> => call("review_list", {}),
    /** Reconfirm (`keep`) or withdraw a grant's advertising consents: reissued with the same channel choices dated now, or with advertising refused. No network. */
    reviewAdConsent: (id: string, keep: boolean): Promise<IssuedGrantDto> => call("review_ad_consent", { id, keep }),
    /** The brand's signed status list token. */
    statusList: (brand: string): Promise<string> => call("status_list", { brand }),
    /** Write a grant's token or receipt (by grant id) or a brand's status list (by brand id) to `path`, owner-only. */
    saveText: (path: string, what: SaveWhat, id: string): Promise<void> => call("save_text", { path, what, id }),
    /** Save a brand's report (what it holds, since when, for what, with the receipts; no values) as printable HTML in `lang` to `path`, owner-only. */
    saveBrandReport: (brand: string, lang: Locale, path: string): Promise<void> => call("save_brand_report", { brand, lang, path }),
    /** An SVG document of the QR code of `text`. */
    qrSvg: (text: string): Promise<string> => call("qr_svg", { text }),
    /** Put `text` on the clipboard; cleared after 30 s if it still holds it. */
    copySecret: (text: string): Promise<void> => call("copy_secret", { text }),
    auditLog: (): Promise<AuditDto> => call("audit_log", {}),
    /** One page of the activity log, newest first: `limit` entries (at most 500) from `offset`, and how many there are. */
    auditPage: (offset: number, limit: number): Promise<AuditPageDto> => call("audit_page", { offset, limit }),
    /** Check the whole activity log's hash chain (opens every entry). */
    auditChain: (): Promise<ChainState> => call("audit_chain", {}),
    changePassphrase: (current: string, new_: string, confirm: string): Promise<void> => call("change_passphrase", { current, new: new_, confirm }),
    getSettings: (): Promise<SettingsDto> => call("get_settings", {}),
    setSettings: (settings: SettingsDto): Promise<SettingsDto> => call("set_settings", { settings }),
    backup: (path: string, overwrite: boolean): Promise<void> => call("backup", { path, overwrite }),
    /** Needs the vault's passphrase: the file holds every value in the clear. */
    exportPlaintext: (path: string, passphrase: string): Promise<void> => call("export_plaintext", { path, passphrase }),
    /** `confirmation` is the word the UI asked the person to type (`ERASE` or `삭제`); `passphrase` is the vault's. */
    eraseVault: (confirmation: string, passphrase: string): Promise<void> => call("erase_vault", { confirmation, passphrase }),
  };
}

export type CommandFunctions = ReturnType<typeof createCommands>;
