// @vitest-environment happy-dom
import { createRawSnippet, flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { clampOffset, listWindow, pageView } from '../src/lib/virtual';
import VirtualList from '../src/components/VirtualList.svelte';

describe('virtual list window', () => {
  it('renders every row of a list shorter than the viewport', () => {
    expect(listWindow(5, 40, 0, 600, 6)).toEqual({ start: 0, end: 5, before: 0, after: 0 });
  });

  it('renders the rows in view plus the overscan, and stands in for the rest', () => {
    // 10,000 rows of 50 px; 500 px in view from row 200 (10,000 px down); 5 rows either side.
    const w = listWindow(10_000, 50, 10_000, 500, 5);
    expect(w.start).toBe(195);
    expect(w.end).toBe(200 + 11 + 5); // 10 rows in view, one more for a partly shown row
    expect(w.before).toBe(195 * 50);
    expect(w.after).toBe((10_000 - w.end) * 50);
    // The spacers and the rendered rows add up to the full height, so the scrollbar is right.
    expect(w.before + (w.end - w.start) * 50 + w.after).toBe(10_000 * 50);
  });

  it('keeps at most a screenful plus overscan rendered wherever it is scrolled', () => {
    for (const top of [0, 1, 49, 50, 12_345, 499_500, 500_000, 900_000]) {
      const w = listWindow(10_000, 50, top, 500, 5);
      expect(w.end - w.start).toBeLessThanOrEqual(11 + 10);
      expect(w.start).toBeGreaterThanOrEqual(0);
      expect(w.end).toBeLessThanOrEqual(10_000);
      expect(w.before + (w.end - w.start) * 50 + w.after).toBe(500_000);
    }
  });

  it('clamps the bottom: the last rows stay rendered when scrolled past the end', () => {
    const w = listWindow(100, 20, 10_000, 200, 2);
    expect(w.end).toBe(100);
    expect(w.after).toBe(0);
    expect(w.start).toBe(98);
  });

  it('treats an empty list, a negative scroll and an unknown viewport sanely', () => {
    expect(listWindow(0, 40, 0, 600, 6)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
    expect(listWindow(100, 40, -300, 400, 0)).toMatchObject({ start: 0, end: 11 });
    // Before layout the viewport is 0: still the first row, so the list is never blank.
    expect(listWindow(100, 40, 0, 0, 0)).toMatchObject({ start: 0, end: 1 });
  });
});

describe('pager', () => {
  it('says where a page stands and where the neighbours start', () => {
    expect(pageView(0, 50, 10_000, 50)).toEqual({ from: 1, to: 50, total: 10_000, prev: null, next: 50 });
    expect(pageView(50, 50, 10_000, 50)).toEqual({ from: 51, to: 100, total: 10_000, prev: 0, next: 100 });
    expect(pageView(9_950, 50, 10_000, 50)).toEqual({ from: 9_951, to: 10_000, total: 10_000, prev: 9_900, next: null });
    expect(pageView(0, 50, 0, 0)).toEqual({ from: 0, to: 0, total: 0, prev: null, next: null });
    expect(pageView(0, 50, 50, 50).next).toBeNull();
  });

  it('moves back to the last page that has rows when the list shrank under it', () => {
    expect(clampOffset(100, 50, 150)).toBe(100);
    expect(clampOffset(100, 50, 100)).toBe(50);
    expect(clampOffset(100, 50, 51)).toBe(50);
    expect(clampOffset(100, 50, 50)).toBe(0);
    expect(clampOffset(100, 50, 0)).toBe(0);
  });
});

describe('VirtualList', () => {
  let mounted: Record<string, unknown> | null = null;
  afterEach(() => {
    if (mounted) unmount(mounted);
    mounted = null;
    document.body.replaceChildren();
  });

  const row = createRawSnippet((item: () => string) => ({ render: () => `<p data-testid="row-${item()}">${item()}</p>` }));
  const rows = () => [...document.body.querySelectorAll('[data-testid^="row-"]')].map((e) => e.textContent);

  function render(items: string[]) {
    mounted = mount(VirtualList, {
      target: document.body,
      props: { items, rowHeight: 40, height: 400, overscan: 3, key: (s: string) => s, row } as never,
    });
    flushSync();
  }

  it('renders a screenful of a long list, not all of it, first rows first', () => {
    render(Array.from({ length: 10_000 }, (_, i) => `r${i}`));
    const shown = rows();
    // 400 px of 40 px rows: 10 in view, one partly shown, 3 overscan below.
    expect(shown).toHaveLength(14);
    expect(shown[0]).toBe('r0');
    expect(shown.at(-1)).toBe('r13');
  });

  it('renders every row of a short list', () => {
    render(['a', 'b', 'c']);
    expect(rows()).toEqual(['a', 'b', 'c']);
  });
});
