#!/usr/bin/env node
'use strict';
/**
 * Redraws a model directory's plots from its card: `roc.svg` and
 * `learning-curve.svg` (training writes both; this is for models trained
 * before a plot existed, or after editing a card's name). Weights are not
 * touched, so the fingerprint and version stay valid.
 *
 *   node scripts/render-plots.js models/omniglot-fast40-ensemble [more dirs]
 */
const fs = require('node:fs');
const path = require('node:path');
// Runs the build (dist/); typed by its source. The computed paths keep `npm run typecheck:scripts` out of dist/.
const DIST = path.join(__dirname, '..', 'dist');
/** @type {typeof import('../src/training/save-trained-model')} */
const { rocSvgForCard } = require(path.join(DIST, 'training/save-trained-model'));
/** @type {typeof import('../src/training/plots/learning-curve-svg')} */
const { learningCurveSvg } = require(path.join(DIST, 'training/plots/learning-curve-svg'));

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node scripts/render-plots.js MODEL_DIR [MODEL_DIR …]');
  process.exit(2);
}
for (const dir of dirs) {
  const card = JSON.parse(fs.readFileSync(path.join(dir, 'model-card.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'roc.svg'), rocSvgForCard(card));
  const curve = learningCurveSvg(card);
  if (curve) fs.writeFileSync(path.join(dir, 'learning-curve.svg'), curve);
  console.log(`${dir}: roc.svg${curve ? ', learning-curve.svg' : ' (no history: no learning curve)'}`);
}
