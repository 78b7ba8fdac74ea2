// @vitest-environment happy-dom
import { flushSync, mount, unmount } from 'svelte';
import { get } from 'svelte/store';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandFailure } from '../src/lib/api';
import type { IntegrityReport, Problem, RestoreDto, RestorePreviewDto, UnlockDto } from '../src/lib/bindings';
import { restoreWithPreview, unlockWithChecks } from '../src/lib/destructive';
import { applyLocale, translate } from '../src/lib/i18n';
import { grantLine, isUntrusted, problemLine, rollbackNotice, shortId } from '../src/lib/integrity';
import { flash, markLocked, markUnlocked, status } from '../src/lib/session';
import IntegrityBanner from '../src/components/IntegrityBanner.svelte';
import NewPassphraseFields from '../src/components/NewPassphraseFields.svelte';

const tEn = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', k, p);
const tKo = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('ko', k, p);

const GRANT = '7f194c12-f6a3-4c70-8d0d-df15d2b99fed';

function report(over: Partial<IntegrityReport> = {}): IntegrityReport {
  return { intact: true, problems: [], generation: 7, rows: 4, auditEntries: 7, rollback: null, ...over };
}

const altered: Problem = { table: 'grants', id: GRANT, kind: 'altered', detail: 'changed' };
const anchor: Problem = { table: 'vault_meta', id: 'anchor', kind: 'anchor', detail: 'missing' };
const cut: Problem = { table: 'audit', id: '12', kind: 'audit_log', detail: 'cut' };
const tampered = report({ intact: false, problems: [altered, anchor, cut] });

describe('integrity problems in words', () => {
  it('name the record and what happened to it, in both languages', () => {
    expect(problemLine(tEn, altered)).toBe('Grant 7f194c12: changed without your passphrase');
    expect(problemLine(tKo, altered)).toBe('공유 7f194c12: 암호 없이 변경됨');
    // The anchor has no id worth showing.
    expect(problemLine(tEn, anchor)).toBe('Vault: the integrity anchor is missing or was altered');
    expect(problemLine(tEn, cut)).toContain('Activity log entry 12');
    expect(problemLine(tEn, { table: 'somewhere', id: 'x', kind: 'other', detail: '' })).toBe('Record x: failed its check');
    expect(shortId('abc')).toBe('abc');
  });

  it('warn for problems, and say an accepted rollback once', () => {
    expect(isUntrusted(tampered)).toBe(true);
    expect(isUntrusted(report())).toBe(false);
    expect(isUntrusted(null)).toBe(false);
    const accepted = report({ rollback: { generation: 5, seen: 9, accepted: true } });
    expect(isUntrusted(accepted)).toBe(false);
    expect(rollbackNotice(tEn, accepted)).toContain('change 5');
    expect(rollbackNotice(tKo, accepted)).toContain('9번째');
    expect(rollbackNotice(tEn, report({ rollback: { generation: 5, seen: 9, accepted: false } }))).toBeNull();
    expect(rollbackNotice(tEn, null)).toBeNull();
  });

  it('describe a grant of a restore preview by brand and what it released', () => {
    const g = { id: GRANT, brand: 'acme', brandName: 'Acme Coffee', released: ['email', 'age_over_18'], revokedAt: 1 };
    expect(grantLine(tEn, g)).toBe('Acme Coffee: email, age_over_18');
    expect(grantLine(tEn, { ...g, brandName: '', released: [] })).toBe('acme: –');
  });
});

describe('unlock asks before opening an older copy', () => {
  const rolledBack: UnlockDto = { unlocked: false, integrity: report({ rollback: { generation: 5, seen: 9, accepted: false } }) };
  const opened: UnlockDto = { unlocked: true, integrity: report() };

  it('opens at once when nothing is wrong', async () => {
    const run = vi.fn().mockResolvedValue(opened);
    const ask = vi.fn();
    expect(await unlockWithChecks(run, vi.fn(), ask)).toEqual(opened);
    expect(run.mock.calls).toEqual([[false, false]]);
    expect(ask).not.toHaveBeenCalled();
  });

  it('sends the acceptance only after the person agreed, keeping a costly-KDF answer', async () => {
    const run = vi
      .fn()
      .mockRejectedValueOnce(new CommandFailure({ kind: 'costly_kdf', message: 'asks for 1 GiB' }))
      .mockResolvedValueOnce(rolledBack)
      .mockResolvedValueOnce(opened);
    const ask = vi.fn().mockResolvedValue(true);
    expect(await unlockWithChecks(run, async () => true, ask)).toEqual(opened);
    expect(ask).toHaveBeenCalledWith(rolledBack);
    expect(run.mock.calls).toEqual([
      [false, false],
      [true, false],
      [true, true],
    ]);
  });

  it('opens nothing when the person declines', async () => {
    const run = vi.fn().mockResolvedValue(rolledBack);
    expect(await unlockWithChecks(run, vi.fn(), async () => false)).toBeNull();
    expect(run).toHaveBeenCalledTimes(1);
  });
});

