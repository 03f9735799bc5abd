#!/usr/bin/env node
'use strict';
/**
 * docs/experiments/signatures/backend/synth-scales.svg (issue 17, session 30): for each of the 34 cross-validated
 * writers at ten references, how far the encoder puts its other genuine signatures, its elastic imitations
 * (RULE-synth.md, 3 % of the height) and its real skilled forgeries from the references' centroid, against the
 * references' own spread. Imitations that stood in for forgeries would sit with the forgeries; they sit with the
 * genuine signatures, on the spread's diagonal.
 *
 *   node scripts/plot-synth-scales.js SYNTH-SCALES.json OUT.svg   (after npm run build; the JSON from
 *   `test/e2e/signature-backend.ts synth-scales`)
 */
const fs = require('node:fs');
const path = require('node:path');
/** @type {typeof import('../src/training/plots/line-chart-svg')} */
const { lineChartSvg } = require(path.join(__dirname, '../dist/training/plots/line-chart-svg'));

const [input, out] = process.argv.slice(2);
if (!input || !out) {
  console.error('usage: node scripts/plot-synth-scales.js SYNTH-SCALES.json OUT.svg');
  process.exit(2);
}
/** @type {{ references: number, rows: Array<{ s: number, f: number, g: number, h: number }> }} */
const scales = JSON.parse(fs.readFileSync(input, 'utf8'));
/** @param {(r: { s: number, f: number, g: number, h: number }) => number} pick */
const against = (pick) => /** @type {[number, number][]} */ (scales.rows.map((r) => [r.s, pick(r)]));
const series = [
  { name: 'other genuine signatures (g)', points: against((r) => r.g), dots: true, noLine: true },
  { name: 'imitations, 3 % elastic (f)', points: against((r) => r.f), dots: true, noLine: true },
  { name: 'skilled forgeries (h)', points: against((r) => r.h), dots: true, noLine: true },
];
const svg = lineChartSvg({
  title: `Where the encoder puts a writer's imitations (${scales.rows.length} writers, ${scales.references} references)`,
  subtitle: 'mean distance to the references’ centroid, against the references’ own leave-one-out spread',
  xLabel: 'references’ spread s',
  yLabel: 'mean distance to the centroid',
  series,
  formatX: (v) => v.toFixed(2),
  formatY: (v) => v.toFixed(1),
  yRange: [0, Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.05],
});
fs.writeFileSync(out, svg);
console.log(`wrote ${out}`);
