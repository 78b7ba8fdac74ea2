import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import type { BrandDto, FieldDto, GrantDto } from '../src/lib/bindings';
import { createLists } from '../src/lib/stores/lists';

const field = (name: string): FieldDto => ({ name, value: 'v', label: null, group: 'contact', updatedAt: 0 });

describe('lists.ensure', () => {
  it('fetches a list once, until a clear() or a refresh', async () => {
    const calls = { brands: 0, grants: 0, fields: 0 };
    let fields = [field('email')];
    const lists = createLists({
      brands: async () => (calls.brands++, [] as BrandDto[]),
      grants: async () => (calls.grants++, [] as GrantDto[]),
      fields: async () => (calls.fields++, [...fields]),
    });
    await lists.ensure('fields');
    await lists.ensure('fields');
    expect(calls).toEqual({ brands: 0, grants: 0, fields: 1 });
    expect(get(lists).fields.map((f) => f.name)).toEqual(['email']);

    // A change refreshes explicitly; ensure() then has nothing to do.
    fields = [field('email'), field('phone')];
    await lists.refresh('fields');
    await lists.ensure('fields');
    expect(calls.fields).toBe(2);
    expect(get(lists).fields).toHaveLength(2);

    // After a lock the lists are gone, and the next ensure() fetches again.
    lists.clear();
    await lists.ensure('fields', 'brands');
    expect(calls).toEqual({ brands: 1, grants: 0, fields: 3 });
  });
});
