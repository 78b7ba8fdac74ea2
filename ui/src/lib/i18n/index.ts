// A tiny store-based translator: `$t('key', { name })` in components, `translate()` in plain code.
import { derived, get, writable } from 'svelte/store';
import { en, type MessageKey, type Messages } from './en';
import { ko } from './ko';
import { particle } from './particles';
import type { Locale } from '../bindings';

export type { Locale, MessageKey };

export const dictionaries: Record<Locale, Messages> = { en, ko };

export type Params = Record<string, string | number>;

/** The UI's language from the saved choice, else the OS (`navigator.language`), else Korean's neighbour English. */
export function resolveLocale(saved: string | null | undefined, osLanguages: readonly string[]): Locale {
  if (saved === 'ko' || saved === 'en') return saved;
  for (const lang of osLanguages) {
    const l = lang.toLowerCase();
    if (l === 'ko' || l.startsWith('ko-')) return 'ko';
    if (l === 'en' || l.startsWith('en-')) return 'en';
  }
  return 'en';
}

export function osLanguages(): string[] {
  if (typeof navigator === 'undefined') return [];
  const list = navigator.languages?.length ? [...navigator.languages] : [];
  if (navigator.language && !list.includes(navigator.language)) list.unshift(navigator.language);
  return list;
}

/** Fill `{name}` placeholders; unknown placeholders are left as written. A Korean particle
 * written in its neutral form right after a placeholder (or after its closing quote) is chosen
 * for the value: "{brand}이(가)" with 동네 카페 reads "동네 카페가" (./particles.ts). */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(
    /\{(\w+)\}([”’"']?)(을\(를\)|이\(가\)|은\(는\)|와\(과\)|\(으\)로)?/g,
    (whole, name: string, quote: string, neutral: string | undefined) => {
      if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
      const value = String(params[name]);
      return value + quote + (neutral ? particle(value, neutral) : '');
    },
  );
}

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  return interpolate(dictionaries[locale][key] ?? en[key] ?? key, params);
}

/** For keys built at run time (audit actions, purposes): undefined when there is no such key. */
export function maybeTranslate(locale: Locale, key: string, params?: Params): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(en, key)) return undefined;
  return translate(locale, key as MessageKey, params);
}

export const locale = writable<Locale>(resolveLocale(null, osLanguages()));

export type Translator = (key: MessageKey, params?: Params) => string;

export const t = derived(locale, (l): Translator => (key, params) => translate(l, key, params));

export function currentLocale(): Locale {
  return get(locale);
}

/** Apply a saved choice (null = follow the OS) and keep `<html lang>` in step for fonts and screen readers. */
export function applyLocale(saved: string | null | undefined): Locale {
  const l = resolveLocale(saved, osLanguages());
  locale.set(l);
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  return l;
}

/** A sentence the core sent in every language it speaks (`{ en, ko }`), in `locale`; falls back
 * to English, then to whatever language there is. */
export function inLocale(texts: { [key in Locale]?: string }, locale: Locale): string {
  return texts[locale] ?? texts.en ?? Object.values(texts).find((v) => v !== undefined) ?? '';
}
