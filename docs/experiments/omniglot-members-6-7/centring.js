// Session 9: ESEEDS=3044,4044 node docs/experiments/omniglot-members-6-7/centring.js models/omniglot-fast40-ensemble
// Validation one-shot (20-way across alphabets, within-alphabet) and EER with SimpleShot's centring (Wang et al.
// 2019, CL2N: subtract the mean embedding of the training characters, re-normalise) over the whole vector or per
// member (64-d chunks). Validation characters only; writes nothing.
const path = require('node:path');
const ROOT = path.resolve(__dirname, '../../..');
const D = ROOT + '/dist';
const { FolderImageSource } = require(D + '/training/data/folder.source');
const { dedupeByContent } = require(D + '/training/data/dedupe');
const { splitByIdentity } = require(D + '/training/data/split');
const { DecodedImageCache } = require(D + '/training/data/image-cache');
const { loadModelDir } = require(D + '/embedding/model-store');
const { initBackend } = require(D + '/embedding/backend');
const { inferenceSpec } = require(D + '/embedding/preprocess/flip-average');
const E = require(D + '/training/evaluate/embed');
(async () => {
  await initBackend('wasm');
  const dir = process.argv[2];
  const src = new FolderImageSource([path.resolve(ROOT, '../shared/datasets/omniglot/images_background_small1'), path.resolve(ROOT, '../shared/datasets/omniglot/images_background_small2')]);
  const { images } = await dedupeByContent(src, await src.list());
  const sp = splitByIdentity(images, 0.15, 42);
  const { model, card } = await loadModelDir(dir);
  const cache = new DecodedImageCache(src, card.preprocessing);
  const t0 = Date.now();
  const val = E.embedPixels(model, await cache.loadAll(sp.validation.images), card.preprocessing, 64, inferenceSpec(card));
  const tr = E.embedPixels(model, await cache.loadAll(sp.train.images), card.preprocessing, 64, inferenceSpec(card));
  console.error('embedded', val.length, tr.length, (Date.now() - t0) / 1000, 's');
  const dim = val[0].length; const M = Number(process.env.M || dim / 64);
  const mean = new Float64Array(dim); tr.forEach((e) => e.forEach((v, j) => (mean[j] += v / tr.length)));
  const norm = (a) => { const n = Math.hypot(...a) || 1; return a.map((x) => x / n); };
  const chunkNorm = (a, M) => { const c = a.length / M; const out = new Float32Array(a.length); for (let m = 0; m < M; m++) { const s = a.slice(m * c, (m + 1) * c); const n = Math.hypot(...s) || 1; s.forEach((x, j) => (out[m * c + j] = x / n / Math.sqrt(M))); } return out; };
  const variants = {
    base: (e) => e,
    globalCL2N: (e) => norm(Float32Array.from(e, (v, j) => v - mean[j])),
    memberCL2N: (e) => chunkNorm(Float32Array.from(e, (v, j) => v - mean[j]), M),
  };
  for (const a of (process.env.ALPHAS || '').split(',').filter(Boolean)) variants['memberCL2N_a' + a] = (e) => chunkNorm(Float32Array.from(e, (v, j) => v - Number(a) * mean[j]), M);
  const seeds = (process.env.ESEEDS || '3044').split(',').map(Number);
  const EPIS = Number(process.env.EPIS || 200);
  const pairs = E.verificationPairs(sp.validation.groups, 20000, 43);
  for (const [name, f] of Object.entries(variants)) {
    const v = val.map(f);
    const row = [name.padEnd(18)];
    for (const s of seeds) {
      const eps = E.oneShotEpisodes(sp.validation.identities, sp.validation.groups, 20, EPIS, s);
      const sib = E.siblingEpisodes(sp.validation.identities, sp.validation.groups, 5, 20, EPIS, s + 1);
      row.push(`seed ${s} cross20 ${(100 * E.oneShotAccuracy(v, eps, 'euclidean')).toFixed(2)} within ${(100 * E.oneShotAccuracy(v, sib, 'euclidean')).toFixed(2)}`);
    }
    const sc = E.scorePairs(v, pairs, 'euclidean');
    const { calibrate } = require(D + '/training/calibration/calibrate');
    row.push('EER ' + (100 * calibrate(sc, {}).metrics.eer).toFixed(2));
    console.log(row.join(' | '));
  }
})();
