/**
 * Session 32 (issue 17), an exploration on the 6 validation writers only: would a descriptor nothing was trained on
 * (HOG of the model's own preprocessed input, hog-descriptor.ts) add to T's embedding? The 34 cross-validated writers
 * are not read. Not a CI test: run by hand against T's fold models.
 *
 *   node test/retraining/fixtures/ts-run.js test/e2e/signature-hog-fusion.ts MODEL_DIR… > OUT.json
 *     HOG alone at several cell sizes, each fold model alone, and the fused vector [√(1 − λ)·e, √λ·h] for
 *     λ = 0.1 … 0.6, each as the pooled EER over the validation writers with one reference (every genuine pair and
 *     genuine–forgery pair) and with ten (the centroid of 10 of a writer's genuine signatures, 10 draws).
 *
 * The validation writers chose these models' checkpoints and thresholds, so the models' EER here is optimistic
 * (4.6–7.6 % against 11.7 % on new writers) and HOG's is not (nothing was fitted to them): a λ that helps here would
 * be an underestimate of what it does on new writers, one that hurts here may still help there. That is why this is
 * an exploration, not a rule.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { loadModelDir } from '../../src/embedding/model-store';
import { inferenceSpec } from '../../src/embedding/preprocess/flip-average';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { centroid } from '../../src/metric/metric';
import { computeRoc, equalErrorRate } from '../../src/training/calibration/roc';
import { embedPixels } from '../../src/training/evaluate/embed';
import { parseFilterList } from '../../src/training/data/identity-filter';
import { Rng } from '../../src/training/samplers/rng';
import { fuse, hogDescriptor, type HogOptions } from './hog-descriptor';
import { writerFiles } from './signature-measure';

const DATASET = path.resolve(__dirname, '../../../shared/datasets/cedar-signatures');
const VALIDATION = parseFilterList(['@' + path.resolve(__dirname, '../../splits/cedar/validation-writers.txt')])!;
const CELLS: readonly HogOptions[] = [8, 10, 16, 20].map((cell) => ({ cell, bins: 9 }));
const LAMBDAS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];

interface Vectors {
  genuine: Float32Array[];
  forged: Float32Array[];
}

function euclidean(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Pooled EER with one reference (all pairs) and with ten (centroid of 10 genuine, 10 draws per writer). */
export function validationEers(writers: readonly Vectors[]): { r1: number; r10: number } {
  const one: Array<{ distance: number; same: boolean }> = [];
  const ten: Array<{ distance: number; same: boolean }> = [];
  const rng = new Rng(21);
  for (const w of writers) {
    for (let i = 0; i < w.genuine.length; i++) {
      for (let j = i + 1; j < w.genuine.length; j++) one.push({ distance: euclidean(w.genuine[i], w.genuine[j]), same: true });
      for (const f of w.forged) one.push({ distance: euclidean(w.genuine[i], f), same: false });
    }
    for (let draw = 0; draw < 10; draw++) {
      const order = rng.shuffle(w.genuine.map((_, i) => i));
      const c = centroid(order.slice(0, 10).map((i) => w.genuine[i]));
      for (const i of order.slice(10)) ten.push({ distance: euclidean(w.genuine[i], c), same: true });
      for (const f of w.forged) ten.push({ distance: euclidean(f, c), same: false });
    }
  }
  return { r1: equalErrorRate(computeRoc(one)).eer, r10: equalErrorRate(computeRoc(ten)).eer };
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    console.error('usage: signature-hog-fusion.ts MODEL_DIR…');
    return 2;
  }
  await initBackend('auto');
  let pixels: Vectors[] | undefined;
  let preprocessing: string | undefined;
  const hogRows: Array<{ cell: number; bins: number; r1: number; r10: number }> = [];
  const modelRows: Array<Record<string, unknown>> = [];
  let hogs: Map<number, Vectors[]> | undefined;
  for (const dir of argv) {
    const { model, card } = await loadModelDir(dir);
    try {
      const { width, height } = card.preprocessing;
      // The pixels are read once for every model, so every model must preprocess alike (T's fold models do).
      const spec = JSON.stringify(card.preprocessing);
      if (preprocessing !== undefined && spec !== preprocessing)
        throw new Error(`${dir} preprocesses differently from the first model (${spec} against ${preprocessing})`);
      preprocessing = spec;
      if (!pixels) {
        pixels = [];
        for (const w of VALIDATION) {
          const files = writerFiles(DATASET, w);
          const prep = (list: string[]) =>
            Promise.all(list.map(async (f) => (await preprocessImage(fs.readFileSync(f), card.preprocessing)).input));
          pixels.push({ genuine: await prep(files.genuine), forged: await prep(files.forged) });
        }
        hogs = new Map();
        for (const options of CELLS) {
          const h = pixels.map((p) => ({
            genuine: p.genuine.map((x) => hogDescriptor(x, width, height, options)),
            forged: p.forged.map((x) => hogDescriptor(x, width, height, options)),
          }));
          hogs.set(options.cell, h);
          hogRows.push({ ...options, ...validationEers(h) });
        }
      }
      const inference = inferenceSpec(card);
      const embedded: Vectors[] = [];
      for (const p of pixels)
        embedded.push({
          genuine: await embedPixels(model, p.genuine, card.preprocessing, 64, inference),
          forged: await embedPixels(model, p.forged, card.preprocessing, 64, inference),
        });
      const fused: Array<Record<string, unknown>> = [];
      for (const options of CELLS) {
        const h = hogs!.get(options.cell)!;
        for (const lambda of LAMBDAS) {
          const vectors = embedded.map((w, k) => ({
            genuine: w.genuine.map((e, i) => fuse(e, h[k].genuine[i], lambda)),
            forged: w.forged.map((e, i) => fuse(e, h[k].forged[i], lambda)),
          }));
          fused.push({ cell: options.cell, lambda, ...validationEers(vectors) });
        }
      }
      modelRows.push({ model: dir, version: card.version, alone: validationEers(embedded), fused });
      console.error(`${dir}: ${JSON.stringify(modelRows[modelRows.length - 1].alone)}`);
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  }
  console.log(JSON.stringify({ writers: VALIDATION, hog: hogRows, models: modelRows }, null, 1));
  return 0;
}
