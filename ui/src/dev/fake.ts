// DEV/SCREENSHOT ONLY. An in-memory stand-in for the Rust commands so screens can be looked at in a
// plain browser. Loaded only when the build sets VITE_VOUCHSAFE_FAKE=1 (see main.ts); production
// builds do not contain this file. Query: ?state=fresh|locked|auto|unlocked&screen=share&lang=ko|en
import { mockIPC } from '@tauri-apps/api/mocks';
import { LOCK_FREE_COMMANDS, type CommandName } from '../lib/bindings';
import type {
  IntegrityReport,
  AppStatus,
  AuditEntryDto,
  BrandDto,
  FieldDto,
  FieldSpecDto,
  GrantDto,
  GrantRequestDto,
  SettingsDto,
} from '../lib/bindings';
import { screen, type Screen } from '../lib/session';

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const now = () => Math.floor(Date.now() / 1000);
const DAY = 86400;

const CATALOGUE: FieldSpecDto[] = [
  ['family_name', 'identity', 'Family name (surname)', '성', '김'],
  ['given_name', 'identity', 'Given name (first name)', '이름 (성 제외)', '민준'],
  ['middle_name', 'identity', 'Middle name, if you have one', '중간 이름 (있는 경우)', 'Marie'],
  ['name', 'identity', 'Full name as you want it shown', '표시할 전체 이름', '김민준'],
  ['nickname', 'identity', 'Nickname or casual name', '별명', '준이'],
  ['birthdate', 'identity', 'Date of birth (YYYY-MM-DD)', '생년월일 (YYYY-MM-DD)', '1990-05-17'],
  ['gender', 'identity', 'Gender, in your own words', '성별 (자유롭게 입력)', 'female'],
  ['email', 'contact', 'Email address', '이메일 주소', 'minjun@example.com'],
  ['phone_number', 'contact', 'Phone number (stored in international format)', '전화번호 (국제 형식으로 저장)', '010-1234-5678'],
  ['contact_channels', 'contact', 'Channels you are happy to be contacted on', '연락받고 싶은 방법', 'email, sms'],
  ['address.street_address', 'address', 'Street address: road name, building number, unit', '도로명 주소 (도로명, 건물번호, 동·호수)', '세종대로 110'],
  ['address.locality', 'address', 'City or district', '시·군·구', '중구'],
  ['address.region', 'address', 'Province, state or metropolitan city', '시·도', '서울특별시'],
  ['address.postal_code', 'address', 'Postal code', '우편번호', '04524'],
  ['address.country', 'address', 'Country (two-letter ISO code)', '국가 (ISO 두 글자 코드)', 'KR'],
  ['address.formatted', 'address', 'Full address as written on mail', '우편물에 쓰는 전체 주소', '서울특별시 중구 세종대로 110 (04524)'],
  ['locale', 'preferences', 'Preferred language (e.g. ko-KR)', '선호 언어 (예: ko-KR)', 'ko-KR'],
  ['zoneinfo', 'preferences', 'Time zone', '시간대', 'Asia/Seoul'],
  ['interests', 'preferences', 'Interests, separated by commas', '관심사 (쉼표로 구분)', '캠핑, 커피, 재즈'],
  ['dietary_preferences', 'preferences', 'Dietary preferences and allergies, separated by commas', '식단 선호 및 알레르기 (쉼표로 구분)', '채식, 땅콩 알레르기'],
  ['clothing_size', 'sizes', 'Clothing size', '옷 사이즈', '95 (M)'],
  ['shoe_size', 'sizes', 'Shoe size', '신발 사이즈', '265'],
].map(([name, group, en, ko, example]) => ({
  name: name as string,
  group: group as FieldSpecDto['group'],
  isList: ['interests', 'dietary_preferences', 'contact_channels'].includes(name as string),
  descriptionEn: en as string,
  descriptionKo: ko as string,
  example: example as string,
  choices: name === 'contact_channels' ? ['email', 'sms', 'phone', 'post', 'push', 'messenger'] : [],
}));

function groupOf(name: string): FieldDto['group'] {
  if (name.startsWith('membership.')) return 'memberships';
  if (name.startsWith('custom.')) return 'custom';
  return CATALOGUE.find((c) => c.name === name)?.group ?? 'custom';
}

function field(name: string, value: string, label: string | null = null): FieldDto {
  return { name, value, label, group: groupOf(name), updatedAt: now() - 3 * DAY };
}

