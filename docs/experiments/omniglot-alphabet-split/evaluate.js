// Session 12: reads the six alphabet-split proxies as RULE.md says (written before they trained) and prints the
// decisions A and B. Validation = the held-out alphabets Early_Aramaic and Japanese_(katakana) (the proxies' own
// --val-split superclass --val-fraction 0.2 --split-seed 46). Within-alphabet: 200 new 20-way episodes per held-out
// alphabet (ESEED, default 11044); cross: 400 20-way episodes over both; EER on the verification pairs.
// Ensembles: concatenated L2 embeddings scaled by 1/sqrt(M), i.e. the mean squared distance of `siamese ensemble`.
// usage: node docs/experiments/omniglot-alphabet-split/evaluate.js [RUNS_DIR]   (after `npm run build`)
const path = require('node:path');
const ROOT = path.resolve(__dirname, '../../..');
const D = ROOT + '/dist';
const { FolderImageSource } = require(D + '/training/data/folder.source');
const { dedupeByContent } = require(D + '/training/data/dedupe');
const { splitBySuperclass } = require(D + '/training/data/split');
const { DecodedImageCache } = require(D + '/training/data/image-cache');
const { loadModelDir } = require(D + '/embedding/model-store');
const { initBackend } = require(D + '/embedding/backend');
const { inferenceSpec } = require(D + '/embedding/preprocess/flip-average');
const E = require(D + '/training/evaluate/embed');
const { calibrate } = require(D + '/training/calibration/calibrate');

const SEEDS = [101, 102, 103];
const ESEED = Number(process.env.ESEED || 11044);
(async () => {
  await initBackend('wasm');
  const runs = path.resolve(ROOT, process.argv[2] || '.runs');
  const data = ['images_background_small1', 'images_background_small2'].map((d) => path.resolve(ROOT, '../shared/datasets/omniglot', d));
  const src = new FolderImageSource(data);
  const { images } = await dedupeByContent(src, await src.list());
  const val = splitBySuperclass(images, 0.2, 46).validation;
  const alphabets = [...new Set(val.identities.map((id) => id.split('/').slice(0, -1).join('/')))];
  console.log(`validation: ${val.identities.length} characters of ${alphabets.join(', ')}; ${val.images.length} images`);

  const names = SEEDS.flatMap((s) => [`pm${s}`, `pn${s}`]);
  const emb = {};
  for (const n of names) {
    const { model, card } = await loadModelDir(path.join(runs, `omniglot-a46-${n}`));
    const h = card.hyperparameters;
    if (h.valSplit !== 'superclass' || h.splitSeed !== 46 || h.valFraction !== 0.2)
      throw new Error(`${n}: not trained on the alphabet split this rule reads`);
    const px = await new DecodedImageCache(src, card.preprocessing).loadAll(val.images);
    emb[n] = E.embedPixels(model, px, card.preprocessing, 64, inferenceSpec(card));
    console.log(`${n}: best epoch ${card.training.bestEpoch} of ${card.training.epochsRun ?? card.training.epochs ?? '?'}`);
    model.dispose();
  }
  const within = E.siblingEpisodes(val.identities, val.groups, 20, 20, 200, ESEED);
  // oneShotEpisodes prefers episodes inside one parent folder; one shared parent makes them random mixes of both
  // alphabets (about two thirds katakana), the easier 20-way score beside the within-alphabet one.
  const flat = val.identities.map((_, i) => `all/c${i}`);
  const cross = E.oneShotEpisodes(flat, val.groups, 20, 400, ESEED + 1);
  const pairs = E.verificationPairs(val.groups, 20000, ESEED + 2);
  const score = (members) => {
    const s = 1 / Math.sqrt(members.length);
    const cat = val.images.map((_, j) => Float32Array.from(members.flatMap((m) => Array.from(emb[m][j], (x) => x * s))));
    return {
      members: members.join('+'),
      within: 100 * E.oneShotAccuracy(cat, within, 'euclidean'),
      cross: 100 * E.oneShotAccuracy(cat, cross, 'euclidean'),
      eer: 100 * calibrate(E.scorePairs(cat, pairs, 'euclidean'), {}).metrics.eer,
    };
  };
  const pm = SEEDS.map((s) => `pm${s}`);
  const pn = SEEDS.map((s) => `pn${s}`);
  const rows = [];
  const show = (r) => (rows.push(r), console.log(`${r.members.padEnd(44)} within ${r.within.toFixed(2)}  cross ${r.cross.toFixed(2)}  EER ${r.eer.toFixed(2)}`));
  const single = Object.fromEntries(names.map((n) => [n, score([n])]));
  names.forEach((n) => show(single[n]));
  const pairsOf2 = [[0, 1], [0, 2], [1, 2]].map(([a, b]) => [pm[a], pm[b]]);
  const e2m = pairsOf2.map((p) => score(p));
  const e2m3n = pairsOf2.map((p) => score([...p, ...pn]));
  const e3m = score(pm);
  const e3n = score(pn);
  const e3m3n = score([...pm, ...pn]);
  [...e2m, ...e2m3n, e3m, e3n, e3m3n].forEach(show);

  const diffs = SEEDS.map((s) => single[`pm${s}`].within - single[`pn${s}`].within);
  const meanDiff = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const wins = diffs.filter((d) => d > 0).length;
  const decisionA = meanDiff > 0 && wins >= 2;
  const mean = (xs) => xs.reduce((a, b) => a + b.within, 0) / xs.length;
  const gapB = mean(e2m) - mean(e2m3n);
  // Decided on counts of correct queries (400 episodes × 20), not on rounded floats: 0.3 point over three
  // ensembles is 0.003 × 3 × 8000 = 72 queries.
  const queries = within.length * 20;
  const correct = (r) => Math.round((r.within / 100) * queries);
  const sum = (xs) => xs.reduce((a, r) => a + correct(r), 0);
  const decisionB = sum(e2m) - sum(e2m3n) >= Math.round(0.003 * 3 * queries) && correct(e3m) >= correct(e3m3n);
  console.log(`\nA (recipe): pm - pn within-alphabet per seed ${diffs.map((d) => d.toFixed(2)).join(', ')}; mean ${meanDiff.toFixed(2)}, pm ahead in ${wins} of 3 → ${decisionA ? 'mirroring helps on new alphabets: train m43' : 'not shown: no member trains'}`);
  console.log(`B (composition): E(2 pm) ${mean(e2m).toFixed(2)} vs E(2 pm + 3 pn) ${mean(e2m3n).toFixed(2)} (gap ${gapB.toFixed(2)}); E(3 pm) ${e3m.within.toFixed(2)} vs E(3 pm + 3 pn) ${e3m3n.within.toFixed(2)} → ${decisionB ? 'mirrored members only' : 'keep the mixed ensemble'}`);
  if (process.env.OUT) require('node:fs').writeFileSync(process.env.OUT, JSON.stringify({ eseed: ESEED, alphabets, rows, diffs, meanDiff, decisionA, gapB, decisionB }, null, 2));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
