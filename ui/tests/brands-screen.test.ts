// @vitest-environment happy-dom
// The brands screen fetches its page from the Rust side (`brand_page`), and a brand added
// shows up in that page at once.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (cmd: string, args?: unknown) => invoke(cmd, args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));

import Brands from '../src/screens/Brands.svelte';

const brand = (id: string, name: string) => ({
  id,
  name,
  url: null,
  issuer: 'urn:x',
  statusListUri: 'urn:uuid:x',
  createdAt: 0,
  holds: ['email'],
  liveGrants: 1,
  totalGrants: 2,
  connected: false,
});

describe('the Brands screen', () => {
  let mounted: Record<string, unknown> | null = null;
  afterEach(() => {
    if (mounted) unmount(mounted);
    mounted = null;
    invoke.mockReset();
  });

  it('shows the page brand_page answers, and a brand added at once', async () => {
    const stored = [brand('bean', 'Bean Bakery')];
    invoke.mockImplementation(async (cmd: string, args?: Record<string, unknown>) => {
      if (cmd === 'brand_page') {
        const offset = Number(args?.offset ?? 0);
        return { items: stored.slice(offset, offset + Number(args?.limit)), total: stored.length, offset };
      }
      if (cmd === 'add_brand') {
        const b = brand(String(args?.id), String(args?.name));
        stored.unshift(b);
        return b;
      }
      if (cmd === 'outbox_list' || cmd === 'list_fields') return [];
      return null;
    });
    mounted = mount(Brands, { target: document.body, props: {} });
    await vi.waitFor(() => expect(document.querySelector('[data-testid="brand-row-bean"]')).not.toBeNull());
    expect(invoke.mock.calls.some(([c]) => c === 'list_brands')).toBe(false);
    expect(document.querySelector('[data-testid="brand-counts-bean"]')?.textContent).toContain('1');

    const type = (id: string, value: string) => {
      const el = document.querySelector<HTMLInputElement>(`[data-testid="${id}"]`);
      if (!el) throw new Error(`no ${id}`);
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    };
    type('brand-id', 'acme');
    type('brand-name', 'Acme Coffee');
    flushSync();
    document.querySelector<HTMLButtonElement>('[data-testid="brand-add"]')?.click();
    await vi.waitFor(() => expect(document.querySelector('[data-testid="brand-row-acme"]')).not.toBeNull());
    expect(invoke.mock.calls.filter(([c]) => c === 'brand_page').length).toBeGreaterThanOrEqual(2);
  });
});
