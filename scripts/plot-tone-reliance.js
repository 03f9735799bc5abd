#!/usr/bin/env node
'use strict';
/**
 * docs/experiments/signatures/ink-tone/tone-reliance.svg (issue 17, session 25): each model's skilled-forgery EER
 * as `signature-measure.ts tone` re-maps its inputs' stroke tones, from each class given its own tones (a tone cue
 * made consistent) through one common tone and the served inputs to the two classes' tones swapped (the cue
 * reversed). A flat line is a tone-blind model; a steep one answers by tone.
 *
 *   node scripts/plot-tone-reliance.js OUT.svg "NAME=TONE.json" …   (after npm run build)
 */
const fs = require('node:fs');
const path = require('node:path');
/** @type {typeof import('../src/training/plots/line-chart-svg')} */
const { lineChartSvg } = require(path.join(__dirname, '../dist/training/plots/line-chart-svg'));

const VARIANTS = ['own class', 'common', 'served', 'swapped classes'];
const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0 || inputs.some((a) => !a.includes('='))) {
  console.error('usage: node scripts/plot-tone-reliance.js OUT.svg "NAME=TONE.json" …');
  process.exit(2);
}
const series = inputs.map((arg) => {
  const at = arg.lastIndexOf('=');
  /** @type {{ writers: string[], variants: Record<string, { eer: { value: number } }> }} */
  const tone = JSON.parse(fs.readFileSync(arg.slice(at + 1), 'utf8'));
  return {
    name: `${arg.slice(0, at)} (${tone.writers.length} writers)`,
    points: /** @type {[number, number][]} */ (VARIANTS.map((v, i) => [i, tone.variants[v].eer.value])),
    dots: true,
  };
});
const svg = lineChartSvg({
  title: 'Skilled-forgery EER as the inputs’ stroke tones are re-mapped',
  subtitle: 'each class its own tones · one common tone · as served · the two classes’ tones swapped',
  xLabel: 'stroke tones of the inputs',
  yLabel: 'EER (verify, one reference)',
  series,
  formatX: (v) => (Number.isInteger(v) && VARIANTS[v] ? VARIANTS[v] : ''),
  formatY: (v) => `${+(100 * v).toFixed(1)} %`,
  xRange: [-0.4, 3.4],
  yRange: [0, Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.1],
});
fs.writeFileSync(out, svg);
console.log(`wrote ${out}`);
