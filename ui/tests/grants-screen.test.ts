// @vitest-environment happy-dom
// The grants screen fills its brand filter from `brand_choices` (no grant read), never from
// `list_brands` (every grant of every brand counted); the status lists, which need those
// counts, read them only when opened.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (cmd: string, args?: unknown) => invoke(cmd, args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));

import Grants from '../src/screens/Grants.svelte';
import { focusBrand } from '../src/lib/session';
import { lists } from '../src/lib/stores';

const brand = (id: string, name: string, connected: boolean, totalGrants: number) => ({
  id,
  name,
  url: null,
  issuer: 'urn:x',
  statusListUri: `https://status.example/${id}`,
  createdAt: 0,
  holds: ['email'],
  liveGrants: totalGrants,
  totalGrants,
  connected,
});

const grant = (id: string, brandId: string, brandName: string) => ({
  id,
  brand: brandId,
  brandName,
  state: 'active',
  released: ['email'],
  purpose: 'order updates',
  purposeCategory: 'ServiceProvision',
  channels: { consents: [], nightAds: false, legacy: false },
  offer: null,
  issuedAt: 1_800_000_000,
  expiresAt: 1_900_000_000,
  revokedAt: null,
  summary: { en: 'Email for order updates' },
  statusListUri: `https://status.example/${brandId}`,
  statusIdx: 0,
});

const BRANDS = [brand('acme', 'Acme Coffee', true, 1), brand('bean', 'Bean Bakery', false, 1), brand('cafe', 'Cafe Nero', false, 0)];
const GRANTS = [grant('g-acme', 'acme', 'Acme Coffee'), grant('g-bean', 'bean', 'Bean Bakery')];

/** The Rust side as the screen sees it; `choiceLimit` plays a vault past the picker's limit. */
function answer(choiceLimit = 500) {
  return async (cmd: string, args?: Record<string, unknown>) => {
    if (cmd === 'grant_page') {
      const match = GRANTS.filter((g) => !args?.brand || g.brand === args.brand);
      const offset = Number(args?.offset ?? 0);
      return { items: match.slice(offset, offset + Number(args?.limit)), total: match.length, offset };
    }
    if (cmd === 'brand_choices') {
      const q = String(args?.query ?? '');
      const match = BRANDS.filter((b) => !q || b.id.includes(q) || b.name.includes(q));
      const items = match.slice(0, Math.min(Number(args?.limit), choiceLimit));
      return { items: items.map((b) => ({ id: b.id, name: b.name, connected: b.connected })), total: match.length };
    }
    if (cmd === 'list_brands') return BRANDS.map((b) => ({ ...b }));
    if (cmd === 'list_fields' || cmd === 'outbox_list') return [];
    if (cmd === 'grant_delivery') return null;
    return null;
  };
}

const calls = (cmd: string) => invoke.mock.calls.filter(([c]) => c === cmd);
const options = () =>
  [...document.querySelectorAll<HTMLOptionElement>('[data-testid="grant-brand-filter"] option')].map((o) => [o.value, o.textContent]);

