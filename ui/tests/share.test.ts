import { describe, expect, it } from 'vitest';
import {
  DPV_PURPOSES,
  anyAdAllowed,
  channelList,
  channelSummary,
  emptyChannels,
  emptyShareForm,
  gridOf,
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
import { translate } from '../src/lib/i18n';
import type { GrantChannelsDto } from '../src/lib/bindings';

function form(over: Partial<ShareForm> = {}): ShareForm {
  return { ...emptyShareForm('acme'), purpose: 'send a birthday coupon', ...over };
}

describe('share form → GrantRequestDto', () => {
  it('maps a full form exactly', () => {
    const f = form({
      fields: ['email', 'given_name'],
      birthday: true,
      category: 'DirectMarketing',
      channels: { ...emptyChannels(), email: { info: 'yes', ad: 'yes' }, sms: { info: '', ad: 'no' } },
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
        { channel: 'email', kind: 'info', allowed: true },
        { channel: 'email', kind: 'ad', allowed: true },
        { channel: 'sms', kind: 'ad', allowed: false },
      ],
      nightAds: false,
      offer: '10% off',
      expires: '30d',
    });
  });

  it('channels are channel × kind, tri-state: unset cells are left out, order is fixed', () => {
    expect(channelList(emptyChannels())).toEqual([]);
    expect(
      channelList({
        ...emptyChannels(),
        post: { info: '', ad: 'yes' },
        kakao: { info: 'yes', ad: 'no' },
        email: { info: 'no', ad: '' },
      }),
    ).toEqual([
      { channel: 'email', kind: 'info', allowed: false },
      { channel: 'kakao', kind: 'info', allowed: true },
      { channel: 'kakao', kind: 'ad', allowed: false },
      { channel: 'post', kind: 'ad', allowed: true },
    ]);
  });

  it('night-time ads need some advertising allowed', () => {
    const noAds = form({ fields: ['email'], nightAds: true, channels: { ...emptyChannels(), email: { info: 'yes', ad: 'no' } } });
    expect(anyAdAllowed(noAds.channels)).toBe(false);
    expect(shareProblems(noAds)).toEqual(['share.problemNightAds']);
    const ads = form({ fields: ['email'], nightAds: true, channels: { ...emptyChannels(), kakao: { info: '', ad: 'yes' } } });
    expect(shareProblems(ads)).toEqual([]);
    expect(toGrantRequest(ads).nightAds).toBe(true);
    expect(toGrantRequest(form()).nightAds).toBe(false);
  });

  it("a grant's consents come back as the grid, custom channels left out", () => {
    const g: GrantChannelsDto = {
      consents: [
        { channel: 'email', kind: 'info', allowed: true, givenAt: 1 },
        { channel: 'sms', kind: 'ad', allowed: false, givenAt: 1 },
        { channel: 'custom.line', kind: 'info', allowed: true, givenAt: 1 },
      ],
      nightAds: false,
      legacy: false,
    };
    const { channels, nightAds } = gridOf(g);
    expect(nightAds).toBe(false);
    expect(channelList(channels)).toEqual([
      { channel: 'email', kind: 'info', allowed: true },
      { channel: 'sms', kind: 'ad', allowed: false },
    ]);
  });

  it('derived facts use the core spellings, in a fixed order', () => {
    expect(toGrantRequest(form({ city: true, ageOver18: true, birthday: true })).derived).toEqual([
      'age_over:18',
      'birthday',
      'city',
    ]);
    expect(toGrantRequest(form()).derived).toEqual([]);
    // Korean adulthood by year of birth comes first, beside the full-age fact.
    expect(toGrantRequest(form({ adultKr: true, ageOver18: true })).derived).toEqual(['adult_kr', 'age_over:18']);
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
    expect(shareProblems(form({ adultKr: true }))).toEqual([]);
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

describe("a grant's channel consent in one line", () => {
  const g: GrantChannelsDto = {
    consents: [
      { channel: 'email', kind: 'info', allowed: true, givenAt: 1 },
      { channel: 'email', kind: 'ad', allowed: true, givenAt: 1 },
      { channel: 'kakao', kind: 'ad', allowed: true, givenAt: 1 },
      { channel: 'sms', kind: 'ad', allowed: false, givenAt: 1 },
    ],
    nightAds: false,
    legacy: false,
  };
  const line = (c: GrantChannelsDto, l: 'en' | 'ko') =>
    channelSummary(
      c,
      (ch) => translate(l, `channel.${ch}` as Parameters<typeof translate>[1]),
      (k, p) => translate(l, k, p),
    );
  it('in English and Korean', () => {
    expect(line(g, 'en')).toBe('Notices: Email · Ads: Email, KakaoTalk');
    expect(line(g, 'ko')).toBe('안내: 이메일 · 광고: 이메일, 카카오톡');
    expect(line({ ...g, nightAds: true }, 'en')).toBe('Notices: Email · Ads: Email, KakaoTalk · ads at night too');
    expect(line({ ...g, nightAds: true }, 'ko')).toBe('안내: 이메일 · 광고: 이메일, 카카오톡 · 야간 광고 수신');
  });
  it('says when consent was given before ads were asked apart', () => {
    const old: GrantChannelsDto = {
      consents: [{ channel: 'email', kind: 'info', allowed: true, givenAt: 1 }],
      nightAds: false,
      legacy: true,
    };
    expect(line(old, 'en')).toBe('Notices: Email · given before ads were asked apart: notices only');
    expect(line(old, 'ko')).toBe('안내: 이메일 · 광고를 따로 묻기 전의 동의: 안내만');
  });
});
