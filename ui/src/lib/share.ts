// The share form and its mapping to GrantRequestDto (kept free of the DOM so it is unit tested).
import type { MessageKey } from './i18n';
import type { ChannelDto, ChannelKind, FieldDto, GrantChannelsDto, GrantRequestDto } from './bindings';

/** How many fields the share form's picker shows at first and adds per "Show more". */
export const FIELD_PAGE = 40;

/**
 * The picker's boxes: the fields the search shows (`page`, in profile order), then every ticked
 * field the search no longer shows (`seen` holds each field fetched so far), so a choice can be
 * seen and undone whatever is searched.
 */
export function pickerFields(page: readonly FieldDto[], chosen: readonly string[], seen: Readonly<Record<string, FieldDto>>): FieldDto[] {
  const shown = new Set(page.map((f) => f.name));
  const out = [...page];
  for (const n of chosen) {
    const f = seen[n];
    if (f && !shown.has(n)) {
      shown.add(n);
      out.push(f);
    }
  }
  return out;
}

/** W3C DPV purposes the core accepts, in the order the form lists them. */
export const DPV_PURPOSES = [
  'ServicePersonalisation',
  'ServiceProvision',
  'PersonalisedBenefits',
  'ProvidePersonalisedRecommendations',
  'Marketing',
  'DirectMarketing',
  'Advertising',
  'PersonalisedAdvertising',
  'CustomerManagement',
  'CustomerCare',
  'CustomerRelationshipManagement',
  'CommunicationForCustomerCare',
  'CustomerOrderManagement',
  'DeliveryOfGoods',
  'IdentityVerification',
  'AgeVerification',
  'RequestedServiceProvision',
] as const;
export type DpvPurpose = (typeof DPV_PURPOSES)[number];

export function purposeKey(p: string): MessageKey {
  return `purpose.${p}` as MessageKey;
}

/** `yes` = may contact me there, `no` = must not, `` = the grant says nothing about it. */
export type TriState = 'yes' | 'no' | '';

/**
 * The contact channels of the channel × kind grid, in the core's canonical order: email, SMS/MMS,
 * a phone call, KakaoTalk (알림톡 for notices, 브랜드 메시지 for ads), app push, post.
 */
export const SHARE_CHANNELS = ['email', 'sms', 'phone', 'kakao', 'push', 'post'] as const;
export type ShareChannel = (typeof SHARE_CHANNELS)[number];

/** Informational messages (receipts, notices) and advertising: Korean law asks consent apart. */
export const CHANNEL_KINDS: readonly ChannelKind[] = ['info', 'ad'];

/** One row of the grid: the answer for each kind. */
export type ChannelRow = Record<ChannelKind, TriState>;
export type ChannelGrid = Record<ShareChannel, ChannelRow>;

export function emptyChannels(): ChannelGrid {
  const grid = {} as ChannelGrid;
  for (const ch of SHARE_CHANNELS) grid[ch] = { info: '', ad: '' };
  return grid;
}

/** Whether some advertising is allowed: night-time ads mean nothing without it. */
export function anyAdAllowed(channels: ChannelGrid): boolean {
  return SHARE_CHANNELS.some((ch) => channels[ch].ad === 'yes');
}

export type ExpiryChoice = '30d' | '90d' | '1y' | 'date';
export const EXPIRY_CHOICES: readonly ExpiryChoice[] = ['30d', '90d', '1y', 'date'];

export interface ShareForm {
  brand: string;
  /** Chosen profile field names, in any order. */
  fields: string[];
  /** Adulthood by year of birth, as Korean youth-protection law counts it (`adult_kr`). */
  adultKr: boolean;
  ageOver18: boolean;
  birthday: boolean;
  city: boolean;
  purpose: string;
  /** DPV local name, or '' for the core's default. */
  category: string;
  channels: ChannelGrid;
  /** Advertising between 21:00 and 08:00; only with some advertising allowed. */
  nightAds: boolean;
  offer: string;
  expiry: ExpiryChoice;
  /** YYYY-MM-DD, used when expiry is 'date'. */
  expiryDate: string;
}

export function emptyShareForm(brand = ''): ShareForm {
  return {
    brand,
    fields: [],
    adultKr: false,
    ageOver18: false,
    birthday: false,
    city: false,
    purpose: '',
    category: '',
    channels: emptyChannels(),
    nightAds: false,
    offer: '',
    expiry: '90d',
    expiryDate: '',
  };
}

/** The core's expiry spelling: durations in d/h/w/m (a year is 365 days) or a date. */
export function expiryValue(choice: ExpiryChoice, date: string): string {
  switch (choice) {
    case '30d':
      return '30d';
    case '90d':
      return '90d';
    case '1y':
      return '365d';
    case 'date':
      return date.trim();
  }
}

