/**
 * The one training step (loop/train-step.ts) parameterised by a loss
 * (losses/index.ts) must take exactly the step the loss function asks for:
 * with plain SGD at learning rate 1, w_after = w − ∂L/∂w, where L is the loss
 * module's own function applied to the same batch. Checked for every loss and
 * mining mode on one fixed tiny batch, bit for bit, plus one hand-derived case.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import {
  contrastiveBatchLoss,
  contrastiveLoss,
  prototypicalBatchLoss,
  prototypicalLoss,
  rowDistances,
  tripletBatchLoss,
  tripletLoss,
  type BatchLoss,
  type BatchLossValue,
  type LossPair,
  type Mining,
} from '../../../src/training/losses';
import { trainStep, type ImageShape } from '../../../src/training/loop/train-step';
import { Rng } from '../../../src/training/samplers/rng';
import { BIAS, KERNEL, pixels, shape, tinyEncoder } from './step-fixtures';

function batchTensor(indices: readonly number[], images: readonly Float32Array[], s: ImageShape): tf.Tensor4D {
  const flat = new Float32Array(indices.length * s.height * s.width * s.channels);
  indices.forEach((img, i) => flat.set(images[img], i * images[img].length));
  return tf.tensor4d(flat, [indices.length, s.height, s.width, s.channels]);
}

/**
 * Runs trainStep with SGD(lr = 1) and returns what it reported plus the weight update,
 * next to the loss, diagnostic and gradients of `reference` (the loss module called directly)
 * on the same batch and the same starting weights.
 */
function stepAgainstReference(batch: BatchLoss, reference: (embeddings: tf.Tensor2D) => BatchLossValue) {
  const model = tinyEncoder(KERNEL, BIAS, [2, 2, 1]);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = batchTensor(batch.images, pixels, shape);
  const initial = vars.map((v) => Array.from(v.dataSync()));
  // Reference: value, diagnostic and gradients straight from the loss function.
  let refDiagnostic: number | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const r = reference(model.apply(x) as tf.Tensor2D);
    if (r.diagnostic) refDiagnostic = r.diagnostic.dataSync()[0];
    return r.loss;
  }, vars);
  const refLoss = value.dataSync()[0];
  const expectedWeights = vars.map((v) => tf.sub(v, grads[v.name]));

  const optimizer = tf.train.sgd(1);
  const before = tf.memory().numTensors;
  const result = trainStep(model, optimizer, vars, batch, pixels, shape, null, new Rng(1));
  const leaked = tf.memory().numTensors - before;
  const weightsAfter = vars.map((v) => Array.from(v.dataSync()));
  const expected = expectedWeights.map((w) => Array.from(w.dataSync()));

  tf.dispose([x, value, ...Object.values(grads), ...expectedWeights]);
  optimizer.dispose();
  model.dispose();
  return { result, refLoss, refDiagnostic, weightsAfter, expected, leaked, initial };
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('trainStep with each loss = the loss function applied directly', () => {
  const pairs: LossPair[] = [
    { a: 0, b: 1, same: true, weight: 1 },
    { a: 2, b: 3, same: true, weight: 2 },
    { a: 0, b: 2, same: false, weight: 1 },
    { a: 1, b: 4, same: false, weight: 0.5 },
  ];

  it.each(['euclidean', 'cosine'] as const)('contrastive (%s, weighted pairs): same loss, same update, no leaked tensors', (metric) => {
    const margin = 1.2;
    const n = pairs.length;
    const r = stepAgainstReference(contrastiveBatchLoss(pairs, { margin, metric }), (emb) => {
      // The a's are rows 0..n−1, the b's rows n..2n−1.
      const a = tf.slice(emb, [0, 0], [n, -1]) as tf.Tensor2D;
      const b = tf.slice(emb, [n, 0], [n, -1]) as tf.Tensor2D;
      return {
        loss: contrastiveLoss(
          rowDistances(a, b, metric),
          pairs.map((p) => p.same),
          { margin, weights: pairs.map((p) => p.weight) },
        ),
      };
    });
    expect(r.result.loss).toBe(r.refLoss);
    expect(r.result.loss).toBeGreaterThan(0);
    expect(r.result.activeFraction).toBeUndefined();
    expect(r.weightsAfter).toEqual(r.expected);
    expect(r.weightsAfter).not.toEqual(r.initial);
    expect(r.leaked).toBe(0);
  });

  const pk = { images: [0, 1, 2, 3, 4, 5], labels: [0, 0, 1, 1, 2, 2] };
  it.each(['none', 'batch-all', 'batch-hard', 'semi-hard'] as Mining[])(
    'triplet (%s mining): same loss, active share and update, no leaked tensors',
    (mining) => {
      // Margin 1: some triplets of this batch are active and some are not.
      const o = { margin: 1, metric: 'euclidean' as const, mining };
      const r = stepAgainstReference(tripletBatchLoss(pk.images, pk.labels, o), (emb) => {
        const t = tripletLoss(emb, pk.labels, o);
        return { loss: t.loss, diagnostic: t.activeFraction };
      });
      expect(r.result.loss).toBe(r.refLoss);
      expect(r.result.loss).toBeGreaterThan(0);
      expect(r.result.activeFraction).toBe(r.refDiagnostic);
      expect(r.weightsAfter).toEqual(r.expected);
      expect(r.weightsAfter).not.toEqual(r.initial);
      expect(r.leaked).toBe(0);
    },
  );

  it('prototypical: same loss, misclassified share = 1 − accuracy, same update, no leaked tensors', () => {
    const r = stepAgainstReference(prototypicalBatchLoss(pk.images, pk.labels, { scale: 4 }), (emb) => {
      const p = prototypicalLoss(emb, pk.labels, { scale: 4 });
      return { loss: p.loss, diagnostic: p.accuracy };
    });
    expect(r.result.loss).toBe(r.refLoss);
    expect(r.result.activeFraction).toBe(1 - r.refDiagnostic!);
    expect(r.weightsAfter).toEqual(r.expected);
    expect(r.weightsAfter).not.toEqual(r.initial);
    expect(r.leaked).toBe(0);
  });

  it('prototypical without a scale uses the default (10)', () => {
    const r = stepAgainstReference(prototypicalBatchLoss(pk.images, pk.labels, {}), (emb) => ({
      loss: prototypicalLoss(emb, pk.labels, { scale: 10 }).loss,
    }));
    expect(r.result.loss).toBe(r.refLoss);
  });
});

