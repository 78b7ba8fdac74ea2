// The audit log in words: action names, subjects and the chain's state.
import { fieldLabel } from './fields';
import { maybeTranslate, type Locale, type Translator } from './i18n';
import { formatNumber } from './format';
import type { AuditEntryDto, ChainState } from './bindings';

/** The entry's message key (its action) as a name, e.g. "Grant issued". */
export function actionLabel(action: string, locale: Locale): string {
  return maybeTranslate(locale, `action.${action}`) ?? action;
}

/** Field names become their label; grant ids are shortened; anything else is shown as is. */
export function subjectLabel(entry: AuditEntryDto, locale: Locale, labels: Record<string, string | null> = {}): string {
  if (entry.action.startsWith('field.')) return fieldLabel(entry.subject, locale, labels);
  if (entry.action.startsWith('grant.') && entry.subject.length > 16) return `${entry.subject.slice(0, 12)}…`;
  return entry.subject;
}

export interface ChainView {
  ok: boolean;
  text: string;
  reason: string | null;
}

export function chainView(chain: ChainState, t: Translator, locale: Locale): ChainView {
  if (chain.state === 'intact') {
    return {
      ok: true,
      text: chain.entries > 0 ? t('activity.intact', { count: formatNumber(chain.entries, locale) }) : t('activity.intactEmpty'),
      reason: null,
    };
  }
  return {
    ok: false,
    text: t('activity.broken', { seq: formatNumber(chain.atSeq, locale) }),
    reason: chain.reason ? t('activity.brokenReason', { reason: chain.reason }) : null,
  };
}

/**
 * The entry's detail in words: the core sends a message key (the action) and its parameters,
 * worded here from `audit.<key>` (`audit.<key>.all` when a whole brand's grants went at once),
 * with field names as their labels. Entries written before parameters existed carry only an
 * English phrase, shown as it is. `null` when there is nothing to add to the action's name.
 */
export function detailText(entry: AuditEntryDto, locale: Locale, labels: Record<string, string | null> = {}): string | null {
  const params = entry.params ?? {};
  if (Object.keys(params).length === 0) return entry.detail || null;
  const words: Record<string, string> = { ...params };
  if (params.fields !== undefined) {
    words.fields = params.fields
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean)
      .map((f) => fieldLabel(f, locale, labels))
      .join(', ');
  }
  const key = `audit.${entry.key}${params.all === 'true' ? '.all' : ''}`;
  return maybeTranslate(locale, key, words) ?? null;
}

/** Newest first, as a timeline reads. */
export function newestFirst(entries: readonly AuditEntryDto[]): AuditEntryDto[] {
  return [...entries].sort((a, b) => b.seq - a.seq);
}
