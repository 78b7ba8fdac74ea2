import { describe, expect, it } from 'vitest';
import { translate } from '../src/lib/i18n';
import {
  crackBucket,
  displayPhone,
  formatAddress,
  formatCivilDate,
  formatDate,
  formatDateTime,
  formatNumber,
  formatRelative,
  groupKoreanNational,
  intlTag,
  localYmd,
  strengthWords,
} from '../src/lib/format';

// 2026-11-24 15:05 in Seoul.
const AT = Date.UTC(2026, 10, 24, 6, 5) / 1000;

describe('dates and times', () => {
  it('uses ko-KR and en-GB', () => {
    expect(intlTag('ko')).toBe('ko-KR');
    expect(intlTag('en')).toBe('en-GB');
  });
  it('formats a date-time in Korean order', () => {
    const s = formatDateTime(AT, 'ko', { timeZone: 'Asia/Seoul' });
    expect(s).toMatch(/^2026년 11월 24일/);
    expect(s).toContain('3:05');
  });
  it('formats a date-time day-first with a 24-hour clock in English', () => {
    expect(formatDateTime(AT, 'en', { timeZone: 'Asia/Seoul' })).toBe('24 Nov 2026, 15:05');
  });
  it('honours the time zone', () => {
    expect(formatDate(AT, 'en', { timeZone: 'UTC' })).toBe('24 Nov 2026');
    expect(formatDate(Date.UTC(2026, 10, 24, 20, 0) / 1000, 'en', { timeZone: 'Asia/Seoul' })).toBe('25 Nov 2026');
    expect(formatDate(AT, 'ko', { timeZone: 'Asia/Seoul' })).toBe('2026년 11월 24일');
  });
  it('shows a calendar date without shifting it', () => {
    expect(formatCivilDate('2027-03-01', 'ko')).toBe('2027년 3월 1일');
    expect(formatCivilDate('2027-03-01', 'en')).toBe('1 Mar 2027');
    expect(formatCivilDate('soon', 'en')).toBe('soon');
  });
  it('formats relative times', () => {
    expect(formatRelative(1000 + 3 * 86400, 'en', 1000)).toBe('in 3 days');
    expect(formatRelative(1000 + 3 * 86400, 'ko', 1000)).toBe('3일 후');
    expect(formatRelative(1000 - 2 * 3600, 'en', 1000)).toBe('2 hours ago');
  });
  it('gives local YYYY-MM-DD', () => {
    expect(localYmd(0, new Date(2026, 0, 31))).toBe('2026-01-31');
    expect(localYmd(1, new Date(2026, 0, 31))).toBe('2026-02-01');
  });
});

describe('numbers', () => {
  it('groups digits', () => {
    expect(formatNumber(1234567, 'ko')).toBe('1,234,567');
    expect(formatNumber(1234567, 'en')).toBe('1,234,567');
    expect(formatNumber(12, 'en')).toBe('12');
  });
});

describe('addresses', () => {
  const seoul = {
    street_address: '세종대로 110',
    locality: '중구',
    region: '서울특별시',
    postal_code: '04524',
    country: 'KR',
  };
  it('Korean order for ko: region → locality → street, country omitted for Korea', () => {
    expect(formatAddress(seoul, 'ko')).toBe('서울특별시 중구 세종대로 110 (04524)');
  });
  it('Western order for en', () => {
    expect(formatAddress(seoul, 'en')).toBe('세종대로 110, 중구, 서울특별시 04524, South Korea');
  });
  it('skips missing parts', () => {
    expect(formatAddress({ locality: '중구', region: '서울특별시' }, 'ko')).toBe('서울특별시 중구');
    expect(formatAddress({ locality: 'Jung-gu', region: 'Seoul' }, 'en')).toBe('Jung-gu, Seoul');
    expect(formatAddress({}, 'en')).toBe('');
  });
  it('names a foreign country in the UI language', () => {
    expect(formatAddress({ locality: 'Paris', country: 'FR' }, 'ko')).toBe('Paris, 프랑스');
  });
});

describe('phone numbers', () => {
  it('shows Korean mobiles nationally for ko', () => {
    expect(displayPhone('+821012345678', 'ko')).toBe('010-1234-5678');
    expect(displayPhone('+82111234567', 'ko')).toBe('011-123-4567');
  });
  it('shows them internationally for en', () => {
    expect(displayPhone('+821012345678', 'en')).toBe('+82 10-1234-5678');
    expect(displayPhone('+8221234567', 'en')).toBe('+82 2-123-4567');
  });
  it('groups Seoul, area, internet and 050x numbers', () => {
    expect(displayPhone('+8221234567', 'ko')).toBe('02-123-4567');
    expect(displayPhone('+82212345678', 'ko')).toBe('02-1234-5678');
    expect(displayPhone('+825112345678', 'ko')).toBe('051-1234-5678');
    expect(displayPhone('+827012345678', 'ko')).toBe('070-1234-5678');
    expect(displayPhone('+825051234567', 'ko')).toBe('0505-123-4567');
  });
  it('shows nationwide numbers without a trunk 0', () => {
    expect(displayPhone('+8215881234', 'ko')).toBe('1588-1234');
    expect(displayPhone('+8215881234', 'en')).toBe('+82 1588-1234');
  });
  it('leaves other countries and odd input alone', () => {
    expect(displayPhone('+14155552671', 'ko')).toBe('+14155552671');
    expect(displayPhone('not a number', 'en')).toBe('not a number');
    expect(groupKoreanNational('0101234')).toBe('010-1234');
  });
});

describe('passphrase strength in words', () => {
  it('buckets crack times', () => {
    expect(crackBucket(0.2)).toBe('instant');
    expect(crackBucket(30)).toBe('seconds');
    expect(crackBucket(600)).toBe('minutes');
    expect(crackBucket(7200)).toBe('hours');
    expect(crackBucket(5 * 86400)).toBe('days');
    expect(crackBucket(90 * 86400)).toBe('months');
    expect(crackBucket(5 * 365 * 86400)).toBe('years');
    expect(crackBucket(1e12)).toBe('centuries');
    expect(crackBucket(Infinity)).toBe('centuries');
  });
  it('reads like the product copy', () => {
    expect(strengthWords((k, p) => translate('ko', k, p), 1, 600)).toBe('약함 — 수 분 안에 추측될 수 있음');
    expect(strengthWords((k, p) => translate('en', k, p), 1, 600)).toBe('weak — could be guessed in minutes');
    expect(strengthWords((k, p) => translate('en', k, p), 4, 1e12)).toBe('very strong — would take centuries to guess');
  });
  it('clamps odd scores', () => {
    expect(strengthWords((k, p) => translate('en', k, p), 9, 0)).toBe('very strong — could be guessed instantly');
    expect(strengthWords((k, p) => translate('en', k, p), -1, 0)).toBe('very weak — could be guessed instantly');
  });
});
