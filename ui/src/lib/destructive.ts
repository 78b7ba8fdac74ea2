// The questions in front of what cannot be undone (restore over a vault, plain-text export,
// erase) and before a costly key derivation. Kept out of the components so the rules are
// tested without a window; the Rust side enforces the same ones (docs/desktop-ipc.md), these
// only keep the buttons honest.
import type { RestoreDto, RestorePreviewDto, UnlockDto } from './bindings';
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

/**
 * Unlock, asking before a costly key derivation, then, if the vault is older than the one last
 * seen on this computer, asking whether to open it anyway (`askRollback`, given the first
 * answer). Resolves to the answer that opened the vault (`unlocked: true`), or `null` when the
 * person declined either question. The acceptance is sent only after they agreed.
 */
export async function unlockWithChecks(
  run: (allowCostlyKdf: boolean, acceptRollback: boolean) => Promise<UnlockDto>,
  askKdf: (err: UiError) => Promise<boolean>,
  askRollback: (answer: UnlockDto) => Promise<boolean>,
): Promise<UnlockDto | null> {
  return withSecondConfirmation(run, askKdf, (answer) =>
    answer.unlocked ? null : () => askRollback(answer),
  );
}

/**
 * Restore, asking before a costly key derivation, then showing the preview the Rust side
 * returns instead of restoring (over a vault, or of a backup older than this computer has seen)
 * and restoring only if the person confirms it (`askPreview`). Resolves to the restore's
 * result, or `null` when they declined.
 */
export async function restoreWithPreview(
  run: (allowCostlyKdf: boolean, confirmed: boolean) => Promise<RestoreDto>,
  askKdf: (err: UiError) => Promise<boolean>,
  askPreview: (preview: RestorePreviewDto) => Promise<boolean>,
): Promise<RestoreDto | null> {
  return withSecondConfirmation(run, askKdf, (answer) => {
    const preview = answer.preview;
    return answer.restored || !preview ? null : () => askPreview(preview);
  });
}

/**
 * The two-question shape unlock and restore share: run, asking before a costly key derivation;
 * if the answer needs the person's agreement (`question` returns how to ask; `null` when it
 * does not), ask, and run again with the same KDF answer and `confirmed` set. `null` when they
 * declined either question.
 */
async function withSecondConfirmation<T>(
  run: (allowCostlyKdf: boolean, confirmed: boolean) => Promise<T>,
  askKdf: (err: UiError) => Promise<boolean>,
  question: (answer: T) => (() => Promise<boolean>) | null,
): Promise<T | null> {
  let allowed = false;
  const first = await withKdfConfirmation((allow) => {
    allowed = allow;
    return run(allow, false);
  }, askKdf);
  if (first === null) return null;
  const ask = question(first.value);
  if (ask === null) return first.value;
  if (!(await ask())) return null;
  return run(allowed, true);
}
