import { describe, expect, it } from 'vitest';
import { channelLabel, fieldLabel, groupFields, slugName, sortFields } from '../src/lib/fields';
import type { FieldDto, FieldSpecDto } from '../src/lib/bindings';

const spec = (name: string, group: FieldSpecDto['group']): FieldSpecDto => ({
  name,
  group,
  isList: false,
  descriptionEn: name,
  descriptionKo: name,
  example: '',
  choices: [],
});
const field = (name: string, group: FieldDto['group'], label: string | null = null): FieldDto => ({
  name,
  value: 'v',
  label,
  group,
  updatedAt: 0,
});

describe('field names in words', () => {
  it('fixed fields', () => {
    expect(fieldLabel('email', 'en')).toBe('Email');
    expect(fieldLabel('email', 'ko')).toBe('이메일');
    expect(fieldLabel('address.locality', 'ko')).toBe('시·군·구');
    expect(fieldLabel('family_name', 'ko')).toBe('성');
  });
  it('memberships and custom fields', () => {
    expect(fieldLabel('membership.cj_one', 'en')).toBe('cj_one membership number');
    expect(fieldLabel('membership.cj_one', 'ko')).toBe('cj_one 멤버십 번호');
    expect(fieldLabel('custom.blood_type', 'en')).toBe('blood type');
    expect(fieldLabel('custom.blood_type', 'ko', { 'custom.blood_type': '혈액형' })).toBe('혈액형');
  });
  it('derived facts as released datatypes', () => {
    expect(fieldLabel('age_over_18', 'en')).toBe('Over 18 (yes/no)');
    expect(fieldLabel('age_over_19', 'ko')).toBe('만 19세 이상 여부');
    expect(fieldLabel('birthday', 'ko')).toBe('생일 (연도 제외)');
    expect(fieldLabel('city', 'en')).toBe('City only');
    expect(fieldLabel('something_else', 'en')).toBe('something_else');
  });
  it('channels', () => {
    expect(channelLabel('sms', 'ko')).toBe('문자');
    expect(channelLabel('fax', 'en')).toBe('fax');
  });
});

describe('custom names', () => {
  it('are made into the core spelling where unambiguous', () => {
    expect(slugName('  Blood Type ')).toBe('blood_type');
    expect(slugName('혈액형')).toBe('혈액형');
    expect(slugName('L-Point')).toBe('l-point');
    expect(slugName('a.b')).toBe('a.b'); // left for the core to explain
  });
});

describe('grouping', () => {
  const catalogue = [spec('given_name', 'identity'), spec('email', 'contact'), spec('address.locality', 'address')];
  const fields = [
    field('custom.pet', 'custom', 'Pet'),
    field('email', 'contact'),
    field('membership.cj_one', 'memberships'),
    field('custom.blood_type', 'custom'),
    field('given_name', 'identity'),
  ];
  it('keeps all seven groups in display order, dynamic fields sorted', () => {
    const g = groupFields(catalogue, fields);
    expect(g.map((x) => x.group)).toEqual(['identity', 'contact', 'address', 'preferences', 'sizes', 'memberships', 'custom']);
    expect(g[0]?.specs.map((s) => s.name)).toEqual(['given_name']);
    expect(g[5]?.dynamic.map((f) => f.name)).toEqual(['membership.cj_one']);
    expect(g[6]?.dynamic.map((f) => f.name)).toEqual(['custom.blood_type', 'custom.pet']);
    expect(g[1]?.dynamic).toEqual([]);
  });
  it('sorts dynamic fields by code point, as the core pages them, and leaves catalogue fields to their spec', () => {
    const more = [field('custom.혈액형', 'custom'), field('custom.ba', 'custom'), field('custom.b_a', 'custom'), ...fields];
    const g = groupFields(catalogue, more);
    expect(g[6]?.dynamic.map((f) => f.name)).toEqual(['custom.b_a', 'custom.ba', 'custom.blood_type', 'custom.pet', 'custom.혈액형']);
    expect(g.flatMap((x) => x.dynamic).some((f) => f.name === 'email')).toBe(false);
  });
  it('sorts set fields in catalogue order, then memberships, then custom', () => {
    expect(sortFields(catalogue, fields).map((f) => f.name)).toEqual([
      'given_name',
      'email',
      'membership.cj_one',
      'custom.blood_type',
      'custom.pet',
    ]);
  });
});
