import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';

async function start(): Promise<void> {
  // Screenshot/preview builds only (VITE_VOUCHSAFE_FAKE=1 at build time): an in-memory stand-in
  // for the Rust commands. The condition is a build-time constant, so production builds drop
  // the module entirely.
  if (import.meta.env.VITE_VOUCHSAFE_FAKE === '1') {
    const fake = await import('./dev/fake');
    fake.install(new URLSearchParams(window.location.search));
  }
  const target = document.getElementById('app');
  if (target) mount(App, { target });
}

void start();
