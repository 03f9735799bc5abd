import * as tf from '@tensorflow/tfjs';
import { heapBackend } from './heap-access';
import type { KernelRunner } from './kernel-utils';

/**
 * Conv2DBackpropFilter (NHWC, stride 1, dilation 1) as chunked GEMMs whose
 * im2colᵀ rows are plain memory copies ("grid" form):
 *
 *   dW[(i, j, c), co] = Σ_q xT[c, q + i·Wp + j] · dyG[q, co]
 *
 * where q runs over the positions of the padded input grid (n, y, x) of
 * size N·Hp·Wp, xT = x (padded by the forward padInfo) transposed to
 * [Ci, N·Hp·Wp], and dyG is dy scattered onto that grid (dyG[(n, y, x)] =
 * dy[n, y, x] for y < OH, x < OW, else 0). With stride 1 an output pixel's
 * tap (i, j) reads the input at grid index q + i·Wp + j, so each im2colᵀ row
 * of a K-chunk is one contiguous copy of xT, and each dy chunk is a view of
 * dyG: no per-element gather. The price is reducing over Hp·Wp instead of
 * OH·OW positions per image (+8.7 % FLOPs at the seed net's 49×49 → 47×47).
 *
 * Why: conv2d-backprop-filter-gemm.kernel.ts gathers colᵀ element by element
 * in JavaScript (index arithmetic, bounds tests). For the seed net's second
 * layer at 32 images (x 49×49×64, dy 47×47×128) this form measured ~300 ms of
 * CPU per call against ~360–380 ms for the gathered one (same process). 3×3
 * stride-1 filters with ≥ 16 channels now go to Winograd instead
 * (winograd-filter-grad.kernel.ts, ~190 ms); this form covers other kernel
 * sizes. Chunks keep the reduction axis short for the same reason as there
 * (XNNPACK streams the whole K per output tile); partial products are summed
 * in float64.
 */
export const GRID_CHUNK = 2304;
/*
 * With few input channels the gathered form is faster (the router sends
 * those there: GRID_MIN_IN_CHANNELS in dispatch-thresholds.ts): with one input
 * channel (the seed net's first layer) im2colᵀ has only 9 rows, the GEMM is
 * bound by packing dy, and the grid's zero-filled dy costs more than the
 * gather saves (measured 155–194 ms against 70–90 ms at 32 images).
 */

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** True when the grid form applies: NHWC float32, stride 1 (dilations are not an attribute of this kernel). */
export function gridApplies(x: Pick<tf.TensorInfo, 'dtype'>, dy: Pick<tf.TensorInfo, 'dtype'>, attrs: Attrs): boolean {
  if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') return false;
  const s = attrs.strides;
  return typeof s === 'number' ? s === 1 : s[0] === 1 && s[1] === 1;
}

export function conv2dBackpropFilterGrid(
  r: KernelRunner,
  xIn: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: Attrs,
  chunk = GRID_CHUNK,
): tf.TensorInfo {
  const { pad, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    xIn.shape as [number, number, number, number],
    filterShape,
    1,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [kh, kw, ci, co] = filterShape;
  const { batchSize: n, outHeight: oh, outWidth: ow } = info;
  const { top, bottom, left, right } = info.padInfo;
  const x = r.padOrCropHW(xIn, top, bottom, left, right);
  const hp = x.shape[1];
  const wp = x.shape[2];
  // Last grid index that holds an output pixel, +1: every read q + i·Wp + j stays inside the padded input.
  const qEnd = ((n - 1) * hp + (oh - 1)) * wp + ow;
  const R = kh * kw * ci;
  const heap = heapBackend(r.backend);

  // xT[c, q] (one wasm transpose), and dy on the grid.
  const xT = ci === 1 ? x : r.transpose(r.reshape(x, [n * hp * wp, ci]), [1, 0]);
  const qTotal = n * hp * wp;
  const dyG = r.keep(heap.makeOutput([qEnd, co], 'float32'));
  try {
    {
      const g = heap.typedArrayFromHeap(dyG) as Float32Array;
      const d = heap.typedArrayFromHeap(dy) as Float32Array;
      g.fill(0);
      const run = ow * co;
      for (let img = 0; img < n; img++) {
        for (let y = 0; y < oh; y++) {
          const src = (img * oh + y) * run;
          const dst = (img * hp + y) * wp * co;
          g.set(d.subarray(src, src + run), dst);
        }
      }
    }
    const acc = new Float64Array(R * co);
    const dyOffset = offsetOf(r.backend, dyG);
    const a = r.keep(heap.makeOutput([1, R, chunk], 'float32'));
    try {
      for (let k0 = 0; k0 < qEnd; k0 += chunk) {
        const kc = Math.min(chunk, qEnd - k0);
        // A = im2colᵀ chunk [R, kc]: row (i, j, c) = xT[c, k0 + i·Wp + j …].
        const aInfo = kc === chunk ? a : r.keep(heap.makeOutput([1, R, kc], 'float32'));
        const b = makeView(r.backend, dyOffset + k0 * co * 4, [1, kc, co]);
        try {
          const colT = heap.typedArrayFromHeap(aInfo) as Float32Array;
          const xs = heap.typedArrayFromHeap(xT) as Float32Array;
          let row = 0;
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              const off = k0 + i * wp + j;
              for (let c = 0; c < ci; c++, row++) {
                const src = c * qTotal + off;
                colT.set(xs.subarray(src, src + kc), row * kc);
              }
            }
          }
          const prod = r.run('BatchMatMul', { a: aInfo, b }, { transposeA: false, transposeB: false });
          const ps = heap.typedArrayFromHeap(prod) as Float32Array;
          for (let q = 0; q < acc.length; q++) acc[q] += ps[q];
          r.keep(prod);
          r.backend.disposeData(prod.dataId);
        } finally {
          releaseView(r.backend, b);
          if (aInfo !== a) r.backend.disposeData(aInfo.dataId);
        }
      }
    } finally {
      r.backend.disposeData(a.dataId);
    }
    const out = heap.makeOutput([kh, kw, ci, co], 'float32');
    (heap.typedArrayFromHeap(out) as Float32Array).set(acc);
    return out;
  } finally {
    r.backend.disposeData(dyG.dataId);
  }
}

type ViewBackend = {
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number; id: number }; delete(id: tf.DataId): void };
  wasm: { tfjs: { disposeData(id: number): void } };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
};

function offsetOf(backend: object, t: tf.TensorInfo): number {
  return (backend as unknown as ViewBackend).dataIdMap.get(t.dataId).memoryOffset;
}

/**
 * A tensor over existing wasm memory (byte offset `memoryOffset`), for
 * passing part of a buffer to a wasm kernel without copying. Must be released
 * with releaseView (never disposeData, which would free the memory).
 */
export function makeView(backend: object, memoryOffset: number, shape: number[]): tf.TensorInfo {
  return (backend as unknown as ViewBackend).makeOutput(shape, 'float32', memoryOffset);
}

export function releaseView(backend: object, view: tf.TensorInfo): void {
  const b = backend as unknown as ViewBackend;
  b.wasm.tfjs.disposeData(b.dataIdMap.get(view.dataId).id);
  b.dataIdMap.delete(view.dataId);
}
