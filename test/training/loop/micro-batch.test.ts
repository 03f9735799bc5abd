/**
 * Micro-batches (loop/micro-batch.ts, loop/train-step.ts): a contrastive step split into parts whose gradients,
 * each scaled by its share, are summed is the same optimiser step as the whole batch (up to float rounding), and
 * the split is chosen only where a whole step would pass what the wasm heap held (hand-derived bounds below).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { DomainError } from '../../../src/errors';
import { contrastiveBatchLoss, tripletBatchLoss, type LossPair } from '../../../src/training/losses';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FolderImageSource } from '../../../src/training/data/folder.source';
import type { BatchLoss } from '../../../src/training/losses';
import {
  chooseMicroBatch,
  hasBatchNormalization,
  heapChecked,
  largestActivation,
  microBatchFor,
  WASM_STEP_ACTIVATION_BOUND,
} from '../../../src/training/loop/micro-batch';
import { train } from '../../../src/training/trainer';
import { writeSyntheticDataset } from '../fixtures/synthetic-images';
import { oneStepAtRateZero, TINY_ARCHITECTURE, TINY_PREPROCESSING } from '../fixtures/tiny-encoder';
import { trainStep } from '../../../src/training/loop/train-step';
import { Rng } from '../../../src/training/samplers/rng';
import { pixels, shape, tinyEncoder } from './step-fixtures';

const pairs: LossPair[] = [
  { a: 0, b: 1, same: true, weight: 1 },
  { a: 2, b: 3, same: true, weight: 1 },
  { a: 0, b: 2, same: false, weight: 1 },
  { a: 4, b: 5, same: true, weight: 1 },
  { a: 1, b: 4, same: false, weight: 1 },
];
const options = { margin: 1, metric: 'euclidean' as const };

/** One SGD(lr = 1) (or Adam) step of `batch` from the same weights: the reported loss and the weights after it. */
function step(pairList: LossPair[], microBatch?: number, adam = false): { loss: number; weights: number[][] } {
  const model = tinyEncoder();
  const optimizer = adam ? tf.train.adam(0.01) : tf.train.sgd(1);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { loss } = trainStep(
    model,
    optimizer,
    vars,
    contrastiveBatchLoss(pairList, options),
    pixels,
    shape,
    null,
    new Rng(1),
    true,
    microBatch,
  );
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  optimizer.dispose();
  model.dispose();
  return { loss, weights };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('micro-batches: the split', () => {
  it('cuts the pairs in order; positions index the a images, then the b images; shares are n_k / N', () => {
    const parts = contrastiveBatchLoss(pairs, options).split!(2);
    expect(parts.map((p) => p.positions)).toEqual([
      [0, 1, 5, 6],
      [2, 3, 7, 8],
      [4, 9],
    ]);
    expect(parts.map((p) => p.share)).toEqual([2 / 5, 2 / 5, 1 / 5]);
    expect(parts.map((p) => p.loss.images)).toEqual([
      [0, 2, 1, 3],
      [0, 4, 2, 5],
      [1, 4],
    ]);
  });

  it('weighted pairs: a part’s share is its weight over the batch weight (the loss is Σ w·l / Σ w)', () => {
    const weighted = pairs.map((p, i) => ({ ...p, weight: [1, 3, 0, 2, 2][i] }));
    expect(contrastiveBatchLoss(weighted, options).split!(2).map((p) => p.share)).toEqual([4 / 8, 2 / 8, 2 / 8]);
  });

  it('refuses an empty micro-batch; triplet batches do not split', () => {
    expect(() => contrastiveBatchLoss(pairs, options).split!(0)).toThrow(RangeError);
    expect(tripletBatchLoss([0, 1, 2, 3], [0, 0, 1, 1], { margin: 1, metric: 'euclidean', mining: 'batch-all' }).split).toBeUndefined();
  });
});

describe('micro-batches: the step', () => {
  it.each([1, 2, 3, 4])('micro-batches of %i pairs take the whole batch’s step (loss and weights); no leaks', (size) => {
    const before = tf.memory().numTensors;
    const whole = step(pairs);
    const split = step(pairs, size);
    expect(split.loss).toBeCloseTo(whole.loss, 6);
    split.weights.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(whole.weights[i][j], 6)));
    // The step changed the weights at all (the comparison is not of two untouched models).
    expect(Math.abs(whole.weights[0][0] - 0.5)).toBeGreaterThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weighted pairs too, and with Adam (the optimiser the loop uses); no leaks', () => {
    const before = tf.memory().numTensors;
    const weighted = pairs.map((p, i) => ({ ...p, weight: [1, 3, 0, 2, 2][i] }));
    const whole = step(weighted);
    const split = step(weighted, 2);
    expect(split.loss).toBeCloseTo(whole.loss, 6);
    split.weights.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(whole.weights[i][j], 6)));
    const wholeAdam = step(pairs, undefined, true);
    const splitAdam = step(pairs, 2, true);
    splitAdam.weights.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(wholeAdam.weights[i][j], 6)));
    // Adam's first step moves each weight by about its learning rate: the comparison is of moved weights.
    expect(Math.abs(wholeAdam.weights[0][0] - 0.5)).toBeCloseTo(0.01, 3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a part that throws leaves none of the finished parts’ gradients behind', () => {
    const model = tinyEncoder();
    const optimizer = tf.train.sgd(1);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const whole = contrastiveBatchLoss(pairs, options);
    const throwing = {
      ...whole,
      compute: (): never => {
        throw new Error('memory access out of bounds');
      },
    };
    /** The batch split in parts of 2 whose part `failing` throws (as an overrun heap would), and what the step leaves. */
    const leftAfter = (batch: BatchLoss, microBatch?: number) => {
      const before = tf.memory().numTensors;
      expect(() => trainStep(model, optimizer, vars, batch, pixels, shape, null, new Rng(1), true, microBatch)).toThrow(
        'memory access out of bounds',
      );
      return tf.memory().numTensors - before;
    };
    const failingAt = (failing: number): BatchLoss => ({
      ...whole,
      split: (n) =>
        whole.split!(n).map((part, i) => (i === failing ? { ...part, loss: { ...part.loss, compute: throwing.compute } } : part)),
    });
    // tfjs itself keeps a failed pass's tape tensors (a whole-batch minimize that throws leaves some too); what the
    // step must not add is the finished parts' gradients: failing at the third part leaves what failing at the first does.
    const wholeLeft = leftAfter(throwing);
    const firstLeft = leftAfter(failingAt(0), 2);
    const thirdLeft = leftAfter(failingAt(2), 2);
    expect(thirdLeft).toBe(firstLeft);
    expect(firstLeft).toBeLessThanOrEqual(wholeLeft);
    // Nothing was applied: the weights are the starting ones.
    expect(model.getWeights()[0].dataSync()[0]).toBeCloseTo(0.5, 7);
    optimizer.dispose();
    model.dispose();
  });

  it('a batch that cannot split is refused with a code, not run whole; no leaks', () => {
    const before = tf.memory().numTensors;
    const model = tinyEncoder();
    const optimizer = tf.train.sgd(1);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const triplet = tripletBatchLoss([0, 1, 2, 3], [0, 0, 1, 1], { margin: 1, metric: 'euclidean', mining: 'batch-all' });
    let thrown: unknown;
    try {
      trainStep(model, optimizer, vars, triplet, pixels, shape, null, new Rng(1), true, 2);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'BAD_USER_INPUT' });
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('micro-batches: when to split', () => {
  it('the bound is the step that trained: 64 images of 224×112 with 64 channels', () => {
    expect(WASM_STEP_ACTIVATION_BOUND).toBe(102_760_448);
    // 32 pairs = 64 images × 224·112·64 = 1,605,632 values each: exactly the bound, one batch.
    expect(chooseMicroBatch(32, 224 * 112 * 64, 'wasm')).toEqual({ reason: 'fits' });
    // 224×144: 2,064,384 values an image; 102,760,448 / (2 · 2,064,384) = 24.9 → at most 24 pairs a part, so two
    // parts, of 32 / 2 = 16 pairs each.
    expect(chooseMicroBatch(32, 224 * 144 * 64, 'native')).toEqual({ pairs: 16, reason: 'wasm heap' });
    // 30 pairs that allow 7 a part: ⌈30 / 7⌉ = 5 parts of 6.
    expect(chooseMicroBatch(30, Math.floor(WASM_STEP_ACTIVATION_BOUND / 14), 'wasm')).toEqual({ pairs: 6, reason: 'wasm heap' });
    // An encoder with batch normalisation is not split (each part would normalise by its own statistics).
    expect(chooseMicroBatch(32, 224 * 144 * 64, 'wasm', undefined, true)).toEqual({ reason: 'batch norm' });
    // A backend outside the wasm heap is not split unless asked.
    expect(chooseMicroBatch(32, 224 * 144 * 64, 'tensorflow')).toEqual({ reason: 'fits' });
    expect(chooseMicroBatch(32, 224 * 144 * 64, 'tensorflow', 8)).toEqual({ pairs: 8, reason: 'asked' });
    expect(chooseMicroBatch(32, 10, 'wasm', 32)).toEqual({ reason: 'fits' });
    // One image larger than the bound still trains one pair at a time (and may abort: then the loop says why).
    expect(chooseMicroBatch(32, WASM_STEP_ACTIVATION_BOUND, 'wasm')).toEqual({ pairs: 1, reason: 'wasm heap' });
  });

  it('the largest layer output of one image: a 4×6 input through 3 channels of 3×3 conv is 72 values', () => {
    const input = tf.input({ shape: [4, 6, 1] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const pool = tf.layers.maxPooling2d({ poolSize: 2 }).apply(conv) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 5 }).apply(tf.layers.flatten().apply(pool) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(largestActivation(model)).toBe(72);
    expect(hasBatchNormalization(model)).toBe(false);
    // Nested as an ensemble member is: the inner model's 72 still counts, and a batch norm inside it is found.
    const inner = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [4, 6, 1], filters: 3, kernelSize: 3, padding: 'same' }), tf.layers.batchNormalization()],
    });
    const outer = tf.input({ shape: [4, 6, 1] });
    const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(inner.apply(outer) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const nested = tf.model({ inputs: outer, outputs: pooled });
    expect(nested.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    expect(largestActivation(nested)).toBe(72);
    expect(hasBatchNormalization(nested)).toBe(true);
    model.dispose();
    nested.dispose();
  });
});

