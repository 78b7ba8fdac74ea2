import { describe, expect, it } from 'vitest';
import { fieldLabel } from '../src/lib/fields';

// The Korean year-of-birth adult fact (docs/grant-token.md, `adult_kr`) in both languages.
describe('adult_kr label', () => {
  it('names the law it follows', () => {
    expect(fieldLabel('adult_kr', 'ko')).toBe('성인 (청소년보호법 기준)');
    expect(fieldLabel('adult_kr', 'en')).toBe('Adult (Korean Youth Protection Act)');
  });
});
