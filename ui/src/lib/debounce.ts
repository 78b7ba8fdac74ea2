// Timing helpers: debounce (preview, strength), throttle (activity pings), latest-only calls.

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
  /** Run a pending call now. */
  flush(): void;
  pending(): boolean;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastArgs: A | null = null;
  const run = () => {
    timer = null;
    const args = lastArgs;
    lastArgs = null;
    if (args) fn(...args);
  };
  const d = ((...args: A) => {
    lastArgs = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  }) as Debounced<A>;
  d.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    lastArgs = null;
  };
  d.flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
  };
  d.pending = () => timer !== null;
  return d;
}

/** Call at most once per `ms`; the first call goes through at once, later ones in the window are dropped. */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number, now: () => number = Date.now) {
  let last = -Infinity;
  return (...args: A) => {
    const t = now();
    if (t - last >= ms) {
      last = t;
      fn(...args);
    }
  };
}

/**
 * Wrap an async function so only the result of the most recent call is delivered:
 * a slow earlier response never overwrites a newer one (the live preview relies on this).
 */
export function latestOnly<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  let seq = 0;
  return async (...args: A): Promise<{ stale: false; value: R } | { stale: true }> => {
    const mine = ++seq;
    try {
      const value = await fn(...args);
      return mine === seq ? { stale: false, value } : { stale: true };
    } catch (e) {
      if (mine !== seq) return { stale: true };
      throw e;
    }
  };
}
