import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildEncoder } from '../../src/embedding/backbones';
import { fastArch } from './fixtures';
import { composeEnsemble } from '../../src/embedding/backbones/ensemble';
import type { ModelCard } from '../../src/embedding/model-card';
import { loadModelDir, saveModelDir } from '../../src/embedding/model-store';

const arch = fastArch;
const input = { height: 12, width: 12, channels: 1 };

function card(dim = 12): ModelCard {
  return {
    formatVersion: 1,
    name: 'ens',
    version: '',
    createdAt: new Date(0).toISOString(),
    architecture: { backbone: 'ensemble', embeddingDim: dim, normalization: 'none', l2Normalize: true },
    preprocessing: { width: 12, height: 12, channels: 1, normalize: 'unit', fit: 'fill' },
    metric: 'euclidean',
    thresholds: { eer: 1, maxAccuracy: 1, atTargetFar: 1, targetFar: 0.01, default: 1, defaultRule: 'eer' },
    roc: [],
    validation: { auc: 1, eer: 0, accuracyAtDefault: 1, tarAtFar1e2: 1, tarAtFar1e3: 1, positivePairs: 1, negativePairs: 1 },
    data: {},
    hyperparameters: {},
    seed: 1,
    training: { wallTimeSec: 0, steps: 0, epochs: 0, bestEpoch: 0, backend: 'cpu' },
    fingerprint: '',
    commands: { train: '', evaluate: [] },
  } as unknown as ModelCard;
}

describe('ensemble of encoders', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("squared distance is the mean of the members' squared distances; survives save/load; no leaks", async () => {
    const a = buildEncoder(arch([4, 8], 8), input, 1);
    const b = buildEncoder(arch([6], 4), input, 2);
    const x = tf.randomUniform([3, 12, 12, 1], 0, 1, 'float32', 5);
    const ea = a.predict(x) as tf.Tensor2D;
    const eb = b.predict(x) as tf.Tensor2D;
    const ens = await composeEnsemble([a, b]);
    const e = ens.predict(x) as tf.Tensor2D;
    expect(e.shape).toEqual([3, 12]);
    const sq = (t: tf.Tensor2D, i: number, j: number) =>
      tf.tidy(() => tf.sum(tf.square(tf.sub(t.slice([i, 0], [1, -1]), t.slice([j, 0], [1, -1])))).dataSync()[0]);
    for (const [i, j] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      expect(sq(e, i, j)).toBeCloseTo((sq(ea, i, j) + sq(eb, i, j)) / 2, 5);
    }
    // Unit norm rows.
    tf.tidy(() => Array.from(tf.norm(e, 'euclidean', 1).dataSync()).forEach((n) => expect(n).toBeCloseTo(1, 5)));

    const dir = mkdtempSync(path.join(tmpdir(), 'ensemble-'));
    try {
      await saveModelDir(dir, ens, card());
      const loaded = await loadModelDir(dir);
      const e2 = loaded.model.predict(x) as tf.Tensor2D;
      expect(
        Array.from(e2.dataSync())
          .map((v, i) => Math.abs(v - e.dataSync()[i]))
          .every((d) => d < 1e-6),
      ).toBe(true);
      e2.dispose();
      loaded.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      ens.predict(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ea, eb, e]);
    ens.dispose();
  });

  it('members with identical layer names (trained in different processes) still save and load', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ensemble-names-'));
    try {
      const m = buildEncoder(arch([4], 4), input, 3);
      await saveModelDir(path.join(dir, 'm'), m, card(4));
      // Two loads of one directory: every saved (original) weight name appears twice.
      const [a, b] = [await loadModelDir(path.join(dir, 'm')), await loadModelDir(path.join(dir, 'm'))];
      const ens = await composeEnsemble([a.model, b.model]);
      const names = ens.weights.map((w) => w.name);
      expect(new Set(names).size).toBe(names.length);
      await saveModelDir(path.join(dir, 'ens'), ens, card(8));
      const back = await loadModelDir(path.join(dir, 'ens'));
      const x = tf.randomUniform([2, 12, 12, 1], 0, 1, 'float32', 9);
      // Two equal members: the ensemble's embedding is the member's, repeated and scaled by 1/√2.
      const e = back.model.predict(x) as tf.Tensor2D;
      const single = m.predict(x) as tf.Tensor2D;
      const expected = tf.div(tf.concat([single, single], 1), Math.SQRT2);
      expect(tf.max(tf.abs(tf.sub(e, expected))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([x, e, single, expected]);
      [m, a.model, b.model, ens, back.model].forEach((x) => x.dispose());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a single member and mismatched input shapes', async () => {
    const a = buildEncoder(arch([4], 4), input, 1);
    const c = buildEncoder(arch([4], 4), { height: 10, width: 10, channels: 1 }, 1);
    await expect(composeEnsemble([a])).rejects.toThrow(RangeError);
    await expect(composeEnsemble([a, c])).rejects.toThrow(/one input shape/);
    a.dispose();
    c.dispose();
  });
});
