// Session 45, exploration (validation writers only; not a rule): how well do HL's served fold ensembles and pixel
// descriptors separate strangers (random forgeries) from genuine pairs? Output kept in explore-strangers.jsonl.
//   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/random-threshold/explore-strangers.ts FOLD_DIR @splits/cedar/validation-writers.txt
// prints, for the fold ensemble and for pixel descriptors of its input (cosine; raw, and average-pooled 4, 8, 16 px),
// the EER of genuine pairs against skilled forgeries and against strangers (every cross-writer genuine pair).
import * as fs from 'fs';
import { initBackend } from '../../../../src/embedding/backend';
import { loadModelDir } from '../../../../src/embedding/model-store';
import { preprocessImage } from '../../../../src/embedding/preprocess/preprocess-image';
import { distance, cosineDistance } from '../../../../src/metric/metric';
import { computeRoc, equalErrorRate, type ScoredPair } from '../../../../src/training/calibration/roc';
import { parseFilterList } from '../../../../src/training/data/identity-filter';
import { DEFAULT_DATASET, embedWriters, writerFiles } from '../../../../test/e2e/signature-measure';

function pool(x: Float32Array, w: number, h: number, k: number): Float32Array {
  const W = Math.floor(w / k), H = Math.floor(h / k);
  const out = new Float32Array(W * H);
  for (let y = 0; y < H * k; y++) for (let xx = 0; xx < W * k; xx++) out[Math.floor(y / k) * W + Math.floor(xx / k)] += x[y * w + xx];
  return out;
}

export async function main(args: string[]): Promise<number> {
  await initBackend('auto');
  const [dir, list] = args;
  const writers = parseFilterList([list]) ?? [];
  const { model, card } = await loadModelDir(dir);
  const emb = await embedWriters(model, card, writers, DEFAULT_DATASET);
  const pix: { genuine: Float32Array[]; forged: Float32Array[] }[] = [];
  for (const w of writers) {
    const f = writerFiles(DEFAULT_DATASET, w);
    const load = async (files: string[]) => Promise.all(files.map(async (p) => (await preprocessImage(fs.readFileSync(p), card.preprocessing)).input as Float32Array));
    pix.push({ genuine: await load(f.genuine), forged: await load(f.forged) });
  }
  const W = card.preprocessing.width, H = card.preprocessing.height;
  const descs: Record<string, (k: number, kind: 'genuine' | 'forged', i: number) => Float32Array> = {
    model: (k, kind, i) => emb[k][kind][i],
    pix: (k, kind, i) => pix[k][kind][i],
    pool4: (k, kind, i) => pool(pix[k][kind][i], W, H, 4),
    pool8: (k, kind, i) => pool(pix[k][kind][i], W, H, 8),
    pool16: (k, kind, i) => pool(pix[k][kind][i], W, H, 16),
  };
  const dists: Record<string, (a: Float32Array, b: Float32Array) => number> = {
    model: (a, b) => distance(a, b, card.metric),
    pix: cosineDistance, pool4: cosineDistance, pool8: cosineDistance, pool16: cosineDistance,
  };
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(descs)) {
    const d = descs[name], m = dists[name];
    const gen: ScoredPair[] = [], sk: ScoredPair[] = [], rnd: ScoredPair[] = [];
    emb.forEach((w, k) => {
      const n = w.genuine.length, nf = w.forged.length;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) gen.push({ distance: m(d(k, 'genuine', i), d(k, 'genuine', j)), same: true });
      for (let i = 0; i < n; i++) for (let j = 0; j < nf; j++) sk.push({ distance: m(d(k, 'genuine', i), d(k, 'forged', j)), same: false });
      for (let l = k + 1; l < emb.length; l++) for (let i = 0; i < n; i++) for (let j = 0; j < emb[l].genuine.length; j++) rnd.push({ distance: m(d(k, 'genuine', i), d(l, 'genuine', j)), same: false });
    });
    out[name] = { skilledEer: equalErrorRate(computeRoc([...gen, ...sk])).eer, randomEer: equalErrorRate(computeRoc([...gen, ...rnd])).eer };
  }
  console.log(JSON.stringify({ dir, writers: writers.length, ...out }));
  return 0;
}
