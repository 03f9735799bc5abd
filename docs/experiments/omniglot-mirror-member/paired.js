// Rule 9 (session 17): a paired comparison of two ensembles on the same new validation episodes.
//
// usage: ESEED=17044 EPIS=600 node docs/experiments/omniglot-mirror-member/paired.js BASE CANDIDATE
//
// Both models embed the character-level validation split (split seed 42, 15 %, as every member since round 3);
// the 20-way episodes ("cross20", seed ESEED) and the within-alphabet episodes ("within", seed ESEED + 1) are
// drawn exactly as select.js draws them, so the accuracies printed here equal select.js's for the same seeds.
// What this adds is the test: per episode, d = accuracy(candidate) − accuracy(base); the mean of d over the
// episodes, its standard error s/√n and z = mean/SE. Episodes, not trials, are the unit, because the 20 queries
// of one episode share its support set and are not independent.
// Rule 9's verdict: the candidate replaces the base unless z < −1.645 (one-sided 5 %) for cross20 or for within.
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

const Z_REJECT = -1.645;

/** Mean, standard error and z of the per-episode differences. */
function pairedStats(a, b) {
  const n = a.length;
  const d = a.map((x, i) => b[i] - x);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const se = Math.sqrt(variance / n);
  return { n, mean, se, z: se > 0 ? mean / se : 0 };
}

/** Accuracy of each episode, and the trial-weighted accuracy over all of them (as oneShotAccuracy reports it). */
function perEpisode(embeddings, episodes) {
  const acc = episodes.map((ep) => E.oneShotAccuracy(embeddings, [ep], 'euclidean'));
  return { acc, overall: E.oneShotAccuracy(embeddings, episodes, 'euclidean') };
}

(async () => {
  const [baseDir, candidateDir] = process.argv.slice(2);
  if (!baseDir || !candidateDir) throw new Error('usage: paired.js BASE CANDIDATE');
  const seed = Number(process.env.ESEED || 44);
  const count = Number(process.env.EPIS || 40);
  await initBackend('wasm');
  const src = new FolderImageSource([
    path.resolve(ROOT, '../shared/datasets/omniglot/images_background_small1'),
    path.resolve(ROOT, '../shared/datasets/omniglot/images_background_small2'),
  ]);
  const { images } = await dedupeByContent(src, await src.list());
  const val = splitByIdentity(images, 0.15, 42).validation;
  const cross = E.oneShotEpisodes(val.identities, val.groups, 20, count, seed);
  const within = E.siblingEpisodes(val.identities, val.groups, 5, 20, count, seed + 1);
  const results = {};
  for (const dir of [baseDir, candidateDir]) {
    const { model, card } = await loadModelDir(dir);
    const px = await new DecodedImageCache(src, card.preprocessing).loadAll(val.images);
    const emb = E.embedPixels(model, px, card.preprocessing, 64, inferenceSpec(card));
    model.dispose();
    results[dir] = { cross20: perEpisode(emb, cross), within: perEpisode(emb, within) };
  }
  let reject = false;
  const report = { eseed: seed, episodes: { cross20: cross.length, within: within.length }, zReject: Z_REJECT, measures: {} };
  for (const measure of ['cross20', 'within']) {
    const a = results[baseDir][measure];
    const b = results[candidateDir][measure];
    const s = pairedStats(a.acc, b.acc);
    if (s.z < Z_REJECT) reject = true;
    report.measures[measure] = { base: a.overall, candidate: b.overall, ...s };
    console.log(
      `${measure.padEnd(8)} base ${(100 * a.overall).toFixed(2)} % candidate ${(100 * b.overall).toFixed(2)} %  ` +
        `per-episode difference ${(100 * s.mean).toFixed(3)} ± ${(100 * s.se).toFixed(3)} points (SE, ${s.n} episodes), z = ${s.z.toFixed(2)}`,
    );
  }
  report.verdict = reject ? 'rejected' : 'joins';
  console.log(`rule 9: ${reject ? 'REJECTED (significantly lower on at least one measure)' : 'JOINS (not significantly lower on either measure)'}`);
  console.log(JSON.stringify(report));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
