import * as tf from '@tensorflow/tfjs';
import { lcg as rand } from './fixtures';
import { initBackend } from '../../src/embedding/backend';
import { winogradConv2d, winogradShape } from '../../src/embedding/kernels';
import { simdKernels } from '../../src/embedding/kernels/simd-module';

/**
 * Winograd F(4×4, 3×3) convolution (winograd-conv2d.kernel.ts) against hand
 * values and the cpu backend's direct convolution, through the registered
 * Conv2D / FusedConv2D kernels and their gradients, with several image groups
 * per call, odd output sizes (partial tiles), 'same' and explicit padding.
 */
type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];

function backendDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

/** Largest |a − b| relative to the largest |b| (at least 1). */
function relErr(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('winogradConv2d', () => {
  it('has its SIMD transforms on this runtime', () => {
    expect(simdKernels(tf.backend())).toBeDefined();
  });

  it('computes a constant case by hand, with bias and ReLU', () => {
    // x = 1 everywhere, 16 channels; filter = s everywhere: every valid output is 9·16·s = 144·s.
    // 6×7 input → 4×5 output: the second column of tiles is partial (1 of 4 columns).
    const before = tf.memory().numTensors;
    const ids = backendDataIds();
    const x = tf.ones([1, 6, 7, 16]);
    const up = tf.fill([3, 3, 16, 16], 1);
    const down = tf.fill([3, 3, 16, 16], -1);
    const bias = tf.fill([16], 0.5);
    const s = winogradShape(x, up, { strides: 1, pad: 'valid' })!;
    expect(s).toMatchObject({ oh: 4, ow: 5, ci: 16, co: 16 });
    const plain = tf.engine().makeTensorFromTensorInfo(winogradConv2d(tf.backend(), x, up, s));
    const biased = tf.engine().makeTensorFromTensorInfo(winogradConv2d(tf.backend(), x, up, s, bias, true));
    const clamped = tf.engine().makeTensorFromTensorInfo(winogradConv2d(tf.backend(), x, down, s, bias, true));
    expect(plain.shape).toEqual([1, 4, 5, 16]);
    for (const v of plain.dataSync()) expect(v).toBeCloseTo(144, 3);
    for (const v of biased.dataSync()) expect(v).toBeCloseTo(144.5, 3);
    for (const v of clamped.dataSync()) expect(v).toBe(0); // −144 + 0.5 < 0
    tf.dispose([x, up, down, bias, plain, biased, clamped]);
    expect(tf.memory().numTensors).toBe(before);
    expect(backendDataIds()).toBe(ids);
  });

  it.each([
    { x: [3, 11, 13, 16], k: [3, 3, 16, 20], pad: 'valid' as Pad, group: 1 },
    { x: [2, 9, 9, 24], k: [3, 3, 24, 16], pad: 'same' as Pad, group: 2 },
    {
      x: [5, 8, 10, 16],
      k: [3, 3, 16, 16],
      pad: [
        [0, 0],
        [2, 2],
        [2, 1],
        [0, 0],
      ] as Pad,
      group: 3,
    },
    { x: [2, 12, 12, 32], k: [3, 3, 32, 64], pad: 'valid' as Pad, group: 16 },
  ])('matches the cpu backend for x=$x k=$k $pad ($group images per round)', async ({ x, k, pad, group }) => {
    const xv = rand(
      x.reduce((a, b) => a * b),
      3,
    );
    const kv = rand(
      k.reduce((a, b) => a * b),
      4,
    );
    const expected = await onCpu(() =>
      tf.tidy(() => tf.conv2d(tf.tensor4d(xv, x as never), tf.tensor4d(kv, k as never), 1, pad).dataSync()),
    );
    const before = tf.memory().numTensors;
    const xt = tf.tensor4d(xv, x as [number, number, number, number]);
    const kt = tf.tensor4d(kv, k as [number, number, number, number]);
    const s = winogradShape(xt, kt, { strides: 1, pad })!;
    expect(s).toBeDefined();
    // groupFloats sized for `group` images per round: several rounds per call where group < batch.
    const tiles = Math.ceil(s.oh / 4) * Math.ceil(s.ow / 4);
    const groupFloats = 36 * tiles * Math.max(s.ci, s.co) * group;
    const out = tf.engine().makeTensorFromTensorInfo(winogradConv2d(tf.backend(), xt, kt, s, undefined, false, groupFloats));
    expect(relErr(out.dataSync(), expected)).toBeLessThan(1e-5);
    tf.dispose([xt, kt, out]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('registered Conv2D / FusedConv2D on wasm (Winograd where it applies)', () => {
  it('declines shapes it does not handle', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.zeros([1, 8, 8, 16]);
      expect(winogradShape(x, tf.zeros([3, 3, 16, 18]), { strides: 1, pad: 'valid' })).toBeUndefined(); // co % 4
      expect(winogradShape(x, tf.zeros([3, 3, 16, 16]), { strides: 2, pad: 'valid' })).toBeUndefined();
      expect(winogradShape(x, tf.zeros([3, 3, 16, 16]), { strides: 1, pad: 'valid', dilations: 2 })).toBeUndefined();
      expect(winogradShape(x, tf.zeros([5, 5, 16, 16]), { strides: 1, pad: 'valid' })).toBeUndefined();
      expect(winogradShape(tf.zeros([1, 8, 8, 8]), tf.zeros([3, 3, 8, 16]), { strides: 1, pad: 'valid' })).toBeUndefined(); // few channels
      expect(winogradShape(x, tf.zeros([3, 3, 16, 16]), { strides: 1, pad: 'valid' })).toBeDefined();
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    { x: [2, 34, 34, 16], k: [3, 3, 16, 16], pad: 'valid' as const }, // 2·8·8 = 128 output tiles: Winograd
    { x: [2, 10, 11, 16], k: [3, 3, 16, 16], pad: 'valid' as const }, // 12 tiles: below WINOGRAD_MIN_TILES, XNNPACK
    { x: [2, 9, 9, 16], k: [3, 3, 16, 18], pad: 'same' as const }, // falls back to XNNPACK (co % 4)
  ])('fused conv + bias + ReLU and the gradients match cpu for x=$x k=$k $pad', async ({ x, k, pad }) => {
    const xv = rand(
      x.reduce((a, b) => a * b),
      7,
    );
    const kv = rand(
      k.reduce((a, b) => a * b),
      8,
    );
    const bv = rand(k[3], 9);
    const run = () =>
      tf.tidy(() => {
        const xt = tf.tensor4d(xv, x as [number, number, number, number]);
        const kt = tf.tensor4d(kv, k as [number, number, number, number]);
        const bt = tf.tensor1d(bv);
        const fused = tf.fused.conv2d({ x: xt, filter: kt, bias: bt, strides: 1, pad, activation: 'relu' });
        // Gradients of Σ conv(x, W)² w.r.t. x (Conv2DBackpropInput → Winograd) and W.
        const [gx, gw] = tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, pad))))(
          [xt, kt],
        );
        return [fused.dataSync(), gx.dataSync(), gw.dataSync()];
      });
    const expected = await onCpu(run);
    const before = tf.memory().numTensors;
    const got = run();
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 3; i++) expect(relErr(got[i], expected[i])).toBeLessThan(1e-5);
  });
});
