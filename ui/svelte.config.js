import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Styles go to the emitted .css file, never into <style> tags at runtime (strict CSP).
    css: 'external',
  },
};
