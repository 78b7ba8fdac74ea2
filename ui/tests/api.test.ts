import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));

const lib = await import('../src/lib/api');
const api = { ...lib, ...lib.api };

beforeEach(() => {
  invoke.mockReset();
});

describe('command wrapper', () => {
  it('uses the contract’s command names and camelCase argument keys', async () => {
    invoke.mockResolvedValue(null);
    await api.addBrand('acme', 'Acme', null, null);
    await api.removeBrand('acme', true);
    await api.restoreBackup('/tmp/b', 'pw', '', false, false, false);
    await api.changePassphrase('a', 'b', 'b');
    await api.setSettings({ locale: 'ko', autoLockMinutes: 5, notifications: false });
    await api.saveText('/tmp/t', 'status_list', 'acme');
    await api.listGrants();
    await api.eraseVault('삭제', 'pw');
    expect(invoke.mock.calls).toEqual([
      ['add_brand', { id: 'acme', name: 'Acme', url: null, statusUrl: null }],
      ['remove_brand', { id: 'acme', revoke: true }],
      ['restore_backup', { path: '/tmp/b', passphrase: 'pw', current: '', overwrite: false, allowCostlyKdf: false, confirmed: false }],
      ['change_passphrase', { current: 'a', new: 'b', confirm: 'b' }],
      ['set_settings', { settings: { locale: 'ko', autoLockMinutes: 5, notifications: false } }],
      ['save_text', { path: '/tmp/t', what: 'status_list', id: 'acme' }],
      ['list_grants', { brand: null }],
      ['erase_vault', { confirmation: '삭제', passphrase: 'pw' }],
    ]);
  });

  it('rejects with a normalised { kind, message }', async () => {
    invoke.mockRejectedValue({ kind: 'invalid_input', message: 'email "foo@" has no domain after "@"' });
    const err = await api.setField('email', 'foo@').catch((e: unknown) => api.asUiError(e));
    expect(err).toEqual({ kind: 'invalid_input', message: 'email "foo@" has no domain after "@"' });
  });

  it('reports `locked` from a vault command to the lock handler, but not from unlock', async () => {
    const onLocked = vi.fn();
    api.onLockedError(onLocked);
    invoke.mockRejectedValue({ kind: 'locked', message: 'the vault is locked' });
    await api.listFields().catch(() => {});
    expect(onLocked).toHaveBeenCalledTimes(1);
    await api.unlock('x', false, false).catch(() => {});
    expect(onLocked).toHaveBeenCalledTimes(1);
    api.onLockedError(null);
  });

  it('reads the vault-locked payload liberally', () => {
    expect(api.lockReasonOf({ reason: 'manual' })).toBe('manual');
    expect(api.lockReasonOf('auto')).toBe('auto');
    expect(api.lockReasonOf(null)).toBe('auto');
    expect(api.lockReasonOf({ reason: 'suspend' })).toBe('suspend');
    expect(api.lockReasonOf('screen_lock')).toBe('screen_lock');
    expect(api.lockReasonOf({ reason: 'sideways' })).toBe('auto');
  });
});
