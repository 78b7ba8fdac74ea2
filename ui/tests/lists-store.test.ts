import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import type { BrandDto, FieldDto, GrantDto } from '../src/lib/bindings';
import { createLists, type Fetchers } from '../src/lib/stores/lists';

const brand = (id: string): BrandDto =>
  ({ id, name: id, url: null, issuer: 'x', statusListUri: 'x', createdAt: 0, holds: [], liveGrants: 0, totalGrants: 0, connected: false }) as BrandDto;
const field = (name: string, value: string): FieldDto => ({ name, value, label: null, group: 'contact', updatedAt: 0 });

/** Fetchers answering from `data`, counting calls; `gate` holds a list's answer until released. */
function source() {
  const data = { brands: [brand('acme')], grants: [] as GrantDto[], fields: [field('email', 'a@x.kr')] };
  const calls = { brands: 0, grants: 0, fields: 0 };
  const gates: Partial<Record<keyof typeof calls, Promise<void>>> = {};
  const fetchers: Fetchers = {
    brands: async () => (calls.brands++, await gates.brands, [...data.brands]),
    grants: async () => (calls.grants++, await gates.grants, [...data.grants]),
    fields: async () => (calls.fields++, await gates.fields, [...data.fields]),
  };
  return { data, calls, gates, fetchers };
}

describe('shared lists store', () => {
  it('fetches only the lists asked for and shares them with every subscriber', async () => {
    const s = source();
    const lists = createLists(s.fetchers);
    const seenA: string[][] = [];
    const seenB: string[][] = [];
    const ua = lists.subscribe((l) => seenA.push(l.brands.map((b) => b.id)));
    const ub = lists.subscribe((l) => seenB.push(l.brands.map((b) => b.id)));
    const got = await lists.refresh('brands', 'brands');
    expect(s.calls).toEqual({ brands: 1, grants: 0, fields: 0 });
    expect(got.brands.map((b) => b.id)).toEqual(['acme']);
    expect(seenA.at(-1)).toEqual(['acme']);
    expect(seenB.at(-1)).toEqual(['acme']);
    ua();
    ub();
  });

  it('shows a change to every screen after the refresh that follows it', async () => {
    const s = source();
    const lists = createLists(s.fetchers);
    await lists.refresh();
    expect(s.calls).toEqual({ brands: 1, grants: 1, fields: 1 });
    s.data.brands.push(brand('bean'));
    expect(get(lists).brands).toHaveLength(1);
    await lists.refresh('brands');
    expect(get(lists).brands.map((b) => b.id)).toEqual(['acme', 'bean']);
    expect(get(lists).fields).toHaveLength(1);
  });

  it('never lets an older answer replace a newer one', async () => {
    const s = source();
    const lists = createLists(s.fetchers);
    let release!: () => void;
    s.gates.brands = new Promise((r) => (release = r));
    const slow = lists.refresh('brands');
    s.gates.brands = undefined;
    s.data.brands = [brand('newer')];
    await lists.refresh('brands');
    s.data.brands = [brand('older-answer-would-say-this')];
    release();
    await slow;
    // The first fetch read `data` after its gate opened, but it was overtaken: ignored.
    expect(get(lists).brands.map((b) => b.id)).toEqual(['newer']);
  });

  it('clear() forgets every list, and a fetch still under way publishes nothing', async () => {
    const s = source();
    const lists = createLists(s.fetchers);
    await lists.refresh();
    let release!: () => void;
    s.gates.fields = new Promise((r) => (release = r));
    const pending = lists.refresh('fields');
    lists.clear();
    release();
    await pending;
    expect(get(lists)).toEqual({ brands: [], grants: [], fields: [] });
  });

  it('rejects as the fetch did, keeping what it had', async () => {
    const s = source();
    const lists = createLists({ ...s.fetchers, grants: async () => Promise.reject({ kind: 'locked', message: '' }) });
    await lists.refresh('brands');
    await expect(lists.refresh('grants')).rejects.toEqual({ kind: 'locked', message: '' });
    expect(get(lists).brands).toHaveLength(1);
  });
});
