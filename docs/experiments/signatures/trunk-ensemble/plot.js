#!/usr/bin/env node
// Session 20: validation EER per epoch of E's three members (cards' hyperparameters.history) and the ensemble's
// own validation EER as a level, the quantities RULE.md's decision read. Needs `npm run build`.
//   node docs/experiments/signatures/trunk-ensemble/plot.js models/signature-fast160x80-cedar/model-card.json \
//     docs/experiments/signatures/trunk-ensemble/validation-eer.svg
const fs = require('fs');
const path = require('path');
const { lineChartSvg } = require(path.join(__dirname, '../../../../dist/training/plots/line-chart-svg'));

const [ensembleCard, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: plot.js ENSEMBLE_CARD OUT.svg');
  process.exit(2);
}
const card = JSON.parse(fs.readFileSync(ensembleCard, 'utf8'));
const members = card.hyperparameters.ensembleOf;
const labels = ['T: Omniglot member 0, seed 102', 'U1: member 1, seed 103', 'U2: member 2, seed 104'];
const series = members.map((m, i) => ({
  name: labels[i] ?? m.name,
  points: m.hyperparameters.history.map((h) => [h.epoch, 100 * h.valEer]),
}));
const lastEpoch = Math.max(...series.flatMap((s) => s.points.map((p) => p[0])));
// The ensemble is calibrated once, on its members' best epochs; its validation EER is drawn as a level.
const eer = 100 * card.validation.eer;
series.push({ name: `E = T + U1 + U2 (best epochs): ${eer.toFixed(2)} %`, points: [[1, eer], [lastEpoch, eer]] });
fs.writeFileSync(
  out,
  lineChartSvg({
    title: 'Three signature encoders, three Omniglot trunks: validation EER (6 writers)',
    subtitle: 'skilled forgeries as negatives; each member early-stopped 12 epochs after its best; E averages their best checkpoints',
    xLabel: 'epoch (40 steps of 32 pairs)',
    yLabel: 'validation EER (%)',
    series,
    formatY: (v) => `${v.toFixed(0)}`,
  }),
);
console.log(`wrote ${out}`);
