#!/usr/bin/env node
'use strict';
/**
 * docs/orl-scaling.svg, extended with LFW (issue 12): held-out EER on ORL s31–s40 against the number of
 * training identities, for
 *   - the ORL recipe trained on s1..sn (session 3's runs, recorded in docs/accuracy.md and in
 *     docs/experiments/faces/scaling-points.json: those run folders are not kept),
 *   - encoders trained from scratch on LFW training people through the face stage (run folders given
 *     here: each holds model-card.json and sits beside <run>.orl-test.json, `siamese eval --json` on s31–s40),
 *   - the pretrained face trunk (dlib's ResNet, ~7,485 identities per its author), frozen, same eval.
 * The ORL power law (fitted to the ORL means only) is drawn out to the largest n, so the LFW points show
 * whether its extrapolation holds.
 *
 *   node scripts/plot-scaling.js OUT.svg POINTS.json [--lfw RUN_DIR]… [--pretrained RUN_DIR IDENTITIES]
 */
const fs = require('node:fs');
const path = require('node:path');
// Runs the build (dist/); typed by its source. The computed path keeps `npm run typecheck:scripts` out of dist/.
/** @type {typeof import('../src/training/plots/line-chart-svg')} */
const { lineChartSvg } = require(path.join(__dirname, '../dist/training/plots/line-chart-svg'));

/** @typedef {{ n: number, eer: number }} Point */
/** @typedef {{ dir: string, n: number, eer: number }} RunPoint */
/** @typedef {[number, number]} XY */

const args = process.argv.slice(2);
const [out, pointsFile] = args;
if (!out || !pointsFile) {
  console.error('usage: node scripts/plot-scaling.js OUT.svg POINTS.json [--lfw RUN_DIR]… [--pretrained RUN_DIR IDENTITIES]');
  process.exit(2);
}
/** @type {Point[]} */
const orl = JSON.parse(fs.readFileSync(pointsFile, 'utf8')).orl;
/** @type {RunPoint[]} */
const lfw = [];
/** @type {RunPoint | undefined} */
let pretrained;
for (let i = 2; i < args.length; i++) {
  /** @param {string} dir */
  const read = (dir) => ({
    card: JSON.parse(fs.readFileSync(`${dir}/model-card.json`, 'utf8')),
    test: JSON.parse(fs.readFileSync(`${dir}.orl-test.json`, 'utf8')).verification,
  });
  if (args[i] === '--lfw') {
    const { card, test } = read(args[++i]);
    lfw.push({ dir: args[i], n: card.data.trainIdentities, eer: test.eer });
  } else if (args[i] === '--pretrained') {
    const { test } = read(args[++i]);
    pretrained = { dir: args[i], n: Number(args[++i]), eer: test.eer };
  }
}
const sizes = [...new Set(orl.map((p) => p.n))].sort((a, b) => a - b);
const means = sizes.map((n) => {
  const at = orl.filter((p) => p.n === n);
  return /** @type {XY} */ ([n, at.reduce((s, p) => s + p.eer, 0) / at.length]);
});
const xs = means.map((m) => Math.log(m[0]));
const ys = means.map((m) => Math.log(m[1]));
const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
const my = ys.reduce((s, v) => s + v, 0) / ys.length;
const b = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
const a = Math.exp(my - b * mx);
const maxN = Math.max(sizes[sizes.length - 1], ...lfw.map((p) => p.n), pretrained ? pretrained.n : 0);
const fitXs = Array.from({ length: 60 }, (_, i) => Math.exp(Math.log(sizes[0]) + ((Math.log(maxN) - Math.log(sizes[0])) * i) / 59));
console.log(`ORL power law: EER ≈ ${a.toFixed(3)} · n^${b.toFixed(3)}`);
for (const p of lfw)
  console.log(
    `LFW from scratch ${p.dir}: n = ${p.n}, EER on s31–s40 ${(100 * p.eer).toFixed(1)} %, law predicts ${(100 * a * p.n ** b).toFixed(1)} %`,
  );
if (pretrained)
  console.log(
    `pretrained ${pretrained.dir}: n ≈ ${pretrained.n}, EER ${(100 * pretrained.eer).toFixed(1)} %, law predicts ${(100 * a * pretrained.n ** b).toFixed(1)} %`,
  );
/** @param {number} n */
const logX = (n) => Math.log10(n);
fs.writeFileSync(
  out,
  lineChartSvg({
    title: 'Held-out EER on ORL s31–s40 against training identities',
    subtitle: 'x: log10 of training identities · ORL recipe on s1..sn · from scratch on LFW people (face stage) · pretrained dlib trunk',
    xLabel: 'log10(training identities)',
    yLabel: 'EER on s31–s40 (%)',
    series: [
      { name: 'ORL recipe, one run', points: orl.map((p) => /** @type {XY} */ ([logX(p.n), 100 * p.eer])), noLine: true, dots: true },
      { name: 'ORL mean per size', points: means.map((m) => /** @type {XY} */ ([logX(m[0]), 100 * m[1]])) },
      {
        name: `ORL fit ${(100 * a).toFixed(0)}·n^${b.toFixed(2)} % (extrapolated)`,
        points: fitXs.map((n) => /** @type {XY} */ ([logX(n), 100 * a * n ** b])),
        dots: false,
      },
      ...(lfw.length
        ? [
            {
              name: 'from scratch on LFW (face stage)',
              points: lfw.map((p) => /** @type {XY} */ ([logX(p.n), 100 * p.eer])),
              noLine: true,
              dots: true,
            },
          ]
        : []),
      ...(pretrained
        ? [
            {
              name: 'pretrained trunk (frozen)',
              points: [/** @type {XY} */ ([logX(pretrained.n), 100 * pretrained.eer])],
              noLine: true,
              dots: true,
            },
          ]
        : []),
    ],
  }),
);
console.log(`wrote ${out}`);
