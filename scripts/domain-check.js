#!/usr/bin/env node
'use strict';
/**
 * Issue 17's three-domain check: on domains no shipped model was tuned on, does
 * `siamese train` with its default (auto) recipe beat comparing raw pixels on
 * classes it never saw? For each domain it builds the data, trains with the
 * defaults under a wall-clock budget, scores the unseen classes with the model
 * and with the pixel baseline on the same pairs, and draws both ROCs.
 *
 *   npm run build && node scripts/domain-check.js --work /tmp/domains [--minutes 8] [--only glyphs,omniglot,orl]
 *       [--recipe auto|manual] [--out docs/domains] [--dist dist] [--bootstrap 1000] [--backend auto|native|wasm]
 *
 * --backend (default auto, what `siamese train` uses: the native kernels where they are built, else wasm)
 * applies to training and to the evaluation alike; session 6's table was measured with wasm.
 *
 * Domains (all from data in ../shared/datasets or rendered here, seeded):
 *   glyphs    synthetic ink glyphs rendered by sharp from SVG: 60 classes of 2–4 random strokes, 12 jittered
 *             drawings each (control points ±3 px, rotation ±8°, scale, stroke width); train 0–39, test 40–59
 *   omniglot  Omniglot as a new domain: train on images_background_small1 (5 alphabets), test on the 3
 *             alphabets of images_background_small2 not in it (Japanese katakana, Sanskrit, Tagalog)
 *   orl       ORL faces treated as unseen: train s1–s30, test s31–s40
 *   lfw-few   colour photos, few classes: 8 LFW people with ≥ 10 photos train, 10 others (≥ 10 photos) test
 *
 * Writes OUT/results.json, OUT/<domain>-roc.svg and prints a Markdown table.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
// sharp's CommonJS export is the function itself (its types resolve to the ES module's default here).
const sharp = /** @type {typeof import('sharp').default} */ (/** @type {unknown} */ (require('sharp')));

const ROOT = path.join(__dirname, '..');
const SHARED = path.join(ROOT, '..', 'shared', 'datasets');

/** @param {string[]} argv */
function parse(argv) {
  /** @type {Record<string, string>} */
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  return o;
}

const args = parse(process.argv.slice(2));
const WORK = path.resolve(args.work ?? path.join(os.tmpdir(), 'siamese-domains'));
const OUT = path.resolve(args.out ?? path.join(ROOT, 'docs', 'domains'));
const DIST = path.resolve(args.dist ?? path.join(ROOT, 'dist'));
const MINUTES = Number(args.minutes ?? 8);
const RECIPE = args.recipe ?? 'auto';
const BOOTSTRAP = Number(args.bootstrap ?? 1000);
const ONLY = (args.only ?? 'glyphs,omniglot,orl').split(',');
const BACKEND = /** @type {'wasm' | 'cpu' | 'native' | 'auto'} */ (args.backend ?? 'auto');

// ---------- synthetic glyphs ----------
/**
 * xorshift32 in [0, 1)
 * @param {number} seed
 */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

/**
 * @typedef {{ kind: 'arc', cx: number, cy: number, rad: number, a0: number, sweep: number } | { kind: 'line', pts: number[][] }} Stroke
 * @typedef {{ train: string[], test: string[], what: string }} Domain
 */

/**
 * A class: 2–4 strokes, each a polyline of 3–5 points or an arc, in a 64×64 box.
 * @param {number} c
 * @returns {Stroke[]}
 */
function glyphClass(c) {
  const r = rng(7919 * (c + 1));
  /** @type {Stroke[]} */
  const strokes = [];
  const n = 2 + Math.floor(r() * 3);
  for (let s = 0; s < n; s++) {
    if (r() < 0.3)
      strokes.push({ kind: 'arc', cx: 16 + r() * 32, cy: 16 + r() * 32, rad: 6 + r() * 14, a0: r() * 6.28, sweep: 1.5 + r() * 4 });
    else {
      /** @type {number[][]} */
      const pts = [];
      const m = 3 + Math.floor(r() * 3);
      for (let p = 0; p < m; p++) pts.push([8 + r() * 48, 8 + r() * 48]);
      strokes.push({ kind: 'line', pts });
    }
  }
  return strokes;
}

