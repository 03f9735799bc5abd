import * as tf from '@tensorflow/tfjs';
import { contrastiveLossFromEmbeddings } from '../training/losses/contrastive.loss';
import { activeNativeAddon } from '../embedding/native/native-backend';
import { FusedAdam } from '../training/parallel/fused-adam';
import { buildSeedNet } from './seed-net';
import { readBack } from './matmul.bench';
import { timeRuns } from './stats';

/**
 * The `seed` workload of the peer, on the current tfjs backend, in this thread:
 * - embedding: batches of `batch` random 100×100×1 images through the encoder;
 * - training: `batch` random pairs per step, both towers in one forward pass
 *   of the shared encoder (as src/training/trainer.ts does), contrastive loss
 *   with margin 2 (Hadsell et al. 2006, euclidean), Adam at 5e-4 (the peer's),
 *   applied by FusedAdam (same update as tf.train.adam without its ~12
 *   full-size temporaries per variable; src/training/parallel/fused-adam.ts).
 * Random inputs, like the peer's: the cost of these layers does not depend on
 * the pixel values.
 */
export interface SeedWorkload {
  batch: number;
  /** Pairs per forward/backward pass in training (see measureSeedTrain); default = batch. */
  microBatch?: number;
  height: number;
  width: number;
  /** Wall-clock budget of each timed loop (after one warm-up run). */
  budgetMs: number;
}

export const SEED_WORKLOAD: SeedWorkload = { batch: 64, microBatch: 16, height: 100, width: 100, budgetMs: 12_000 };

export interface Throughput {
  perSec: number;
  runs: number;
  msPerRun: number;
}

export async function measureSeedEmbed(w: SeedWorkload, model = buildSeedNet(w.height, w.width)): Promise<Throughput> {
  const x = tf.randomNormal([w.batch, w.height, w.width, 1]);
  try {
    // The whole batch in one forward pass, as the peer does (predict's default splits it into 32s,
    // which streams the 139 MB dense kernel twice per batch).
    const times = await timeRuns(() => readBack(() => model.predict(x, { batchSize: w.batch }) as tf.Tensor), {
      minReps: 3,
      minMs: w.budgetMs / 2,
      maxMs: w.budgetMs,
    });
    return throughput(times, w.batch);
  } finally {
    x.dispose();
  }
}

/**
 * One Adam step per `batch` pairs, computed in micro-batches (see
 * meanGradients). With `profile`, one more step runs under tf.profile after
 * the timed ones (same optimizer, so it is a steady-state step).
 */
export async function measureSeedTrain(
  w: SeedWorkload,
  model = buildSeedNet(w.height, w.width),
  opts: { profile?: boolean } = {},
): Promise<Throughput & { profile?: StepProfile }> {
  const micro = w.microBatch ?? w.batch;
  // On the native backend the Adam loop over the 34.7 M parameters runs in the addon too.
  const addon = activeNativeAddon();
  const optimizer = new FusedAdam(5e-4, undefined, undefined, undefined, addon ? addon.adamUpdate.bind(addon) : undefined);
  const a = tf.randomNormal([w.batch, w.height, w.width, 1], 0, 1, 'float32', 1);
  const b = tf.randomNormal([w.batch, w.height, w.width, 1], 0, 1, 'float32', 2);
  const same = Array.from({ length: w.batch }, (_, i) => i % 2 === 0);
  const losses = pairLosses(model, a, b, same, micro);
  const step = () => {
    const grads = meanGradients(losses);
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose(grads);
    model.trainableWeights[0].read().dataSync(); // a read-back, so lazy backends finish the step here
  };
  try {
    // Steps take seconds on wasm: one warm-up and one timed step are the minimum.
    const times = await timeRuns(step, { minReps: 1, minMs: w.budgetMs / 2, maxMs: w.budgetMs });
    const result: Throughput & { profile?: StepProfile } = throughput(times, w.batch);
    if (opts.profile) result.profile = await profileStep(step);
    return result;
  } finally {
    tf.dispose(losses.inputs);
    tf.dispose([a, b]);
    optimizer.dispose();
  }
}

export interface KernelTime {
  kernel: string;
  ms: number;
  share: number;
}

