import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { loadNativeAddon, type NativeCpuPath } from '../../src/embedding/native/native-addon';
import { registerNativeBackend } from '../../src/embedding/native/native-backend';
import { NATIVE_ELEMENTWISE_KERNEL_NAMES } from '../../src/embedding/native/native-elementwise';
import { adamUpdate } from '../../src/training/parallel/fused-adam';

/**
 * Every kernel of the `native` backend (native/, via src/embedding/native)
 * against the cpu backend, on random shapes including edge sizes (1, tile
 * sizes ± 1, empty reductions), on every CPU path this machine runs (AVX-512,
 * AVX2+FMA, portable) and with 1 and 2 threads. Tolerance: the wasm kernels'
 * (test/embedding/wasm-kernels.test.ts, 1e-4 relative to the magnitude).
 * Skipped, with the reason, where the module was not built (no compiler).
 */
const load = loadNativeAddon();
const describeNative = load.ok ? describe : describe.skip;
if (!load.ok) console.warn(`native-kernels.test.ts skipped: ${load.reason}`);

function rand(shape: number[], seed: number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-4, what = ''): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) worst = err; // NaN lands here too
  }
  expect({ what, worst: worst <= tol ? 'ok' : worst }).toEqual({ what, worst: 'ok' });
}

/**
 * The Winograd kernels' criterion (test/embedding/winograd-conv2d.kernel.test.ts):
 * the worst error relative to the largest magnitude of the result. F(4×4, 3×3)
 * reassociates each sum through the transforms, so one element can be a small
 * difference of large terms; its error scales with the tensor, not with itself.
 */
function expectCloseToScale(actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= worst)) worst = err;
  }
  expect({ what, worst: worst / scale <= tol ? 'ok' : worst / scale }).toEqual({ what, worst: 'ok' });
}

/** Runs f on cpu and on native with the same inputs; returns both results. */
async function both(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  const run = async (name: string) => {
    await tf.setBackend(name);
    return tf.tidy(f).dataSync() as Float32Array;
  };
  return [await run('native'), await run('cpu')];
}

type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  x: [number, number, number, number];
  k: [number, number, number, number];
  s: [number, number];
  d?: [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 1], k: [3, 3, 1, 4], s: [1, 1], pad: 'valid' },
  { x: [2, 8, 9, 3], k: [3, 3, 3, 5], s: [2, 2], pad: 'same' },
  { x: [3, 9, 8, 10], k: [3, 2, 10, 6], s: [2, 3], pad: 'valid' },
  { x: [1, 10, 10, 12], k: [5, 5, 12, 33], s: [1, 1], pad: 'same' },
  {
    x: [2, 6, 7, 9],
    k: [3, 3, 9, 2],
    s: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [2, 11, 11, 2], k: [1, 1, 2, 3], s: [3, 3], pad: 'valid' },
  { x: [4, 14, 14, 16], k: [3, 3, 16, 65], s: [1, 1], pad: 'valid' },
  { x: [1, 9, 9, 4], k: [3, 3, 4, 7], s: [1, 1], d: [2, 2], pad: 'same' },
  { x: [1, 1, 1, 1], k: [1, 1, 1, 1], s: [1, 1], pad: 'valid' },
  // Few taps (direct-conv.cc) with enough pixels to split the filter gradient across threads.
  { x: [4, 30, 30, 3], k: [3, 3, 3, 16], s: [1, 1], pad: 'valid' },
  // 3×3 stride 1 with ≥ 16 channels (Winograd F(4×4, 3×3)), output sizes not multiples of 4, padded and not.
  // (≥ 64 tiles of 4×4 outputs: kWinogradMinTiles in winograd.cc.)
  { x: [4, 18, 17, 16], k: [3, 3, 16, 40], s: [1, 1], pad: 'valid' },
  { x: [3, 22, 21, 20], k: [3, 3, 20, 33], s: [1, 1], pad: 'same' },
  // The same layer with too few tiles: the GEMM path.
  { x: [1, 9, 10, 20], k: [3, 3, 20, 33], s: [1, 1], pad: 'same' },
];

const MATMUL_CASES: [number, number, number][] = [
  [1, 1, 1],
  [13, 33, 7],
  [12, 32, 192],
  [11, 31, 193],
  [37, 65, 300],
  [130, 70, 517],
  [5, 3, 0],
];