describe('trainStep, hand-derived', () => {
  it('contrastive with an identity encoder: L and the kernel update by hand', () => {
    // 1×2×1 images, encoder e = Wᵀx + b with W = I, b = 0, so the embedding is the image.
    // Pair 1 (same): a = (0,0), b = (3,4): D = 5, L₁ = ½·D² = 12.5.
    // Pair 2 (different): the same two images, margin 1: L₂ = ½·max(0, 1 − 5)² = 0.
    // L = mean = 6.25. ∂L/∂W = ½·δδᵀ with δ = a − b = (−3, −4) → [[4.5, 6], [6, 8]]; ∂L/∂b = 0.
    const images = [Float32Array.from([0, 0]), Float32Array.from([3, 4])];
    const s: ImageShape = { height: 1, width: 2, channels: 1 };
    const model = tinyEncoder(
      [
        [1, 0],
        [0, 1],
      ],
      [0, 0],
      [1, 2, 1],
    );
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = tf.train.sgd(1);
    const before = tf.memory().numTensors;
    const batch = contrastiveBatchLoss(
      [
        { a: 0, b: 1, same: true, weight: 1 },
        { a: 0, b: 1, same: false, weight: 1 },
      ],
      { margin: 1, metric: 'euclidean' },
    );
    const r = trainStep(model, optimizer, vars, batch, images, s, null, new Rng(1));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.loss).toBeCloseTo(6.25, 5);
    const [kernel, bias] = vars.map((v) => Array.from(v.dataSync()));
    // W ← I − [[4.5, 6], [6, 8]]
    [-3.5, -6, -6, -7].forEach((w, i) => expect(kernel[i]).toBeCloseTo(w, 4));
    bias.forEach((b) => expect(b).toBeCloseTo(0, 6));
    optimizer.dispose();
    model.dispose();
  });
});
