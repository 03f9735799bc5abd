#!/usr/bin/env node
'use strict';
/**
 * docs/orl-scaling.svg: ORL test EER (s31–s40) against the number of training
 * subjects, from runs that each hold `model-card.json` and `<run>.test.json`
 * (the `siamese eval --json` output on s31–s40). Prints the points, the mean
 * per size and a least-squares power law EER ≈ a·n^b fitted to the means —
 * a trend line to read the curve by, not a promise about 200 subjects.
 *
 *   node scripts/plot-orl-scaling.js OUT.svg RUN_DIR [RUN_DIR …]
 */
const fs = require('node:fs');
const { lineChartSvg } = require('../dist/training/plots/line-chart-svg');

const [out, ...runs] = process.argv.slice(2);
if (!out || runs.length === 0) {
  console.error('usage: node scripts/plot-orl-scaling.js OUT.svg RUN_DIR [RUN_DIR …]');
  process.exit(2);
}
const points = runs.map((dir) => {
  const card = JSON.parse(fs.readFileSync(`${dir}/model-card.json`, 'utf8'));
  const test = JSON.parse(fs.readFileSync(`${dir}.test.json`, 'utf8')).verification;
  return { dir, n: card.data.trainIdentities, eer: test.eer, auc: test.auc };
});
const sizes = [...new Set(points.map((p) => p.n))].sort((a, b) => a - b);
const means = sizes.map((n) => {
  const at = points.filter((p) => p.n === n);
  return [n, at.reduce((s, p) => s + p.eer, 0) / at.length, at.length];
});
// Least squares on log EER = log a + b log n.
const xs = means.map((m) => Math.log(m[0]));
const ys = means.map((m) => Math.log(m[1]));
const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
const my = ys.reduce((s, v) => s + v, 0) / ys.length;
const b = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
const a = Math.exp(my - b * mx);
for (const p of points) console.log(`${p.dir}: ${p.n} training subjects, EER ${(p.eer * 100).toFixed(1)} %, AUC ${p.auc.toFixed(4)}`);
for (const [n, e, k] of means) console.log(`n = ${n}: mean EER ${(e * 100).toFixed(1)} % over ${k} runs`);
console.log(`power law: EER ≈ ${a.toFixed(3)} · n^${b.toFixed(3)}; 2 % at n ≈ ${Math.round((0.02 / a) ** (1 / b))} (extrapolated)`);
const fitXs = [sizes[0], ...Array.from({ length: 20 }, (_, i) => sizes[0] + ((sizes[sizes.length - 1] - sizes[0]) * (i + 1)) / 20)];
fs.writeFileSync(out, lineChartSvg({
  title: 'ORL: held-out EER against training subjects',
  subtitle: 'orl-fast46x56-triplet recipe · EER on s31–s40 · one dot per seed',
  xLabel: 'training subjects', yLabel: 'EER on s31–s40 (%)',
  series: [
    { name: 'one run', points: points.map((p) => [p.n, 100 * p.eer]), noLine: true, dots: true },
    { name: 'mean per size', points: means.map((m) => [m[0], 100 * m[1]]) },
    { name: `fit ${(100 * a).toFixed(0)}·n^${b.toFixed(2)} %`, points: fitXs.map((n) => [n, 100 * a * n ** b]), dots: false },
  ],
}));
console.log(`wrote ${out}`);