describeNative('native kernels match the cpu backend', () => {
  const paths: NativeCpuPath[] = load.ok ? load.addon.info().supported : [];

  beforeAll(async () => {
    await initBackend('cpu');
    expect(registerNativeBackend().ok).toBe(true);
  });

  afterEach(() => {
    if (load.ok) {
      load.addon.setPath(load.addon.info().supported[0]);
      load.addon.setThreads(2);
    }
  });

  it('reports the CPU path it dispatched to', () => {
    if (!load.ok) return;
    const info = load.addon.info();
    expect(info.supported).toContain('portable');
    expect(info.supported[0]).toBe(info.path);
    expect(load.addon.setPath('portable')).toBe(true);
    expect(load.addon.info().path).toBe('portable');
  });

  it.each(paths.flatMap((p) => [1, 2].map((t) => [p, t] as const)))('MatMul and BatchMatMul (%s, %i threads)', async (path, threads) => {
    if (!load.ok) return;
    load.addon.setPath(path);
    load.addon.setThreads(threads);
    for (const [m, n, k] of MATMUL_CASES) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        const a = rand(ta ? [k, m] : [m, k], m * 7 + k);
        const b = rand(tb ? [n, k] : [k, n], n * 13 + k);
        const [got, want] = await both(() => tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb));
        expectClose(got, want);
      }
    }
    // Batched, with a broadcast operand, and a large one that crosses the threading threshold.
    const [g1, w1] = await both(() => tf.matMul(tf.tensor3d(rand([3, 5, 7], 1), [3, 5, 7]), tf.tensor3d(rand([1, 7, 9], 2), [1, 7, 9])));
    expectClose(g1, w1);
    const [g2, w2] = await both(() =>
      tf.matMul(tf.tensor2d(rand([200, 300], 3), [200, 300]), tf.tensor2d(rand([300, 150], 4), [300, 150])),
    );
    expectClose(g2, w2);
  });

  it('_FusedMatMul with bias and each activation', async () => {
    for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu'] as const) {
      const [got, want] = await both(() =>
        tf.fused.matMul({
          a: tf.tensor2d(rand([17, 40], 5), [17, 40]),
          b: tf.tensor2d(rand([40, 35], 6), [40, 35]),
          bias: tf.tensor1d(rand([35], 7)),
          activation,
          leakyreluAlpha: 0.3,
        }),
      );
      expectClose(got, want);
    }
    // PReLU is not native: it must still be right (the wasm kernel serves it).
    const [got, want] = await both(() =>
      tf.fused.matMul({
        a: tf.tensor2d(rand([4, 6], 8), [4, 6]),
        b: tf.tensor2d(rand([6, 5], 9), [6, 5]),
        activation: 'prelu',
        preluActivationWeights: tf.scalar(0.1),
      }),
    );
    expectClose(got, want);
  });

  it.each(paths)('Conv2D, FusedConv2D and both gradients (%s)', async (path) => {
    if (!load.ok) return;
    load.addon.setPath(path);
    for (const [i, c] of CONV_CASES.entries()) {
      const xv = rand(c.x, 11 + i);
      const kv = rand(c.k, 101 + i);
      const x = () => tf.tensor4d(xv, c.x);
      const k = () => tf.tensor4d(kv, c.k);
      const d = c.d ?? [1, 1];
      // 3×3 stride 1 with ≥ 16 channels in and out runs as Winograd (native/src/winograd.cc).
      const outHW = tf.tidy(() => tf.conv2d(x(), k(), c.s, c.pad, 'NHWC', d).shape.slice(1, 3));
      const tiles = c.x[0] * Math.ceil(outHW[0] / 4) * Math.ceil(outHW[1] / 4);
      const wino3x3 = c.k[0] === 3 && c.k[1] === 3 && c.s[0] === 1 && c.s[1] === 1 && d[0] === 1 && c.k[2] >= 16 && c.k[3] >= 16;
      const winograd = wino3x3 && tiles >= 64;
      // dx is a forward convolution over the input's extent (conv.cc), so its tiles are the input's.
      const winogradDx = wino3x3 && c.x[0] * Math.ceil(c.x[1] / 4) * Math.ceil(c.x[2] / 4) >= 64;
      const close = (got: Float32Array, want: Float32Array, what: string, wino = winograd) =>
        wino ? expectCloseToScale(got, want, 1e-5, `${what} case ${i}`) : expectClose(got, want, 1e-4, `${what} case ${i}`);
      const [y, yRef] = await both(() => tf.conv2d(x(), k(), c.s, c.pad, 'NHWC', d));
      close(y, yRef, 'conv2d');
      const [f, fRef] = await both(() =>
        tf.fused.conv2d({
          x: x(),
          filter: k(),
          strides: c.s,
          pad: c.pad,
          dilations: d,
          bias: tf.tensor1d(rand([c.k[3]], 7)),
          activation: 'relu',
        }),
      );
      close(f, fRef, 'fused conv2d');
      if (d[0] !== 1) continue; // tfjs has no gradient of dilated convolutions with stride > 1; keep the gradient cases plain
      const yShape = tf.tidy(() => tf.conv2d(x(), k(), c.s, c.pad).shape) as [number, number, number, number];
      const dy = rand(yShape, 999 + i);
      const [dx, dxRef] = await both(() => tf.conv2dTranspose(tf.tensor4d(dy, yShape), k(), c.x, c.s, c.pad));
      close(dx, dxRef, 'conv2d backprop input', winogradDx);
      const [dw, dwRef] = await both(() => {
        const [g] = tf
          .grads((xx: tf.Tensor, kk: tf.Tensor) =>
            tf
              .conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, c.s, c.pad)
              .mul(tf.tensor4d(dy, yShape))
              .sum(),
          )([x(), k()])
          .slice(1);
        return g;
      });
      close(dw, dwRef, 'conv2d backprop filter');
    }
  });

  it.each([1, 2])('element-wise ops, Sum, Cast, MaxPool and MaxPoolGrad (%i threads)', async (threads) => {
    if (!load.ok) return;
    load.addon.setThreads(threads);
    // Big enough for the native path (NATIVE_ELEMENTWISE_MIN_SIZE = 16384), odd sizes, and a small one (wasm).
    const shape: [number, number, number, number] = [2, 31, 33, 20];
    const n = 2 * 31 * 33 * 20;
    // Values rounded to 1/8 so that 2×2 windows hold ties (first maximum wins) and Step sees exact zeros.
    const av = rand(shape, 21).map((v) => Math.round(v * 8) / 8);
    const bv = rand(shape, 22).map((v) => (Math.abs(v) < 0.05 ? 0.5 : v));
    const a = () => tf.tensor4d(av, shape);
    // Above the 2^18-element grain of native/src/elementwise.cc, so two threads share it.
    const bigShape: [number, number, number, number] = [2, 131, 67, 20];
    const bigV = rand(bigShape, 30);
    const big = () => tf.tensor4d(bigV, bigShape);
    const b = () => tf.tensor4d(bv, shape);
    const cases: [string, () => tf.Tensor][] = [
      ['add', () => tf.add(a(), b())],
      ['add bias [20]', () => tf.add(a(), tf.tensor1d(rand([20], 23)))],
      ['add bias [1,1,20] first', () => tf.add(tf.tensor3d(rand([20], 24), [1, 1, 20]), a())],
      ['sub [33,20] - x', () => tf.sub(tf.tensor2d(rand([33 * 20], 25), [33, 20]), a())],
      ['mul', () => tf.mul(a(), b())],
      ['div scalar', () => tf.div(a(), tf.scalar(3))],
      ['div', () => tf.div(a(), b())],
      ['maximum', () => tf.maximum(a(), b())],
      ['minimum', () => tf.minimum(a(), b())],
      ['broadcast both ways (wasm)', () => tf.add(tf.tensor4d(rand([n / 20], 26), [2, 31, 33, 1]), tf.tensor1d(rand([20], 27)))],
      ['small (wasm)', () => tf.mul(tf.tensor1d(av.slice(0, 100)), tf.tensor1d(bv.slice(0, 100)))],
      ['addN of 3', () => tf.addN([a(), b(), a()])],
      ['addN of 2', () => tf.addN([a(), b()])],
      ['relu', () => tf.relu(a())],
      ['step', () => tf.step(a())],
      ['step alpha', () => tf.step(a(), 0.25)],
      ['cast', () => tf.cast(a(), 'float32').add(0)],
      ['sum leading axes', () => tf.sum(a(), [0, 1, 2])],
      ['sum leading axes, keepDims', () => tf.sum(a(), [2, 0, 1], true)],
      ['sum last axis (wasm)', () => tf.sum(a(), 3)],
      ['maxPool 2×2', () => tf.maxPool(a(), 2, 2, 'valid')],
      ['maxPool 3×3 (wasm)', () => tf.maxPool(a(), 3, 2, 'same')],
      ['add bias, big enough for both threads', () => tf.add(big(), tf.tensor1d(rand([20], 29)))],
      ['sum leading axes, both threads', () => tf.sum(big(), [0, 1, 2])],
      ['maxPool 2×2, both threads', () => tf.maxPool(big(), 2, 2, 'valid')],
      ['relu, both threads', () => tf.relu(big())],
      [
        'maxPoolGrad 2×2',
        () =>
          tf.grad((x: tf.Tensor) =>
            tf
              .maxPool(x as tf.Tensor4D, 2, 2, 'valid')
              .mul(tf.tensor4d(rand([2, 15, 16, 20], 28), [2, 15, 16, 20]))
              .sum(),
          )(a()),
      ],
    ];
    for (const [name, f] of cases) {
      const [got, want] = await both(f);
      try {
        expectClose(got, want);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
  });

  it('the memory-bound kernels of a train step are native ones, not the inherited wasm kernels', () => {
    for (const name of NATIVE_ELEMENTWISE_KERNEL_NAMES) {
      const native = tf.getKernel(name, 'native');
      expect({ name, registered: Boolean(native) }).toEqual({ name, registered: true });
      expect(native!.kernelFunc).not.toBe(tf.getKernel(name, 'wasm')?.kernelFunc);
    }
    expect(NATIVE_ELEMENTWISE_KERNEL_NAMES).toEqual(
      expect.arrayContaining(['Add', 'Multiply', 'Relu', 'Step', 'Cast', 'Sum', 'AddN', 'MaxPool', 'MaxPoolGrad']),
    );
  });

  it('adamUpdate matches the JavaScript loop of FusedAdam', () => {
    if (!load.ok) return;
    const n = 40_000 + 3; // crosses the threading grain, odd tail
    const w = rand([n], 31);
    const g = rand([n], 32);
    const m0 = rand([n], 33).map((x) => x * 0.1);
    const v0 = rand([n], 34).map((x) => x * x * 0.01);
    const h = { learningRate: 5e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const step = 3;
    const [mJs, vJs, outJs] = [m0.slice(), v0.slice(), new Float32Array(n)];
    adamUpdate(h, step, outJs, w, g, mJs, vJs, 0, n);
    const [mN, vN, outN] = [m0.slice(), v0.slice(), new Float32Array(n)];
    const a = h.learningRate / (1 - Math.pow(h.beta1, step));
    const sc = 1 / Math.sqrt(1 - Math.pow(h.beta2, step));
    load.addon.adamUpdate(outN, w, g, mN, vN, [h.beta1, h.beta2, a, sc, h.epsilon]);
    expectClose(mN, mJs, 1e-6, 'm');
    expectClose(vN, vJs, 1e-6, 'v');
    expectClose(outN, outJs, 1e-6, 'weights');
  });

  it('one SGD step of a small conv net matches the cpu backend', async () => {
    const step = () =>
      tf.tidy(() => {
        const w1 = tf.variable(tf.tensor4d(rand([3, 3, 2, 8], 1), [3, 3, 2, 8]).mul(0.3));
        const w2 = tf.variable(tf.tensor2d(rand([8 * 4 * 4, 5], 2), [128, 5]).mul(0.1));
        const x = tf.tensor4d(rand([3, 10, 10, 2], 3), [3, 10, 10, 2]);
        const loss = () =>
          tf
            .matMul(tf.maxPool(tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'valid')), 2, 2, 'valid').reshape([3, 128]), w2)
            .square()
            .mean() as tf.Scalar;
        const { grads } = tf.variableGrads(loss);
        const out = tf.concat([grads[w1.name].flatten(), grads[w2.name].flatten()]);
        w1.dispose();
        w2.dispose();
        return out;
      });
    const [got, want] = await both(step);
    expectClose(got, want);
  });
});
