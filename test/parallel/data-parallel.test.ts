import * as tf from '@tensorflow/tfjs';
import { lcg } from '../embedding/fixtures';
import { initBackend } from '../../src/embedding/backend';
import { buildEncoder } from '../../src/embedding/backbones';
import type { ArchitectureSpec } from '../../src/embedding/model-card';
import { contrastiveLossFromEmbeddings } from '../../src/training/losses/contrastive.loss';
import { DataParallelTrainer } from '../../src/training/parallel/data-parallel.trainer';
import { shardRange } from '../../src/training/parallel/protocol';

/**
 * Two workers, each with its own wasm instance, must take the same Adam steps
 * as single-thread training on the whole batch (tf.train.adam, one forward
 * pass of all pairs), up to float rounding. The batch of 7 pairs splits 4 + 3
 * and the workers' micro-batches of 2 pairs split again (2+2, 2+1), so the
 * shares-of-the-mean weighting is exercised.
 */
const ARCH: ArchitectureSpec = { backbone: 'seed', embeddingDim: 8, normalization: 'none', l2Normalize: false };
const INPUT = { height: 16, width: 16, channels: 1 };
const PIXELS = 16 * 16;
const LR = 1e-3;

function batch(step: number, n: number): { a: Float32Array; b: Float32Array; same: boolean[] } {
  return {
    a: lcg(n * PIXELS, 100 + step),
    b: lcg(n * PIXELS, 200 + step),
    same: Array.from({ length: n }, (_, i) => (i + step) % 3 === 0),
  };
}

describe('shardRange', () => {
  it('covers [0, total) with contiguous shards whose sizes differ by at most one', () => {
    expect([0, 1, 2].map((k) => shardRange(10, 3, k))).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
    expect([0, 1].map((k) => shardRange(7, 2, k))).toEqual([
      [0, 4],
      [4, 7],
    ]);
  });
});

describe('DataParallelTrainer', () => {
  let trainer: DataParallelTrainer | undefined;
  afterAll(async () => {
    await trainer?.close();
  });

  it('takes the same steps as single-thread Adam on the whole batch', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const model = buildEncoder(ARCH, INPUT, 7);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const initial = vars.map((v) => v.dataSync().slice() as Float32Array);

    trainer = await DataParallelTrainer.start({
      arch: ARCH,
      input: INPUT,
      seed: 7,
      initialWeights: initial,
      workers: 2,
      microBatch: 2,
      backend: 'wasm',
      loss: { margin: 2, metric: 'euclidean' },
      adam: { learningRate: LR },
    });
    expect(trainer.workers).toBe(2);
    expect(trainer.sizes).toEqual(vars.map((v) => v.size));

    const optimizer = tf.train.adam(LR);
    const steps = 3;
    for (let s = 0; s < steps; s++) {
      const { a, b, same } = batch(s, 7);
      const parallelLoss = await trainer.step(a, b, same);
      const singleLoss = tf.tidy(() => {
        const x = tf.concat([tf.tensor4d(a, [7, 16, 16, 1]), tf.tensor4d(b, [7, 16, 16, 1])]);
        const cost = optimizer.minimize(
          () => {
            const e = model.apply(x, { training: true }) as tf.Tensor2D;
            const [ea, eb] = tf.split(e, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
            return contrastiveLossFromEmbeddings(ea, eb, same, { margin: 2, metric: 'euclidean' });
          },
          true,
          vars,
        );
        return cost!.dataSync()[0];
      });
      expect(parallelLoss).toBeGreaterThan(0);
      expect(Math.abs(parallelLoss - singleLoss)).toBeLessThan(1e-4 * Math.max(1, singleLoss));
    }
    expect(trainer.stepCount).toBe(steps);

    const parallel = trainer.getWeights();
    let moved = 0;
    let worst = 0;
    vars.forEach((v, i) => {
      const single = v.dataSync();
      for (let j = 0; j < single.length; j++) {
        moved = Math.max(moved, Math.abs(single[j] - initial[i][j]));
        worst = Math.max(worst, Math.abs(single[j] - parallel[i][j]));
      }
    });
    // Three steps move weights by up to 3·lr; the two paths agree far more closely than that.
    expect(moved).toBeGreaterThan(LR);
    expect(worst).toBeLessThan(LR / 20);

    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('rejects a batch smaller than the number of workers and images of the wrong size', async () => {
    expect(trainer).toBeDefined();
    const t = trainer!;
    await expect(t.step(new Float32Array(PIXELS), new Float32Array(PIXELS), [true])).rejects.toThrow(/at least 2 pairs/);
    await expect(t.step(new Float32Array(PIXELS), new Float32Array(2 * PIXELS), [true, false])).rejects.toThrow(/values per tower/);
  });
});
