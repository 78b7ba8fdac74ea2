// The commands of docs/desktop-ipc.md as typed functions. They are generated from the Rust
// command list (./bindings/commands.ts); this file only adds what the UI needs on top: every
// failure becomes a CommandFailure ({ kind, message }), never a raw exception, a `locked` answer
// from a vault command tells the locked handler, and the `vault-locked` event is read liberally.
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { normaliseError, type UiError } from './errors';
import {
  LOCK_FREE_COMMANDS,
  VAULT_LOCKED_EVENT,
  createCommands,
  type Call,
  type CommandName,
  type Commands,
  type LockReason,
  type VaultLockedEvent,
} from './bindings';

export class CommandFailure extends Error implements UiError {
  readonly kind: UiError['kind'];
  constructor(err: UiError) {
    super(err.message || err.kind);
    this.name = 'CommandFailure';
    this.kind = err.kind;
  }
  toUiError(): UiError {
    return { kind: this.kind, message: this.message === this.kind ? '' : this.message };
  }
}

/** Turn anything a call can throw into a UiError (for `catch (e)` blocks in screens). */
export function asUiError(e: unknown): UiError {
  return e instanceof CommandFailure ? e.toUiError() : normaliseError(e);
}

let lockedHandler: (() => void) | null = null;

/** Called when any command reports `locked` (e.g. the vault locked itself between two clicks). */
export function onLockedError(handler: (() => void) | null): void {
  lockedHandler = handler;
}

const call: Call = async <C extends CommandName>(command: C, args: Commands[C]['args']) => {
  try {
    return await invoke<Commands[C]['result']>(command, args as InvokeArgs);
  } catch (e) {
    const err = normaliseError(e);
    if (err.kind === 'locked' && !LOCK_FREE_COMMANDS.has(command)) lockedHandler?.();
    throw new CommandFailure(err);
  }
};

/** One function per command, e.g. `api.listBrands()`; each rejects only with a CommandFailure. */
export const api = createCommands(call);

const LOCK_REASONS: readonly LockReason[] = ['auto', 'manual', 'suspend', 'screen_lock'];

/** Read the event payload liberally: `"auto"`, `{ reason: "suspend" }` or nothing (then: auto). */
export function lockReasonOf(payload: unknown): LockReason {
  const r = typeof payload === 'string' ? payload : (payload as { reason?: unknown } | null)?.reason;
  return (LOCK_REASONS as readonly unknown[]).includes(r) ? (r as LockReason) : 'auto';
}

/** The Rust side emits `vault-locked` when it auto-locks; resolve to an unlisten function. */
export async function onVaultLocked(handler: (e: VaultLockedEvent) => void): Promise<UnlistenFn> {
  try {
    return await listen<unknown>(VAULT_LOCKED_EVENT, (event) => handler({ reason: lockReasonOf(event.payload) }));
  } catch {
    // Not inside Tauri (e.g. a static preview): nothing will ever lock the vault behind our back.
    return () => {};
  }
}
