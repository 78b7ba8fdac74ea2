// The Connect screen's logic, kept out of the component so it is tested without a window:
// the person's choices, what each asked claim will do, delivery states and how errors read.
import type {
  AskedClaimDto,
  BrandDto,
  GrantDto,
  ConnectChoicesDto,
  ConnectPlanDto,
  ConnectRequestDto,
  OutboxItemDto,
} from './bindings';
import type { UiError } from './errors';
import { errorKey } from './errors';
import type { MessageKey, Translator } from './i18n';

/** Nothing optional is sent until the person ticks it; no advertising channel is allowed, and
 * no advertising at night. */
export function initialChoices(): ConnectChoicesDto {
  return { accept: [], derived: [], adChannels: [], nightAds: false };
}

/** `list` with `item` in it or not, keeping its order. */
export function toggled(list: readonly string[], item: string, on: boolean): string[] {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}

/** Drop choices that name nothing this request asks (a stale choice must not be sent). */
export function fitChoices(req: ConnectRequestDto, c: ConnectChoicesDto): ConnectChoicesDto {
  const optional = new Set(req.claims.filter((a) => !a.required).map((a) => a.id));
  const suggestible = new Set(req.claims.filter((a) => a.suggestion).map((a) => a.id));
  const ads = new Set(req.channels.filter((ch) => ch.advertising).map((ch) => ch.channel));
  const adChannels = c.adChannels.filter((ch) => ads.has(ch));
  return {
    accept: c.accept.filter((id) => optional.has(id)),
    derived: c.derived.filter((id) => suggestible.has(id)),
    adChannels,
    // Night-time advertising is its own yes, and means nothing without some advertising.
    nightAds: c.nightAds && adChannels.length > 0,
  };
}

/** What happens to one asked claim under the current plan. */
export type ClaimFate = 'sent' | 'sentDerived' | 'kept' | 'missing';

export function claimFate(a: AskedClaimDto, plan: ConnectPlanDto | null): ClaimFate {
  if (!a.available) return 'missing';
  if (!plan) return a.required ? 'sent' : 'kept';
  if (plan.derived.includes(a.id)) return 'sentDerived';
  return plan.sending.includes(a.id) ? 'sent' : 'kept';
}

/** A required claim the profile lacks: nothing can be sent until it is set. */
export function missingRequired(req: ConnectRequestDto): AskedClaimDto[] {
  return req.claims.filter((a) => a.required && !a.available);
}

/** Released claims as `name: value` lines (`address.locality: 서울`), in order. */
export function claimLines(claims: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(claims)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out.push(`${k}.${k2}: ${show(v2)}`);
    } else {
      out.push(`${k}: ${show(v)}`);
    }
  }
  return out;
}

/** Only the values of released claims (`중구 · 서울특별시`), for a line under the claim's name. */
export function claimValues(claims: Record<string, unknown>): string {
  return claimLines(claims)
    .map((l) => l.slice(l.indexOf(': ') + 2))
    .join(' · ');
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** What the person pasted: trimmed, and a link copied with surrounding quotes or `<…>` unwrapped. */
export function cleanLink(s: string): string {
  return s.trim().replace(/^[<"'“]+|[>"'”]+$/g, '').trim();
}

/**
 * How a connect failure reads: a network failure is about the brand, not a file (the app-wide
 * `io` sentence speaks of files), and the core's one-line reason is always shown, because it
 * says which check refused the request.
 */
export function connectErrorText(t: Translator, err: UiError): { text: string; detail: string | null } {
  const key: MessageKey = err.kind === 'io' ? 'connect.unreachable' : errorKey(err.kind);
  return { text: t(key), detail: err.message.trim() || null };
}

/** Where a grant's event stands, as the Grants and Brands screens word it. */
export type DeliveryBadge = 'overdue' | 'receipt' | 'delivered' | 'waiting' | 'refused' | 'givenUp';

export function deliveryBadge(i: OutboxItemDto): DeliveryBadge {
  if (i.overdue) return 'overdue';
  if (i.state === 'refused') return 'refused';
  if (i.state === 'given_up') return 'givenUp';
  if (i.receipt) return 'receipt';
  if (i.state === 'acknowledged' || i.state === 'sent') return 'delivered';
  return 'waiting';
}

const DAY = 86_400;

/** Whole days left until a receipt is overdue (0 on the last day); null when none is owed. */
export function daysLeft(i: OutboxItemDto, nowSecs: number): number | null {
  if (i.deadline === null || i.receipt) return null;
  return Math.max(0, Math.ceil((i.deadline - nowSecs) / DAY));
}

/** Items still waiting (queued, or sent without their receipt yet), per brand id. */
export function waitingByBrand(items: readonly OutboxItemDto[]): Map<string, OutboxItemDto[]> {
  const out = new Map<string, OutboxItemDto[]>();
  for (const i of items) {
    if (!i.pending) continue;
    const list = out.get(i.brand) ?? [];
    list.push(i);
    out.set(i.brand, list);
  }
  return out;
}

/** How long a reissued grant runs: its current end date, or a new period from today. */
export type ReissuePeriod = 'keep' | '30' | '90' | '365';
export const REISSUE_PERIODS: readonly ReissuePeriod[] = ['keep', '30', '90', '365'];

/** `expires_at` for `reissue_grant`: null keeps the old grant's end date. */
export function reissueExpiry(p: ReissuePeriod, nowSecs: number): number | null {
  return p === 'keep' ? null : Math.floor(nowSecs) + Number(p) * DAY;
}

/** A grant can be sent again with today's values only while it is active. */
export function canReissue(g: Pick<GrantDto, 'state'>): boolean {
  return g.state === 'active';
}

/**
 * Asking to erase needs someone to ask: a brand connected through its inbox. A grant shared by
 * hand is only revoked (the core refuses the request for it).
 */
export function canAskErase(brand: Pick<BrandDto, 'connected'> | undefined): boolean {
  return brand?.connected === true;
}