describe('micro-batches: what the loop asks for', () => {
  const noLog = () => undefined;
  const bnModel = () =>
    tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3 }), tf.layers.batchNormalization()],
    });

  it('refuses --micro-batch for losses that mine within the batch, and with batch normalisation, with codes', () => {
    const model = tinyEncoder();
    expect(() => microBatchFor(model, { loss: 'triplet', batchSize: 32, microBatch: 8 }, noLog, 'wasm')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', message: expect.stringContaining('--loss contrastive') }),
    );
    expect(() => microBatchFor(model, { loss: 'contrastive', batchSize: 32, microBatch: 0 }, noLog, 'wasm')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
    const bn = bnModel();
    expect(() => microBatchFor(bn, { loss: 'contrastive', batchSize: 32, microBatch: 8 }, noLog, 'wasm')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', message: expect.stringContaining('batch normalisation') }),
    );
    model.dispose();
    bn.dispose();
  });

  it('logs the split it makes, and warns instead of splitting an encoder with batch normalisation', () => {
    const logged: string[] = [];
    const model = tinyEncoder();
    // The flatten and dense outputs are 4 and 3 values; 2 · B · 4 passes the bound from B = 12,845,057 pairs.
    const huge = 12_845_057;
    expect(microBatchFor(model, { loss: 'contrastive', batchSize: huge }, (m) => logged.push(m), 'wasm').reason).toBe('wasm heap');
    expect(microBatchFor(model, { loss: 'contrastive', batchSize: huge - 1 }, (m) => logged.push(m), 'wasm')).toEqual({ reason: 'fits' });
    expect(microBatchFor(model, { loss: 'contrastive', batchSize: 32, microBatch: 8 }, (m) => logged.push(m), 'wasm')).toEqual({
      pairs: 8,
      reason: 'asked',
    });
    const bn = bnModel();
    expect(microBatchFor(bn, { loss: 'contrastive', batchSize: huge }, (m) => logged.push(m), 'native')).toEqual({ reason: 'batch norm' });
    expect(logged[0]).toMatch(/^micro-batches of \d+ pairs, gradients summed into one step of 12845057 \(a whole step would pass/);
    expect(logged[1]).toBe('micro-batches of 8 pairs, gradients summed into one step of 32 (--micro-batch)');
    expect(logged[2]).toMatch(/^warning: .* cannot be split into micro-batches/);
    expect(logged).toHaveLength(3);
    model.dispose();
    bn.dispose();
  });

  it('turns a heap overrun into OPERATION_NOT_SUPPORTED with what to lower; other errors pass unchanged', () => {
    expect(heapChecked(() => 7, 32, undefined, 'pairs')).toBe(7);
    expect(() =>
      heapChecked(
        () => {
          throw new Error('RuntimeError: memory access out of bounds');
        },
        32,
        16,
        'pairs',
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'OPERATION_NOT_SUPPORTED',
        message: expect.stringMatching(/^a training step of 16 pairs at once ran out of/),
      }),
    );
    const other = new TypeError('not a heap problem');
    expect(() =>
      heapChecked(
        () => {
          throw other;
        },
        32,
        undefined,
        'pairs',
      ),
    ).toThrow(other);
  });

  it('the trained card records an asked split, and nothing when a step ran whole', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'micro-batch-'));
    try {
      await writeSyntheticDataset(path.join(root, 'data'), 6, 4, 16);
      const base = oneStepAtRateZero({ name: 'micro', architecture: TINY_ARCHITECTURE, preprocessing: TINY_PREPROCESSING });
      const split = await train({ ...base, microBatch: 2 }, new FolderImageSource([path.join(root, 'data')]));
      const whole = await train(base, new FolderImageSource([path.join(root, 'data')]));
      expect(split.card.hyperparameters.microBatch).toEqual({ pairs: 2, reason: 'asked' });
      expect(whole.card.hyperparameters.microBatch).toBeUndefined();
      split.model.dispose();
      whole.model.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
