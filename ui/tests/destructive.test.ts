import { describe, expect, it, vi } from 'vitest';
import { CommandFailure } from '../src/lib/api';
import {
  asksForCostlyKdf,
  canErase,
  canExport,
  canRestore,
  currentFor,
  restoreNotice,
  withKdfConfirmation,
} from '../src/lib/destructive';
import { translate } from '../src/lib/i18n';
import type { RestoreDto } from '../src/lib/bindings';

const tEn = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', k, p);
const tKo = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('ko', k, p);
/** A finished restore's result, with its safety copy. */
const done = (safetyCopy: string | null): RestoreDto => ({ restored: true, safetyCopy, preview: null, integrity: null });

describe('passphrase prompts before what cannot be undone', () => {
  it('erase needs the exact word and a passphrase', () => {
    expect(canErase('ERASE', 'ERASE', '')).toBe(false);
    expect(canErase('erase', 'ERASE', 'pass')).toBe(false);
    expect(canErase(' ERASE ', 'ERASE', 'pass')).toBe(true);
    expect(canErase('삭제', '삭제', 'pass')).toBe(true);
  });

  it('export needs a passphrase', () => {
    expect(canExport('')).toBe(false);
    expect(canExport('x')).toBe(true);
  });

  it('restore over a vault needs that vault’s passphrase as well as the backup’s', () => {
    const base = { path: '/b.vault', backupPassphrase: 'backup pass', currentPassphrase: '', replacing: true };
    expect(canRestore(base)).toBe(false);
    expect(canRestore({ ...base, currentPassphrase: 'now pass' })).toBe(true);
    expect(canRestore({ ...base, replacing: false })).toBe(true);
    expect(canRestore({ ...base, replacing: false, path: null })).toBe(false);
    expect(canRestore({ ...base, backupPassphrase: '', currentPassphrase: 'now pass' })).toBe(false);
  });

  it('sends the current passphrase only when a vault is replaced', () => {
    expect(currentFor({ replacing: true, currentPassphrase: 'now pass' })).toBe('now pass');
    expect(currentFor({ replacing: false, currentPassphrase: 'now pass' })).toBe('');
  });

  it('names the safety copy after a restore, in both languages', () => {
    const path = '/home/u/.local/share/vouchsafe/vault.db.before-restore-20261120T101500Z';
    expect(restoreNotice(tEn, done(null))).toBe(tEn('settings.restoreDone'));
    const en = restoreNotice(tEn, done(path));
    expect(en).toContain(path);
    expect(en.startsWith(tEn('settings.restoreDone'))).toBe(true);
    const ko = restoreNotice(tKo, done(path));
    expect(ko).toContain(path);
    expect(ko).toMatch(/[\uac00-\ud7a3]/);
  });
});

describe('asking before a costly key derivation', () => {
  const costly = new CommandFailure({ kind: 'costly_kdf', message: 'this file asks for Argon2id m=1024 MiB t=8 p=2' });

  it('recognises the question, and nothing else', () => {
    expect(asksForCostlyKdf(costly)).toBe(true);
    expect(asksForCostlyKdf({ kind: 'costly_kdf', message: '' })).toBe(true);
    expect(asksForCostlyKdf(new CommandFailure({ kind: 'wrong_passphrase', message: '' }))).toBe(false);
    expect(asksForCostlyKdf(null)).toBe(false);
    expect(asksForCostlyKdf('costly_kdf')).toBe(false);
  });

  it('runs once when nothing is asked, without asking', async () => {
    const run = vi.fn(async (allow: boolean) => (allow ? 'confirmed' : 'plain'));
    const ask = vi.fn(async () => true);
    expect(await withKdfConfirmation(run, ask)).toEqual({ value: 'plain' });
    expect(run.mock.calls).toEqual([[false]]);
    expect(ask).not.toHaveBeenCalled();
  });

  it('asks, and runs again with the confirmation only if the person agrees', async () => {
    const run = vi.fn(async (allow: boolean) => {
      if (!allow) throw costly;
      return 'unlocked';
    });
    const asked: unknown[] = [];
    const yes = vi.fn(async (err: unknown) => {
      asked.push(err);
      return true;
    });
    expect(await withKdfConfirmation(run, yes)).toEqual({ value: 'unlocked' });
    expect(run.mock.calls).toEqual([[false], [true]]);
    expect(asked).toEqual([{ kind: 'costly_kdf', message: costly.message }]);

    run.mockClear();
    expect(await withKdfConfirmation(run, async () => false)).toBeNull();
    expect(run.mock.calls).toEqual([[false]]);
  });

  it('tells a command that returns nothing (null over IPC) from a declined question', async () => {
    // Tauri resolves a `()` command with null: that is done, not declined.
    expect(await withKdfConfirmation(async () => null, async () => false)).toEqual({ value: null });
    const asksThenNothing = async (allow: boolean) => {
      if (!allow) throw costly;
      return null;
    };
    expect(await withKdfConfirmation(asksThenNothing, async () => true)).toEqual({ value: null });
    expect(await withKdfConfirmation(asksThenNothing, async () => false)).toBeNull();
  });

  it('passes other failures through, unasked', async () => {
    const wrong = new CommandFailure({ kind: 'wrong_passphrase', message: 'wrong' });
    const ask = vi.fn(async () => true);
    await expect(withKdfConfirmation(async () => Promise.reject(wrong), ask)).rejects.toBe(wrong);
    expect(ask).not.toHaveBeenCalled();
  });
});
