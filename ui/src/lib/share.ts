// The share form and its mapping to GrantRequestDto (kept free of the DOM so it is unit tested).
import type { MessageKey } from './i18n';
import type { ChannelDto, GrantRequestDto } from './bindings';
import { CHANNELS, type Channel } from './fields';

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

export type ExpiryChoice = '30d' | '90d' | '1y' | 'date';
export const EXPIRY_CHOICES: readonly ExpiryChoice[] = ['30d', '90d', '1y', 'date'];

export interface ShareForm {
  brand: string;
  /** Chosen profile field names, in any order. */
  fields: string[];
  ageOver18: boolean;
  birthday: boolean;
  city: boolean;
  purpose: string;
  /** DPV local name, or '' for the core's default. */
  category: string;
  channels: Record<Channel, TriState>;
  offer: string;
  expiry: ExpiryChoice;
  /** YYYY-MM-DD, used when expiry is 'date'. */
  expiryDate: string;
}

export function emptyShareForm(brand = ''): ShareForm {
  return {
    brand,
    fields: [],
    ageOver18: false,
    birthday: false,
    city: false,
    purpose: '',
    category: '',
    channels: { email: '', sms: '', phone: '', post: '', push: '', messenger: '' },
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

export function derivedList(form: Pick<ShareForm, 'ageOver18' | 'birthday' | 'city'>): string[] {
  const out: string[] = [];
  if (form.ageOver18) out.push('age_over:18');
  if (form.birthday) out.push('birthday');
  if (form.city) out.push('city');
  return out;
}

export function channelList(channels: Record<Channel, TriState>): ChannelDto[] {
  const out: ChannelDto[] = [];
  for (const channel of CHANNELS) {
    const v = channels[channel];
    if (v === 'yes' || v === 'no') out.push({ channel, allowed: v === 'yes' });
  }
  return out;
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
  if (form.fields.length === 0 && !form.ageOver18 && !form.birthday && !form.city) out.push('share.problemNothing');
  if (!form.purpose.trim()) out.push('share.problemPurpose');
  if (form.expiry === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(form.expiryDate.trim())) out.push('share.problemDate');
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
