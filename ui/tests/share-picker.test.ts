import { describe, expect, it } from 'vitest';
import { FIELD_PAGE, pickerFields } from '../src/lib/share';
import type { FieldDto } from '../src/lib/bindings';

const f = (name: string): FieldDto => ({ name, value: `${name} value`, label: null, group: 'custom', updatedAt: 0 });

describe("the share form's field picker", () => {
  it('shows the page, then every ticked field the page does not show, once', () => {
    const page = [f('email'), f('given_name')];
    const seen = { email: f('email'), given_name: f('given_name'), 'custom.a': f('custom.a'), 'custom.b': f('custom.b') };
    const shown = pickerFields(page, ['custom.b', 'email', 'custom.b', 'custom.a'], seen);
    expect(shown.map((x) => x.name)).toEqual(['email', 'given_name', 'custom.b', 'custom.a']);
  });

  it('shows only the page when nothing off it is ticked, and skips a name never fetched', () => {
    const page = [f('email')];
    expect(pickerFields(page, ['email'], { email: f('email') })).toEqual(page);
    expect(pickerFields(page, ['custom.gone'], { email: f('email') })).toEqual(page);
    expect(pickerFields([], [], {})).toEqual([]);
  });

  it('asks for a page small enough to draw at once', () => {
    expect(FIELD_PAGE).toBeGreaterThan(0);
    expect(FIELD_PAGE).toBeLessThanOrEqual(100);
  });
});
