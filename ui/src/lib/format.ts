// Locale-aware display: dates, times, numbers (Intl), addresses (Korean vs Western order),
// phone numbers (E.164 back to the way people write them), passphrase strength in words.
import type { Locale, MessageKey } from './i18n';

/** BCP 47 tags used for Intl: Korean as in Korea, English with day-month-year and 24-hour time. */
export function intlTag(locale: Locale): string {
  return locale === 'ko' ? 'ko-KR' : 'en-GB';
}

function toDate(unixSeconds: number | bigint): Date {
  return new Date(Number(unixSeconds) * 1000);
}

export interface FormatOptions {
  /** IANA time zone; defaults to the system's. Tests pin it. */
  timeZone?: string;
}

const DATE_OPTS: Record<Locale, Intl.DateTimeFormatOptions> = {
  ko: { year: 'numeric', month: 'long', day: 'numeric' },
  en: { year: 'numeric', month: 'short', day: 'numeric' },
};
const TIME_OPTS: Record<Locale, Intl.DateTimeFormatOptions> = {
  ko: { hour: 'numeric', minute: '2-digit' },
  en: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
};

/** "2026년 11월 24일 오후 3:05" / "24 Nov 2026, 15:05" */
export function formatDateTime(unixSeconds: number | bigint, locale: Locale, opts: FormatOptions = {}): string {
  return new Intl.DateTimeFormat(intlTag(locale), {
    ...DATE_OPTS[locale],
    ...TIME_OPTS[locale],
    timeZone: opts.timeZone,
  }).format(toDate(unixSeconds));
}

/** "2026년 11월 24일" / "24 Nov 2026" */
export function formatDate(unixSeconds: number | bigint, locale: Locale, opts: FormatOptions = {}): string {
  return new Intl.DateTimeFormat(intlTag(locale), { ...DATE_OPTS[locale], timeZone: opts.timeZone }).format(
    toDate(unixSeconds),
  );
}

/** A calendar date typed as YYYY-MM-DD, shown in the locale without time-zone shifts. */
export function formatCivilDate(ymd: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return ymd;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(intlTag(locale), { ...DATE_OPTS[locale], timeZone: 'UTC' }).format(d);
}

export function formatNumber(n: number | bigint, locale: Locale): string {
  return new Intl.NumberFormat(intlTag(locale)).format(n);
}

/** "in 3 days" / "3일 후", "2 hours ago" / "2시간 전", relative to `now` (Unix seconds). */
export function formatRelative(unixSeconds: number | bigint, locale: Locale, now: number = Date.now() / 1000): string {
  const diff = Number(unixSeconds) - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(intlTag(locale), { numeric: 'auto' });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, secs] of units) {
    if (abs >= secs) return rtf.format(Math.round(diff / secs), unit);
  }
  return rtf.format(Math.round(diff), 'second');
}

