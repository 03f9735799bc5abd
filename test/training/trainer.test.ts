import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { CancelledError } from '../../src/errors';
import { buildEncoder } from '../../src/embedding/backbones';
import { loadModelDir } from '../../src/embedding/model-store';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { DecodedImageCache } from '../../src/training/data/image-cache';
import { embedPixels } from '../../src/training/evaluate/embed';
import { saveTrainedModel } from '../../src/training/save-trained-model';
import { contrastiveStep, train, type TrainOptions } from '../../src/training/trainer';
import { Rng } from '../../src/training/samplers/rng';
import { writeSyntheticDataset } from './fixtures/synthetic-images';
import { TINY_ARCHITECTURE, TINY_PREPROCESSING } from './fixtures/tiny-encoder';

const architecture = TINY_ARCHITECTURE;
const preprocessing = TINY_PREPROCESSING;
const base: TrainOptions = {
  name: 'tiny',
  architecture,
  preprocessing,
  metric: 'euclidean',
  loss: 'contrastive',
  margin: 1,
  mining: 'batch-hard',
  epochs: 3,
  stepsPerEpoch: 10,
  batchSize: 16,
  learningRate: 5e-3,
  augment: null,
  valFraction: 0.34,
  seed: 7,
  backend: 'wasm',
};

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'trainer-'));
  await writeSyntheticDataset(path.join(root, 'data'), 6, 5, 24);
  await initBackend('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('shared weights', () => {
  it('one set of variables serves both inputs; after a step both towers have changed together', () => {
    const model = buildEncoder(architecture, preprocessing, 3);
    const nVars = tf.engine().state.registeredVariables;
    const before = Object.keys(nVars).length;
    const pixels = Array.from({ length: 4 }, (_, i) => Float32Array.from({ length: 256 }, (_, j) => ((i * 31 + j * 7) % 17) / 17));
    const x = tf.tensor4d(Float32Array.from([...pixels[0], ...pixels[1]]), [2, 16, 16, 1]);
    const e0 = model.predict(x) as tf.Tensor;
    const optimizer = tf.train.adam(0.05);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // Pairs (0,1) and (1,0): image 1 goes through the "b" tower in the first pair and the "a" tower in the second.
    contrastiveStep(
      model,
      optimizer,
      vars,
      [
        { a: 0, b: 1, same: false, weight: 1 },
        { a: 1, b: 0, same: false, weight: 1 },
      ],
      pixels,
      preprocessing,
      null,
      new Rng(1),
      base,
    );
    // The encoder was not duplicated: the only new variables are Adam's (two moments per
    // trained variable + its two β-power accumulators), and the model's variables are the same objects.
    expect(model.trainableWeights.map((w) => w.read())).toEqual(vars);
    expect(Object.keys(tf.engine().state.registeredVariables).length - before).toBe(2 * vars.length + 2);
    const e1 = model.predict(x) as tf.Tensor;
    const [a0, b0] = [e0.slice([0, 0], [1, -1]), e0.slice([1, 0], [1, -1])];
    const [a1, b1] = [e1.slice([0, 0], [1, -1]), e1.slice([1, 0], [1, -1])];
    // Both images moved (one update of one encoder changes what both towers compute)…
    expect(tf.max(tf.abs(tf.sub(a1, a0))).dataSync()[0]).toBeGreaterThan(1e-4);
    expect(tf.max(tf.abs(tf.sub(b1, b0))).dataSync()[0]).toBeGreaterThan(1e-4);
    // …and the pair of different images was pushed apart.
    expect(tf.norm(tf.sub(a1, b1)).dataSync()[0]).toBeGreaterThan(tf.norm(tf.sub(a0, b0)).dataSync()[0]);
    tf.dispose([x, e0, e1, a0, b0, a1, b1]);
    optimizer.dispose();
    model.dispose();
  });
});

