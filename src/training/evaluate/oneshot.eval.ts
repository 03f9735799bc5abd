/**
 * N-way one-shot classification in the format of Lake et al.'s Omniglot runs
 * (Science 2015; github.com/brendenlake/omniglot, one-shot-classification):
 *
 *   RUNS_DIR/runNN/training/classXX.png   one example of each of N classes
 *   RUNS_DIR/runNN/test/itemXX.png        one query per class
 *   RUNS_DIR/runNN/class_labels.txt       lines "runNN/test/itemXX.png runNN/training/classYY.png",
 *                                         paths relative to RUNS_DIR
 *
 * A query is correct when its nearest training image (in the model's metric)
 * is the one class_labels.txt names. Optional test-time augmentation averages
 * the embeddings of a few seeded random warps with the original.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../../embedding/model-card';
import { preprocessImage } from '../../embedding/preprocess/preprocess-image';
import { DomainError, ErrorCode } from '../../errors';
import { distance } from '../../metric/metric';
import { wilsonInterval } from './bootstrap';
import { inferenceSpec } from '../../embedding/preprocess/flip-average';
import { augmentBatch, augmentPreset, type AugmentOptions } from '../augment/affine.augment';
import { Rng } from '../samplers/rng';
import { embedPixels } from './embed';
import { parseClassLabels } from './lake-runs';

export { parseClassLabels };

export interface OneShotRunResult {
  run: string;
  correct: number;
  total: number;
  accuracy: number;
}

export interface OneShotReport {
  runs: OneShotRunResult[];
  correct: number;
  total: number;
  accuracy: number;
  ways: number;
  tta: number;
  /** 95 % Wilson interval of the accuracy. */
  ci95: [number, number];
}

export interface OneShotOptions {
  /** Extra augmented views per image averaged with the original (0 = off). */
  tta?: number;
  ttaAugment?: AugmentOptions;
  seed?: number;
}

export async function evaluateOneShot(
  model: tf.LayersModel,
  card: ModelCard,
  runsDir: string,
  options: OneShotOptions = {},
): Promise<OneShotReport> {
  const entries = (
    await fs.readdir(runsDir, { withFileTypes: true }).catch(() => {
      throw new DomainError(ErrorCode.DATASET_INVALID, `one-shot runs folder not found: ${runsDir}`);
    })
  )
    .filter((e) => e.isDirectory() && /^run\d+$/.test(e.name))
    .map((e) => e.name)
    .sort();
  if (entries.length === 0) throw new DomainError(ErrorCode.DATASET_INVALID, `no runNN folders in ${runsDir}`);
  const rng = new Rng(options.seed ?? 1);
  const tta = options.tta ?? 0;
  const ttaAug = options.ttaAugment ?? augmentPreset('affine')!;
  const embedFiles = async (files: string[]) => {
    const pixels = await Promise.all(
      files.map(async (f) => (await preprocessImage(await fs.readFile(path.join(runsDir, f)), card.preprocessing)).input),
    );
    const base = embedPixels(model, pixels, card.preprocessing, 64, inferenceSpec(card));
    if (tta === 0) return base;
    const { height, width, channels } = card.preprocessing;
    const sums = base.map((e) => Float32Array.from(e));
    for (let v = 0; v < tta; v++) {
      const x = tf.tensor4d(concat(pixels), [pixels.length, height, width, channels]);
      const aug = augmentBatch(x, ttaAug, rng);
      const views = embedPixels(
        model,
        splitRows(aug.dataSync() as Float32Array, pixels.length),
        card.preprocessing,
        64,
        inferenceSpec(card),
      );
      tf.dispose([x, aug]);
      views.forEach((e, i) => e.forEach((val, j) => (sums[i][j] += val)));
    }
    return sums.map((s) => s.map((val) => val / (tta + 1)));
  };

  const runs: OneShotRunResult[] = [];
  let ways = 0;
  for (const run of entries) {
    const labels = parseClassLabels(await fs.readFile(path.join(runsDir, run, 'class_labels.txt'), 'utf8'));
    const trainFiles = [...new Set(labels.map((l) => l.train))].sort();
    ways = Math.max(ways, trainFiles.length);
    const trainEmb = await embedFiles(trainFiles);
    const testEmb = await embedFiles(labels.map((l) => l.test));
    let correct = 0;
    labels.forEach((l, i) => {
      let best = 0;
      let bestD = Infinity;
      trainEmb.forEach((t, j) => {
        const d = distance(testEmb[i], t, card.metric);
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      });
      if (trainFiles[best] === l.train) correct++;
    });
    runs.push({ run, correct, total: labels.length, accuracy: correct / labels.length });
  }
  const correct = runs.reduce((s, r) => s + r.correct, 0);
  const total = runs.reduce((s, r) => s + r.total, 0);
  // Wilson interval: 400 trials leave about ±3 points at 90 %.
  return { runs, correct, total, accuracy: correct / total, ci95: wilsonInterval(correct, total), ways, tta };
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

function splitRows(data: Float32Array, n: number): Float32Array[] {
  const size = data.length / n;
  return Array.from({ length: n }, (_, i) => data.slice(i * size, (i + 1) * size));
}
