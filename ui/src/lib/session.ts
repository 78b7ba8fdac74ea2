// App-wide state: where we are, whether the vault is open, and the field catalogue.
import { get, writable } from 'svelte/store';
import { api } from './api';
import { applyLocale } from './i18n';
import { lists } from './stores';
import type { AppStatus, FieldSpecDto, IntegrityReport, LockReason } from './bindings';
import type { UiError } from './errors';

export type Screen = 'profile' | 'brands' | 'connect' | 'share' | 'grants' | 'review' | 'activity' | 'settings';
export const SCREENS: readonly Screen[] = ['profile', 'brands', 'connect', 'share', 'grants', 'review', 'activity', 'settings'];

export const status = writable<AppStatus | null>(null);
export const startupError = writable<UiError | null>(null);
export const screen = writable<Screen>('profile');
/** A brand to preselect when another screen sends you to Share or Grants. */
export const focusBrand = writable<string | null>(null);
export const catalogue = writable<FieldSpecDto[]>([]);
/** One sentence to show above the next screen (e.g. where a restore kept the replaced vault). */
export const flash = writable<string | null>(null);

export function navigate(to: Screen, brand: string | null = null): void {
  focusBrand.set(brand);
  screen.set(to);
}

export async function refreshStatus(): Promise<AppStatus> {
  const s = await api.appStatus();
  status.set(s);
  applyLocale(s.locale);
  return s;
}

export async function loadCatalogue(): Promise<FieldSpecDto[]> {
  const current = get(catalogue);
  if (current.length) return current;
  const c = await api.fieldCatalogue();
  catalogue.set(c);
  return c;
}

/** Show the unlock screen now; the Rust side has already dropped the vault. */
export function markLocked(reason: LockReason): void {
  lists.clear();
  // A notice belongs to the session it was given in.
  flash.set(null);
  status.update((s) => (s ? { ...s, unlocked: false, lockedReason: reason, integrity: null } : s));
}

/** The vault is open; `integrity` is what its check found (kept on screen while it is open). */
export function markUnlocked(integrity: IntegrityReport | null = null): void {
  status.update((s) => (s ? { ...s, vaultExists: true, unlocked: true, lockedReason: null, integrity } : s));
}

export async function lockNow(): Promise<void> {
  try {
    await api.lock();
  } finally {
    markLocked('manual');
  }
}
