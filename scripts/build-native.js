#!/usr/bin/env node
'use strict';
/**
 * Optional install step (scripts/prepare.js): builds native/ (the project's N-API kernel
 * module) with node-gyp. It never fails the install: without a C++ compiler, headers or
 * node-gyp it prints ONE warning line and exits 0, and the backend registry keeps wasm
 * (src/embedding/backend.ts). The full compiler output goes to native/build-native.log.
 *
 * Flags: --force (rebuild even when the module is newer than its sources), --dir DIR
 * (build another copy of native/: tests), --quiet (no success line).
 * Environment (install-time only): SIAMESE_NATIVE_BUILD=0 skips the build.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');

/** @param {string} name */
function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** node-gyp: the one npm runs scripts with, a local install, or the copy bundled with npm next to node. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => {
      try {
        return require.resolve('node-gyp/bin/node-gyp.js', { paths: [ROOT] });
      } catch {
        return undefined;
      }
    })(),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && fs.existsSync(c));
}

/** Node's headers installed next to the binary (distro packages): no download, works offline. */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** @param {string} dir */
function newestSource(dir) {
  let newest = fs.statSync(path.join(dir, 'binding.gyp')).mtimeMs;
  for (const f of fs.readdirSync(path.join(dir, 'src'))) newest = Math.max(newest, fs.statSync(path.join(dir, 'src', f)).mtimeMs);
  return newest;
}

function main() {
  const dir = path.resolve(arg('--dir') ?? path.join(ROOT, 'native'));
  const output = path.join(dir, 'build', 'Release', 'siamese_native.node');
  /** @param {string} why */
  const warn = (why) =>
    console.warn(
      `[native] WARNING: native kernels not built (${why}); tfjs will use the wasm backend. Details: ${path.join(dir, 'build-native.log')}`,
    );
  if (process.env.SIAMESE_NATIVE_BUILD === '0') {
    console.log('[native] skipped (SIAMESE_NATIVE_BUILD=0)');
    return;
  }
  if (!process.argv.includes('--force') && fs.existsSync(output) && fs.statSync(output).mtimeMs > newestSource(dir)) {
    if (!process.argv.includes('--quiet')) console.log('[native] up to date');
    return;
  }
  const gyp = findNodeGyp();
  if (!gyp) {
    fs.writeFileSync(path.join(dir, 'build-native.log'), 'node-gyp not found\n');
    warn('node-gyp not found');
    return;
  }
  const args = [gyp, 'rebuild'];
  const nodedir = process.env.npm_config_nodedir || localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  const log = `${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}`;
  fs.writeFileSync(path.join(dir, 'build-native.log'), log);
  if (r.status !== 0 || !fs.existsSync(output)) {
    const first = log.split('\n').find((l) => /error|not found|No such file|failed/i.test(l)) || `node-gyp exited with ${r.status}`;
    warn(first.trim().slice(0, 200));
    return;
  }
  if (!process.argv.includes('--quiet')) console.log(`[native] built ${path.relative(ROOT, output)} in ${Date.now() - t0} ms`);
}

try {
  main();
} catch (e) {
  console.warn(
    `[native] WARNING: native kernels not built (${e instanceof Error ? e.message : String(e)}); tfjs will use the wasm backend.`,
  );
}
process.exitCode = 0;
