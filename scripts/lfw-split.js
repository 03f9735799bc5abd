#!/usr/bin/env node
'use strict';
/**
 * The project's split of LFW's View 1 training people (../shared/datasets/lfw-devtrain) by identity:
 *   held-out (never trained on, never used to choose a model or threshold; the face targets are measured here):
 *     people with ≥ 2 photos whose rank in name order is 0 or 1 mod 5 (40 %), and every 2nd single-photo person;
 *   train: everyone else (the trainer splits its own validation people out of these for checkpoint and thresholds).
 * Deterministic: node scripts/lfw-split.js [DATASET] [OUT_DIR] rewrites splits/lfw-devtrain/{train,heldout}.txt.
 */
const fs = require('fs');
const path = require('path');
const root = path.resolve(process.argv[2] || path.join(__dirname, '../../shared/datasets/lfw-devtrain'));
const out = path.resolve(process.argv[3] || path.join(__dirname, '../splits/lfw-devtrain'));
const people = fs
  .readdirSync(root)
  .filter((p) => fs.statSync(path.join(root, p)).isDirectory())
  .sort();
/** @param {string} p */
const count = (p) => fs.readdirSync(path.join(root, p)).filter((f) => /\.(jpe?g|png)$/i.test(f)).length;
const multi = people.filter((p) => count(p) >= 2);
const single = people.filter((p) => count(p) === 1);
const heldout = new Set([...multi.filter((_, i) => i % 5 < 2), ...single.filter((_, i) => i % 2 === 0)]);
const train = people.filter((p) => !heldout.has(p));
fs.mkdirSync(out, { recursive: true });
/** @param {string} what */
const header = (what) => `# lfw-devtrain ${what} (scripts/lfw-split.js); one person per line\n`;
fs.writeFileSync(path.join(out, 'train.txt'), header('training people') + train.join('\n') + '\n');
fs.writeFileSync(path.join(out, 'heldout.txt'), header('held-out people') + [...heldout].sort().join('\n') + '\n');
/** @param {string[]} list */
const imgs = (list) => list.reduce((s, p) => s + count(p), 0);
console.log(
  JSON.stringify({
    people: people.length,
    multi: multi.length,
    train: train.length,
    trainImages: imgs(train),
    trainMulti: train.filter((p) => count(p) >= 2).length,
    heldout: heldout.size,
    heldoutImages: imgs([...heldout]),
    heldoutMulti: multi.filter((_, i) => i % 5 < 2).length,
  }),
);
