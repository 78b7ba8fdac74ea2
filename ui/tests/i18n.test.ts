import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { en } from '../src/lib/i18n/en';
import { ko } from '../src/lib/i18n/ko';
import { interpolate, locale, maybeTranslate, resolveLocale, t, translate } from '../src/lib/i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('have exactly the same keys', () => {
    const enKeys = Object.keys(en).sort();
    const koKeys = Object.keys(ko).sort();
    expect(koKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
    expect(enKeys.filter((k) => !koKeys.includes(k))).toEqual([]);
  });

  it('have no empty values', () => {
    for (const [lang, dict] of [['en', en], ['ko', ko]] as const) {
      for (const [k, v] of Object.entries(dict)) {
        expect(typeof v, `${lang} ${k}`).toBe('string');
        expect(v.trim(), `${lang} ${k}`).not.toBe('');
      }
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(ko[k]), k).toEqual(placeholders(en[k]));
    }
  });

  it('actually translate (Korean strings contain Hangul)', () => {
    const untranslated = (Object.keys(en) as (keyof typeof en)[]).filter(
      (k) => ko[k] === en[k] && /[a-z]{4,}/i.test(en[k].replace(/\{\w+\}/g, '')) && !k.startsWith('file.') && k !== 'app.name',
    );
    expect(untranslated).toEqual([]);
  });

  it('word every error kind, the DPV purposes and the channels', () => {
    for (const kind of ['locked', 'wrong_passphrase', 'invalid_input', 'not_found', 'conflict', 'integrity', 'vault_file', 'costly_kdf', 'io', 'internal']) {
      expect(maybeTranslate('ko', `error.${kind}`)).toBeTruthy();
    }
    for (const ch of ['email', 'sms', 'phone', 'post', 'push', 'messenger']) {
      expect(maybeTranslate('en', `channel.${ch}`)).toBeTruthy();
    }
  });

  it('erase confirmation words match what the Rust side accepts', () => {
    expect(en['settings.eraseWord']).toBe('ERASE');
    expect(ko['settings.eraseWord']).toBe('삭제');
  });
});

describe('locale choice', () => {
  it('prefers the saved choice', () => {
    expect(resolveLocale('en', ['ko-KR'])).toBe('en');
    expect(resolveLocale('ko', ['en-US'])).toBe('ko');
  });
  it('follows the OS otherwise', () => {
    expect(resolveLocale(null, ['ko-KR', 'en-US'])).toBe('ko');
    expect(resolveLocale(undefined, ['ko'])).toBe('ko');
    expect(resolveLocale(null, ['en-GB'])).toBe('en');
    expect(resolveLocale(null, ['fr-FR', 'ko-KR'])).toBe('ko');
  });
  it('falls back to English for other languages', () => {
    expect(resolveLocale(null, ['fr-FR'])).toBe('en');
    expect(resolveLocale(null, [])).toBe('en');
  });
});

describe('t()', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
    expect(translate('en', 'share.preview', { brand: 'Acme' })).toBe('Exactly what Acme will receive');
    expect(translate('ko', 'lock.autoLocked', { minutes: 5 })).toContain('5분');
  });
  it('follows the locale store', () => {
    locale.set('ko');
    expect(get(t)('nav.profile')).toBe('내 정보');
    locale.set('en');
    expect(get(t)('nav.profile')).toBe('Profile');
  });
  it('maybeTranslate says undefined for unknown keys', () => {
    expect(maybeTranslate('en', 'action.something.new')).toBeUndefined();
    expect(maybeTranslate('ko', 'action.grant.issued')).toBe('정보 제공');
  });
});