function normalise(name: string, value: string): string {
  const v = value.trim();
  if (name === 'email') {
    const at = v.indexOf('@');
    if (at < 0) throw { kind: 'invalid_input', message: `email "${v}" has no "@"` };
    if (at === v.length - 1) throw { kind: 'invalid_input', message: `email "${v}" has no domain after "@"` };
    return v.toLowerCase();
  }
  if (name === 'phone_number') {
    const digits = v.replace(/\D/g, '');
    if (v.startsWith('+')) return `+${digits}`;
    if (digits.startsWith('0')) return `+82${digits.slice(1)}`;
    throw { kind: 'invalid_input', message: `phone number "${v}" has no country code; start with 0 for a Korean number or with + and the country code` };
  }
  if (name === 'birthdate' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    throw { kind: 'invalid_input', message: `birthdate "${v}" is not a date; use YYYY-MM-DD` };
  }
  return v;
}

export function install(q: URLSearchParams): void {
  const state = q.get('state') ?? 'unlocked';
  const lang = q.get('lang');
  const target = q.get('screen');
  if (target) screen.set(target as Screen);

  const status: AppStatus = {
    vaultExists: state !== 'fresh',
    unlocked: state === 'unlocked',
    vaultPath: '/home/minjun/.local/share/vouchsafe/vault.db',
    locale: lang === 'ko' || lang === 'en' ? lang : null,
    autoLockMinutes: 5,
    lockedReason: state === 'auto' ? 'auto' : null,
    integrity: null,
  };
  // ?integrity=tampered shows the warning a vault gets when its check finds problems.
  const report: IntegrityReport = {
    intact: q.get('integrity') !== 'tampered',
    problems:
      q.get('integrity') === 'tampered'
        ? [{ table: 'grants', id: '7f194c12-f6a3-4c70-8d0d-df15d2b99fed', kind: 'altered', detail: 'changed: its state no longer matches its MAC' }]
        : [],
    generation: 12,
    rows: 9,
    auditEntries: 12,
    rollback: null,
  };
  if (status.unlocked) status.integrity = report;
  const settings: SettingsDto = { locale: status.locale, autoLockMinutes: 5, notifications: true };

  const fields: FieldDto[] = q.get('empty')
    ? []
    : [
        field('family_name', '김'),
        field('given_name', '민준'),
        field('name', '김민준'),
        field('birthdate', '1990-05-17'),
        field('email', 'minjun@example.com'),
        field('phone_number', '+821012345678'),
        field('contact_channels', 'email'),
        field('address.street_address', '세종대로 110'),
        field('address.locality', '중구'),
        field('address.region', '서울특별시'),
        field('address.postal_code', '04524'),
        field('address.country', 'KR'),
        field('interests', '캠핑, 커피, 재즈'),
        field('shoe_size', '265'),
        field('membership.cj_one', '1234-5678-9012'),
        field('custom.blood_type', 'A+', '혈액형'),
      ];

  const brands: BrandDto[] = q.get('empty')
    ? []
    : [
        {
          id: 'acme-coffee',
          name: 'Acme Coffee',
          url: 'https://acme-coffee.example',
          issuer: 'did:key:z6MkfAcme',
          statusListUri: 'https://status.vouchsafe.example/v1/lists/8Jq2tTQd0Zk',
          createdAt: now() - 20 * DAY,
          holds: [],
          liveGrants: 0,
          totalGrants: 0,
          connected: false,
        },
        {
          id: 'olive-young',
          name: '올리브영',
          url: 'https://oliveyoung.example',
          issuer: 'did:key:z6MkOlive',
          statusListUri: 'https://status.vouchsafe.example/v1/lists/Qm81xZr7pLw',
          createdAt: now() - 9 * DAY,
          holds: [],
          liveGrants: 0,
          totalGrants: 0,
          connected: false,
        },
      ];

  // The fake keeps each grant's token beside its row, as the vault does; list rows never carry it.
  type FakeGrant = GrantDto & { token: string };
  const grants: FakeGrant[] = [];
  const row = (g: FakeGrant): GrantDto => {
    const out: Partial<FakeGrant> = { ...g };
    delete out.token;
    return out as GrantDto;
  };
  const audit: AuditEntryDto[] = [];
  const log = (action: string, subject: string, detail = '', at = now(), params: Record<string, string> = {}) =>
    audit.push({ seq: audit.length + 1, at, action, subject, detail, key: action, params });

  function summary(req: GrantRequestDto, lang: 'en' | 'ko', until: string): string {
    const brand = brands.find((b) => b.id === req.brand)?.name ?? req.brand;
    const what = [...req.fields, ...req.derived].join(', ');
    return lang === 'en'
      ? `${brand} gets your ${what} to ${req.purpose}, until ${until}.`
      : `${brand}에 ${what}을(를) 제공합니다. 목적: ${req.purpose}, ${until}까지.`;
  }

  function release(req: GrantRequestDto) {
    if (!req.fields.length && !req.derived.length)
      throw { kind: 'invalid_input', message: 'choose at least one field or derived fact to share' };
    if (!req.purpose.trim())
      throw { kind: 'invalid_input', message: 'a purpose is required: say in your own words why the brand gets this (at most 200 characters)' };
    if (req.derived.includes('birthday') && req.fields.includes('birthdate'))
      throw { kind: 'invalid_input', message: 'birthdate and birthday release the same claim; choose one' };
    const claims: Record<string, unknown> = {};
    const address: Record<string, string> = {};
    const val = (n: string) => fields.find((f) => f.name === n)?.value;
    for (const n of req.fields) {
      const v = val(n);
      if (v === undefined) throw { kind: 'invalid_input', message: `field ${n} is not set in your profile; set it first or leave it out` };
      if (n.startsWith('address.')) address[n.slice(8)] = v;
      else if (n.startsWith('custom.')) ((claims.custom ??= {}) as Record<string, string>)[n.slice(7)] = v;
      else if (n.startsWith('membership.')) ((claims.memberships ??= {}) as Record<string, string>)[n.slice(11)] = v;
      else claims[n] = ['interests', 'contact_channels'].includes(n) ? v.split(/,\s*/) : v;
    }
    for (const d of req.derived) {
      if (d === 'age_over:18') claims.age_over_18 = true;
      if (d === 'birthday') claims.birthdate = `0000-${(val('birthdate') ?? '0000-01-01').slice(5)}`;
      if (d === 'city') for (const p of ['locality', 'region', 'country']) if (val(`address.${p}`)) address[p] = val(`address.${p}`) as string;
    }
    if (Object.keys(address).length) claims.address = address;
    const datatypes = [...req.fields, ...req.derived.map((d) => d.replace(':', '_'))];
    const days = req.expires.endsWith('d') ? Number(req.expires.slice(0, -1)) : 90;
    const until = /^\d{4}-/.test(req.expires) ? req.expires : new Date((now() + days * DAY) * 1000).toISOString().slice(0, 10);
    return { claims, datatypes, summary: { en: summary(req, 'en', until), ko: summary(req, 'ko', until) }, days };
  }

  function recount() {
    for (const b of brands) {
      const mine = grants.filter((g) => g.brand === b.id);
      b.totalGrants = mine.length;
      b.liveGrants = mine.filter((g) => g.state === 'active').length;
      b.holds = [...new Set(mine.filter((g) => g.state === 'active').flatMap((g) => g.released))];
    }
  }

  function issue(req: GrantRequestDto, at = now(), id = Math.random().toString(36).slice(2, 14) + Math.random().toString(36).slice(2, 14)): FakeGrant {
    const r = release(req);
    const b = brands.find((x) => x.id === req.brand);
    if (!b) throw { kind: 'not_found', message: `brand ${req.brand} is not known` };
    const g: FakeGrant = {
      id,
      brand: b.id,
      brandName: b.name,
      state: 'active',
      released: r.datatypes,
      purpose: req.purpose,
      purposeCategory: req.purposeCategory ?? 'ServicePersonalisation',
      channels: {
        consents: req.channels.map((c) => ({ ...c, givenAt: at })),
        nightAds: req.nightAds,
        legacy: false,
      },
      offer: req.offer,
      issuedAt: at,
      expiresAt: at + r.days * DAY,
      revokedAt: null,
      summary: r.summary,
      statusListUri: b.statusListUri,
      statusIdx: Math.floor(Math.random() * 1024),
      token: `eyJhbGciOiJFZERTQSIsInR5cCI6InZvdWNoc2FmZStqd3QifQ.${b64url(JSON.stringify(r.claims))}.c2lnbmF0dXJl`,
    };
    grants.unshift(g);
    recount();
    log('grant.issued', id, `to ${b.id}: ${r.datatypes.join(', ')}`, at, { brand: b.id, fields: r.datatypes.join(',') });
    return g;
  }

  // History for the grants and activity screens.
  if (!q.get('empty')) {
    log('vault.created', 'vault', '', now() - 30 * DAY);
    for (const f of fields) log('field.set', f.name, '', now() - 29 * DAY);
    log('brand.added', 'acme-coffee', 'Acme Coffee', now() - 20 * DAY, { brand: 'acme-coffee', name: 'Acme Coffee' });
    log('brand.added', 'olive-young', '올리브영', now() - 9 * DAY, { brand: 'olive-young', name: '올리브영' });
    issue(
      { brand: 'acme-coffee', fields: ['email'], derived: ['birthday'], purpose: '생일 쿠폰을 보내기 위해', purposeCategory: 'PersonalisedBenefits', channels: [{ channel: 'email', kind: 'info', allowed: true }, { channel: 'email', kind: 'ad', allowed: true }, { channel: 'sms', kind: 'ad', allowed: false }], nightAds: false, offer: '생일 음료 무료', expires: '365d' },
      now() - 15 * DAY,
    );
    issue(
      { brand: 'olive-young', fields: ['given_name', 'address.postal_code'], derived: ['age_over:18'], purpose: '회원 가입 확인', purposeCategory: 'AgeVerification', channels: [], nightAds: false, offer: null, expires: '30d' },
      now() - 8 * DAY,
    );
    const old = issue(
      { brand: 'acme-coffee', fields: ['phone_number'], derived: [], purpose: '주문 알림', purposeCategory: 'CustomerOrderManagement', channels: [{ channel: 'sms', kind: 'info', allowed: true }], nightAds: false, offer: null, expires: '30d' },
      now() - 60 * DAY,
    );
    old.state = 'expired';
    const revoked = grants[1];
    if (revoked) {
      revoked.state = 'revoked';
      revoked.revokedAt = now() - 2 * DAY;
      log('grant.revoked', revoked.id, `from ${revoked.brand}`, now() - 2 * DAY, { brand: revoked.brand });
    }
    recount();
  }

  const locked = () => ({ kind: 'locked', message: 'the vault is locked; unlock it first' });
  type Handled = CommandName | 'plugin:dialog|open' | 'plugin:dialog|save' | 'plugin:event|listen' | 'plugin:event|unlisten';
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

  mockIPC(
    async (cmd, raw) => {
      const a = (raw ?? {}) as Record<string, unknown>;
      if (!cmd.startsWith('plugin:') && !LOCK_FREE_COMMANDS.has(cmd as CommandName) && !status.unlocked) throw locked();
      // Typed against the generated command list: a command the stand-in lacks fails `npm run check`.
      const c = cmd as Handled;
      switch (c) {
        case 'app_status':
          return { ...status };
        case 'passphrase_strength': {
          const p = String(a.passphrase ?? '');
          const words = p.split(/\s+/).filter(Boolean).length;
          const score = Math.min(4, Math.floor(p.length / 6) + (words > 3 ? 1 : 0));
          return { score, crackTimeSeconds: 10 ** (score * 2.6), warning: score < 2 ? 'This is a very common password.' : null, suggestions: score < 3 ? ['Add another word or two. Uncommon words are better.'] : [] };
        }
        case 'create_vault':
          await delay(500);
          if (String(a.passphrase).length < 8) throw { kind: 'invalid_input', message: 'the passphrase must be at least 8 characters' };
          status.vaultExists = status.unlocked = true;
          return null;
        case 'unlock':
          await delay(500);
          if (a.passphrase !== 'correct horse battery staple') throw { kind: 'wrong_passphrase', message: 'wrong passphrase' };
          status.unlocked = true;
          status.lockedReason = null;
          status.integrity = report;
          return { unlocked: true, integrity: report };
        case 'lock':
          status.unlocked = false;
          return null;
        case 'touch':
          return null;
        case 'field_catalogue':
          return CATALOGUE;
        case 'list_fields':
          return fields.map((f) => ({ ...f }));
        case 'field_page': {
          const q = String(a.query ?? '').trim().toLowerCase();
          const rank = (f: FieldDto) => {
            const i = CATALOGUE.findIndex((s) => s.name === f.name);
            return i >= 0 ? i : CATALOGUE.length + ['identity', 'contact', 'address', 'preferences', 'sizes', 'memberships', 'custom'].indexOf(f.group);
          };
          const match = fields
            .filter((f) => !q || f.name.toLowerCase().includes(q) || (f.label ?? '').toLowerCase().includes(q))
            .sort((x, y) => rank(x) - rank(y) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
          const offset = Number(a.offset);
          const has = (n: string) => fields.some((f) => f.name === n);
          const derivable = [
            ...(has('birthdate') ? ['age_over_18', 'birthday'] : []),
            ...(['address.locality', 'address.region', 'address.country'].some(has) ? ['city'] : []),
          ];
          return { items: match.slice(offset, offset + Math.min(Number(a.limit), 500)).map((f) => ({ ...f })), total: match.length, offset, derivable };
        }
        case 'set_field': {
          const name = String(a.name);
          const value = normalise(name, String(a.value));
          const f = field(name, value, (a.label as string | null) ?? null);
          const i = fields.findIndex((x) => x.name === name);
          if (i >= 0) fields[i] = f;
          else fields.push(f);
          log('field.set', name);
          return f;
        }
        case 'remove_field': {
          const i = fields.findIndex((x) => x.name === a.name);
          if (i >= 0) fields.splice(i, 1);
          log('field.removed', String(a.name));
          return null;
        }
        case 'list_brands':
          return brands.map((b) => ({ ...b }));
        case 'brand_page':
        case 'brand_choices': {
          const q = String(a.query ?? '').trim().toLowerCase();
          const match = brands
            .filter((b) => !q || b.name.toLowerCase().includes(q) || b.id.toLowerCase().includes(q))
            .sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id));
          const offset = c === 'brand_page' ? Number(a.offset) : 0;
          const page = match.slice(offset, offset + Math.min(Number(a.limit), 500));
          if (c === 'brand_choices') return { items: page.map((b) => ({ id: b.id, name: b.name, connected: b.connected })), total: match.length };
          return { items: page.map((b) => ({ ...b })), total: match.length, offset };
        }
        case 'add_brand': {
          const id = String(a.id);
          if (!/^[a-z0-9._-]{1,64}$/i.test(id))
            throw { kind: 'invalid_input', message: `brand id "${id}" is not valid: use a short id (letters, digits, '.', '_', '-'; up to 64) or an https:// URL` };
          if (brands.some((b) => b.id === id)) throw { kind: 'conflict', message: `brand ${id} already exists` };
          const b: BrandDto = { id, name: String(a.name), url: (a.url as string | null) ?? null, issuer: 'did:key:z6Mk', statusListUri: `https://status.vouchsafe.example/v1/lists/${Math.random().toString(36).slice(2, 13)}`, createdAt: now(), holds: [], liveGrants: 0, totalGrants: 0, connected: false };
          brands.push(b);
          log('brand.added', id, b.name, now(), { brand: id, name: b.name });
          return b;
        }
        case 'remove_brand': {
          const i = brands.findIndex((b) => b.id === a.id);
          brands.splice(i, 1);
          log('brand.removed', String(a.id));
          return a.revoke ? 'eyJhbGciOiJFZERTQSIsInR5cCI6InN0YXR1c2xpc3Qrand0In0.eyJzdGF0dXNfbGlzdCI6e319.c2ln' : null;
        }
        case 'preview_grant': {
          const r = release(a.request as GrantRequestDto);
          return { claims: r.claims, datatypes: r.datatypes, summary: r.summary };
        }
        case 'issue_grant': {
          const g = issue(a.request as GrantRequestDto);
          return { id: g.id, token: g.token, receipt: 'eyJ.receipt.sig', summary: g.summary };
        }
        case 'list_grants':
          return grants.filter((g) => !a.brand || g.brand === a.brand).map(row);
        case 'grant_page': {
          const match = grants.filter((g) => (!a.brand || g.brand === a.brand) && (!a.grantState || g.state === a.grantState));
          const offset = Number(a.offset);
          return { items: match.slice(offset, offset + Math.min(Number(a.limit), 500)).map(row), total: match.length, offset };
        }
        case 'revoke_grant': {
          const g = grants.find((x) => x.id === a.id);
          if (!g) throw { kind: 'not_found', message: `no grant ${String(a.id)}` };
          g.state = 'revoked';
          g.revokedAt = now();
          recount();
          log('grant.revoked', g.id, `from ${g.brand}`, now(), { brand: g.brand });
          return row(g);
        }
        case 'reissue_grant': {
          const old = grants.find((x) => x.id === a.id);
          if (!old || old.state !== 'active') throw { kind: 'invalid_input', message: `grant ${String(a.id)} is not active` };
          old.state = 'revoked';
          old.revokedAt = now();
          const g = { ...old, id: `${old.id}-r`, state: 'active' as const, revokedAt: null, issuedAt: now(), expiresAt: (a.expiresAt as number | null) ?? old.expiresAt };
          grants.unshift(g);
          recount();
          log('grant.revoked', old.id, `from ${old.brand} (reissued as ${g.id})`, now(), { brand: old.brand });
          return { id: g.id, token: g.token, receipt: 'eyJ.receipt.sig', summary: g.summary };
        }
        case 'change_grant_channels': {
          const old = grants.find((x) => x.id === a.id);
          if (!old || old.state !== 'active') throw { kind: 'invalid_input', message: `grant ${String(a.id)} is not active` };
          const change = a.change as { channels: { channel: string; kind: 'info' | 'ad'; allowed: boolean }[]; nightAds: boolean };
          old.state = 'revoked';
          old.revokedAt = now();
          const channels = { consents: change.channels.map((c) => ({ ...c, givenAt: now() })), nightAds: change.nightAds, legacy: false };
          const g = { ...old, id: `${old.id}-c`, state: 'active' as const, revokedAt: null, issuedAt: now(), channels };
          grants.unshift(g);
          recount();
          log('grant.channels_changed', old.id, `for ${old.brand} (reissued as ${g.id})`, now(), { brand: old.brand });
          return { id: g.id, token: g.token, receipt: 'eyJ.receipt.sig', summary: g.summary };
        }
        case 'narrow_grant': {
          const old = grants.find((x) => x.id === a.id);
          if (!old) throw { kind: 'not_found', message: `no grant ${String(a.id)}` };
          if (old.state !== 'active') throw { kind: 'conflict', message: `grant ${old.id} is not active (expired or revoked); issue a new one instead` };
          const n = a.narrowing as { replace: string[]; with: string | null; drop: string[] };
          const raw = n.replace.flatMap((r) => (r === 'address' ? old.released.filter((x) => x.startsWith('address.')) : [r]));
          const missing = [...raw, ...n.drop].find((r) => !old.released.includes(r));
          if (missing) throw { kind: 'invalid_input', message: `the grant does not release ${missing}; narrow only what it releases` };
          if (!raw.length && !n.drop.length) throw { kind: 'invalid_input', message: 'say what to narrow: replace a field with a derived fact, or drop a field' };
          const released = old.released.filter((r) => !raw.includes(r) && !n.drop.includes(r));
          if (raw.length && n.with && !released.includes(n.with)) released.push(n.with.replace(':', '_'));
          if (!released.length) throw { kind: 'invalid_input', message: 'narrowing would leave the grant releasing nothing; revoke it instead' };
          old.state = 'revoked';
          old.revokedAt = now();
          const g = { ...old, id: `${old.id}-n`, state: 'active' as const, revokedAt: null, issuedAt: now(), released };
          grants.unshift(g);
          recount();
          log('grant.narrowed', old.id, `for ${old.brand} (reissued as ${g.id})`, now(), { brand: old.brand, fields: released.join(',') });
          log('grant.revoked', old.id, `from ${old.brand} (reissued as ${g.id})`, now(), { brand: old.brand });
          return { id: g.id, token: g.token, receipt: 'eyJ.receipt.sig', summary: g.summary };
        }
        case 'erase_grant':
          // The fake's brands are all added by hand: there is no inbox to ask.
          throw { kind: 'invalid_input', message: 'this brand was added by hand; there is nobody to ask' };
        case 'revoke_brand': {
          let n = 0;
          for (const g of grants) if (g.brand === a.id && g.state === 'active') { g.state = 'revoked'; g.revokedAt = now(); n++; log('grant.revoked', g.id, `from ${g.brand} (all)`, now(), { brand: g.brand, all: 'true' }); }
          recount();
          return n;
        }
        case 'grant_receipt': {
          const g = grants.find((x) => x.id === a.id);
          if (!g) throw { kind: 'not_found', message: 'no grant' };
          const b = brands.find((x) => x.id === g.brand);
          return {
            token: 'eyJ.receipt.sig',
            claims: {
              iss: b?.issuer, jti: g.id, version: 'KI-CR-v1.1.0', jurisdiction: 'KR', consentTimestamp: g.issuedAt,
              consentReceiptID: g.id, language: 'en',
              piiControllers: [{ piiController: g.brandName, contact: g.brand, onBehalf: false, url: b?.url }],
              services: [{ service: 'Release of chosen profile data', purposes: [{ purpose: g.purpose, purposeCategory: [`https://w3id.org/dpv#${g.purposeCategory}`], consentType: 'EXPLICIT', piiCategory: g.released, primaryPurpose: true, termination: `Ends at ${new Date(g.expiresAt * 1000).toISOString()} or when the consumer revokes it`, thirdPartyDisclosure: false }] }],
              events: [{ event: 'given', timestamp: g.issuedAt }, ...(g.revokedAt ? [{ event: 'withdrawn', timestamp: g.revokedAt }] : [])],
              summary: g.summary.en,
            },
          };
        }
        case 'status_list':
          return 'eyJhbGciOiJFZERTQSIsInR5cCI6InN0YXR1c2xpc3Qrand0In0.eyJzdWIiOiJodHRwczovL3N0YXR1cy52b3VjaHNhZmUuZXhhbXBsZS92MS9saXN0cy84SnEydFRRZDBaayIsInN0YXR1c19saXN0Ijp7ImJpdHMiOjEsImxzdCI6ImVOcnRrQ0VBQUFDQU1QL1ZIZ0FBQUFBQSJ9fQ.c2lnbmF0dXJl';
        case 'qr_svg': {
          // A fixed pattern, shaped like the qrcode crate's output.
          let d = '';
          for (let y = 0; y < 29; y++) for (let x = 0; x < 29; x++) if ((x * 7 + y * 13 + ((x * y) % 5)) % 3 === 0 || (x < 7 && y < 7) || (x > 21 && y < 7) || (x < 7 && y > 21)) d += `M${40 + x * 10} ${40 + y * 10}h10v10h-10z`;
          return `<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="370" height="370" viewBox="0 0 370 370" shape-rendering="crispEdges"><path fill="#ffffff" d="M0 0h370v370H0z"/><path fill="#000000" d="${d}"/></svg>`;
        }
        case 'copy_secret':
        case 'save_text':
        case 'save_brand_report':
        case 'backup':
          return null;
        case 'export_plaintext':
          if (a.passphrase !== 'correct horse battery staple') throw { kind: 'wrong_passphrase', message: 'the passphrase of this vault is wrong' };
          return null;
        case 'audit_page': {
          const offset = Number(a.offset);
          const newest = [...audit].reverse().slice(offset, offset + Math.min(Number(a.limit), 500));
          return {
            entries: newest.map((e) => ({ ...e })),
            total: audit.length,
            offset,
          };
        }
        case 'audit_chain':
          return q.get('broken') ? { state: 'broken', atSeq: 7, reason: 'entry 7 was changed or moved' } : { state: 'intact', entries: audit.length };
        case 'audit_log':
          return { entries: audit.map((e) => ({ ...e })), chain: q.get('broken') ? { state: 'broken', atSeq: 7, reason: 'entry 7 was changed or moved' } : { state: 'intact', entries: audit.length } };
        case 'change_passphrase':
          await delay(800);
          if (a.current !== 'correct horse battery staple') throw { kind: 'wrong_passphrase', message: 'wrong passphrase' };
          log('passphrase.changed', 'vault', 'argon2id m=65536 t=3 p=4');
          return null;
        case 'get_settings':
          return { ...settings };
        case 'set_settings':
          Object.assign(settings, a.settings);
          status.locale = settings.locale;
          status.autoLockMinutes = settings.autoLockMinutes;
          return { ...settings };
        case 'erase_vault':
          if (a.passphrase !== 'correct horse battery staple') throw { kind: 'wrong_passphrase', message: 'the passphrase of this vault is wrong' };
          status.vaultExists = status.unlocked = false;
          return null;
        case 'restore_backup': {
          const replacing = status.vaultExists;
          if (replacing && a.current !== 'correct horse battery staple') throw { kind: 'wrong_passphrase', message: 'the passphrase of the vault it replaces is wrong' };
          await delay(500);
          if (replacing && !a.confirmed) {
            return {
              restored: false,
              safetyCopy: null,
              integrity: null,
              preview: {
                replacing: true, currentUntrusted: false, backupGeneration: 7, currentGeneration: 12, older: true,
                unrevoked: [{ id: '3b1d9e20-aa41-4c1e-9d8e-0c5b9a7e1f00', brand: 'acme', brandName: 'Acme Coffee', released: ['email', 'age_over_18'], revokedAt: 1763600000 }],
                forgotten: [], rollback: null, needsConfirmation: true,
              },
            };
          }
          status.unlocked = status.vaultExists = true;
          status.integrity = { ...report, intact: true, problems: [] };
          return {
            restored: true,
            safetyCopy: replacing ? `${status.vaultPath}.replaced-20261120-101500` : null,
            preview: null,
            integrity: status.integrity,
          };
        }
        case 'connect_preview':
          await delay(300);
          return {
            handle: 'h1', origin: 'https://cafe.example', name: { ko: '동네 카페', en: 'Neighbourhood Café' }, knownBrand: false,
            claims: [
              { id: 'email', path: 'email', required: true, purpose: { ko: '쿠폰 발송', en: 'send the coupon' }, available: true, derivedFact: null, value: { email: 'minjun@example.com' }, suggestion: null, suggestedValue: null },
              { id: 'birthdate', path: 'birthdate', required: false, purpose: { ko: '생일 쿠폰', en: 'a birthday coupon' }, available: true, derivedFact: null, value: { birthdate: '1990-05-17' }, suggestion: 'birthday', suggestedValue: { birthdate: '0000-05-17' } },
            ],
            purposeCategory: 'ServicePersonalisation', retention: 'P1Y', retentionUntil: now() + 365 * DAY,
            channels: [{ channel: 'email', advertising: false }, { channel: 'sms', advertising: true }],
            offer: { ko: '아메리카노 한 잔', en: 'a free americano' }, refusal: { ko: '쿠폰을 받을 수 없습니다', en: 'no coupon' }, expiresAt: now() + 600,
          };
        case 'connect_plan': {
          const ch = a.choices as { accept: string[]; derived: string[] };
          const claims: Record<string, unknown> = { email: 'minjun@example.com' };
          if (ch.accept.includes('birthdate')) claims.birthdate = ch.derived.includes('birthdate') ? '0000-05-17' : '1990-05-17';
          return { sending: ['email', ...ch.accept], derived: ch.derived.filter((d) => ch.accept.includes(d)), claims, summary: { en: 'Neighbourhood Café gets your email for a year.', ko: '동네 카페가 1년 동안 이메일을 받습니다.' } };
        }
        case 'connect_send':
          await delay(300);
          return { grantId: 'g-connect', brandId: 'https://cafe.example', brandName: 'Neighbourhood Café', received: ['email'], retentionUntil: now() + 365 * DAY, receiptVerified: true };
        case 'take_connect_link':
          // The fake desktop never hands over a link.
          return null;
        case 'grant_deliveries':
          return (a.ids as string[]).map((id) => ({ grantId: id, brandReceipt: null, events: [] }));
        case 'outbox_list':
          return [];
        case 'outbox_retry':
          return { tried: 0, sent: 0, acknowledged: 0, failed: 0, refused: 0, pending: 0 };
        case 'review_list':
          // Only the rules a sample needs: active grants ending within 14 days, and a raw birth
          // date where the birthday would do (the real rules: docs/review.md).
          return grants
            .filter((g) => g.state === 'active')
            .flatMap((g) => {
              const out = [];
              const base = { brand: g.brand, brandName: g.brandName, grantId: g.id, eventId: null };
              if (g.expiresAt - now() <= 14 * DAY) {
                const periodDays = Math.max(1, Math.ceil((g.expiresAt - g.issuedAt) / DAY));
                out.push({
                  ...base,
                  kind: 'expiring' as const,
                  at: g.expiresAt,
                  message: 'review.expiring',
                  params: { brand: g.brandName, date: new Date(g.expiresAt * 1000).toISOString().slice(0, 10), days: String(Math.ceil((g.expiresAt - now()) / DAY)), period_days: String(periodDays) },
                  actions: [
                    { action: 'reissue' as const, grant: g.id, periodDays, until: g.expiresAt + periodDays * DAY },
                    { action: 'revoke' as const, grant: g.id },
                  ],
                });
              }
              if (g.released.includes('birthdate')) {
                out.push({
                  ...base,
                  kind: 'raw_value' as const,
                  at: g.issuedAt,
                  message: 'review.raw_value',
                  params: { brand: g.brandName, date: new Date(g.issuedAt * 1000).toISOString().slice(0, 10), fields: 'birthdate', derived: 'birthday' },
                  actions: [
                    { action: 'narrow' as const, grant: g.id, replace: ['birthdate'], with: 'birthday' },
                    { action: 'revoke' as const, grant: g.id },
                  ],
                });
              }
              return out;
            })
            .sort((x, y) => (x.kind === y.kind ? x.at - y.at : x.kind === 'expiring' ? -1 : 1));
        case 'review_ad_consent':
          throw { kind: 'not_found', message: `no grant ${String(a.id)}` };
        case 'plugin:dialog|open':
          return '/home/minjun/Backups/vouchsafe-backup-2026-11-20.vault';
        case 'plugin:dialog|save':
          return `/home/minjun/Documents/${String((a.options as { defaultPath?: string })?.defaultPath ?? 'file')}`;
        case 'plugin:event|listen':
          return 1;
        case 'plugin:event|unlisten':
          return null;
        default: {
          const missing: never = c;
          throw `command ${String(missing)} not found`;
        }
      }
    },
    { shouldMockEvents: true },
  );
}
