// Bundles the console (console/src → console/dist) with esbuild: one minified script, the
// stylesheet and index.html, no CDN and nothing loaded at run time. Run by scripts/prepare.js
// (npm install) and `npm run build:console`; prints the bundle size.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
const t0 = Date.now();
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { console: path.join(here, 'src', 'main.tsx'), 'console.css': path.join(here, 'src', 'style.css') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
  entryNames: '[name]',
});
// esbuild names a CSS entry "console.css.css": one plain name instead.
if (fs.existsSync(path.join(out, 'console.css.css'))) fs.renameSync(path.join(out, 'console.css.css'), path.join(out, 'console.css'));
fs.copyFileSync(path.join(here, 'src', 'index.html'), path.join(out, 'index.html'));
const sizes = fs.readdirSync(out).map((f) => `${f} ${(fs.statSync(path.join(out, f)).size / 1024).toFixed(1)} KiB`);
console.log(`[console] built console/dist in ${Date.now() - t0} ms: ${sizes.join(', ')}`);