/**
 * One drawing of a class: every control point jittered, the whole glyph rotated, scaled and moved.
 * @param {Stroke[]} strokes
 * @param {number} seed
 */
function glyphSvg(strokes, seed) {
  const r = rng(seed);
  const j = () => (r() - 0.5) * 6;
  const width = 2 + r() * 2;
  const rot = (r() - 0.5) * 16;
  const scale = 0.9 + r() * 0.2;
  const dx = (r() - 0.5) * 6;
  const dy = (r() - 0.5) * 6;
  const paths = strokes.map((s) => {
    if (s.kind === 'arc') {
      /** @type {number[][]} */
      const pts = [];
      for (let t = 0; t <= 12; t++) {
        const a = s.a0 + (s.sweep * t) / 12;
        pts.push([s.cx + s.rad * Math.cos(a), s.cy + s.rad * Math.sin(a)]);
      }
      const jx = j();
      const jy = j();
      return `<polyline points="${pts.map(([x, y]) => `${(x + jx).toFixed(1)},${(y + jy).toFixed(1)}`).join(' ')}"/>`;
    }
    return `<polyline points="${s.pts.map(([x, y]) => `${(x + j()).toFixed(1)},${(y + j()).toFixed(1)}`).join(' ')}"/>`;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#fff"/>` +
    `<g transform="translate(${32 + dx} ${32 + dy}) rotate(${rot.toFixed(1)}) scale(${scale.toFixed(3)}) translate(-32 -32)" ` +
    `fill="none" stroke="#000" stroke-width="${width.toFixed(2)}" stroke-linecap="round" stroke-linejoin="round">${paths.join('')}</g></svg>`
  );
}

/** @param {string} dir */
async function buildGlyphs(dir) {
  if (fs.existsSync(path.join(dir, 'done'))) return;
  for (let c = 0; c < 60; c++) {
    const strokes = glyphClass(c);
    const split = c < 40 ? 'train' : 'test';
    const cls = path.join(dir, split, `glyph${String(c).padStart(2, '0')}`);
    fs.mkdirSync(cls, { recursive: true });
    for (let k = 0; k < 12; k++) {
      const png = await sharp(Buffer.from(glyphSvg(strokes, 104729 * (c + 1) + 31 * k)))
        .greyscale()
        .png()
        .toBuffer();
      fs.writeFileSync(path.join(cls, `${k}.png`), png);
    }
  }
  fs.writeFileSync(path.join(dir, 'done'), '');
}

// ---------- LFW few classes ----------
/** @param {string} dir */
function buildLfwFew(dir) {
  if (fs.existsSync(path.join(dir, 'done'))) return;
  const lfw = path.join(SHARED, 'lfw-devtrain');
  const people = fs
    .readdirSync(lfw)
    .filter((p) => fs.statSync(path.join(lfw, p)).isDirectory() && fs.readdirSync(path.join(lfw, p)).length >= 10)
    .sort();
  // Every 3rd person with ≥ 10 photos, the first 18: 8 to train, 10 unseen; 10 photos each (first by name).
  const chosen = people.filter((_, i) => i % 3 === 0).slice(0, 18);
  chosen.forEach((p, i) => {
    const target = path.join(dir, i < 8 ? 'train' : 'test', p);
    fs.mkdirSync(target, { recursive: true });
    for (const f of fs.readdirSync(path.join(lfw, p)).sort().slice(0, 10)) fs.symlinkSync(path.join(lfw, p, f), path.join(target, f));
  });
  fs.writeFileSync(path.join(dir, 'done'), '');
}

/** @returns {Promise<Record<string, Domain>>} */
async function domains() {
  /** @type {Record<string, Domain>} */
  const out = {};
  if (ONLY.includes('glyphs')) {
    await buildGlyphs(path.join(WORK, 'glyphs'));
    out.glyphs = {
      what: 'synthetic ink glyphs (60 classes × 12, train 40 / unseen 20)',
      train: ['--data', path.join(WORK, 'glyphs', 'train')],
      test: ['--data', path.join(WORK, 'glyphs', 'test')],
    };
  }
  if (ONLY.includes('omniglot')) {
    const om = path.join(SHARED, 'omniglot');
    out.omniglot = {
      what: 'Omniglot alphabets: train small1 (5 alphabets), unseen katakana/Sanskrit/Tagalog of small2',
      train: ['--data', path.join(om, 'images_background_small1')],
      test: ['--data', path.join(om, 'images_background_small2'), '--include', '/^(Japanese|Sanskrit|Tagalog)/'],
    };
  }
  if (ONLY.includes('orl')) {
    const orl = path.join(SHARED, 'orl-faces');
    out.orl = {
      what: 'ORL faces: train s1–s30, unseen s31–s40',
      train: ['--data', orl, '--include', 's1..s30'],
      test: ['--data', orl, '--include', 's31..s40'],
    };
  }
  if (ONLY.includes('lfw-few')) {
    buildLfwFew(path.join(WORK, 'lfw-few'));
    out['lfw-few'] = {
      what: 'LFW colour photos, few classes: 8 people train, 10 unseen (10 photos each)',
      train: ['--data', path.join(WORK, 'lfw-few', 'train')],
      test: ['--data', path.join(WORK, 'lfw-few', 'test')],
    };
  }
  return out;
}

/** @param {string[]} argv */
function cli(argv) {
  const code = `require(${JSON.stringify(path.join(DIST, 'cli', 'main.js'))}).main(${JSON.stringify(argv)}).then((c) => { process.exitCode = c ?? 0; })`;
  return spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  fs.mkdirSync(WORK, { recursive: true });
  /** @type {typeof import('../src/embedding/model-store')} */
  const { loadModelDir } = require(path.join(DIST, 'embedding/model-store'));
  // Typed by hand: importing the backend's types would pull the wasm kernels' WebAssembly types,
  // which the scripts' Node-only lib does not have.
  /** @type {{ initBackend: (preference: 'wasm' | 'cpu' | 'native' | 'auto') => Promise<string> }} */
  const { initBackend } = require(path.join(DIST, 'embedding/backend'));
  /** @type {typeof import('../src/training/data/folder.source')} */
  const { FolderImageSource } = require(path.join(DIST, 'training/data/folder.source'));
  /** @type {typeof import('../src/training/data/identity-filter')} */
  const { parseFilterList } = require(path.join(DIST, 'training/data/identity-filter'));
  /** @type {typeof import('../src/training/evaluate/verification.eval')} */
  const { evaluateVerification } = require(path.join(DIST, 'training/evaluate/verification.eval'));
  /** @type {typeof import('../src/training/calibration/roc')} */
  const { computeRoc, downsampleRoc } = require(path.join(DIST, 'training/calibration/roc'));
  /** @type {typeof import('../src/training/calibration/roc-svg')} */
  const { rocSvg } = require(path.join(DIST, 'training/calibration/roc-svg'));
  const evalBackend = await initBackend(BACKEND);

  /** The card's recipe record (written by train for the auto recipe; not part of the ModelCard type). */
  const recipeOf = (/** @type {object} */ card) =>
    /** @type {{ recipe?: { decisions: Array<{ rule: string, value: unknown, why: string }> } }} */ (card).recipe;
  /** The trainer's per-epoch validation history, from the card's hyperparameters. */
  const historyOf = (/** @type {{ hyperparameters: Record<string, unknown> }} */ card) =>
    /** @type {Array<{ epoch: number, valAuc: number }>} */ (card.hyperparameters.history ?? []);
  const results = fs.existsSync(path.join(OUT, 'results.json')) ? JSON.parse(fs.readFileSync(path.join(OUT, 'results.json'), 'utf8')) : {};
  for (const [name, d] of Object.entries(await domains())) {
    const key = RECIPE === 'auto' ? name : `${name}@${RECIPE}`;
    const modelDir = path.join(WORK, 'models', key);
    const loadBefore = os.loadavg()[0];
    const t0 = Date.now();
    const train = cli([
      'train',
      ...d.train,
      '--out',
      modelDir,
      '--recipe',
      RECIPE,
      '--max-minutes',
      String(MINUTES),
      '--json',
      '--quiet',
      '--backend',
      BACKEND,
    ]);
    const trainSec = (Date.now() - t0) / 1000;
    const loadAfter = os.loadavg()[0];
    if (train.status !== 0) {
      console.error(`${name}: train failed (${train.status})\n${train.stderr.slice(-3000)}`);
      continue;
    }
    fs.writeFileSync(path.join(WORK, `${key}.train.log`), train.stdout + train.stderr);
    const { model, card } = await loadModelDir(modelDir);
    const testArgs = d.test;
    const includeAt = testArgs.indexOf('--include');
    const source = new FolderImageSource([testArgs[1]], {
      include: includeAt >= 0 ? parseFilterList([testArgs[includeAt + 1]]) : undefined,
    });
    const e0 = Date.now();
    const { report, scores, baseline } = await evaluateVerification(model, card, source, { bootstrap: BOOTSTRAP, seed: 1 });
    const evalSec = (Date.now() - e0) / 1000;
    model.dispose();
    const roc = downsampleRoc(computeRoc(scores).points, 200);
    const svg = rocSvg(roc, {
      title: `${name} (${RECIPE}): unseen classes`,
      auc: report.auc,
      eer: report.eer,
      modelLabel: `model (AUC ${report.auc.toFixed(4)})`,
      curves: [
        { label: `pixels, Euclidean (AUC ${baseline.pixelEuclidean.auc.toFixed(4)})`, points: baseline.pixelEuclidean.roc ?? [] },
        { label: `pixels, cosine (AUC ${baseline.pixelCosine.auc.toFixed(4)})`, points: baseline.pixelCosine.roc ?? [] },
      ],
    });
    fs.writeFileSync(path.join(OUT, `${key.replace('@', '-')}-roc.svg`), svg);
    const best = baseline.pixelEuclidean.auc > baseline.pixelCosine.auc ? baseline.pixelEuclidean : baseline.pixelCosine;
    results[key] = {
      what: d.what,
      recipe: RECIPE,
      train: ['npx', 'siamese', 'train', ...d.train, '--recipe', RECIPE, '--max-minutes', String(MINUTES)].join(' '),
      model: { auc: report.auc, eer: report.eer, ci95: report.ci95 },
      baseline: report.baseline,
      beatsBaseline: report.auc > best.auc,
      identities: report.identities,
      images: report.images,
      pairs: { same: report.positivePairs, different: report.negativePairs },
      trainWallSec: +trainSec.toFixed(1),
      evalWallSec: +evalSec.toFixed(1),
      backend: { train: card.training.backend, evaluate: evalBackend },
      cardWallSec: card.training.wallTimeSec,
      epochs: card.training.epochs,
      bestEpoch: card.training.bestEpoch,
      architecture: `${card.architecture.backbone} ${card.preprocessing.width}×${card.preprocessing.height}×${card.preprocessing.channels}`,
      // Which encoder the recipe chose and why (session 29: the face check), and training images without a face.
      encoder: recipeOf(card)?.decisions.find((x) => x.rule === 'encoder'),
      facelessDropped: card.data?.facelessDropped,
      validationHistory: historyOf(card).map((h) => [h.epoch, h.valAuc]),
      validation: { auc: card.validation.auc, eer: card.validation.eer },
      warnings: card.warnings ?? [],
      load1m: { before: +loadBefore.toFixed(2), after: +loadAfter.toFixed(2) },
      cpus: os.cpus().length,
    };
    fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    console.log(
      `${key}: model AUC ${report.auc.toFixed(4)} EER ${(report.eer * 100).toFixed(2)}% | pixels best AUC ${best.auc.toFixed(4)} | ${trainSec.toFixed(0)} s`,
    );
  }
  const pct = (/** @type {number} */ x) => `${(x * 100).toFixed(2)} %`;
  console.log(
    '\n| domain | recipe | pixels Euclidean AUC / EER | pixels cosine AUC / EER | model AUC / EER (95 % CI of EER) | beats pixels | train wall | load (1 min) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [k, r] of Object.entries(results)) {
    const ci = r.model.ci95 ? ` (${pct(r.model.ci95.eer[0])}–${pct(r.model.ci95.eer[1])})` : '';
    console.log(
      `| ${k} | ${r.recipe} | ${r.baseline.pixelEuclidean.auc.toFixed(4)} / ${pct(r.baseline.pixelEuclidean.eer)} | ` +
        `${r.baseline.pixelCosine.auc.toFixed(4)} / ${pct(r.baseline.pixelCosine.eer)} | ${r.model.auc.toFixed(4)} / ${pct(r.model.eer)}${ci} | ` +
        `${r.beatsBaseline ? 'yes' : '**no**'} | ${r.trainWallSec} s | ${r.load1m.before}→${r.load1m.after} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
