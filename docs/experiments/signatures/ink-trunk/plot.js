#!/usr/bin/env node
// Session 19: validation EER per epoch of the three all-writer runs of RULE.md (the model shipped before, the
// control S and the candidate T), from their cards' hyperparameters.history. Needs `npm run build`.
//   git show b7aae85:models/signature-fast160x80-cedar/model-card.json > /tmp/old-card.json
//   node docs/experiments/signatures/ink-trunk/plot.js /tmp/old-card.json .runs/signature-wide/all/model-card.json \
//     models/signature-fast160x80-cedar/model-card.json docs/experiments/signatures/ink-trunk/validation-eer.svg
const fs = require('fs');
const path = require('path');
const { lineChartSvg } = require(path.join(__dirname, '../../../../dist/training/plots/line-chart-svg'));

const [oldCard, sCard, tCard, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: plot.js OLD_CARD S_CARD T_CARD OUT.svg');
  process.exit(2);
}
const series = [
  [oldCard, 'before: scratch, 32-64-128-256'],
  [sCard, 'S: scratch, 64×4'],
  [tCard, 'T: Omniglot trunk, 64×4'],
].map(([file, name]) => {
  const card = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { name, points: card.hyperparameters.history.map((h) => [h.epoch, 100 * h.valEer]) };
});
fs.writeFileSync(
  out,
  lineChartSvg({
    title: 'Signature encoder: validation EER on skilled forgeries, 6 writers never trained on',
    subtitle: 'same recipe and seed (cv.sh, seed 102), 34 training writers; each run early-stopped 12 epochs after its best',
    xLabel: 'epoch (40 steps of 32 pairs)',
    yLabel: 'validation EER (%)',
    series,
    formatY: (v) => `${v.toFixed(0)}`,
  }),
);
console.log(`wrote ${out}`);
