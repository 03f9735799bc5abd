#!/usr/bin/env node
'use strict';
/**
 * Writes the "intended use and limitations" section into a model card:
 *   node scripts/set-intended-use.js MODEL_DIR FILE.json
 * FILE.json holds { summary, intendedFor[], notFor[], photos, trainedOn, calibratedOn,
 * measured[{what, value, ci95?, command}], failureModes[] } (see IntendedUse in
 * src/embedding/model-card.ts). Only model-card.json changes (atomically); the
 * weights and so the fingerprint and version stay as they are.
 */
const fs = require('fs');
const path = require('path');
const [dir, file] = process.argv.slice(2);
if (!dir || !file) {
  console.error('usage: node scripts/set-intended-use.js MODEL_DIR FILE.json');
  process.exit(2);
}
const use = JSON.parse(fs.readFileSync(file, 'utf8'));
const required = ['summary', 'intendedFor', 'notFor', 'photos', 'trainedOn', 'calibratedOn', 'measured', 'failureModes'];
const missing = required.filter((k) => use[k] === undefined);
if (missing.length) {
  console.error(`${file} lacks ${missing.join(', ')}`);
  process.exit(1);
}
const cardFile = path.join(dir, 'model-card.json');
const card = JSON.parse(fs.readFileSync(cardFile, 'utf8'));
card.intendedUse = use;
fs.writeFileSync(`${cardFile}.tmp`, JSON.stringify(card, null, 2) + '\n');
fs.renameSync(`${cardFile}.tmp`, cardFile);
console.log(`wrote intendedUse into ${cardFile}`);
