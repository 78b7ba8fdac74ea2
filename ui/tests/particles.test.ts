import { describe, expect, it } from 'vitest';
import { interpolate, translate } from '../src/lib/i18n';
import { particle } from '../src/lib/i18n/particles';

describe('Korean particles after a filled-in value', () => {
  it('follows the final consonant of a Hangul word', () => {
    expect(particle('동네 카페', '이(가)')).toBe('가');
    expect(particle('빵집', '이(가)')).toBe('이');
    expect(particle('생년월일', '을(를)')).toBe('을');
    expect(particle('이메일 주소', '을(를)')).toBe('를');
    expect(particle('카페', '은(는)')).toBe('는');
    expect(particle('빵집', '은(는)')).toBe('은');
    expect(particle('카페', '와(과)')).toBe('와');
    expect(particle('빵집', '와(과)')).toBe('과');
  });

  it('(으)로: 로 after a vowel or ㄹ, 으로 after any other final consonant', () => {
    expect(particle('이메일', '(으)로')).toBe('로');
    expect(particle('카카오톡', '(으)로')).toBe('으로');
    expect(particle('문자', '(으)로')).toBe('로');
  });

  it('reads past a trailing parenthetical', () => {
    expect(particle('성인 (청소년보호법 기준)', '(으)로')).toBe('으로');
    expect(particle('생일(연도 제외)', '을(를)')).toBe('을');
  });

  it('keeps the neutral form after anything but Hangul', () => {
    expect(particle('Bori Bakery', '은(는)')).toBe('은(는)');
    expect(particle('2026', '이(가)')).toBe('이(가)');
    expect(particle('', '을(를)')).toBe('을(를)');
  });

  it('is applied where a template puts it after a placeholder, also past a closing quote', () => {
    expect(interpolate('{brand}이(가) {fields}을(를) 받고 있지만 “{derived}”(으)로 충분합니다.', {
      brand: '동네 카페',
      fields: '생년월일',
      derived: '성인 (청소년보호법 기준)',
    })).toBe('동네 카페가 생년월일을 받고 있지만 “성인 (청소년보호법 기준)”으로 충분합니다.');
    expect(translate('ko', 'brands.removeTitle', { brand: 'Acme' })).toBe('Acme을(를) 삭제할까요?');
    expect(translate('ko', 'brands.removeTitle', { brand: '동네 카페' })).toBe('동네 카페를 삭제할까요?');
  });

  it('leaves English and fixed text alone', () => {
    expect(translate('en', 'brands.removeTitle', { brand: '동네 카페' })).not.toMatch(/를|을\(를\)/);
    expect(interpolate('값(으)로', {})).toBe('값(으)로');
  });
});
