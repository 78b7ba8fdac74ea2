// Settings input rules, mirrored from the Rust side's validation (1..=240 whole minutes).

export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 240;

/** A whole number of minutes in range, or null. Accepts what a number input yields (string or number). */
export function parseAutoLock(raw: string | number | null | undefined): number | null {
  const s = String(raw ?? '').trim();
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= AUTO_LOCK_MIN && n <= AUTO_LOCK_MAX ? n : null;
}