describe('train → calibrate → save → reload', () => {
  it('contrastive: loss goes down, the card is complete, reloaded embeddings are identical, no tensors leak', async () => {
    const source = new FolderImageSource([path.join(root, 'data')]);
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const result = await train({ ...base, commands: { train: 'npx siamese train …', evaluate: [] } }, source, {
      onStep: (s) => steps.push(s.loss),
    });
    expect(result.history).toHaveLength(3);
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(steps.slice(-10))).toBeLessThan(mean(steps.slice(0, 10)));
    const { card } = result;
    expect(card.data).toMatchObject({ identities: 6, images: 30, trainIdentities: 4, validationIdentities: 2 });
    expect(card.validation.positivePairs).toBe(2 * 10);
    expect(card.validation.negativePairs).toBe(25);
    expect(Number.isFinite(card.thresholds.eer)).toBe(true);
    expect(card.thresholds.default).toBe(card.thresholds.eer);
    expect(card.roc.length).toBeGreaterThan(2);
    expect(card.training.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(card.training.backend).toBe('wasm');

    const dir = path.join(root, 'model');
    const saved = await saveTrainedModel(dir, result.model, card);
    expect(saved.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path.join(dir, 'roc.svg'), 'utf8')).toContain('<svg');
    // One point per validation pass, drawn in minutes: as many dots as epochs in each panel.
    const curve = readFileSync(path.join(dir, 'learning-curve.svg'), 'utf8');
    expect(curve.match(/<circle /g)).toHaveLength(2 * card.training.epochs);
    expect(existsSync(path.join(dir, 'model-card.json'))).toBe(true);

    const images = await source.list();
    const pixels = await new DecodedImageCache(source, preprocessing).loadAll(images);
    const original = embedPixels(result.model, pixels, preprocessing);
    const loaded = await loadModelDir(dir);
    const again = embedPixels(loaded.model, pixels, loaded.card.preprocessing);
    expect(again.map((e) => Array.from(e))).toEqual(original.map((e) => Array.from(e)));
    expect(loaded.card.thresholds).toEqual(card.thresholds);
    result.model.dispose();
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['batch-hard', 'semi-hard', 'batch-all'] as const)('triplet with %s mining trains without NaN or leaks', async (mining) => {
    const source = new FolderImageSource([path.join(root, 'data')]);
    const before = tf.memory().numTensors;
    const result = await train(
      { ...base, loss: 'triplet', mining, margin: 0.3, batchSize: 8, k: 2, epochs: 1, stepsPerEpoch: 4, augment: 'affine' },
      source,
    );
    expect(result.history[0].activeFraction).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(result.history[0].loss)).toBe(true);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a wall-clock budget stops training early and still returns the best validated epoch', async () => {
    const source = new FolderImageSource([path.join(root, 'data')]);
    const result = await train({ ...base, epochs: 1000, maxSeconds: 0.5, lrSchedule: 'cosine' }, source);
    expect(result.history.length).toBeGreaterThanOrEqual(1);
    expect(result.history.length).toBeLessThan(1000);
    expect(result.card.training.epochs).toBe(result.history.length);
    result.model.dispose();
  });

  it('a budget that never binds leaves the cosine schedule and the weights exactly as without one', async () => {
    // Session 18: the clock used to enter every step's learning rate, so budgeted runs diverged from their first
    // epoch whenever a step was slow. Here the first step takes 0.3 s: 0.3 / 4 s of budget = 0.075 of the time,
    // more than its 1/30 of the steps, so the old schedule took the clock's. At that pace (epoch 1: ~0.35 s for
    // 5 of 30 steps, ~2 s projected) the 4-s budget never binds.
    const source = new FolderImageSource([path.join(root, 'data')]);
    const run = async (maxSeconds?: number) => {
      const lrs: number[] = [];
      const onStep = (s: { step: number; learningRate: number }) => {
        lrs.push(s.learningRate);
        const until = Date.now() + (s.step === 1 ? 300 : 5);
        while (Date.now() < until); // a slow first step (kernel warm-up), then quick ones
      };
      const result = await train({ ...base, epochs: 6, stepsPerEpoch: 5, lrSchedule: 'cosine', maxSeconds }, source, { onStep });
      const losses = result.history.map((h) => h.loss);
      result.model.dispose();
      return { lrs, losses, budgetBound: result.card.training.budgetBound };
    };
    const free = await run();
    const budgeted = await run(4);
    expect(budgeted.lrs).toHaveLength(30);
    expect(budgeted.lrs).toEqual(free.lrs);
    expect(budgeted.losses).toEqual(free.losses);
    expect(budgeted.budgetBound).toBe(false);
    expect(free.budgetBound).toBeUndefined();
    // The schedule is the step count's: step s at lr · (0.01 + 0.99 · ½(1 + cos(π s / 30))).
    free.lrs.forEach((lr, s) => expect(lr).toBeCloseTo(base.learningRate * (0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * s) / 30))), 12));
  });

  it('a budget that binds anneals the cosine by its end', async () => {
    // 1,000 one-step epochs at ≥ 20 ms a step cannot finish in 1 s: the first epoch end finds the budget binding
    // (1,000 × ≥ 20 ms > 1 s), so the first step is at the peak rate and the last ones near 1 % of it.
    const source = new FolderImageSource([path.join(root, 'data')]);
    const lrs: number[] = [];
    const onStep = (s: { learningRate: number }) => {
      lrs.push(s.learningRate);
      const until = Date.now() + 20;
      while (Date.now() < until);
    };
    const result = await train({ ...base, epochs: 1000, stepsPerEpoch: 1, lrSchedule: 'cosine', maxSeconds: 1 }, source, { onStep });
    result.model.dispose();
    expect(result.card.training.budgetBound).toBe(true);
    expect(lrs.length).toBeGreaterThan(3);
    expect(lrs.length).toBeLessThan(1000);
    expect(lrs[0]).toBe(base.learningRate);
    // The step count alone would leave the rate at ≥ 99 % of the peak after < 50 of 1,000 steps.
    expect(lrs[lrs.length - 1]).toBeLessThan(0.3 * base.learningRate);
  });

  it('stops on an aborted signal', async () => {
    const source = new FolderImageSource([path.join(root, 'data')]);
    const ctl = new AbortController();
    ctl.abort();
    await expect(train(base, source, { signal: ctl.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
