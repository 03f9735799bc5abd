#!/usr/bin/env node
'use strict';
/**
 * docs/experiments/signatures/selection-vs-evaluation{,-far}.svg (issue 17, session 24): each signature
 * candidate's held-out number on the 17 writers that chose it (folds 0–1) joined by a line to the same number on
 * 17 writers read after the choice (folds 2–3). Lines that cross are rankings that did not carry over.
 *
 *   node scripts/plot-selection-evaluation.js POINTS.json OUT_PREFIX   (after npm run build)
 */
const fs = require('node:fs');
const path = require('node:path');
/** @type {typeof import('../src/training/plots/line-chart-svg')} */
const { lineChartSvg } = require(path.join(__dirname, '../dist/training/plots/line-chart-svg'));

/** @typedef {{ name: string, selection: number, evaluation: number }} Candidate */

const [pointsFile, outPrefix] = process.argv.slice(2);
if (!pointsFile || !outPrefix) {
  console.error('usage: node scripts/plot-selection-evaluation.js POINTS.json OUT_PREFIX');
  process.exit(2);
}
/** @type {{ verifyEer: Candidate[], forgeryFarAtChosenTarget: Candidate[] }} */
const points = JSON.parse(fs.readFileSync(pointsFile, 'utf8'));

/** @param {number} v */
const side = (v) => (Math.abs(v) < 1e-9 ? 'selection writers' : Math.abs(v - 1) < 1e-9 ? 'evaluation writers' : '');
/** @param {number} v */
const percent = (v) => `${+(100 * v).toFixed(1)} %`;
/** @param {Candidate[]} list */
const series = (list) =>
  list.map((c) => ({
    name: c.name,
    points: /** @type {[number, number][]} */ ([
      [0, c.selection],
      [1, c.evaluation],
    ]),
    dots: true,
  }));

const charts = [
  {
    file: `${outPrefix}.svg`,
    title: 'Signature candidates: skilled-forgery EER (verify, one reference)',
    subtitle: '17 writers that chose among them (folds 0–1) against 17 read after (folds 2–3)',
    yLabel: 'EER',
    list: points.verifyEer,
  },
  {
    file: `${outPrefix}-far.svg`,
    title: 'Forgeries accepted at the threshold target each candidate chose',
    subtitle: 'target chosen on the selection writers (≤ 5 %), then read on the evaluation writers',
    yLabel: 'forgeries accepted',
    list: points.forgeryFarAtChosenTarget,
  },
];
for (const c of charts) {
  const svg = lineChartSvg({
    title: c.title,
    subtitle: c.subtitle,
    xLabel: 'held-out writers',
    yLabel: c.yLabel,
    series: series(c.list),
    formatX: side,
    formatY: percent,
    xRange: [-0.3, 1.3],
  });
  fs.writeFileSync(c.file, svg);
  console.log(`wrote ${c.file}`);
}
