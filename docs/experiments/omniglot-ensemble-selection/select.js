// ESEED=1044 EPIS=200 node docs/experiments/omniglot-ensemble-selection/select.js DIR... : validation metrics of every member and every subset (ensemble = concat/√M)
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
const { calibrate } = require(D + '/training/calibration/calibrate');
const tf = require(ROOT + '/node_modules/@tensorflow/tfjs');
const AUG = require(D + '/training/augment/affine.augment');
const { Rng } = require(D + '/training/samplers/rng');
const TTA = Number(process.env.TTA || 0);
(async () => {
  await initBackend('wasm');
  const dirs = process.argv.slice(2);
  const src = new FolderImageSource([path.resolve(ROOT, '../shared/datasets/omniglot/images_background_small1'), path.resolve(ROOT, '../shared/datasets/omniglot/images_background_small2')]);
  const { images } = await dedupeByContent(src, await src.list());
  const val = splitByIdentity(images, 0.15, 42).validation;
  const embs = [];
  for (const d of dirs) {
    const { model, card } = await loadModelDir(d);
    const px = await new DecodedImageCache(src, card.preprocessing).loadAll(val.images);
    const base = E.embedPixels(model, px, card.preprocessing, 64, inferenceSpec(card));
    if (TTA) {
      const rng = new Rng(1); const { height, width, channels } = card.preprocessing; const n = px.length;
      const flat = new Float32Array(n * height * width * channels); px.forEach((p, i) => flat.set(p, i * p.length));
      for (let v = 0; v < TTA; v++) {
        const x = tf.tensor4d(flat, [n, height, width, channels]);
        const aug = AUG.augmentBatch(x, AUG.augmentPreset('affine'), rng);
        const d = aug.dataSync(); const size = d.length / n;
        const views = E.embedPixels(model, Array.from({ length: n }, (_, i) => d.slice(i * size, (i + 1) * size)), card.preprocessing, 64, inferenceSpec(card));
        tf.dispose([x, aug]);
        views.forEach((e, i) => e.forEach((val, j) => (base[i][j] += val)));
      }
      base.forEach((e) => e.forEach((val, j) => (e[j] = val / (TTA + 1))));
    }
    embs.push(base);
    model.dispose();
  }
  const eps = E.oneShotEpisodes(val.identities, val.groups, 20, Number(process.env.EPIS || 40), Number(process.env.ESEED || 44));
  const sib = E.siblingEpisodes(val.identities, val.groups, 5, 20, Number(process.env.EPIS || 40), Number(process.env.ESEED || 44) + 1);
  const pairs = E.verificationPairs(val.groups, 20000, 43);
  const names = dirs.map((d) => d.split('/').pop());
  for (let mask = 1; mask < 1 << dirs.length; mask++) {
    const idx = dirs.map((_, i) => i).filter((i) => mask & (1 << i));
    const s = 1 / Math.sqrt(idx.length);
    const cat = val.images.map((_, j) => { const parts = idx.map((i) => Array.from(embs[i][j], (x) => x * s)); return Float32Array.from(parts.flat()); });
    const cal = calibrate(E.scorePairs(cat, pairs, 'euclidean'), {});
    console.log(idx.map((i) => names[i]).join('+').padEnd(30), 'cross20', (100 * E.oneShotAccuracy(cat, eps, 'euclidean')).toFixed(2),
      'within', (100 * E.oneShotAccuracy(cat, sib, 'euclidean')).toFixed(2), 'EER', (100 * cal.metrics.eer).toFixed(2), 'AUC', cal.metrics.auc.toFixed(4));
  }
})();
