// Native file dialogs (tauri-plugin-dialog). They return a path or null when cancelled.
import { open, save } from '@tauri-apps/plugin-dialog';
import { CommandFailure } from './api';

export interface Filter {
  name: string;
  extensions: string[];
}

declare global {
  interface Window {
    /**
     * The end-to-end test cannot drive the native file chooser (it is not part of the page), so
     * it answers the next dialogs by setting this through WebDriver. Nothing else sets it; a
     * script in the page could call the commands directly anyway, so it opens nothing new.
     */
    __VOUCHSAFE_E2E_FILE__?: string;
  }
}

async function guarded<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new CommandFailure({ kind: 'dialog', message: e instanceof Error ? e.message : String(e) });
  }
}

export async function chooseFileToOpen(title: string, filters?: Filter[]): Promise<string | null> {
  if (typeof window !== 'undefined' && window.__VOUCHSAFE_E2E_FILE__) return window.__VOUCHSAFE_E2E_FILE__;
  const picked = await guarded(() => open({ title, multiple: false, directory: false, filters }));
  if (picked === null || picked === undefined) return null;
  return Array.isArray(picked) ? (picked[0] ?? null) : picked;
}

export async function chooseFileToSave(title: string, defaultPath: string, filters?: Filter[]): Promise<string | null> {
  if (typeof window !== 'undefined' && window.__VOUCHSAFE_E2E_FILE__) return window.__VOUCHSAFE_E2E_FILE__;
  const picked = await guarded(() => save({ title, defaultPath, filters }));
  return picked ?? null;
}

/** A file-name-safe form of an id (brand ids may be URLs). */
export function fileSafe(s: string): string {
  return s.replace(/^https?:\/\//, '').replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'file';
}
