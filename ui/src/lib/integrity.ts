// What the integrity check found, in words: one line per problem naming the record, the
// rollback warning, and the restore preview's counts. Kept out of the components so the wording
// is tested without a window.
import type { GrantBriefDto, IntegrityReport, Problem, RestorePreviewDto } from './bindings';
import type { MessageKey } from './i18n';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const TABLES = ['fields', 'brands', 'grants', 'audit', 'vault_meta'] as const;

/** Row ids are long (a grant's UUID, a field's lookup hash); eight characters name one. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** "Grant 7f194c12: changed without your passphrase". */
export function problemLine(t: Translate, p: Problem): string {
  const table = (TABLES as readonly string[]).includes(p.table) ? p.table : 'other';
  const what = t(`integrity.table.${table}` as MessageKey);
  // The anchor is one per vault: its id says nothing to a person.
  const id = p.table === 'vault_meta' ? '' : shortId(p.id);
  return t('integrity.line', { what, id, problem: t(`integrity.kind.${p.kind}` as MessageKey) })
    .replace(/\s+:/, ':')
    .trim();
}

/** Whether the window must keep warning: the check found problems. (An accepted rollback is
 * said once, when it is accepted.) */
export function isUntrusted(report: IntegrityReport | null | undefined): boolean {
  return !!report && !report.intact;
}

/** The sentence after a rollback was accepted, or null. */
export function rollbackNotice(t: Translate, report: IntegrityReport | null | undefined): string | null {
  const r = report?.rollback;
  return r?.accepted ? t('rollback.accepted', { generation: r.generation, seen: r.seen }) : null;
}

/** One grant of a restore preview: "Acme Coffee: email, age_over_18". */
export function grantLine(t: Translate, g: GrantBriefDto): string {
  return t('restorePreview.grant', { brand: g.brandName || g.brand || '?', released: g.released.join(', ') || '–' });
}

/** Whether the preview has nothing to list (no grant brought back or forgotten). */
export function previewIsQuiet(p: RestorePreviewDto): boolean {
  return !p.currentUntrusted && p.unrevoked.length === 0 && p.forgotten.length === 0;
}
