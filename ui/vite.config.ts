import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The same policy the Tauri shell enforces, so `vite preview` catches CSP mistakes too.
const CSP = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'";

export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  // Tauri serves the files itself; relative paths keep them working from any origin.
  base: './',
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true, headers: { 'Content-Security-Policy': CSP } },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything as files: no inline scripts or data: URLs under the strict CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  // Component tests mount Svelte in happy-dom, which needs Svelte's browser build.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
}));
