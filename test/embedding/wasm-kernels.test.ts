import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { conv2dBackpropFilterImpl, withRunner } from '../../src/embedding/kernels';

/**
 * The project's wasm gradient kernels against the cpu backend's reference
 * implementations, on small random shapes covering strides, 'same'/'valid'/
 * explicit padding and odd sizes where the stride does not divide.
 */
type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  k: [number, number, number, number];
  s: [number, number];
  pad: Pad;
}

const cases: Case[] = [
  { x: [2, 7, 7, 1], k: [3, 3, 1, 4], s: [1, 1], pad: 'valid' },
  { x: [2, 8, 9, 3], k: [3, 3, 3, 5], s: [2, 2], pad: 'same' },
  { x: [3, 9, 8, 10], k: [3, 2, 10, 6], s: [2, 3], pad: 'valid' },
  { x: [1, 10, 10, 12], k: [5, 5, 12, 4], s: [1, 1], pad: 'same' },
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
  { x: [4, 12, 12, 16], k: [3, 3, 16, 8], s: [1, 1], pad: 'valid' },
];

function rand(shape: number[], seed: number): Float32Array {
  // Deterministic values in [−1, 1) (LCG), so both backends see the same numbers.
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  return f();
}

function expectClose(actual: Float32Array | number[], expected: Float32Array | number[], tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale).toBeLessThan(tol);
}

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('Conv2D gradients on wasm match the cpu backend', () => {
  test.each(cases.map((c, i) => [i, c] as const))('case %i', async (i, c) => {
    const xv = rand(c.x, 11 + i);
    const wv = rand(c.k, 101 + i);
    const grads = (backend: string) =>
      onBackend(backend, () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x);
          const w = tf.tensor4d(wv, c.k);
          // A non-uniform upstream gradient: loss = Σ y² / 2, so dy = y.
          const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.mul(0.5, tf.sum(tf.square(tf.conv2d(xx, ww, c.s, c.pad))));
          const [dx, dw] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w]);
          return [Array.from(dx.dataSync()), Array.from(dw.dataSync()), dx.shape, dw.shape] as const;
        }),
      );
    const ref = await grads('cpu');
    const before = tf.memory().numTensors;
    const got = await grads('wasm');
    expect(tf.memory().numTensors).toBe(before);
    expect(got[2]).toEqual(c.x);
    expect(got[3]).toEqual(c.k);
    expectClose(got[0], ref[0]);
    expectClose(got[1], ref[1]);
  });

  test('both filter-gradient strategies agree with a hand-computed 1-D case', async () => {
    await tf.setBackend('wasm');
    // x = [1,2,3,4] (one row), kernel width 2, stride 2, valid: y0 = w0·1 + w1·2, y1 = w0·3 + w1·4.
    // With dy = [1, 10]: dW0 = 1·1 + 10·3 = 31, dW1 = 1·2 + 10·4 = 42.
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    const dy = tf.tensor4d([1, 10], [1, 1, 2, 1]);
    for (const strategy of ['taps', 'conv'] as const) {
      const before = tf.memory().numTensors;
      const info = withRunner(tf.backend(), 'wasm', (r) =>
        conv2dBackpropFilterImpl(r, x, dy, { strides: [1, 2], pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 2, 1, 1] }, strategy),
      );
      const out = tf.engine().makeTensorFromTensorInfo(info);
      expect(out.shape).toEqual([1, 2, 1, 1]);
      expect(Array.from(out.dataSync())).toEqual([31, 42]);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    x.dispose();
    dy.dispose();
  });
});

describe('BatchMatMul with transposed operands on wasm', () => {
  test.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transposeA=%s transposeB=%s matches cpu, incl. batched and broadcast', async (ta, tb) => {
    for (const [as, bs] of [
      [
        [5, 7],
        [7, 3],
      ],
      [
        [40, 3],
        [3, 300],
      ],
      [
        [2, 4, 6],
        [2, 6, 5],
      ],
      [
        [3, 4, 6],
        [1, 6, 5],
      ],
    ] as const) {
      const aShape = ta ? [...as.slice(0, -2), as[as.length - 1], as[as.length - 2]] : [...as];
      const bShape = tb ? [...bs.slice(0, -2), bs[bs.length - 1], bs[bs.length - 2]] : [...bs];
      const av = rand(aShape, 3);
      const bv = rand(bShape, 4);
      const mm = () => tf.tidy(() => Array.from(tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb).dataSync()));
      const ref = await onBackend('cpu', mm);
      const before = tf.memory().numTensors;
      const got = await onBackend('wasm', mm);
      expect(tf.memory().numTensors).toBe(before);
      expectClose(got, ref, 1e-5);
    }
  });
});

