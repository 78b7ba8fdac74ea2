import { describe, expect, it } from 'vitest';
import { actionPlan, actionText, itemKey, reviewText, runAction, type ReviewApi } from '../src/lib/review';
import type { ReviewActionDto, ReviewItemDto, ReviewKindDto } from '../src/lib/bindings';
import { formatCivilDate } from '../src/lib/format';

const item = (kind: ReviewKindDto, params: Record<string, string>, over: Partial<ReviewItemDto> = {}): ReviewItemDto => ({
  kind,
  brand: 'acme',
  brandName: 'Acme Coffee',
  grantId: 'g-1',
  eventId: null,
  at: 1_800_000_000,
  message: `review.${kind}`,
  params: { brand: 'Acme Coffee', date: '2027-01-15', ...params },
  actions: [],
  ...over,
});

/** One item of every kind, with the parameters the core sends for it (docs/review.md). */
const ALL: ReviewItemDto[] = [
  item('erasure_overdue', { days: '3', sent: '2027-01-05', state: 'queued' }),
  item('past_retention', { days: '1', released: 'email, birthdate' }),
  item('expiring', { days: '10', period_days: '90' }),
  item('old_ad_consent', { days: '730', channels: 'kakao, sms' }),
  item('legacy_channels', { channels: 'email' }),
  item('raw_value', { fields: 'birthdate', derived: 'adult_kr' }),
  item('silent_brand', { days: '181', live: '2' }),
];

describe('review sentences', () => {
  it('fill every placeholder of every kind in both languages', () => {
    for (const locale of ['en', 'ko'] as const) {
      for (const it of ALL) {
        const text = reviewText(it, locale);
        expect(text, `${locale} ${it.kind}`).not.toMatch(/\{\w+\}/);
        expect(text).toContain('Acme Coffee');
        // A raw value and an old channel consent have no date to tell: they stand as shared.
        if (it.kind !== 'raw_value' && it.kind !== 'legacy_channels') {
          expect(text).toContain(formatCivilDate(it.kind === 'erasure_overdue' ? '2027-01-05' : '2027-01-15', locale));
        }
      }
    }
  });

  it('name fields, derived facts and channels as the person reads them', () => {
    const raw = item('raw_value', { fields: 'birthdate', derived: 'adult_kr' });
    expect(reviewText(raw, 'en')).toContain('Adult (Korean Youth Protection Act)');
    expect(reviewText(raw, 'ko')).toContain('성인 (청소년보호법 기준)');
    expect(reviewText(raw, 'en')).not.toContain('adult_kr');
    const ads = item('old_ad_consent', { days: '730', channels: 'sms' });
    expect(reviewText(ads, 'en')).toContain('by SMS under');
  });

  it('fall back to a generic sentence for a kind this UI does not know', () => {
    const odd = item('expiring', {}, { message: 'review.from_the_future' });
    expect(reviewText(odd, 'en')).toBe('Something about Acme Coffee needs a look.');
  });
});

describe('review actions', () => {
  const actions: ReviewActionDto[] = [
    { action: 'reissue', grant: 'g-1', periodDays: 90, until: 1_900_000_000 },
    { action: 'narrow', grant: 'g-1', replace: ['birthdate'], with: 'birthday' },
    { action: 'reconfirm', grant: 'g-1' },
    { action: 'stopAds', grant: 'g-1' },
    { action: 'restate', grant: 'g-2' },
    { action: 'revoke', grant: 'g-1' },
    { action: 'erase', grant: 'g-1' },
    { action: 'retry', event: 'e-1' },
    { action: 'revokeBrand', brand: 'acme' },
  ];

  it('ask first exactly for what takes something away', () => {
    const danger = actions.filter((a) => actionPlan(a).danger).map((a) => a.action);
    expect(danger).toEqual(['stopAds', 'revoke', 'erase', 'revokeBrand']);
    // Every action has its command now, narrowing included (`narrow_grant`).
    expect(actionPlan(actions[1]!)).toMatchObject({ available: true, danger: false });
    expect(actions.filter((a) => !actionPlan(a).available)).toEqual([]);
  });

  it('label their buttons with their parameters', () => {
    expect(actionText(actions[0]!, 'en')).toBe('Reissue for 90 more days');
    expect(actionText(actions[0]!, 'ko')).toBe('90일 더 연장');
    expect(actionText(actions[1]!, 'en')).toBe('Share “Birthday (no year)” instead');
  });

  it('call the command each one names, then send what the brand must hear', async () => {
    const calls: string[] = [];
    const api: ReviewApi = {
      reissueGrant: async (id, at) => calls.push(`reissue ${id} ${at}`),
      reviewAdConsent: async (id, keep) => calls.push(`ads ${id} ${keep}`),
      narrowGrant: async (id, n) => calls.push(`narrow ${id} ${n.replace.join('+')}=${n.with} drop ${n.drop.length}`),
      revokeGrant: async (id) => calls.push(`revoke ${id}`),
      eraseGrant: async (id) => calls.push(`erase ${id}`),
      revokeBrand: async (id) => calls.push(`revokeBrand ${id}`),
      outboxRetry: async () => calls.push('retry'),
    };
    for (const a of actions.filter((x) => actionPlan(x).available)) await runAction(api, a);
    expect(calls).toEqual([
      'reissue g-1 1900000000',
      'retry',
      'narrow g-1 birthdate=birthday drop 0',
      'retry',
      'ads g-1 true',
      'retry',
      'ads g-1 false',
      'retry',
      'ads g-2 true',
      'retry',
      'revoke g-1',
      'retry',
      'erase g-1',
      'retry',
      'retry',
      'revokeBrand acme',
      'retry',
    ]);
    // A refused narrowing (e.g. the grant was revoked meanwhile) reaches the screen, and
    // nothing is sent.
    calls.length = 0;
    const refusing: ReviewApi = { ...api, narrowGrant: async () => Promise.reject(new Error('not active')) };
    await expect(runAction(refusing, actions[1]!)).rejects.toThrow('not active');
    expect(calls).toEqual([]);
  });

  it('give each item a stable key', () => {
    const keys = ALL.map(itemKey);
    expect(new Set(keys).size).toBe(ALL.length);
    expect(itemKey(ALL[0]!)).toBe(itemKey({ ...ALL[0]!, params: { days: '4' } }));
    // One grant, two raw values: two keys.
    const city = item('raw_value', { fields: 'address.street_address', derived: 'city' });
    expect(itemKey(city)).not.toBe(itemKey(ALL.find((x) => x.kind === 'raw_value')!));
  });
});
