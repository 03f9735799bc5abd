#!/usr/bin/env node
'use strict';
/**
 * The project's writer-independent split of CEDAR signers 01–40 (../shared/datasets/cedar-signatures):
 *   train (26 writers): the encoder learns from their genuine signatures and their skilled forgeries;
 *   validation (6): chooses the checkpoint and calibrates the served thresholds (forgeries as negatives);
 *   test (8): held out, only measured (never used to choose a model, a checkpoint or a threshold).
 * Writers are dealt by a seeded Fisher–Yates shuffle (mulberry32, seed 17, as src/training/samplers/rng.ts),
 * so the split does not follow the numbering. Deterministic:
 *   node scripts/cedar-split.js [DATASET] [OUT_DIR]   rewrites splits/cedar/*.txt
 * Files: {train,validation,test}-writers.txt (writer names, for --val-writers), and
 * development.txt / test.txt (WRITER/genuine + WRITER/forged folders, for --include).
 */
const fs = require('fs');
const path = require('path');
const root = path.resolve(process.argv[2] || path.join(__dirname, '../../shared/datasets/cedar-signatures'));
const out = path.resolve(process.argv[3] || path.join(__dirname, '../splits/cedar'));
const SEED = 17;
const writers = fs
  .readdirSync(root)
  .filter((w) => /^\d+$/.test(w) && fs.statSync(path.join(root, w)).isDirectory())
  .sort();
if (writers.length !== 40) throw new Error(`expected 40 writers under ${root}, found ${writers.length}`);

/** mulberry32, identical to src/training/samplers/rng.ts. @param {number} seed */
function rng(seed) {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = rng(SEED);
const order = [...writers];
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(next() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
/** @param {string[]} list */
const sorted = (list) => [...list].sort();
const test = sorted(order.slice(0, 8));
const validation = sorted(order.slice(8, 14));
const train = sorted(order.slice(14));

fs.mkdirSync(out, { recursive: true });
/** @param {string} name @param {string} what @param {string[]} lines */
const write = (name, what, lines) =>
  fs.writeFileSync(path.join(out, name), `# CEDAR ${what} (scripts/cedar-split.js, seed ${SEED})\n${lines.join('\n')}\n`);
/** @param {string[]} list */
const folders = (list) => list.flatMap((w) => [`${w}/genuine`, `${w}/forged`]);
write('train-writers.txt', 'training writers', train);
write('validation-writers.txt', 'validation writers: checkpoint and thresholds', validation);
write('test-writers.txt', 'held-out test writers: measured only', test);
write('development.txt', 'training + validation folders, for --include', folders(sorted([...train, ...validation])));
write('test.txt', 'held-out test folders, for --include', folders(test));
console.log(JSON.stringify({ writers: writers.length, train, validation, test }));
