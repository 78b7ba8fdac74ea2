import { describe, expect, it } from 'vitest';
import {
  claimFate,
  claimLines,
  claimValues,
  cleanLink,
  connectErrorText,
  daysLeft,
  deliveryBadge,
  fitChoices,
  initialChoices,
  missingRequired,
  toggled,
  waitingByBrand,
  REISSUE_PERIODS,
  canAskErase,
  canReissue,
  reissueExpiry,
} from '../src/lib/connect';
import type { AskedClaimDto, ConnectPlanDto, ConnectRequestDto, OutboxItemDto } from '../src/lib/bindings';
import { translate } from '../src/lib/i18n';

const claim = (id: string, over: Partial<AskedClaimDto> = {}): AskedClaimDto => ({
  id,
  path: id,
  required: false,
  purpose: { ko: '목적', en: 'purpose' },
  available: true,
  derivedFact: null,
  value: { [id]: 'v' },
  suggestion: null,
  suggestedValue: null,
  ...over,
});

const request = (claims: AskedClaimDto[]): ConnectRequestDto => ({
  handle: 'h',
  origin: 'https://cafe.example',
  name: { ko: '카페', en: 'Café' },
  knownBrand: false,
  claims,
  purposeCategory: 'ServicePersonalisation',
  retention: 'P1Y',
  retentionUntil: null,
  channels: [
    { channel: 'email', advertising: false },
    { channel: 'sms', advertising: true },
  ],
  offer: { ko: '', en: '' },
  refusal: { ko: '', en: '' },
  expiresAt: 0,
});

const item = (over: Partial<OutboxItemDto> = {}): OutboxItemDto => ({
  id: 'e1',
  grantId: 'g1',
  brand: 'https://cafe.example',
  kind: 'revoked',
  state: 'queued',
  pending: true,
  attempts: 0,
  createdAt: 1000,
  requestedAt: 1000,
  nextAt: null,
  sentAt: null,
  error: null,
  expectsReceipt: true,
  receipt: null,
  receiptAt: null,
  deadline: 1000 + 10 * 86400,
  overdue: false,
  ...over,
});

describe('connect choices', () => {
  it('start with nothing optional and no advertising', () => {
    expect(initialChoices()).toEqual({ accept: [], derived: [], adChannels: [], nightAds: false });
  });

  it('toggle without duplicates', () => {
    expect(toggled(['a'], 'b', true)).toEqual(['a', 'b']);
    expect(toggled(['a', 'b'], 'a', true)).toEqual(['b', 'a']);
    expect(toggled(['a', 'b'], 'a', false)).toEqual(['b']);
  });

  it('never send a choice the request does not ask for', () => {
    const req = request([claim('email', { required: true }), claim('birthdate', { suggestion: 'birthday' })]);
    const fitted = fitChoices(req, {
      accept: ['email', 'birthdate', 'phone_number'],
      derived: ['birthdate', 'email'],
      adChannels: ['sms', 'email', 'push'],
      nightAds: true,
    });
    expect(fitted).toEqual({ accept: ['birthdate'], derived: ['birthdate'], adChannels: ['sms'], nightAds: true });
  });

  it('send night-time advertising only beside some advertising', () => {
    const req = request([claim('email', { required: true })]);
    // The request asks ads by SMS; the person said yes to night-time ads but to no ad channel.
    expect(fitChoices(req, { ...initialChoices(), nightAds: true }).nightAds).toBe(false);
    expect(fitChoices(req, { ...initialChoices(), adChannels: ['push'], nightAds: true }).nightAds).toBe(false);
    expect(fitChoices(req, { ...initialChoices(), adChannels: ['sms'], nightAds: true }).nightAds).toBe(true);
    expect(fitChoices(req, { ...initialChoices(), adChannels: ['sms'] }).nightAds).toBe(false);
  });

  it('name the required claims the profile lacks', () => {
    const req = request([claim('email', { required: true, available: false }), claim('phone', { available: false })]);
    expect(missingRequired(req).map((c) => c.id)).toEqual(['email']);
  });
});

describe('what each claim does', () => {
  const plan: ConnectPlanDto = { sending: ['email', 'birthdate'], derived: ['birthdate'], claims: {}, summary: {} };
  it('follows the plan', () => {
    expect(claimFate(claim('email', { required: true }), plan)).toBe('sent');
    expect(claimFate(claim('birthdate'), plan)).toBe('sentDerived');
    expect(claimFate(claim('city'), plan)).toBe('kept');
    expect(claimFate(claim('phone', { available: false }), plan)).toBe('missing');
  });
  it('before a plan, only required claims count as sent', () => {
    expect(claimFate(claim('email', { required: true }), null)).toBe('sent');
    expect(claimFate(claim('city'), null)).toBe('kept');
  });
});

