// The window arithmetic of VirtualList and the pager of the paged screens, kept apart from the
// components so Vitest can check it. A vault can hold tens of thousands of fields, grants and
// log entries; the web view keeps one DOM node tree per row it renders, so a long list renders
// only the rows in view (VirtualList) or reads one page at a time from Rust (grant_page,
// audit_page).

/** Which rows a fixed-row-height list renders, and the space standing in for the rest. */
export interface ListWindow {
  /** First row rendered (inclusive). */
  start: number;
  /** Row after the last one rendered (exclusive). */
  end: number;
  /** Height of the rows above `start`, in px. */
  before: number;
  /** Height of the rows from `end` on, in px. */
  after: number;
}

/**
 * The rows to render for a list of `count` rows of `rowHeight` px scrolled to `scrollTop` in a
 * viewport `viewport` px high: those in view plus `overscan` rows on each side, so a quick
 * scroll does not show blank space before the next frame renders.
 */
export function listWindow(count: number, rowHeight: number, scrollTop: number, viewport: number, overscan: number): ListWindow {
  const n = Math.max(0, Math.floor(count));
  const h = rowHeight > 0 ? rowHeight : 1;
  const top = Math.max(0, Math.min(scrollTop, n * h));
  const first = Math.floor(top / h);
  const inView = Math.ceil(Math.max(0, viewport) / h) + 1;
  const extra = Math.max(0, Math.floor(overscan));
  const start = Math.max(0, first - extra);
  const end = Math.min(n, first + inView + extra);
  return { start, end: Math.max(start, end), before: start * h, after: (n - Math.max(start, end)) * h };
}

/** Where a page stands in a list of `total`, for the pager under a paged list. */
export interface PageView {
  /** 1-based number of the first row shown (0 when there are none). */
  from: number;
  /** 1-based number of the last row shown. */
  to: number;
  total: number;
  /** Offset of the previous page, or null on the first. */
  prev: number | null;
  /** Offset of the next page, or null on the last. */
  next: number | null;
}

export function pageView(offset: number, limit: number, total: number, shown: number): PageView {
  const size = Math.max(1, limit);
  const at = Math.max(0, offset);
  return {
    from: shown > 0 ? at + 1 : 0,
    to: at + Math.max(0, shown),
    total,
    prev: at > 0 ? Math.max(0, at - size) : null,
    next: at + size < total ? at + size : null,
  };
}

/** The offset to show after the list shrank to `total` (e.g. a filter or a revocation): the
 * same page when it still has rows, else the last page that has any. */
export function clampOffset(offset: number, limit: number, total: number): number {
  const size = Math.max(1, limit);
  if (offset < total) return Math.max(0, offset);
  return total === 0 ? 0 : Math.floor((total - 1) / size) * size;
}
