// The questions in front of what cannot be undone (restore over a vault, plain-text export,
// erase) and before a costly key derivation. Kept out of the components so the rules are
// tested without a window; the Rust side enforces the same ones (docs/desktop-ipc.md), these
// only keep the buttons honest.
import type { RestoreDto } from './bindings';
import type { UiError } from './errors';
import type { MessageKey } from './i18n';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Erase: the word typed exactly, and the vault's passphrase. */
export function canErase(typed: string, word: string, passphrase: string): boolean {
  return typed.trim() === word && passphrase.length > 0;
}

/** Plain-text export: the vault's passphrase. */
export function canExport(passphrase: string): boolean {
  return passphrase.length > 0;
}

export interface RestoreForm {
  path: string | null;
  backupPassphrase: string;
  /** The passphrase of the vault on this computer; needed only when one is replaced. */
  currentPassphrase: string;
  replacing: boolean;
}

/** Restore: a file and its passphrase, and over an existing vault that vault's passphrase too. */
export function canRestore(f: RestoreForm): boolean {
  return !!f.path && f.backupPassphrase.length > 0 && (!f.replacing || f.currentPassphrase.length > 0);
}

/** What to send as `current`: never a passphrase the command does not need. */
export function currentFor(f: Pick<RestoreForm, 'replacing' | 'currentPassphrase'>): string {
  return f.replacing ? f.currentPassphrase : '';
}

/** The sentence after a restore, naming the safety copy when a vault was replaced. */
export function restoreNotice(t: Translate, result: RestoreDto): string {
  const done = t('settings.restoreDone');
  return result.safetyCopy ? `${done} ${t('restore.safetyCopy', { path: result.safetyCopy })}` : done;
}

/** Whether a failure is the Rust side asking before a costly key derivation. */
export function asksForCostlyKdf(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as Partial<UiError>).kind === 'costly_kdf';
}

/**
 * Run a command that may ask before a costly key derivation: first without the confirmation;
 * if it asks, put the question to the person (`ask`, e.g. a dialog) and run again with it only
 * if they agree. Resolves to `{ value }` (the command's result, which is `null` for commands
 * that return nothing), or to `null` when they declined. Any other failure is thrown as is.
 */
export async function withKdfConfirmation<T>(
  run: (allowCostlyKdf: boolean) => Promise<T>,
  ask: (err: UiError) => Promise<boolean>,
): Promise<{ value: T } | null> {
  try {
    return { value: await run(false) };
  } catch (err) {
    if (!asksForCostlyKdf(err)) throw err;
    const e = err as UiError;
    if (!(await ask({ kind: e.kind, message: e.message ?? '' }))) return null;
    return { value: await run(true) };
  }
}
