import * as tf from '@tensorflow/tfjs';
import { KCHUNK_MAX_M, KCHUNK_MIN_K } from './dispatch-thresholds';
import { heapBackend } from './heap-access';
import type { Backend } from './kernel-utils';

/**
 * Plain A·B with a long reduction axis (a dense layer on a flattened feature
 * map: the seed net's 67,712×512 kernel) as a sum of products over K-chunks:
 *
 *   A·B = Σᵢ A[:, Kᵢ] · B[Kᵢ, :]
 *
 * Why: XNNPACK's wasm GEMM streams the whole reduction axis for every output
 * tile, so with K = 67,712 its panels fall out of cache: measured 204 ms of
 * CPU for [64, 67712]·[67712, 512] against 114 ms as 16 chunks of 4,232.
 *
 * The row blocks B[Kᵢ, :] are contiguous copies made once per B buffer and
 * kept while B lives (weights: XNNPACK then packs each block once and caches
 * it by the block's id, as it does for whole weight matrices); cached blocks
 * of disposed Bs are freed on the next call. A's column blocks are copied per
 * call (M·K floats, small next to B). Other shapes (K < KCHUNK_MIN_K,
 * M > KCHUNK_MAX_M: dispatch-thresholds.ts) go to the wrapped kernel.
 */
/** Re-exported for test/parallel/batch-matmul-kchunk.test.ts, which sizes its K from it. */
export { KCHUNK_MIN_K };
/** Chunk length: 67,712 / 16, the measured split of the seed net's dense layer (above). */
export const KCHUNK_SIZE = 4232;

interface Cached {
  chunks: tf.TensorInfo[];
  bounds: [number, number][];
}

type WasmBackend = Backend & { refCount(id: tf.DataId): number };

/** One cache of B row blocks per backend registration, shared by BatchMatMul and _FusedMatMul. */
const cache = new Map<tf.DataId, Cached>();

function shapeOf(
  a: Pick<tf.TensorInfo, 'shape' | 'dtype'>,
  b: Pick<tf.TensorInfo, 'shape' | 'dtype'>,
  transposeA: boolean,
  transposeB: boolean,
): { m: number; k: number; n: number; ok: boolean } {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const batchB = b.shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const m = a.shape[ra - 2];
  const k = a.shape[ra - 1];
  const n = b.shape[rb - 1];
  const ok =
    !transposeA &&
    !transposeB &&
    batchA === 1 &&
    batchB === 1 &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    k >= KCHUNK_MIN_K &&
    m <= KCHUNK_MAX_M;
  return { m, k, n, ok };
}

/** True when a (Fused)MatMul of these operands runs K-chunked (before the _FusedMatMul bias/activation checks). */
export function kchunkApplies(
  a: Pick<tf.TensorInfo, 'shape' | 'dtype'>,
  b: Pick<tf.TensorInfo, 'shape' | 'dtype'>,
  transposeA: boolean,
  transposeB: boolean,
): boolean {
  return shapeOf(a, b, transposeA, transposeB).ok;
}

/** Σᵢ A[:, Kᵢ]·B[Kᵢ, :] as a Float32Array [m, n] (see the file comment). */
function chunkedProduct(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  m: number,
  k: number,
  n: number,
  plain: tf.KernelFunc,
): Float32Array {
  sweep(backend);
  const heap = heapBackend(backend);
  let entry = cache.get(b.dataId);
  if (!entry) {
    entry = { chunks: [], bounds: [] };
    for (let s = 0; s < k; s += KCHUNK_SIZE) {
      const e = Math.min(k, s + KCHUNK_SIZE);
      const chunk = heap.makeOutput([1, e - s, n], 'float32');
      const bs = heap.typedArrayFromHeap(b) as Float32Array;
      (heap.typedArrayFromHeap(chunk) as Float32Array).set(bs.subarray(s * n, e * n));
      entry.chunks.push(chunk);
      entry.bounds.push([s, e]);
    }
    cache.set(b.dataId, entry);
  }
  const acc = new Float32Array(m * n);
  entry.chunks.forEach((chunk, i) => {
    const [s, e] = entry!.bounds[i];
    const kc = e - s;
    const ai = heap.makeOutput([1, m, kc], 'float32');
    const as = heap.typedArrayFromHeap(a) as Float32Array;
    const ais = heap.typedArrayFromHeap(ai) as Float32Array;
    for (let r = 0; r < m; r++) ais.set(as.subarray(r * k + s, r * k + e), r * kc);
    const prod = plain({ inputs: { a: ai, b: chunk }, attrs: { transposeA: false, transposeB: false }, backend }) as tf.TensorInfo;
    const ps = heap.typedArrayFromHeap(prod) as Float32Array;
    for (let q = 0; q < acc.length; q++) acc[q] += ps[q];
    backend.disposeData(prod.dataId);
    backend.disposeData(ai.dataId);
  });
  return acc;
}

function output(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo, m: number, n: number, values: Float32Array): tf.TensorInfo {
  const batch = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  const heap = heapBackend(backend);
  const out = heap.makeOutput([...batch, m, n], 'float32');
  (heap.typedArrayFromHeap(out) as Float32Array).set(values);
  return out;
}

export function makeBatchMatMulKChunkConfig(backendName: string, wrapped: tf.KernelConfig, plain: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    setupFunc: wrapped.setupFunc,
    disposeFunc: wrapped.disposeFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const { m, k, n, ok } = shapeOf(a, b, transposeA, transposeB);
      if (!ok) return wrapped.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackend;
      return output(backend, a, b, m, n, chunkedProduct(backend, a, b, m, k, n, plain));
    },
  };
}

/**
 * _FusedMatMul (inference: Dense with bias and activation) on the same chunked
 * product, for bias of shape [n] (or none) and linear/ReLU activations;
 * anything else goes to the wrapped kernel.
 */
export function makeFusedMatMulKChunkConfig(backendName: string, wrapped: tf.KernelConfig, plain: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf._FusedMatMul,
    backendName,
    setupFunc: wrapped.setupFunc,
    disposeFunc: wrapped.disposeFunc,
    kernelFunc: (args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation } = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
      const { m, k, n, ok } = shapeOf(a!, b!, transposeA, transposeB);
      const act = activation ?? 'linear';
      const simpleBias =
        !bias || (bias.dtype === 'float32' && bias.shape.reduce((p, q) => p * q, 1) === n && bias.shape[bias.shape.length - 1] === n);
      if (!ok || preluActivationWeights || !simpleBias || (act !== 'linear' && act !== 'relu')) return wrapped.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackend;
      const acc = chunkedProduct(backend, a!, b!, m, k, n, plain);
      const bv = bias ? (heapBackend(backend).typedArrayFromHeap(bias) as Float32Array) : undefined;
      for (let r = 0; r < m; r++) {
        for (let c = 0; c < n; c++) {
          let v = acc[r * n + c] + (bv ? bv[c] : 0);
          if (act === 'relu' && v < 0) v = 0;
          acc[r * n + c] = v;
        }
      }
      return output(backend, a!, b!, m, n, acc);
    },
  };
}

/** Frees the cached blocks of B buffers that have been disposed since. */
function sweep(backend: WasmBackend): void {
  for (const [id, entry] of cache) {
    if (backend.refCount(id) > 0) continue;
    for (const c of entry.chunks) backend.disposeData(c.dataId);
    cache.delete(id);
  }
}
