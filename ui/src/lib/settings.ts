// Settings input rules, mirrored from the Rust side's validation (1..=240 whole minutes).

import type { Locale, SettingsDto } from './bindings';

export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 240;

/** A whole number of minutes in range, or null. Accepts what a number input yields (string or number). */
export function parseAutoLock(raw: string | number | null | undefined): number | null {
  const s = String(raw ?? '').trim();
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= AUTO_LOCK_MIN && n <= AUTO_LOCK_MAX ? n : null;
}

/** What the General form saves: the language ('' follows the computer), the auto-lock timeout
 * and the notifications switch; null when the timeout is out of range (nothing is sent). */
export function formSettings(
  locale: '' | Locale,
  minutes: string | number,
  notifications: boolean,
): SettingsDto | null {
  const m = parseAutoLock(minutes);
  return m === null ? null : { locale: locale || null, autoLockMinutes: m, notifications };
}
