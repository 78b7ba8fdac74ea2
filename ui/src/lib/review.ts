// The Review screen's logic, kept out of the component so it is tested without a window: the
// sentence of each item (from its message key and parameters, in the chosen language) and what
// each of its actions does (which command, whether it asks first, whether it can run at all).
import type { NarrowDto, ReviewActionDto, ReviewItemDto } from './bindings';
import { channelLabel, fieldLabel } from './fields';
import { formatCivilDate, formatNumber } from './format';
import { maybeTranslate, translate, type Locale, type MessageKey } from './i18n';

/** What the screen needs of the commands an action calls (a subset of `api`). */
export interface ReviewApi {
  reissueGrant(id: string, expiresAt: number | null): Promise<unknown>;
  reviewAdConsent(id: string, keep: boolean): Promise<unknown>;
  narrowGrant(id: string, narrowing: NarrowDto): Promise<unknown>;
  revokeGrant(id: string): Promise<unknown>;
  eraseGrant(id: string): Promise<unknown>;
  revokeBrand(id: string): Promise<unknown>;
  outboxRetry(): Promise<unknown>;
}

/** An action as a button shows it. */
export interface ActionPlan {
  /** The button's label. */
  label: MessageKey;
  /** Takes something away from the brand: asks first, shown as dangerous. */
  danger: boolean;
  /** No command performs it yet: the button is shown, disabled, with `why`. */
  available: boolean;
  why?: MessageKey;
}

export function actionPlan(a: ReviewActionDto): ActionPlan {
  switch (a.action) {
    case 'reissue':
      return { label: 'review.action.reissue', danger: false, available: true };
    case 'narrow':
      // The grant is reissued releasing the derived fact instead (`narrow_grant`): the brand
      // keeps the grant, with less in it, so nothing is taken away that it was promised.
      return { label: 'review.action.narrow', danger: false, available: true };
    case 'reconfirm':
      return { label: 'review.action.reconfirm', danger: false, available: true };
    case 'stopAds':
      return { label: 'review.action.stopAds', danger: true, available: true };
    case 'restate':
      return { label: 'review.action.restate', danger: false, available: true };
    case 'revoke':
      return { label: 'review.action.revoke', danger: true, available: true };
    case 'erase':
      return { label: 'review.action.erase', danger: true, available: true };
    case 'retry':
      return { label: 'review.action.retry', danger: false, available: true };
    case 'revokeBrand':
      return { label: 'review.action.revokeBrand', danger: true, available: true };
  }
}

/** Carry out an action with the existing commands. Changes that a connected brand must hear
 * about are queued in the vault; they are then sent right away, as the other screens do (what
 * cannot be delivered now stays queued). */
export async function runAction(api: ReviewApi, a: ReviewActionDto): Promise<void> {
  switch (a.action) {
    case 'reissue':
      await api.reissueGrant(a.grant, a.until);
      break;
    case 'narrow':
      await api.narrowGrant(a.grant, { replace: a.replace, with: a.with, drop: [] });
      break;
    case 'reconfirm':
    case 'restate':
      await api.reviewAdConsent(a.grant, true);
      break;
    case 'stopAds':
      await api.reviewAdConsent(a.grant, false);
      break;
    case 'revoke':
      await api.revokeGrant(a.grant);
      break;
    case 'erase':
      await api.eraseGrant(a.grant);
      break;
    case 'retry':
      await api.outboxRetry();
      return;
    case 'revokeBrand':
      await api.revokeBrand(a.brand);
      break;
  }
  await api.outboxRetry().catch(() => {});
}

/** A comma-separated list of field or derived-fact names, as the person reads them. */
function namesText(list: string | undefined, locale: Locale, labels: Record<string, string | null>): string {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((n) => fieldLabel(n, locale, labels))
    .join(', ');
}

/** The item's sentence in `locale`: its message key (`review.<kind>`) with the parameters made
 * readable (dates and numbers in the locale's form, field names as labels). */
export function reviewText(item: ReviewItemDto, locale: Locale, labels: Record<string, string | null> = {}): string {
  const p = item.params;
  const num = (k: string) => (p[k] !== undefined && p[k] !== '' ? formatNumber(Number(p[k]), locale) : '');
  const params = {
    brand: item.brandName,
    date: p.date ? formatCivilDate(p.date, locale) : '',
    sent: p.sent ? formatCivilDate(p.sent, locale) : '',
    days: num('days'),
    live: num('live'),
    released: namesText(p.released, locale, labels),
    fields: namesText(p.fields, locale, labels),
    derived: namesText(p.derived, locale, labels),
    channels: (p.channels ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((c) => channelLabel(c, locale))
      .join(', '),
  };
  return maybeTranslate(locale, item.message, params) ?? translate(locale, 'review.unknown', params);
}

/** The label of an action's button, with its parameters (the period of a reissue). */
export function actionText(a: ReviewActionDto, locale: Locale): string {
  const plan = actionPlan(a);
  const days = a.action === 'reissue' ? formatNumber(a.periodDays, locale) : '';
  const withFact = a.action === 'narrow' ? fieldLabel(a.with, locale) : '';
  return translate(locale, plan.label, { days, with: withFact });
}

/** A stable key for an item in a keyed list: one grant can have two items of a kind (its birth
 * date and its address, each with its own derived fact). */
export function itemKey(item: ReviewItemDto): string {
  return [item.kind, item.grantId ?? '', item.eventId ?? '', item.brand, item.params.derived ?? ''].join('|');
}