export function derivedList(form: Pick<ShareForm, 'adultKr' | 'ageOver18' | 'birthday' | 'city'>): string[] {
  const out: string[] = [];
  if (form.adultKr) out.push('adult_kr');
  if (form.ageOver18) out.push('age_over:18');
  if (form.birthday) out.push('birthday');
  if (form.city) out.push('city');
  return out;
}

/** The grid as the core's channel × kind list: unset cells are left out (not consented). */
export function channelList(channels: ChannelGrid): ChannelDto[] {
  const out: ChannelDto[] = [];
  for (const channel of SHARE_CHANNELS) {
    for (const kind of CHANNEL_KINDS) {
      const v = channels[channel][kind];
      if (v === 'yes' || v === 'no') out.push({ channel, kind, allowed: v === 'yes' });
    }
  }
  return out;
}

/** A grant's consents back as a grid (for changing them); legacy and custom channels are kept out. */
export function gridOf(channels: GrantChannelsDto): { channels: ChannelGrid; nightAds: boolean } {
  const grid = emptyChannels();
  for (const c of channels.consents) {
    if ((SHARE_CHANNELS as readonly string[]).includes(c.channel)) {
      grid[c.channel as ShareChannel][c.kind] = c.allowed ? 'yes' : 'no';
    }
  }
  return { channels: grid, nightAds: channels.nightAds };
}

/**
 * A grant's channel consent in one line for the Grants screen: "Notices: Email · Ads: Email,
 * KakaoTalk · ads at night too", with a note for a grant given before ads were asked apart.
 * `label` names a channel and `tr` translates, so the line follows the chosen language.
 */
export function channelSummary(
  channels: GrantChannelsDto,
  label: (channel: string) => string,
  tr: (key: MessageKey, params?: Record<string, string>) => string,
): string {
  const parts: string[] = [];
  for (const [kind, key] of [
    ['info', 'grants.channelsInfo'],
    ['ad', 'grants.channelsAd'],
  ] as const) {
    const list = allowedChannels(channels, kind).map(label);
    if (list.length) parts.push(tr(key, { list: list.join(', ') }));
  }
  if (channels.nightAds && allowedChannels(channels, 'ad').length) parts.push(tr('grants.channelsNight'));
  if (channels.legacy) parts.push(tr('grants.channelsLegacy'));
  return parts.join(' · ');
}

/** The allowed channels of a kind, for a grant's line on the Grants screen. */
export function allowedChannels(channels: GrantChannelsDto, kind: ChannelKind): string[] {
  return channels.consents.filter((c) => c.kind === kind && c.allowed).map((c) => c.channel);
}

/**
 * Build the request the core parses. `fieldOrder` (profile order) makes the request, and so
 * the preview, stable whatever order boxes were ticked in.
 */
export function toGrantRequest(form: ShareForm, fieldOrder: readonly string[] = []): GrantRequestDto {
  const chosen = [...new Set(form.fields)];
  const rank = (n: string) => {
    const i = fieldOrder.indexOf(n);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  chosen.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const offer = form.offer.trim();
  return {
    brand: form.brand,
    fields: chosen,
    derived: derivedList(form),
    purpose: form.purpose.trim(),
    purposeCategory: form.category ? form.category : null,
    channels: channelList(form.channels),
    nightAds: form.nightAds,
    offer: offer ? offer : null,
    expires: expiryValue(form.expiry, form.expiryDate),
  };
}

/**
 * The last day a grant is valid, for showing next to the choice: YYYY-MM-DD in local time
 * (`days` after today for durations, the chosen date otherwise), or '' when not chosen yet.
 */
export function lastDay(choice: ExpiryChoice, date: string, today: Date = new Date()): string {
  const days = choice === '30d' ? 30 : choice === '90d' ? 90 : choice === '1y' ? 365 : null;
  if (days === null) return /^\d{4}-\d{2}-\d{2}$/.test(date.trim()) ? date.trim() : '';
  const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** What must be filled in before asking the core for a preview; the core checks the rest. */
export function shareProblems(form: ShareForm): MessageKey[] {
  const out: MessageKey[] = [];
  if (!form.brand) out.push('share.problemBrand');
  if (form.fields.length === 0 && !form.adultKr && !form.ageOver18 && !form.birthday && !form.city) out.push('share.problemNothing');
  if (!form.purpose.trim()) out.push('share.problemPurpose');
  if (form.expiry === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(form.expiryDate.trim())) out.push('share.problemDate');
  if (form.nightAds && !anyAdAllowed(form.channels)) out.push('share.problemNightAds');
  return out;
}

/** Stable text of a request, to skip preview calls when nothing changed. */
export function requestKey(req: GrantRequestDto): string {
  return JSON.stringify(req);
}

/** Pretty JSON of the claims, exactly as the brand receives them. */
export function prettyClaims(claims: Record<string, unknown>): string {
  return JSON.stringify(claims, null, 2);
}