/** Today as YYYY-MM-DD in local time plus `days` (for date inputs' min and defaults). */
export function localYmd(days = 0, from: Date = new Date()): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${mm}-${dd}`;
}

// ---------------------------------------------------------------- addresses

export interface AddressParts {
  street_address?: string | null;
  locality?: string | null;
  region?: string | null;
  postal_code?: string | null;
  country?: string | null;
}

const has = (s: string | null | undefined): s is string => typeof s === 'string' && s.trim() !== '';

/** Country name for an ISO code in the UI language ("KR" → "대한민국" / "South Korea"). */
export function countryName(code: string, locale: Locale): string {
  try {
    const dn = new Intl.DisplayNames([intlTag(locale)], { type: 'region' });
    return dn.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/**
 * One line, in the order people write addresses in the UI language:
 * ko — region → locality → street (postal code), country only when not Korea;
 * en — street, locality, region postal code, country.
 */
export function formatAddress(a: AddressParts, locale: Locale): string {
  const country = has(a.country) ? a.country.trim() : '';
  const isKr = country === '' || country.toUpperCase() === 'KR';
  if (locale === 'ko') {
    const parts = [a.region, a.locality, a.street_address].filter(has).map((s) => s.trim());
    let line = parts.join(' ');
    if (has(a.postal_code)) line += `${line ? ' ' : ''}(${a.postal_code.trim()})`;
    if (!isKr) line += `${line ? ', ' : ''}${countryName(country, locale)}`;
    return line;
  }
  const regionPostal = [a.region, a.postal_code].filter(has).map((s) => s.trim()).join(' ');
  const parts = [a.street_address, a.locality]
    .filter(has)
    .map((s) => s.trim())
    .concat(regionPostal ? [regionPostal] : [])
    .concat(country ? [countryName(country, locale)] : []);
  return parts.join(', ');
}

/** Pick the address parts out of a claims object (`address` claim) or a field map (`address.*`). */
export function addressFromFields(values: Record<string, string | undefined>): AddressParts {
  return {
    street_address: values['address.street_address'],
    locality: values['address.locality'],
    region: values['address.region'],
    postal_code: values['address.postal_code'],
    country: values['address.country'],
  };
}

// ---------------------------------------------------------------- phone numbers

/** Group a Korean national number (with trunk 0) the way Koreans write it: 010-1234-5678, 02-123-4567. */
export function groupKoreanNational(national: string): string {
  const n = national;
  if (!/^\d+$/.test(n)) return n;
  // Nationwide numbers such as 1588-1234 have no trunk prefix and no area code.
  if (/^1[5-9]\d{6}$/.test(n)) return `${n.slice(0, 4)}-${n.slice(4)}`;
  if (!n.startsWith('0')) return n;
  let prefixLen: number;
  if (n.startsWith('02')) prefixLen = 2;
  else if (/^050\d/.test(n)) prefixLen = 4;
  else prefixLen = 3;
  const prefix = n.slice(0, prefixLen);
  const rest = n.slice(prefixLen);
  if (rest.length === 7) return `${prefix}-${rest.slice(0, 3)}-${rest.slice(3)}`;
  if (rest.length === 8) return `${prefix}-${rest.slice(0, 4)}-${rest.slice(4)}`;
  return `${prefix}-${rest}`;
}

/**
 * Show a stored E.164 number: Korean numbers in national form for ko (010-1234-5678) and in
 * international form for en (+82 10-1234-5678); other countries as stored.
 */
export function displayPhone(e164: string, locale: Locale): string {
  const m = /^\+82(\d+)$/.exec(e164.trim());
  if (!m) return e164;
  const nsn = m[1] ?? '';
  const isSpecial = /^1[5-9]\d{6}$/.test(nsn);
  const national = isSpecial ? nsn : `0${nsn}`;
  const grouped = groupKoreanNational(national);
  if (locale === 'ko') return grouped;
  return `+82 ${isSpecial ? grouped : grouped.replace(/^0/, '')}`;
}

// ---------------------------------------------------------------- passphrase strength

export type CrackBucket = 'instant' | 'seconds' | 'minutes' | 'hours' | 'days' | 'months' | 'years' | 'centuries';

export function crackBucket(seconds: number): CrackBucket {
  if (!Number.isFinite(seconds)) return 'centuries';
  if (seconds < 1) return 'instant';
  if (seconds < 60) return 'seconds';
  if (seconds < 3600) return 'minutes';
  if (seconds < 86400) return 'hours';
  if (seconds < 30 * 86400) return 'days';
  if (seconds < 365 * 86400) return 'months';
  if (seconds < 100 * 365 * 86400) return 'years';
  return 'centuries';
}

export function scoreKey(score: number): MessageKey {
  const s = Math.max(0, Math.min(4, Math.round(score)));
  return `strength.score${s}` as MessageKey;
}

/** "weak — could be guessed in minutes" / "약함 — 수 분 안에 추측될 수 있음" */
export function strengthWords(
  t: (key: MessageKey, params?: Record<string, string | number>) => string,
  score: number,
  crackTimeSeconds: number,
): string {
  return t('strength.sentence', {
    score: t(scoreKey(score)),
    time: t(`strength.${crackBucket(crackTimeSeconds)}` as MessageKey),
  });
}
