#!/usr/bin/env node
'use strict';
/**
 * Build step run by `npm install` / `npm ci` (package.json "prepare") and, when anything is
 * stale, before `npm start` ("prestart": --if-stale). Works with no network:
 *
 *   1. render prisma/schema.source.prisma → prisma/{sqlite,postgresql}/schema.prisma
 *   2. `prisma generate` for both → generated/prisma-sqlite, generated/prisma-postgresql
 *      (engineType "client": the Wasm query compiler ships inside the npm package, so no
 *      engine binary is downloaded; skipped when the schema + Prisma version are unchanged)
 *   3. `tsc -p tsconfig.build.json` → dist/ (bin/siamese.js runs dist/cli/main.js)
 *   4. the web console (issue 15): console/build.mjs (esbuild) → console/dist, served at /console
 *   5. the native kernels (issue 16): scripts/build-native.js (node-gyp) → native/build/Release;
 *      optional: without a compiler it prints one warning and tfjs keeps the wasm backend
 *
 * Flags: --if-stale (do nothing when dist and the clients are newer than their sources),
 * --generate-only (steps 1-2). Type errors do not fail an install: tsc still emits, and a
 * broken `npm install` would hide them anyway; they are printed with a pointer to
 * `npm run typecheck`, which is the gate. A missing dist/cli/main.js does fail.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const PRISMA_CLI = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const { PROVIDERS, targetOf } = require('./render-prisma-schemas');

// Keep the Prisma CLI off the network: no update check, no telemetry checkpoint.
const QUIET_ENV = { ...process.env, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1', PRISMA_DISABLE_WARNINGS: '1' };

/** @param {string} msg */
function log(msg) {
  console.log(`[prepare] ${msg}`);
}

/**
 * @param {string[]} args
 * @param {string} what
 */
function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: QUIET_ENV, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout || ''}${r.stderr || ''}`, what };
}

function prismaVersion() {
  return require(path.join(ROOT, 'node_modules', 'prisma', 'package.json')).version;
}

/** @typedef {import('./render-prisma-schemas').Provider} Provider */

/** @param {Provider} provider */
function clientDir(provider) {
  return path.join(ROOT, 'generated', `prisma-${provider}`);
}

/** @param {Provider} provider */
function stampFile(provider) {
  return path.join(clientDir(provider), '.siamese-schema-hash');
}

/** @param {Provider} provider */
function schemaHash(provider) {
  return crypto
    .createHash('sha256')
    .update(fs.readFileSync(targetOf(provider)))
    .update(prismaVersion())
    .digest('hex');
}

/** @param {Provider} provider */
function clientIsCurrent(provider) {
  const stamp = stampFile(provider);
  return (
    fs.existsSync(stamp) &&
    fs.existsSync(path.join(clientDir(provider), 'index.js')) &&
    fs.readFileSync(stamp, 'utf8') === schemaHash(provider)
  );
}

function renderSchemas() {
  const r = run([path.join(__dirname, 'render-prisma-schemas.js')], 'render schemas');
  if (!r.ok) throw new Error(`${r.what} failed:\n${r.out}`);
}

function generateClients() {
  for (const provider of PROVIDERS) {
    if (clientIsCurrent(provider)) {
      log(`prisma client (${provider}) is up to date`);
      continue;
    }
    const t0 = Date.now();
    const r = run([PRISMA_CLI, 'generate', '--schema', targetOf(provider)], `prisma generate (${provider})`);
    if (!r.ok) throw new Error(`${r.what} failed:\n${r.out}`);
    fs.writeFileSync(stampFile(provider), schemaHash(provider));
    log(`generated prisma client (${provider}) in ${Date.now() - t0} ms`);
  }
}

function build() {
  const t0 = Date.now();
  const r = run([TSC, '-p', 'tsconfig.build.json'], 'tsc');
  const main = path.join(ROOT, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`tsc produced no dist/cli/main.js:\n${r.out}`);
  if (!r.ok) {
    const errors = r.out.split('\n').filter((l) => /error TS\d+/.test(l));
    console.warn(`[prepare] WARNING: tsc reported ${errors.length} type error(s); dist/ was emitted anyway.`);
    console.warn(errors.slice(0, 20).join('\n'));
    console.warn('[prepare] run `npm run typecheck` and fix them.');
  }
  fs.utimesSync(path.join(ROOT, 'dist'), new Date(), new Date());
  log(`built dist/ in ${Date.now() - t0} ms`);
}

/** The console bundle; a failure is reported, not fatal: the API works without it (/console answers 503). */
function buildConsole() {
  const r = run([path.join(ROOT, 'console', 'build.mjs')], 'console build');
  if (!r.ok) console.warn(`[prepare] WARNING: the console was not built (/console will answer 503):\n${r.out}`);
  else log(r.out.trim().replace(/^\[console\] /, ''));
}

/** The native kernels; never fatal (build-native.js always exits 0 and explains a failure in one line). */
function buildNative() {
  const r = run([path.join(__dirname, 'build-native.js')], 'native build');
  const out = r.out.trim();
  if (out) console.log(out);
}

/** Newest mtime (ms) of the files under `dir` matching `test`. */
/**
 * @param {string} dir
 * @param {(name: string) => boolean} test
 * @returns {number}
 */
function newestMtime(dir, test) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, test));
    else if (test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function isStale() {
  const main = path.join(ROOT, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(main)) return 'dist/ is missing';
  for (const provider of PROVIDERS) {
    if (!fs.existsSync(targetOf(provider))) return `prisma/${provider}/schema.prisma is missing`;
    if (!clientIsCurrent(provider)) return `the ${provider} prisma client is missing or stale`;
  }
  const built = fs.statSync(path.join(ROOT, 'dist')).mtimeMs;
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'src'), (n) => n.endsWith('.ts')),
    fs.statSync(path.join(ROOT, 'tsconfig.json')).mtimeMs,
    fs.statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs,
    fs.statSync(path.join(ROOT, 'prisma', 'schema.source.prisma')).mtimeMs,
  );
  if (sources > built) return 'sources changed since the last build';
  const consoleBuilt = path.join(ROOT, 'console', 'dist', 'index.html');
  if (!fs.existsSync(consoleBuilt)) return 'the console is not built';
  const consoleSources = newestMtime(path.join(ROOT, 'console', 'src'), () => true);
  return consoleSources > fs.statSync(consoleBuilt).mtimeMs ? 'the console sources changed since the last build' : null;
}

/** @param {string[]} argv */
function main(argv) {
  const t0 = Date.now();
  if (!fs.existsSync(PRISMA_CLI) || !fs.existsSync(TSC)) {
    // `npm install --omit=dev` has no prisma/typescript: nothing to build with.
    throw new Error('prisma and typescript are needed to build: install dev dependencies (npm install)');
  }
  if (argv.includes('--if-stale')) {
    const reason = isStale();
    if (!reason) return;
    log(`rebuilding: ${reason}`);
  }
  renderSchemas();
  generateClients();
  if (!argv.includes('--generate-only')) {
    build();
    buildConsole();
    buildNative();
  }
  log(`done in ${Date.now() - t0} ms`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  console.error(`[prepare] ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