describe('the Grants screen', () => {
  let mounted: Record<string, unknown> | null = null;
  afterEach(() => {
    if (mounted) unmount(mounted);
    mounted = null;
    invoke.mockReset();
    lists.clear();
    focusBrand.set(null);
  });

  it('fills the brand filter from brand_choices and filters by the brand chosen', async () => {
    invoke.mockImplementation(answer());
    mounted = mount(Grants, { target: document.body, props: {} });
    await vi.waitFor(() => expect(document.querySelector('[data-testid="grant-row-g-bean"]')).not.toBeNull());
    await vi.waitFor(() => expect(options()).toHaveLength(4));
    expect(options()).toEqual([
      ['', 'All brands'],
      ['acme', 'Acme Coffee'],
      ['bean', 'Bean Bakery'],
      ['cafe', 'Cafe Nero'],
    ]);
    expect(calls('list_brands')).toHaveLength(0);
    // Asking to erase needs a connected brand: Acme is, Bean is not.
    await vi.waitFor(() => expect(document.querySelector('[data-testid="grant-erase-g-acme"]')).not.toBeNull());
    expect(document.querySelector('[data-testid="grant-erase-g-bean"]')).toBeNull();

    const select = document.querySelector<HTMLSelectElement>('[data-testid="grant-brand-filter"]');
    if (!select) throw new Error('no brand filter');
    // happy-dom matches no option with `:checked`, which Svelte's select binding reads.
    const native = select.querySelector.bind(select);
    select.querySelector = ((q: string) =>
      q === ':checked' ? (select.options[select.selectedIndex] ?? null) : native(q)) as typeof select.querySelector;
    select.value = 'bean';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    await vi.waitFor(() => expect(document.querySelector('[data-testid="grant-row-g-acme"]')).toBeNull());
    expect(document.querySelector('[data-testid="grant-row-g-bean"]')).not.toBeNull();
    expect(calls('grant_page').some(([, a]) => (a as { brand: string | null }).brand === 'bean')).toBe(true);
    expect(calls('list_brands')).toHaveLength(0);
  });

  it('reads the brands behind the status lists only when they are opened', async () => {
    invoke.mockImplementation(answer());
    mounted = mount(Grants, { target: document.body, props: {} });
    const details = await vi.waitFor(() => {
      const d = document.querySelector<HTMLDetailsElement>('[data-testid="status-lists"]');
      if (!d) throw new Error('no status lists yet');
      return d;
    });
    expect(document.querySelector('[data-testid="status-list-show-acme"]')).toBeNull();
    expect(calls('list_brands')).toHaveLength(0);
    const summary = document.querySelector<HTMLElement>('[data-testid="status-lists-open"]');
    summary?.click();
    expect(details.open).toBe(true);
    // Only the brands that hold a grant: Cafe Nero holds none.
    await vi.waitFor(() => expect(document.querySelector('[data-testid="status-list-show-acme"]')).not.toBeNull());
    expect(document.querySelector('[data-testid="status-list-show-bean"]')).not.toBeNull();
    expect(document.querySelector('[data-testid="status-list-show-cafe"]')).toBeNull();
    expect(calls('list_brands')).toHaveLength(1);
  });

  it('keeps a brand it was opened for choosable past the first choices', async () => {
    // A vault of more brands than the picker's limit, played with a limit of one.
    invoke.mockImplementation(answer(1));
    focusBrand.set('bean');
    mounted = mount(Grants, { target: document.body, props: {} });
    await vi.waitFor(() => expect(options().map(([v]) => v)).toContain('bean'));
    const select = document.querySelector<HTMLSelectElement>('[data-testid="grant-brand-filter"]');
    expect(select?.value).toBe('bean');
    expect(calls('grant_page')[0]?.[1]).toMatchObject({ brand: 'bean' });
    expect(calls('brand_choices').some(([, a]) => (a as { query: string }).query === 'bean')).toBe(true);
  });

  it('tells an empty vault from a filter that matches nothing', async () => {
    // No grant at all: the empty note that sends to Share, and no status lists.
    invoke.mockImplementation(async (cmd: string, args?: Record<string, unknown>) =>
      cmd === 'grant_page' ? { items: [], total: 0, offset: 0 } : answer()(cmd, args),
    );
    mounted = mount(Grants, { target: document.body, props: {} });
    await vi.waitFor(() => expect(document.body.textContent).toContain('No grants yet'));
    expect(document.querySelector('[data-testid="status-lists"]')).toBeNull();
    unmount(mounted);
    mounted = null;

    // Grants, but none to Cafe Nero, the brand the screen was opened for.
    invoke.mockReset();
    invoke.mockImplementation(answer());
    focusBrand.set('cafe');
    mounted = mount(Grants, { target: document.body, props: {} });
    await vi.waitFor(() => expect(document.body.textContent).toContain('No grants match this filter.'));
    expect(document.body.textContent).not.toContain('No grants yet');
    expect(document.querySelector('[data-testid="status-lists"]')).not.toBeNull();
  });
});
