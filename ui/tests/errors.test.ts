import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../src/lib/bindings';
import { errorKey, errorText, normaliseError, showsDetail } from '../src/lib/errors';
import { translate } from '../src/lib/i18n';

const tEn = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', k, p);
const tKo = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('ko', k, p);

describe('normaliseError', () => {
  it('keeps a CommandError as is', () => {
    expect(normaliseError({ kind: 'wrong_passphrase', message: 'wrong passphrase' })).toEqual({
      kind: 'wrong_passphrase',
      message: 'wrong passphrase',
    });
  });
  it('turns unknown kinds and shapes into internal', () => {
    expect(normaliseError({ kind: 'teapot', message: 'x' })).toEqual({ kind: 'internal', message: 'x' });
    expect(normaliseError('command foo not found')).toEqual({ kind: 'internal', message: 'command foo not found' });
    expect(normaliseError(new Error('boom'))).toEqual({ kind: 'internal', message: 'boom' });
    expect(normaliseError(42)).toEqual({ kind: 'internal', message: '42' });
    expect(normaliseError({ kind: 'io' })).toEqual({ kind: 'io', message: '' });
  });
  it('recognises a missing Tauri bridge', () => {
    const e = new TypeError("Cannot read properties of undefined (reading 'invoke')");
    expect(normaliseError(e).kind).toBe('unavailable');
  });
});

describe('kind → words', () => {
  it('every contract kind has a sentence in both languages', () => {
    for (const k of ERROR_KINDS) {
      expect(tEn(errorKey(k))).not.toBe(errorKey(k));
      expect(tKo(errorKey(k))).not.toBe(errorKey(k));
    }
  });
  it('wrong passphrase says so plainly', () => {
    expect(errorText(tEn, { kind: 'wrong_passphrase', message: 'wrong passphrase' })).toEqual({
      text: 'Wrong passphrase. Check it (and Caps Lock) and try again.',
      detail: null,
    });
    expect(errorText(tKo, { kind: 'wrong_passphrase', message: '' }).text).toContain('암호가 틀렸습니다');
  });
  it('invalid_input shows the core message beneath', () => {
    const e = { kind: 'invalid_input' as const, message: 'email "foo@" has no domain after "@"' };
    expect(errorText(tEn, e)).toEqual({ text: 'That was not accepted.', detail: 'email "foo@" has no domain after "@"' });
    expect(showsDetail('invalid_input')).toBe(true);
  });
  it('never shows raw messages for internal, io or integrity errors', () => {
    for (const kind of ['internal', 'io', 'integrity', 'vault_file', 'locked'] as const) {
      expect(errorText(tEn, { kind, message: 'sqlite: disk I/O error at 0x7f' }).detail).toBeNull();
    }
  });
});
