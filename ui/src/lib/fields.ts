// Field names in words, group order, and the rules the profile screen applies before asking the core.
import type { Locale, MessageKey } from './i18n';
import { maybeTranslate, translate } from './i18n';
import type { FieldDto, FieldGroup, FieldSpecDto } from './bindings';

export const GROUP_ORDER: readonly FieldGroup[] = [
  'identity', 'contact', 'address', 'preferences', 'sizes', 'memberships', 'custom',
];

export const CHANNELS = ['email', 'sms', 'phone', 'post', 'push', 'messenger'] as const;
export type Channel = (typeof CHANNELS)[number];

export function groupKey(g: FieldGroup): MessageKey {
  return `group.${g}` as MessageKey;
}

/** The catalogue's own description in the UI language. */
export function describe(spec: FieldSpecDto, locale: Locale): string {
  return locale === 'ko' ? spec.descriptionKo : spec.descriptionEn;
}

/**
 * A field name or released datatype in words: `email` → "Email", `membership.cj_one` →
 * "cj_one membership number", `custom.blood_type` → its label (or "blood type"),
 * `age_over_18` → "Over 18 (yes/no)".
 */
export function fieldLabel(name: string, locale: Locale, labels: Record<string, string | null | undefined> = {}): string {
  const fixed = maybeTranslate(locale, `field.${name}`);
  if (fixed) return fixed;
  if (name.startsWith('membership.')) return translate(locale, 'field.membership', { name: name.slice(11) });
  if (name.startsWith('custom.')) {
    const label = labels[name];
    return label && label.trim() ? label : name.slice(7).replace(/_/g, ' ');
  }
  const age = /^age_over[_:](\d+)$/.exec(name);
  if (age) return translate(locale, 'derived.age_over', { n: age[1] ?? '' });
  if (name === 'adult_kr') return translate(locale, 'derived.adult_kr');
  if (name === 'birthday') return translate(locale, 'derived.birthday');
  if (name === 'city') return translate(locale, 'derived.city');
  return name;
}

export function labelsOf(fields: readonly FieldDto[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const f of fields) out[f.name] = f.label;
  return out;
}

export function channelLabel(channel: string, locale: Locale): string {
  return maybeTranslate(locale, `channel.${channel}`) ?? channel;
}

/**
 * Turn what someone typed as a custom/membership name into the core's spelling where that is
 * unambiguous: trimmed, spaces to `_`, ASCII upper case to lower. Everything else is left for
 * the core to accept or explain.
 */
export function slugName(raw: string): string {
  return raw
    .trim()
    .replace(/\s+/g, '_')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export interface FieldGroupView {
  group: FieldGroup;
  specs: FieldSpecDto[];
  /** Set fields of the open families (memberships, custom), sorted by name. */
  dynamic: FieldDto[];
}

/** By name, in code-point order: the order the core's `field_page` returns, and cheap enough
 * for a profile of 10,000 fields (`localeCompare` asks ICU for every comparison). */
export function byFieldName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Catalogue and set fields arranged by group, in display order: one pass over the fields, so
 * a profile of thousands of custom fields costs one sort, not a scan per group. */
export function groupFields(catalogue: readonly FieldSpecDto[], fields: readonly FieldDto[]): FieldGroupView[] {
  const inCatalogue = new Set(catalogue.map((s) => s.name));
  const dynamic = new Map<FieldGroup, FieldDto[]>(GROUP_ORDER.map((g) => [g, []]));
  for (const f of fields) if (!inCatalogue.has(f.name)) dynamic.get(f.group)?.push(f);
  return GROUP_ORDER.map((group) => ({
    group,
    specs: catalogue.filter((s) => s.group === group),
    dynamic: (dynamic.get(group) ?? []).sort(byFieldName),
  }));
}

/** Order set fields like the profile screen: catalogue order first, then memberships, then custom. */
export function sortFields(catalogue: readonly FieldSpecDto[], fields: readonly FieldDto[]): FieldDto[] {
  const place = new Map(catalogue.map((s, i) => [s.name, i]));
  const rank = (f: FieldDto): number => place.get(f.name) ?? catalogue.length + GROUP_ORDER.indexOf(f.group);
  return [...fields].sort((a, b) => rank(a) - rank(b) || byFieldName(a, b));
}