export interface StepProfile {
  wallMs: number;
  kernels: KernelTime[];
}

/**
 * Per-kernel time of one call of `step` (tf.profile), largest first: where a
 * training step's time goes (Conv2DBackpropFilter, Conv2DBackpropInput, the
 * dense layer's BatchMatMul, pooling gradients, Adam's element-wise updates…).
 * Kernels that a kernel runs through the engine are counted at both levels,
 * so shares are of the summed kernel time, not of the wall time.
 */
export async function profileStep(step: () => void, top = 10): Promise<StepProfile> {
  const t = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - t;
  const byKernel = new Map<string, number>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    // '…__op' entries are the op wrappers around the kernels they run: not kernels.
    if (!k.name.endsWith('__op')) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  const total = [...byKernel.values()].reduce((x, y) => x + y, 0) || 1;
  const kernels = [...byKernel.entries()]
    .map(([kernel, ms]) => ({ kernel, ms, share: ms / total }))
    .sort((x, y) => y.ms - x.ms)
    .slice(0, top);
  return { wallMs, kernels };
}

/**
 * The contrastive loss (margin 2, euclidean) of pairs (a[i], b[i]) split into
 * micro-batches of `micro` pairs. Each micro-batch is one forward pass of the
 * shared encoder over [a-part; b-part] (both towers at once).
 */
export function pairLosses(
  model: tf.LayersModel,
  a: tf.Tensor4D | tf.Tensor,
  b: tf.Tensor4D | tf.Tensor,
  same: boolean[],
  micro: number,
): { inputs: tf.Tensor[]; fns: (() => tf.Scalar)[] } {
  const n = a.shape[0];
  if (n % micro !== 0) throw new RangeError(`batch ${n} is not a multiple of the micro-batch ${micro}`);
  const inputs: tf.Tensor[] = [];
  const fns: (() => tf.Scalar)[] = [];
  for (let start = 0; start < n; start += micro) {
    const x = tf.tidy(() => tf.concat([tf.slice(a, start, micro), tf.slice(b, start, micro)], 0));
    const s = same.slice(start, start + micro);
    inputs.push(x);
    fns.push(() =>
      tf.tidy(() => {
        const e = model.apply(x, { training: true }) as tf.Tensor2D;
        const [ea, eb] = tf.split(e, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
        return contrastiveLossFromEmbeddings(ea, eb, s, { margin: 2, metric: 'euclidean' });
      }),
    );
  }
  return { inputs, fns };
}

/**
 * Gradients of the mean of the micro-batch losses. With equal micro-batches of
 * a per-pair mean loss this is exactly the full batch's gradient (mean of
 * means = mean), so the Adam step is the same as one full-batch step, at a
 * fraction of the activation memory: the wasm heap is 32-bit, and one 64-pair
 * pass of the seed net at 100×100 needs more than 4 GB there ("memory access
 * out of bounds").
 *
 * Each micro-batch's loss is divided by their count before its gradient is
 * taken (a scalar, so the division reaches the weights' gradients for free),
 * and the per-micro-batch gradients are summed once per variable with AddN:
 * one pass over the 67,712×512 dense kernel's gradient instead of a running
 * Add per micro-batch and a division at the end (~5 % of a native step).
 */
export function meanGradients(losses: { fns: (() => tf.Scalar)[] }): tf.NamedTensorMap {
  const parts = losses.fns.length;
  const perPart: tf.NamedTensorMap[] = [];
  try {
    for (const fn of losses.fns) {
      const { value, grads } = tf.variableGrads(() => (parts === 1 ? fn() : tf.tidy(() => tf.div(fn(), parts) as tf.Scalar)));
      value.dispose();
      perPart.push(grads);
    }
    if (parts === 1) return perPart.pop()!;
    return tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      for (const name of Object.keys(perPart[0])) out[name] = tf.addN(perPart.map((g) => g[name]));
      return out;
    });
  } finally {
    for (const g of perPart) tf.dispose(g);
  }
}

function throughput(timesMs: number[], itemsPerRun: number): Throughput {
  const total = timesMs.reduce((a, b) => a + b, 0);
  return { perSec: (itemsPerRun * timesMs.length) / (total / 1000), runs: timesMs.length, msPerRun: total / timesMs.length };
}