describe('training a small LayersModel on wasm matches cpu', () => {
  test('one SGD step through conv(stride 2, same) → maxpool → conv → avgpool → dense gives the same weights', async () => {
    const build = () => {
      const m = tf.sequential();
      m.add(
        tf.layers.conv2d({
          inputShape: [12, 12, 2],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
      );
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(
        tf.layers.conv2d({
          filters: 6,
          kernelSize: 2,
          padding: 'valid',
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      );
      m.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
      return m;
    };
    const xv = rand([4, 12, 12, 2], 9);
    const yv = rand([4, 3], 10);
    const step = (backend: string) =>
      onBackend(backend, () => {
        const model = build();
        const opt = tf.train.sgd(0.1);
        const x = tf.tensor4d(xv, [4, 12, 12, 2]);
        const y = tf.tensor2d(yv, [4, 3]);
        const before = tf.memory().numTensors;
        const loss = opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor), true)!;
        const lossValue = loss.dataSync()[0];
        loss.dispose();
        const leaked = tf.memory().numTensors - before;
        const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
        tf.dispose([x, y]);
        opt.dispose();
        model.dispose();
        return { lossValue, weights, leaked };
      });
    const ref = await step('cpu');
    const got = await step('wasm');
    expect(got.lossValue).toBeCloseTo(ref.lossValue, 5);
    // minimize may create optimizer slots on the first step; SGD has none, so nothing may remain.
    expect(got.leaked).toBe(0);
    expect(got.weights.length).toBe(ref.weights.length);
    got.weights.forEach((w, i) => expectClose(w, ref.weights[i]));
  });
});

describe('Identity on wasm shares buffers safely', () => {
  test('a clone outlives its source and is unaffected by Variable.assign', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const buffersBefore = tf.memory().numDataBuffers;
    const bytesBefore = tf.memory().numBytes;
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    // Shared: one data buffer for two tensors.
    expect(b.dataId).toBe(a.dataId);
    expect(tf.memory().numDataBuffers - buffersBefore).toBe(1);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    const v = tf.variable(b);
    const snapshot = tf.clone(v);
    const next = tf.tensor1d([7, 8, 9]);
    v.assign(next);
    next.dispose();
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([b, v, snapshot]);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
  });
});

describe('MaxPoolGrad and Sum (JavaScript kernels on the wasm heap) match cpu', () => {
  const poolCases: Array<{ x: [number, number, number, number]; f: [number, number]; s: [number, number]; pad: 'valid' | 'same' }> = [
    { x: [2, 8, 8, 3], f: [2, 2], s: [2, 2], pad: 'valid' },
    { x: [2, 9, 7, 4], f: [2, 2], s: [2, 2], pad: 'valid' },
    { x: [1, 9, 9, 2], f: [3, 3], s: [2, 2], pad: 'same' },
    { x: [3, 6, 5, 5], f: [3, 2], s: [1, 2], pad: 'same' },
  ];
  test.each(poolCases.map((c, i) => [i, c] as const))('max-pool gradient, case %i (values with many ties)', async (i, c) => {
    // Integers in 0..3: most windows hold ties, which both backends must route to the first maximum.
    const xv = Float32Array.from(rand(c.x, 40 + i), (v) => Math.floor((v + 1) * 2));
    const grad = (backend: string) =>
      onBackend(backend, () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x);
          const f = (xx: tf.Tensor4D) => {
            const y = tf.maxPool(xx, c.f, c.s, c.pad);
            // Weighted sum so every window's gradient differs.
            return tf.sum(tf.mul(y, tf.tensor(rand(y.shape, 7), y.shape)));
          };
          return Array.from(
            tf
              .grad(f as (t: tf.Tensor) => tf.Tensor)(x)
              .dataSync(),
          );
        }),
      );
    const ref = await grad('cpu');
    const before = tf.memory().numTensors;
    const got = await grad('wasm');
    expect(tf.memory().numTensors).toBe(before);
    expectClose(got, ref, 1e-6);
  });

  test('sum over leading axes (with and without keepDims) and a fallback reduction', async () => {
    const shape = [3, 4, 5, 6];
    const xv = rand(shape, 77);
    const sums = (backend: string) =>
      onBackend(backend, () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, shape as [number, number, number, number]);
          return [tf.sum(x, [0, 1, 2]), tf.sum(x, [1, 0], true), tf.sum(x, 0), tf.sum(x, [1, 3]), tf.sum(x)].map((t) => ({
            shape: t.shape,
            values: Array.from(t.dataSync()),
          }));
        }),
      );
    const ref = await sums('cpu');
    const got = await sums('wasm');
    got.forEach((g, i) => {
      expect(g.shape).toEqual(ref[i].shape);
      expectClose(g.values, ref[i].values, 1e-5);
    });
    // Hand check: Σ over all of [1..6] laid out [2,3] along axis 0 = [5, 7, 9].
    await tf.setBackend('wasm');
    const t = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const s = tf.sum(t, 0);
    expect(Array.from(s.dataSync())).toEqual([5, 7, 9]);
    tf.dispose([t, s]);
  });
});