describe('restore shows its preview before replacing anything', () => {
  const preview: RestorePreviewDto = {
    replacing: true,
    currentUntrusted: false,
    backupGeneration: 5,
    currentGeneration: 9,
    older: true,
    unrevoked: [{ id: GRANT, brand: 'acme', brandName: 'Acme Coffee', released: ['email'], revokedAt: 1 }],
    forgotten: [],
    rollback: null,
    needsConfirmation: true,
  };
  const asked: RestoreDto = { restored: false, safetyCopy: null, preview, integrity: null };
  const done: RestoreDto = { restored: true, safetyCopy: '/v.db.replaced-1', preview: null, integrity: report() };

  it('restores only once the preview was confirmed', async () => {
    const run = vi.fn().mockResolvedValueOnce(asked).mockResolvedValueOnce(done);
    const ask = vi.fn().mockResolvedValue(true);
    expect(await restoreWithPreview(run, vi.fn(), ask)).toEqual(done);
    expect(ask).toHaveBeenCalledWith(preview);
    expect(run.mock.calls).toEqual([
      [false, false],
      [false, true],
    ]);
  });

  it('stops when the preview is declined', async () => {
    const run = vi.fn().mockResolvedValue(asked);
    expect(await restoreWithPreview(run, vi.fn(), async () => false)).toBeNull();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('passes a restore that needed no question straight through', async () => {
    const run = vi.fn().mockResolvedValue(done);
    const ask = vi.fn();
    expect(await restoreWithPreview(run, vi.fn(), ask)).toEqual(done);
    expect(ask).not.toHaveBeenCalled();
  });
});

let mounted: Record<string, unknown> | null = null;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.replaceChildren();
  applyLocale('en');
});

describe('session', () => {
  it('keeps the report while unlocked, and drops it and any notice on lock', () => {
    status.set({ vaultExists: true, unlocked: false, vaultPath: '/v.db', locale: 'en', autoLockMinutes: 5, lockedReason: null, integrity: null });
    markUnlocked(tampered);
    expect(get(status)?.integrity).toEqual(tampered);
    flash.set('You opened an older copy');
    markLocked('manual');
    expect(get(status)?.integrity).toBeNull();
    expect(get(flash)).toBeNull();
    status.set(null);
  });
});

describe('components', () => {
  it('the integrity banner names every problem and cannot be dismissed', () => {
    applyLocale('ko');
    mounted = mount(IntegrityBanner, { target: document.body, props: { report: tampered } });
    flushSync();
    const banner = document.querySelector('[data-testid="integrity-banner"]');
    expect(banner?.getAttribute('role')).toBe('alert');
    expect(banner?.textContent).toContain('무결성 검사를 통과하지 못했습니다');
    const items = [...document.querySelectorAll('[data-testid="integrity-problems"] li')].map((li) => li.textContent);
    expect(items).toEqual(tampered.problems.map((p) => problemLine(tKo, p)));
    expect(banner?.querySelector('button')).toBeNull();
    expect(document.querySelector('[data-testid="integrity-rollback"]')).toBeNull();
  });

  it('the banner also says when the vault with problems is an older copy', () => {
    const older = { ...tampered, rollback: { generation: 5, seen: 9, accepted: false } };
    mounted = mount(IntegrityBanner, { target: document.body, props: { report: older } });
    flushSync();
    expect(document.querySelector('[data-testid="integrity-rollback"]')?.textContent).toContain('change 9');
  });

  it('the new-passphrase fields bind both values and show the mismatch only when told', () => {
    const bound = { passphrase: '', confirm: '' };
    const fields = (mismatch: boolean) =>
      mount(NewPassphraseFields, {
        target: document.body,
        props: {
          get passphrase() {
            return bound.passphrase;
          },
          set passphrase(v: string) {
            bound.passphrase = v;
          },
          get confirm() {
            return bound.confirm;
          },
          set confirm(v: string) {
            bound.confirm = v;
          },
          mismatch,
          id: 'change-new',
          confirmId: 'change-confirm',
          strengthTestid: 'change-strength',
          label: 'settings.new',
          confirmLabel: 'settings.confirmNew',
        },
      });
    mounted = fields(false);
    flushSync();
    const input = document.querySelector<HTMLInputElement>('[data-testid="change-new"]');
    const again = document.querySelector<HTMLInputElement>('[data-testid="change-confirm"]');
    expect(input && again).toBeTruthy();
    expect(document.querySelector('label[for="change-new"]')?.textContent).toBe(tEn('settings.new'));
    input!.value = 'one two three four';
    input!.dispatchEvent(new Event('input'));
    again!.value = 'one two three';
    again!.dispatchEvent(new Event('input'));
    flushSync();
    expect(bound).toEqual({ passphrase: 'one two three four', confirm: 'one two three' });
    expect(document.querySelector('[data-testid="error"]')).toBeNull();
    unmount(mounted);
    mounted = fields(true);
    flushSync();
    expect(document.querySelector('[data-testid="error"]')?.textContent).toBe(tEn('welcome.mismatch'));
    expect(document.querySelector('[data-testid="change-confirm"]')?.getAttribute('aria-invalid')).toBe('true');
  });
});
