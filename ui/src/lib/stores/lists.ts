// The vault's lists that several screens show (brands: Brands, Share, Grants; grants: the
// newest page of them, as the app wires it in ./index.ts; fields: every screen that names a
// field), fetched in one place and shared. A screen
// asks for the lists it shows when it opens, and whoever changes the vault refreshes the lists
// the change touches, so every screen sees the same answer. Cleared on lock: fields hold
// decrypted values.
import { get, writable, type Readable } from 'svelte/store';
import type { BrandDto, FieldDto, GrantDto } from '../bindings';

export interface Lists {
  brands: BrandDto[];
  grants: GrantDto[];
  fields: FieldDto[];
}
export type ListName = keyof Lists;
export const LIST_NAMES: readonly ListName[] = ['brands', 'grants', 'fields'];

/** How each list is read from the Rust side. */
export type Fetchers = { [K in ListName]: () => Promise<Lists[K]> };

export interface ListsStore extends Readable<Lists> {
  /** Fetch the named lists (all when none are named) and publish them; rejects as the fetch did. */
  refresh(...which: ListName[]): Promise<Lists>;
  /** Fetch the named lists that have not been fetched since the last `clear()` (field labels
   * for a screen that only names fields: a vault can hold thousands, and whoever changes them
   * refreshes them). */
  ensure(...which: ListName[]): Promise<Lists>;
  /** Forget every list (on lock, so no decrypted value stays in memory). */
  clear(): void;
}

const empty = (): Lists => ({ brands: [], grants: [], fields: [] });

export function createLists(fetchers: Fetchers): ListsStore {
  const store = writable<Lists>(empty());
  // Per list, the number of the latest fetch: an older answer arriving late never replaces a
  // newer one, and a fetch started before `clear()` publishes nothing.
  const latest: Record<ListName, number> = { brands: 0, grants: 0, fields: 0 };
  // Per list, whether a fetch was published since the last clear().
  const have: Record<ListName, boolean> = { brands: false, grants: false, fields: false };

  async function fetchOne<K extends ListName>(name: K): Promise<void> {
    const ticket = ++latest[name];
    const value = await fetchers[name]();
    if (ticket === latest[name]) {
      have[name] = true;
      store.update((l) => ({ ...l, [name]: value }));
    }
  }

  return {
    subscribe: store.subscribe,
    async refresh(...which: ListName[]) {
      const names = which.length ? [...new Set(which)] : LIST_NAMES;
      await Promise.all(names.map((n) => fetchOne(n)));
      return get(store);
    },
    async ensure(...which: ListName[]) {
      const names = (which.length ? [...new Set(which)] : LIST_NAMES).filter((n) => !have[n]);
      await Promise.all(names.map((n) => fetchOne(n)));
      return get(store);
    },
    clear() {
      for (const n of LIST_NAMES) {
        latest[n]++;
        have[n] = false;
      }
      store.set(empty());
    },
  };
}
