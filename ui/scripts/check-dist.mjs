// Run after `vite build`: the built app must work under the strict CSP
// (default-src 'self'; style-src 'self'; script-src 'self') and must not carry dev-only code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const problems = [];
const html = readFileSync(join(dist, 'index.html'), 'utf8');

for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (!/\bsrc=/.test(m[1] ?? '') || (m[2] ?? '').trim()) problems.push('index.html has an inline <script>');
}
if (/<style\b/i.test(html)) problems.push('index.html has an inline <style>');
if (/\sstyle\s*=/i.test(html)) problems.push('index.html has a style="" attribute');
if (/\son[a-z]+\s*=/i.test(html)) problems.push('index.html has an inline event handler');
if (/(src|href)=["']?(https?:)?\/\//i.test(html)) problems.push('index.html loads something from another origin');

const assets = readdirSync(join(dist, 'assets'));
for (const f of assets) {
  const text = readFileSync(join(dist, 'assets', f), 'utf8');
  if (f.endsWith('.js')) {
    if (/\beval\s*\(|new Function\s*\(/.test(text)) problems.push(`${f} uses eval or new Function`);
    if (/mockIPC|VOUCHSAFE_FAKE|correct horse battery staple/.test(text)) problems.push(`${f} contains the dev-only fake backend`);
  }
  if (f.endsWith('.css') && /@import\s+url\(\s*["']?https?:|fonts\.googleapis/i.test(text)) {
    problems.push(`${f} loads remote fonts or styles`);
  }
}
if (assets.some((f) => f.startsWith('fake'))) problems.push('the fake backend chunk was emitted');

if (problems.length) {
  console.error(`dist check failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`dist check: ok (${assets.length} assets, no inline script or style, no eval, no dev code)`);
