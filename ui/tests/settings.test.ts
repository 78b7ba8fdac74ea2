// @vitest-environment happy-dom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (cmd: string, args?: unknown) => invoke(cmd, args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));

import { translate } from '../src/lib/i18n';
import { formSettings } from '../src/lib/settings';
import Settings from '../src/screens/Settings.svelte';

describe('the General form', () => {
  it('saves the language, the timeout and the notifications switch', () => {
    expect(formSettings('', '5', true)).toEqual({ locale: null, autoLockMinutes: 5, notifications: true });
    expect(formSettings('ko', 15, false)).toEqual({ locale: 'ko', autoLockMinutes: 15, notifications: false });
    expect(formSettings('en', '0', true)).toBeNull();
  });

  it('names the switch in both languages', () => {
    expect(translate('en', 'settings.notifications')).toContain('about to end');
    expect(translate('ko', 'settings.notifications')).toContain('알리기');
    expect(translate('ko', 'settings.notificationsHint')).toContain('하루 한 번');
  });
});

describe('the Settings screen', () => {
  let mounted: Record<string, unknown> | null = null;
  afterEach(() => {
    if (mounted) unmount(mounted);
    mounted = null;
    invoke.mockReset();
  });

  it('shows the saved switch and sends it back changed', async () => {
    invoke.mockImplementation(async (cmd: string, args?: { settings?: unknown }) => {
      if (cmd === 'get_settings') return { locale: 'en', autoLockMinutes: 5, notifications: false };
      if (cmd === 'set_settings') return args?.settings;
      return null;
    });
    mounted = mount(Settings, { target: document.body, props: {} });
    const box = () => document.querySelector<HTMLInputElement>('[data-testid="settings-notifications"]');
    await vi.waitFor(() => expect(box()?.checked).toBe(false));
    box()?.click();
    flushSync();
    document.querySelector<HTMLButtonElement>('[data-testid="settings-save"]')?.click();
    await vi.waitFor(() =>
      expect(invoke.mock.calls.find(([c]) => c === 'set_settings')?.[1]).toEqual({
        settings: { locale: 'en', autoLockMinutes: 5, notifications: true },
      }),
    );
  });
});
