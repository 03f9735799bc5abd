#!/usr/bin/env node
'use strict';
/**
 * docs/experiments/signatures/labelled/{forgeries-accepted,genuine-rejected}.svg (issue 17, session 28): what rule
 * LABELLED's settings do to the served decisions over the 34 cross-validated CEDAR writers, the same questions
 * decided by CENTROID (no labels), `capped` and `midpoint` (SIAMESE_LABELLED_RULE). Through the API there is no
 * `midpoint` run (its line stops at `capped`).
 *
 *   node scripts/plot-labelled-rules.js DIR   (after npm run build; DIR = docs/experiments/signatures/labelled)
 */
const fs = require('node:fs');
const path = require('node:path');
/** @type {typeof import('../src/training/plots/line-chart-svg')} */
const { lineChartSvg } = require(path.join(__dirname, '../dist/training/plots/line-chart-svg'));

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/plot-labelled-rules.js docs/experiments/signatures/labelled');
  process.exit(2);
}
/** @typedef {{ value: number }} Rate */
/** @typedef {{ forgeriesAccepted: Rate, genuineRejected: Rate }} Rates */
/** @param {string} f */
const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
/** @type {{ stages: Array<Rates & { labelled: number }> }} */
const api = read('api-r5-capped.json');
/** @type {{ results: Array<{ references: number, labelled: number, rules: Array<Rates & { rule: string }> }> }} */
const offline = read('offline-95.json');
const RULES = ['CENTROID (no labels)', 'capped', 'midpoint'];

/**
 * @param {'forgeriesAccepted' | 'genuineRejected'} what
 * @returns {Array<{ name: string, points: Array<[number, number]>, dots: boolean }>}
 */
function series(what) {
  /** @param {number} k */
  const stage = (k) => /** @type {Rates} */ (api.stages.find((s) => s.labelled === k))[what].value;
  /** @type {Array<{ name: string, points: Array<[number, number]>, dots: boolean }>} */
  const out = [3, 1].map((k) => ({
    name: `API R5 K${k}`,
    points: [
      [0, stage(0)],
      [1, stage(k)],
    ],
    dots: true,
  }));
  for (const [R, K] of [
    [5, 3],
    [10, 3],
    [5, 1],
  ]) {
    const row = /** @type {(typeof offline.results)[number]} */ (offline.results.find((r) => r.references === R && r.labelled === K));
    /** @param {string} name */
    const rule = (name) => /** @type {Rates} */ (row.rules.find((x) => x.rule === name))[what].value;
    out.push({
      name: `offline R${R} K${K}`,
      points: [
        [0, rule('CENTROID')],
        [1, rule('LABELLED')],
        [2, rule('UNCAPPED')],
      ],
      dots: true,
    });
  }
  return out;
}

/** @type {Array<['forgeriesAccepted' | 'genuineRejected', string, string]>} */
const CHARTS = [
  ['forgeriesAccepted', 'forgeries-accepted.svg', 'Forgeries accepted by rule LABELLED’s settings, 34 writers'],
  ['genuineRejected', 'genuine-rejected.svg', 'Genuine signatures rejected by rule LABELLED’s settings, 34 writers'],
];
for (const [what, file, title] of CHARTS) {
  const s = series(what);
  const svg = lineChartSvg({
    title,
    subtitle: `R references, K labelled forgeries per writer; API: one draw per writer${what === 'forgeriesAccepted' ? ' (K1 and K3 accept alike)' : ''}, offline: 10 draws`,
    xLabel: 'SIAMESE_LABELLED_RULE',
    yLabel: what === 'forgeriesAccepted' ? 'forgeries accepted' : 'genuine rejected',
    series: s,
    formatX: (v) => (Number.isInteger(v) && RULES[v] ? RULES[v] : ''),
    formatY: (v) => `${+(100 * v).toFixed(1)} %`,
    xRange: [-0.3, 2.3],
    width: 760,
    yRange: [0, Math.max(...s.flatMap((x) => x.points.map((p) => p[1]))) * 1.15],
  });
  fs.writeFileSync(path.join(dir, file), svg);
  console.log(`wrote ${path.join(dir, file)}`);
}
