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
 *
 * Writer cross-validation (cv/, docs/experiments/signatures/cv.sh): the 34 non-validation writers in four
 * folds, fold 0 being the test writers above and folds 1–3 the training writers dealt in order (9, 9, 8).
 * Fold k trains on the other 25–26 writers, keeps the same 6 validation writers for the checkpoint and the
 * thresholds, and is measured on its own held-out writers, so every one of the 34 is held out exactly once.
 * cv/fold-K-development.txt (--include), cv/fold-K-test-writers.txt (measured), and cv/all-development.txt:
 * every writer, for a final model trained on the 34 with the same 6 validation writers.
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

const folds = [test, sorted(order.slice(14, 23)), sorted(order.slice(23, 32)), sorted(order.slice(32))];
const cv = path.join(out, 'cv');
fs.mkdirSync(cv, { recursive: true });
/** @param {string} name @param {string} what @param {string[]} lines */
const writeCv = (name, what, lines) =>
  fs.writeFileSync(path.join(cv, name), `# CEDAR ${what} (scripts/cedar-split.js, seed ${SEED})\n${lines.join('\n')}\n`);
folds.forEach((held, k) => {
  const training = [...test, ...train].filter((w) => !held.includes(w));
  writeCv(
    `fold-${k}-development.txt`,
    `cross-validation fold ${k}: training + validation folders`,
    folders(sorted([...training, ...validation])),
  );
  writeCv(`fold-${k}-test-writers.txt`, `cross-validation fold ${k}: held-out writers, measured only`, held);
});
writeCv('all-development.txt', 'all 40 writers (34 training + the 6 validation), for the final model', folders(writers));
console.log(JSON.stringify({ writers: writers.length, train, validation, test, folds }));
