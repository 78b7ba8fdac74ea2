/// <reference types="svelte" />
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Set to "1" only for local screenshot builds (never for the app). */
  readonly VITE_VOUCHSAFE_FAKE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
