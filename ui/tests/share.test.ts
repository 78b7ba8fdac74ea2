import { describe, expect, it } from 'vitest';
import {
  DPV_PURPOSES,
  channelList,
  emptyShareForm,
  expiryValue,
  lastDay,
  prettyClaims,
  requestKey,
  shareProblems,
  toGrantRequest,
  type ShareForm,
} from '../src/lib/share';
import { en } from '../src/lib/i18n/en';
import { ko } from '../src/lib/i18n/ko';

function form(over: Partial<ShareForm> = {}): ShareForm {
  return { ...emptyShareForm('acme'), purpose: 'send a birthday coupon', ...over };
}

describe('share form → GrantRequestDto', () => {
  it('maps a full form exactly', () => {
    const f = form({
      fields: ['email', 'given_name'],
      birthday: true,
      category: 'DirectMarketing',
      channels: { email: 'yes', sms: 'no', phone: '', post: '', push: '', messenger: '' },
      offer: '  10% off  ',
      expiry: '30d',
    });
    expect(toGrantRequest(f, ['given_name', 'family_name', 'email'])).toEqual({
      brand: 'acme',
      fields: ['given_name', 'email'],
      derived: ['birthday'],
      purpose: 'send a birthday coupon',
      purposeCategory: 'DirectMarketing',
      channels: [
        { channel: 'email', allowed: true },
        { channel: 'sms', allowed: false },
      ],
      offer: '10% off',
      expires: '30d',
    });
  });

  it('channels are tri-state: unset channels are left out, order is fixed', () => {
    expect(channelList({ email: '', sms: '', phone: '', post: '', push: '', messenger: '' })).toEqual([]);
    expect(channelList({ messenger: 'yes', email: 'no', sms: '', phone: '', post: 'yes', push: '' })).toEqual([
      { channel: 'email', allowed: false },
      { channel: 'post', allowed: true },
      { channel: 'messenger', allowed: true },
    ]);
  });

  it('derived facts use the core spellings, in a fixed order', () => {
    expect(toGrantRequest(form({ city: true, ageOver18: true, birthday: true })).derived).toEqual([
      'age_over:18',
      'birthday',
      'city',
    ]);
    expect(toGrantRequest(form()).derived).toEqual([]);
  });

  it('expiry: durations, a year as 365 days, or the chosen date', () => {
    expect(expiryValue('30d', '')).toBe('30d');
    expect(expiryValue('90d', '')).toBe('90d');
    expect(expiryValue('1y', '')).toBe('365d');
    expect(expiryValue('date', ' 2027-03-01 ')).toBe('2027-03-01');
    expect(toGrantRequest(form({ expiry: 'date', expiryDate: '2027-03-01' })).expires).toBe('2027-03-01');
  });

  it('empty offer and default category become null', () => {
    const r = toGrantRequest(form({ offer: '   ', category: '' }));
    expect(r.offer).toBeNull();
    expect(r.purposeCategory).toBeNull();
  });

  it('deduplicates fields and sorts them by profile order, unknown names last', () => {
    const r = toGrantRequest(form({ fields: ['custom.x', 'email', 'email', 'address.locality'] }), [
      'email',
      'address.locality',
    ]);
    expect(r.fields).toEqual(['email', 'address.locality', 'custom.x']);
  });

  it('trims the purpose', () => {
    expect(toGrantRequest(form({ purpose: '  to send coupons ' })).purpose).toBe('to send coupons');
  });

  it('the same choices give the same request key whatever the tick order', () => {
    const a = toGrantRequest(form({ fields: ['email', 'name'] }), ['name', 'email']);
    const b = toGrantRequest(form({ fields: ['name', 'email'] }), ['name', 'email']);
    expect(requestKey(a)).toBe(requestKey(b));
  });
});

describe('what must be chosen before a preview', () => {
  it('lists every missing part', () => {
    expect(shareProblems(emptyShareForm())).toEqual(['share.problemBrand', 'share.problemNothing', 'share.problemPurpose']);
  });
  it('a derived fact alone is enough', () => {
    expect(shareProblems(form({ ageOver18: true }))).toEqual([]);
  });
  it('a chosen date must be a date', () => {
    expect(shareProblems(form({ fields: ['email'], expiry: 'date', expiryDate: '' }))).toEqual(['share.problemDate']);
    expect(shareProblems(form({ fields: ['email'], expiry: 'date', expiryDate: '2027-03-01' }))).toEqual([]);
  });
});

describe('purposes', () => {
  it('lists the 17 DPV purposes the core accepts, each worded in both languages', () => {
    expect(DPV_PURPOSES).toHaveLength(17);
    for (const p of DPV_PURPOSES) {
      expect(en[`purpose.${p}` as keyof typeof en]).toBeTruthy();
      expect(ko[`purpose.${p}` as keyof typeof ko]).toBeTruthy();
    }
  });
});

it('pretty-prints claims', () => {
  expect(prettyClaims({ email: 'a@b.c', address: { locality: '중구' } })).toBe(
    '{\n  "email": "a@b.c",\n  "address": {\n    "locality": "중구"\n  }\n}',
  );
});

describe('last day shown next to the expiry', () => {
  const today = new Date(2026, 10, 24);
  it('counts durations from today', () => {
    expect(lastDay('30d', '', today)).toBe('2026-12-24');
    expect(lastDay('90d', '', today)).toBe('2027-02-22');
    expect(lastDay('1y', '', today)).toBe('2027-11-24');
  });
  it('shows a chosen date as is, nothing before one is chosen', () => {
    expect(lastDay('date', '2027-03-01', today)).toBe('2027-03-01');
    expect(lastDay('date', '', today)).toBe('');
  });
});
