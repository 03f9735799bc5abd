#!/usr/bin/env node
/**
 * A picture of the synthetic signature writers (issue 17, --synthetic-writers) beside real CEDAR writers, each
 * image as the encoder sees it (the shipped model's ink crop, 160×80): per row two genuine signatures, then two
 * skilled forgeries (for a synthetic writer, by two of its three forgers).
 *   npm run build && node scripts/synthetic-signature-sheet.js [OUT.png] [SEED]
 * Default OUT: docs/experiments/signatures/synthetic-writers/sheet.png; SEED 102 (member Y0's writers).
 *   node scripts/synthetic-signature-sheet.js OUT.png --writers 21,27,29,03
 * only those CEDAR writers, no drawn ones (session 38: the writers whose forgeries the shipped model accepts most).
 */
const fs = require('node:fs');
const path = require('node:path');
const sharp = /** @type {typeof import('sharp').default} */ (/** @type {unknown} */ (require('sharp')));
// Runs the build (dist/); typed by its source. The computed path keeps `npm run typecheck:scripts` out of dist/.
const { preprocessImage } = require(path.join(__dirname, '../dist/embedding/preprocess/preprocess-image'));
const { syntheticWriterPages } = require(path.join(__dirname, '../dist/training/data/synthetic-writers'));

const root = path.join(__dirname, '..');
const flag = process.argv.indexOf('--writers');
const onlyWriters =
  flag > 0
    ? String(process.argv[flag + 1] ?? '')
        .split(',')
        .filter(Boolean)
    : null;
const positional = flag > 0 ? process.argv.slice(2, flag) : process.argv.slice(2);
const out = positional[0] ?? path.join(root, 'docs/experiments/signatures/synthetic-writers/sheet.png');
const seed = Number(positional[1] ?? 102);
if (onlyWriters && !onlyWriters.every((w) => /^\d\d$/.test(w))) throw new Error('--writers takes two-digit CEDAR writers, e.g. 21,27');
// The shipped signature model's preprocessing (one models/signature-…-cedar; 160×80 until session 34, 224×112 until session 38, 224×144 until session 44, then 256×160).
const shipped = fs.readdirSync(path.join(root, 'models')).find((d) => /^signature-.+-cedar$/.test(d));
if (!shipped) throw new Error('no models/signature-…-cedar: the sheet shows inputs as the shipped model sees them');
const spec = JSON.parse(fs.readFileSync(path.join(root, 'models', shipped, 'model-card.json'), 'utf8')).preprocessing;
const cedar = path.join(root, '../shared/datasets/cedar-signatures');
const [W, H, LABEL, GAP] = [spec.width, spec.height, 150, 6];

/** @param {string} writer */
function cedarRow(writer) {
  const n = Number(writer);
  const read = (/** @type {string} */ f) => new Uint8Array(fs.readFileSync(path.join(cedar, writer, f)));
  return [
    read(`genuine/original_${n}_1.png`),
    read(`genuine/original_${n}_2.png`),
    read(`forged/forgeries_${n}_1.png`),
    read(`forged/forgeries_${n}_9.png`),
  ];
}

/** @param {Uint8Array} bytes */
async function tile(bytes) {
  const x = (await preprocessImage(bytes, spec)).input;
  const grey = Buffer.from(Array.from(x, (/** @type {number} */ v) => Math.round(255 * (1 - v)))); // invert-unit back to ink on paper
  return sharp(grey, { raw: { width: W, height: H, channels: 1 } })
    .png()
    .toBuffer();
}

async function main() {
  /** @type {[string, Uint8Array[]][]} */
  const rows = [];
  for (const w of onlyWriters ?? ['01', '02']) rows.push([`CEDAR writer ${w}`, cedarRow(w)]);
  for (const j of onlyWriters ? [] : [0, 1, 2, 3]) {
    const p = await syntheticWriterPages(seed, j);
    rows.push([`drawn writer ${j}`, [p.genuine[0], p.genuine[1], p.forged[0], p.forged[8]]]);
  }
  const width = LABEL + 4 * (W + GAP);
  const height = 30 + rows.length * (H + GAP);
  const text = (/** @type {string} */ s, /** @type {number} */ x, /** @type {number} */ y) =>
    `<text x="${x}" y="${y}" font-family="sans-serif" font-size="14">${s}</text>`;
  const labels = [
    text('genuine', LABEL + 50, 20),
    text('genuine', LABEL + W + GAP + 50, 20),
    text('skilled forgery', LABEL + 2 * (W + GAP) + 25, 20),
    text('skilled forgery', LABEL + 3 * (W + GAP) + 25, 20),
    ...rows.map(([name], r) => text(name, 6, 30 + r * (H + GAP) + H / 2 + 5)),
  ];
  const composite = [
    {
      input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${labels.join('')}</svg>`),
      left: 0,
      top: 0,
    },
  ];
  for (const [r, [, images]] of rows.entries())
    for (const [c, bytes] of images.entries())
      composite.push({ input: await tile(bytes), left: LABEL + c * (W + GAP), top: 30 + r * (H + GAP) });
  await sharp({ create: { width, height, channels: 3, background: '#dddddd' } })
    .composite(composite)
    .png()
    .toFile(out);
  console.log(`wrote ${out} (${rows.length} writers${onlyWriters ? '' : `, seed ${seed}`})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
