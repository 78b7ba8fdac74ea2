import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce, latestOnly, throttle } from '../src/lib/debounce';

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once with the last arguments after the quiet period', () => {
    const fn = vi.fn();
    const d = debounce(fn, 300);
    d('a');
    vi.advanceTimersByTime(200);
    d('b');
    vi.advanceTimersByTime(200);
    d('c');
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(299);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith('c');
  });

  it('cancel drops a pending call, flush runs it now', () => {
    const fn = vi.fn();
    const d = debounce(fn, 100);
    d(1);
    expect(d.pending()).toBe(true);
    d.cancel();
    expect(d.pending()).toBe(false);
    vi.advanceTimersByTime(500);
    expect(fn).not.toHaveBeenCalled();
    d(2);
    d.flush();
    expect(fn).toHaveBeenCalledWith(2);
    vi.advanceTimersByTime(500);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('separate bursts give separate calls', () => {
    const fn = vi.fn();
    const d = debounce(fn, 50);
    d(1);
    vi.advanceTimersByTime(60);
    d(2);
    vi.advanceTimersByTime(60);
    expect(fn.mock.calls).toEqual([[1], [2]]);
  });
});

describe('throttle', () => {
  it('lets one call through per window', () => {
    let now = 0;
    const fn = vi.fn();
    const th = throttle(fn, 1000, () => now);
    th();
    th();
    now = 999;
    th();
    expect(fn).toHaveBeenCalledTimes(1);
    now = 1000;
    th();
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe('latestOnly', () => {
  it('marks an earlier, slower answer as stale', async () => {
    const resolvers: ((v: string) => void)[] = [];
    const slow = (_: string) => new Promise<string>((r) => resolvers.push(r));
    const ask = latestOnly(slow);
    const first = ask('a');
    const second = ask('b');
    resolvers[1]?.('B');
    resolvers[0]?.('A');
    expect(await second).toEqual({ stale: false, value: 'B' });
    expect(await first).toEqual({ stale: true });
  });

  it('rethrows only the latest call’s error', async () => {
    let n = 0;
    const ask = latestOnly(async () => {
      n += 1;
      if (n === 1) throw new Error('old');
      throw new Error('new');
    });
    const a = ask();
    const b = ask();
    expect(await a).toEqual({ stale: true });
    await expect(b).rejects.toThrow('new');
  });
});
