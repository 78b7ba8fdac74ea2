// Typed wrapper over the Tauri commands of docs/desktop-ipc.md: one function per command,
// every failure normalised to { kind, message } (a UiError), never a raw exception.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { normaliseError, type UiError } from './errors';
import type {
  AppStatus,
  AuditDto,
  BrandDto,
  FieldDto,
  FieldSpecDto,
  GrantDto,
  GrantPreviewDto,
  GrantRequestDto,
  IssuedGrantDto,
  LockReason,
  ReceiptDto,
  SaveWhat,
  SettingsDto,
  Strength,
} from './types';

export class CommandFailure extends Error implements UiError {
  readonly kind: UiError['kind'];
  constructor(err: UiError) {
    super(err.message || err.kind);
    this.name = 'CommandFailure';
    this.kind = err.kind;
  }
  toUiError(): UiError {
    return { kind: this.kind, message: this.message === this.kind ? '' : this.message };
  }
}

/** Turn anything a call can throw into a UiError (for `catch (e)` blocks in screens). */
export function asUiError(e: unknown): UiError {
  return e instanceof CommandFailure ? e.toUiError() : normaliseError(e);
}

let lockedHandler: (() => void) | null = null;

/** Called when any command reports `locked` (e.g. the vault locked itself between two clicks). */
export function onLockedError(handler: (() => void) | null): void {
  lockedHandler = handler;
}

const LOCK_FREE = new Set(['app_status', 'passphrase_strength', 'create_vault', 'unlock', 'restore_backup', 'field_catalogue']);

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = normaliseError(e);
    if (err.kind === 'locked' && !LOCK_FREE.has(cmd)) lockedHandler?.();
    throw new CommandFailure(err);
  }
}

// ------------------------------------------------------------------ session

export const appStatus = () => call<AppStatus>('app_status');
export const passphraseStrength = (passphrase: string) => call<Strength>('passphrase_strength', { passphrase });
export const createVault = (passphrase: string, confirm: string) => call<void>('create_vault', { passphrase, confirm });
export const unlock = (passphrase: string) => call<void>('unlock', { passphrase });
export const lock = () => call<void>('lock');
export const touch = () => call<void>('touch');
export const restoreBackup = (path: string, passphrase: string, overwrite: boolean) =>
  call<void>('restore_backup', { path, passphrase, overwrite });

// ------------------------------------------------------------------ profile

export const fieldCatalogue = () => call<FieldSpecDto[]>('field_catalogue');
export const listFields = () => call<FieldDto[]>('list_fields');
export const setField = (name: string, value: string, label: string | null = null) =>
  call<FieldDto>('set_field', { name, value, label });
export const removeField = (name: string) => call<void>('remove_field', { name });

// ------------------------------------------------------------------ brands

export const listBrands = () => call<BrandDto[]>('list_brands');
export const addBrand = (id: string, name: string, url: string | null, statusUrl: string | null) =>
  call<BrandDto>('add_brand', { id, name, url, statusUrl });
/** Returns the final status list token when live grants were revoked on the way. */
export const removeBrand = (id: string, revoke: boolean) => call<string | null>('remove_brand', { id, revoke });

// ------------------------------------------------------------------ grants

export const previewGrant = (request: GrantRequestDto) => call<GrantPreviewDto>('preview_grant', { request });
export const issueGrant = (request: GrantRequestDto) => call<IssuedGrantDto>('issue_grant', { request });
export const listGrants = (brand: string | null = null) => call<GrantDto[]>('list_grants', { brand });
export const revokeGrant = (id: string) => call<GrantDto>('revoke_grant', { id });
export const revokeBrand = (id: string) => call<number>('revoke_brand', { id });
export const grantReceipt = (id: string) => call<ReceiptDto>('grant_receipt', { id });
export const statusList = (brand: string) => call<string>('status_list', { brand });
export const saveText = (path: string, what: SaveWhat, id: string) => call<void>('save_text', { path, what, id });
export const qrSvg = (text: string) => call<string>('qr_svg', { text });
export const copySecret = (text: string) => call<void>('copy_secret', { text });

// ------------------------------------------------------------------ activity and settings

export const auditLog = () => call<AuditDto>('audit_log');
export const changePassphrase = (current: string, next: string, confirm: string) =>
  call<void>('change_passphrase', { current, new: next, confirm });
export const getSettings = () => call<SettingsDto>('get_settings');
export const setSettings = (settings: SettingsDto) => call<SettingsDto>('set_settings', { settings });
export const backup = (path: string, overwrite: boolean) => call<void>('backup', { path, overwrite });
export const exportPlaintext = (path: string) => call<void>('export_plaintext', { path });
export const eraseVault = (confirmation: string) => call<void>('erase_vault', { confirmation });

// ------------------------------------------------------------------ events

export interface VaultLockedEvent {
  reason: LockReason;
}

/** Read the event payload liberally: `"auto"`, `{ reason: "auto" }` or nothing (then: auto). */
export function lockReasonOf(payload: unknown): LockReason {
  const r = typeof payload === 'string' ? payload : (payload as { reason?: unknown } | null)?.reason;
  return r === 'manual' ? 'manual' : 'auto';
}

/** The Rust side emits `vault-locked` when it auto-locks; resolve to an unlisten function. */
export async function onVaultLocked(handler: (e: VaultLockedEvent) => void): Promise<UnlistenFn> {
  try {
    return await listen<unknown>('vault-locked', (event) => handler({ reason: lockReasonOf(event.payload) }));
  } catch {
    // Not inside Tauri (e.g. a static preview): nothing will ever lock the vault behind our back.
    return () => {};
  }
}