describe('claim lines', () => {
  it('flatten objects one level, in order', () => {
    expect(claimLines({ email: 'a@b.kr', address: { locality: '서울', country: 'KR' }, age_over_19: true })).toEqual([
      'email: a@b.kr',
      'address.locality: 서울',
      'address.country: KR',
      'age_over_19: true',
    ]);
  });
});

describe('claim values', () => {
  it('keep only the values, a URL value whole', () => {
    expect(claimValues({ address: { locality: '중구', region: '서울특별시' } })).toBe('중구 · 서울특별시');
    expect(claimValues({ website: 'https://a.example: 1' })).toBe('https://a.example: 1');
  });
});

describe('links', () => {
  it('are trimmed and unwrapped', () => {
    expect(cleanLink('  <vouchsafe://connect?request_uri=x>  ')).toBe('vouchsafe://connect?request_uri=x');
    expect(cleanLink('"https://a.example/r/1"')).toBe('https://a.example/r/1');
  });
});

describe('connect errors', () => {
  const t = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', k, p);
  it('speak of the brand, not a file, when it cannot be reached, and always show the reason', () => {
    const e = connectErrorText(t, { kind: 'io', message: 'http://127.0.0.1:9/r: connection refused' });
    expect(e.text).toBe(translate('en', 'connect.unreachable'));
    expect(e.detail).toBe('http://127.0.0.1:9/r: connection refused');
    const r = connectErrorText(t, { kind: 'invalid_input', message: 'refusing the request from x: it expired' });
    expect(r.detail).toContain('expired');
  });
});

describe('delivery badges', () => {
  it('put an overdue erasure first', () => {
    expect(deliveryBadge(item({ overdue: true, state: 'sent' }))).toBe('overdue');
    expect(deliveryBadge(item({ state: 'acknowledged', receipt: 'jwt', pending: false }))).toBe('receipt');
    expect(deliveryBadge(item({ state: 'sent' }))).toBe('delivered');
    expect(deliveryBadge(item({ state: 'refused', pending: false }))).toBe('refused');
    expect(deliveryBadge(item({ state: 'given_up', pending: false }))).toBe('givenUp');
    expect(deliveryBadge(item())).toBe('waiting');
  });

  it('count the days left until the deadline', () => {
    expect(daysLeft(item(), 1000)).toBe(10);
    expect(daysLeft(item(), 1000 + 9.5 * 86400)).toBe(1);
    expect(daysLeft(item(), 1000 + 20 * 86400)).toBe(0);
    expect(daysLeft(item({ receipt: 'jwt' }), 1000)).toBeNull();
    expect(daysLeft(item({ deadline: null }), 1000)).toBeNull();
  });

  it('group what still waits by brand', () => {
    const w = waitingByBrand([
      item({ id: '1' }),
      item({ id: '2', brand: 'https://b.example' }),
      item({ id: '3', pending: false, state: 'acknowledged' }),
    ]);
    expect([...w.keys()]).toEqual(['https://cafe.example', 'https://b.example']);
    expect(w.get('https://cafe.example')?.map((i) => i.id)).toEqual(['1']);
  });
});

describe('reissue and erasure', () => {
  it('keeps the end date or counts a new period from today', () => {
    expect(reissueExpiry('keep', 1_000.7)).toBeNull();
    expect(reissueExpiry('30', 1_000.7)).toBe(1_000 + 30 * 86_400);
    expect(reissueExpiry('365', 0)).toBe(365 * 86_400);
    expect(REISSUE_PERIODS[0]).toBe('keep');
  });

  it('reissues only an active grant', () => {
    expect(canReissue({ state: 'active' })).toBe(true);
    expect(canReissue({ state: 'revoked' })).toBe(false);
    expect(canReissue({ state: 'expired' })).toBe(false);
  });

  it('asks to erase only where there is an inbox to ask', () => {
    expect(canAskErase({ connected: true })).toBe(true);
    expect(canAskErase({ connected: false })).toBe(false);
    expect(canAskErase(undefined)).toBe(false);
  });

  it('shows a queued grant delivery as waiting, with no erasure deadline', () => {
    const g = item({ kind: 'grant_delivery', deadline: null, attempts: 2 });
    expect(deliveryBadge(g)).toBe('waiting');
    expect(daysLeft(g, 0)).toBeNull();
    expect(translate('en', 'delivery.event.grant_delivery')).toBe('The grant itself');
  });
});
