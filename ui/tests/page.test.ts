// @vitest-environment happy-dom
import { createRawSnippet, flushSync, mount, tick, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandFailure } from '../src/lib/api';
import { applyLocale } from '../src/lib/i18n';
import Page from '../src/components/Page.svelte';

const content = createRawSnippet(() => ({ render: () => '<p data-testid="content">the list</p>' }));
const above = createRawSnippet(() => ({ render: () => '<form data-testid="above"></form>' }));

let mounted: Record<string, unknown> | null = null;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.replaceChildren();
});

/** A load function the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const calls: number[] = [];
  const load = () => {
    calls.push(calls.length + 1);
    return new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  };
  return { load, calls, resolve: () => resolve(), reject: (e: unknown) => reject(e) };
}

function render(props: Record<string, unknown>) {
  applyLocale('en');
  mounted = mount(Page, { target: document.body, props: { children: content, ...props } as never });
  flushSync();
  return mounted;
}

const $ = (sel: string) => document.body.querySelector(sel);
const settle = async () => {
  await tick();
  await Promise.resolve();
  flushSync();
};

describe('Page', () => {
  it('shows the title and intro, then busy until the load resolves, then the content', async () => {
    const d = deferred();
    render({ title: 'Brands', intro: 'Who you share with.', load: d.load });
    expect($('h1')?.textContent).toBe('Brands');
    expect($('.page-head p')?.textContent).toBe('Who you share with.');
    expect($('.busy')).not.toBeNull();
    expect($('[data-testid="content"]')).toBeNull();
    expect(d.calls).toEqual([1]);
    d.resolve();
    await settle();
    expect($('.busy')).toBeNull();
    expect($('[data-testid="content"]')?.textContent).toBe('the list');
  });

  it('shows the load error worded for its kind instead of the content', async () => {
    const d = deferred();
    render({ title: 'Grants', load: d.load, above });
    expect($('[data-testid="above"]')).not.toBeNull();
    d.reject(new CommandFailure({ kind: 'wrong_passphrase', message: 'wrong passphrase' }));
    await settle();
    expect($('[data-testid="content"]')).toBeNull();
    expect($('.busy')).toBeNull();
    expect($('[data-testid="error"]')?.textContent).toContain('Wrong passphrase');
    // Whatever the load did, what sits above stays.
    expect($('[data-testid="above"]')).not.toBeNull();
  });

  it('refreshes on demand, keeping the content, and shows a failed refresh above it', async () => {
    const d = deferred();
    render({ title: 'Activity', load: d.load, refreshable: true });
    d.resolve();
    await settle();
    const button = $('[data-testid="page-refresh"]') as HTMLButtonElement;
    button.click();
    flushSync();
    expect(d.calls).toEqual([1, 2]);
    expect(button.disabled).toBe(true);
    expect($('[data-testid="content"]')).not.toBeNull();
    d.reject(new CommandFailure({ kind: 'io', message: 'disk' }));
    await settle();
    expect(button.disabled).toBe(false);
    expect($('[data-testid="error"]')).not.toBeNull();
    expect($('[data-testid="content"]')).not.toBeNull();
  });

  it('without a load function, shows the content at once and no refresh button', () => {
    render({ title: 'Settings' });
    expect($('[data-testid="content"]')).not.toBeNull();
    expect($('.busy')).toBeNull();
    expect($('[data-testid="page-refresh"]')).toBeNull();
    expect($('.page-head p')).toBeNull();
  });
});
