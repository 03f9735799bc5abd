#!/usr/bin/env node
'use strict';
/**
 * The long soak of issue 7 (the CI variant is test/reliability/soak.e2e.test.ts):
 * starts the real server in its own process on loopback (a temp data dir, the tiny
 * test model or SIAMESE_MODEL), runs 32 closed-loop clients of mixed verify /
 * searchSimilar / enroll for SOAK_SECONDS (default 600), and prints requests,
 * 5xx, failures, p50/p99 and the server's RSS and tf tensor count at start and end.
 * Exit code 1 on any 5xx, failed request or leaked tensor.
 *
 *   node scripts/soak.js                      # 10 minutes, concurrency 32
 *   SOAK_SECONDS=3600 SOAK_CONCURRENCY=64 node scripts/soak.js
 *   SOAK_URL=http://host:4000/graphql SOAK_TOKEN=… node scripts/soak.js   # against a running server
 *
 * Runs the TypeScript sources through a transpile-on-load hook (no build step).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

// A computed path: `npm run typecheck:scripts` checks scripts/, not the hook's internals.
require(path.join(__dirname, '../src/runtime/ts-register.js'));

const root = path.join(__dirname, '..');
const { runSoak, formatSoak } = require(path.join(root, 'test/reliability/soak-load.ts'));
const { startChildServer, serverEnv } = require(path.join(root, 'test/reliability/child-server.ts'));
const { tinyModelOnce } = require(path.join(root, 'test/fixtures/tiny-model-once.ts'));

(async () => {
  const seconds = Number(process.env.SOAK_SECONDS || 600);
  const concurrency = Number(process.env.SOAK_CONCURRENCY || 32);
  let url = process.env.SOAK_URL;
  let token = process.env.SOAK_TOKEN || '';
  let child;
  let dataDir;
  if (!url) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-soak-'));
    const modelDir = process.env.SIAMESE_MODEL ? path.resolve(process.env.SIAMESE_MODEL) : (await tinyModelOnce()).modelDir;
    token = 'soak-admin-token-0123456789abcdef';
    const extra = { SIAMESE_BACKEND: process.env.SIAMESE_BACKEND || 'wasm' };
    ({ child, url } = await startChildServer(serverEnv(dataDir, modelDir, token, extra)));
    console.log(`soak: server ${url} (model ${modelDir}, data ${dataDir})`);
  }
  try {
    const r = await runSoak({ url, token, seconds, concurrency, log: (/** @type {string} */ l) => console.log(l) });
    console.log(formatSoak(r));
    return r.http5xx === 0 && r.failed === 0 && r.end.numTensors === r.start.numTensors ? 0 : 1;
  } finally {
    if (child) child.kill('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
})().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  },
);
