// Errors from commands, normalised to { kind, message } and worded per kind.
import type { MessageKey, Translator } from './i18n';
import { ERROR_KINDS, type ErrorKind } from './bindings';

/** `unavailable`: not running inside Tauri (or the IPC bridge failed); `dialog`: the file dialog failed. */
export type UiErrorKind = ErrorKind | 'unavailable' | 'dialog';

export interface UiError {
  kind: UiErrorKind;
  message: string;
}

function isKind(k: unknown): k is ErrorKind {
  return typeof k === 'string' && (ERROR_KINDS as readonly string[]).includes(k);
}

/** Whatever `invoke` rejected with becomes a UiError; unknown shapes become `internal`. */
export function normaliseError(e: unknown): UiError {
  if (e && typeof e === 'object' && 'kind' in e) {
    const o = e as { kind: unknown; message?: unknown };
    const message = typeof o.message === 'string' ? o.message : '';
    if (isKind(o.kind) || o.kind === 'unavailable' || o.kind === 'dialog') {
      return { kind: o.kind as UiErrorKind, message };
    }
    return { kind: 'internal', message };
  }
  if (typeof e === 'string') {
    // Tauri rejects with a plain string when a command is missing or its arguments do not parse.
    return { kind: 'internal', message: e };
  }
  if (e instanceof Error) {
    // Outside the Tauri webview there is no IPC bridge: invoke throws a TypeError.
    if (e instanceof TypeError && /__TAURI|invoke|transformCallback/i.test(e.message)) {
      return { kind: 'unavailable', message: e.message };
    }
    return { kind: 'internal', message: e.message };
  }
  return { kind: 'internal', message: String(e) };
}

/** The i18n key of the sentence for a kind. */
export function errorKey(kind: UiErrorKind): MessageKey {
  return `error.${kind}` as MessageKey;
}

/** Kinds whose core message is specific and worth showing beneath the sentence. */
export function showsDetail(kind: UiErrorKind): boolean {
  return kind === 'invalid_input' || kind === 'conflict';
}

export interface ErrorText {
  /** The localised sentence. */
  text: string;
  /** The core's one-line English detail, only for kinds where it helps the person fix the input. */
  detail: string | null;
}

export function errorText(t: Translator, err: UiError): ErrorText {
  const detail = showsDetail(err.kind) && err.message.trim() ? err.message.trim() : null;
  return { text: t(errorKey(err.kind)), detail };
}
