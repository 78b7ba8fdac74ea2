import { describe, expect, it } from 'vitest';
import { actionLabel, chainView, detailText, newestFirst, subjectLabel } from '../src/lib/activity';
import { translate } from '../src/lib/i18n';
import { dpvLocalName, readReceipt } from '../src/lib/receipt';
import { parseAutoLock } from '../src/lib/settings';

const tEn = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', k, p);
const tKo = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('ko', k, p);

describe('consent receipt', () => {
  const claims = {
    jti: 'g1',
    consentReceiptID: 'g1',
    jurisdiction: 'KR',
    consentTimestamp: 1_800_000_000,
    piiControllers: [{ piiController: 'Acme Coffee', contact: 'acme', url: 'https://acme.example' }],
    services: [
      {
        service: 'Release of chosen profile data',
        purposes: [
          {
            purpose: 'send a birthday coupon',
            purposeCategory: ['https://w3id.org/dpv#DirectMarketing'],
            piiCategory: ['email', 'birthday'],
          },
        ],
      },
    ],
    events: [
      { event: 'given', at: '2027-01-15T08:00:00Z', timestamp: 1_800_000_000 },
      { event: 'withdrawn', at: '2027-01-16T08:00:00Z', timestamp: 1_800_086_400 },
    ],
    summary: 'Acme Coffee gets your email…',
  };
  it('reads the parts a person needs', () => {
    expect(readReceipt(claims)).toEqual({
      id: 'g1',
      controller: 'Acme Coffee',
      controllerUrl: 'https://acme.example',
      purpose: 'send a birthday coupon',
      category: 'DirectMarketing',
      data: ['email', 'birthday'],
      consentAt: 1_800_000_000,
      jurisdiction: 'KR',
      events: [
        { event: 'given', at: 1_800_000_000 },
        { event: 'withdrawn', at: 1_800_086_400 },
      ],
      summary: 'Acme Coffee gets your email…',
    });
  });
  it('survives a malformed receipt', () => {
    const v = readReceipt({ services: 'nope', piiControllers: [null] });
    expect(v.controller).toBe('');
    expect(v.data).toEqual([]);
    expect(v.consentAt).toBeNull();
  });
  it('DPV IRIs to local names', () => {
    expect(dpvLocalName('https://w3id.org/dpv#AgeVerification')).toBe('AgeVerification');
    expect(dpvLocalName('dpv:Marketing')).toBe('Marketing');
    expect(dpvLocalName('Marketing')).toBe('Marketing');
  });
});

describe('activity', () => {
  it('localises action names and keeps unknown ones', () => {
    expect(actionLabel('grant.issued', 'ko')).toBe('정보 제공');
    expect(actionLabel('field.set', 'en')).toBe('Field saved');
    expect(actionLabel('vault.unicorn', 'en')).toBe('vault.unicorn');
  });
  it('names subjects in words', () => {
    const e = { seq: 1, at: 0, action: 'field.set', subject: 'phone_number', detail: '', key: 'field.set', params: {} };
    expect(subjectLabel(e, 'ko')).toBe('전화번호');
    const g = { ...e, action: 'grant.revoked', subject: '0123456789abcdef0123' };
    expect(subjectLabel(g, 'en')).toBe('0123456789ab…');
  });
  it('words the chain state', () => {
    expect(chainView({ state: 'intact', entries: 1234 }, tEn, 'en')).toEqual({
      ok: true,
      text: '✓ Intact — all 1,234 entries check out.',
      reason: null,
    });
    expect(chainView({ state: 'intact', entries: 0 }, tKo, 'ko').text).toBe('✓ 온전함 — 아직 기록이 없습니다.');
    const broken = chainView({ state: 'broken', atSeq: 7, reason: 'entry 7 does not open' }, tKo, 'ko');
    expect(broken.ok).toBe(false);
    expect(broken.text).toContain('7번 항목에서 끊어짐');
    expect(broken.reason).toBe('원인: entry 7 does not open');
  });
  it('words the detail from the message key and its parameters, in either language', () => {
    const issued = {
      seq: 2, at: 0, action: 'grant.issued', subject: 'g1', detail: 'to acme: email, age_over_18',
      key: 'grant.issued', params: { brand: 'acme', fields: 'email,phone_number' },
    };
    expect(detailText(issued, 'en')).toBe('To acme: Email, Phone');
    expect(detailText(issued, 'ko')).toBe('acme에 제공: 이메일, 전화번호');
    const all = { ...issued, action: 'grant.revoked', key: 'grant.revoked', params: { brand: 'acme', all: 'true' } };
    expect(detailText(all, 'ko')).toBe('acme의 모든 제공을 철회');
    expect(detailText({ ...all, params: { brand: 'acme' } }, 'en')).toBe('From acme');
    // A key with parameters but no sentence adds nothing; an old entry keeps its English phrase.
    expect(detailText({ ...issued, key: 'field.set', params: { field: 'email' } }, 'en')).toBeNull();
    expect(detailText({ ...issued, params: {} }, 'ko')).toBe('to acme: email, age_over_18');
  });
  it('lists newest first', () => {
    const mk = (seq: number) => ({ seq, at: seq, action: 'x', subject: '', detail: '', key: 'x', params: {} });
    expect(newestFirst([mk(1), mk(3), mk(2)]).map((e) => e.seq)).toEqual([3, 2, 1]);
  });
});

describe('auto-lock minutes', () => {
  it('accepts whole minutes from 1 to 240', () => {
    expect(parseAutoLock('1')).toBe(1);
    expect(parseAutoLock(240)).toBe(240);
    expect(parseAutoLock(' 15 ')).toBe(15);
  });
  it('refuses everything else', () => {
    for (const bad of ['0', '241', '-5', '1.5', '', 'ten', null, undefined]) expect(parseAutoLock(bad)).toBeNull();
  });
});
