import * as tf from '@tensorflow/tfjs';
import { heapBackend } from './heap-access';
import type { KernelRunner } from './kernel-utils';

/**
 * Conv2DBackpropFilter (NHWC) as a sum of per-chunk GEMMs with a short
 * reduction axis:
 *
 *   dW[r, co] = Σ_p col[p, r] · dy[p, co],   p = (n, oh, ow),  r = (kh, kw, ci)
 *   col[p, (kh, kw, ci)] = x[n, oh·sh + kh − padTop, ow·sw + kw − padLeft, ci]   (0 outside)
 *
 * Why: every single-product formulation reduces over all N·OH·OW positions
 * (70,688 for the seed net's second layer at 32 images, 614,656 for its first
 * layer at 64), and XNNPACK's wasm GEMM streams the whole reduction axis per
 * output tile without blocking it, after packing the whole fresh dy. Measured
 * CPU per call at 64 images, dy new each call (scripts/profile-seed.js
 * --trace): first layer 430–500 ms with the "taps" form → ~160 ms here; second
 * layer ~940–1040 ms with the "conv" form → ~720–780 ms here (its forward
 * convolution: ~510 ms). Partial products are summed in float64.
 *
 * Orientation 'colT' (default): colᵀ[R, K] is gathered by a JavaScript loop
 * straight into the wasm heap (no padded copy of x), the chunk's dy rows
 * [K, Co] are one contiguous copy, and the plain BatchMatMul kernel computes
 * dW_chunk[R, Co]. 'dyT' (dyᵀ · col, col rows by memmove) measured the same
 * for the second layer and slower for the first; kept for measurement.
 * NCHW keeps the original implementation (conv2d-backprop-filter-taps-conv.kernel.ts);
 * conv2d-backprop-filter.router.ts decides which form serves a call.
 */
export const CHUNK_ROWS = 2304;
export const ORIENTATION: 'colT' | 'dyT' = 'colT';

export interface Conv2dBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilterGemm(
  r: KernelRunner,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: Conv2dBackpropFilterAttrs,
  chunkRows = CHUNK_ROWS,
  orientation: 'colT' | 'dyT' = ORIENTATION,
): tf.TensorInfo {
  const { strides, pad, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const [kh, kw, ci, co] = filterShape;
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const R = kh * kw * ci;
  const heap = heapBackend(r.backend);
  const acc = new Float64Array(co * R);
  // Whole output rows per chunk (at least one), so a chunk is a range of (n, oh) rows.
  const rowsPerChunk = Math.max(1, Math.floor(chunkRows / ow));
  const totalRows = n * oh;
  for (let row0 = 0; row0 < totalRows; row0 += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, totalRows - row0);
    const K = rows * ow;
    const p0 = row0 * ow;
    let a: tf.TensorInfo;
    let b: tf.TensorInfo;
    if (orientation === 'colT') {
      // colᵀ[R, K] · dy[K, Co] → dW_chunk[R, Co]; XNNPACK packs the small dy block.
      a = heap.makeOutput([1, R, K], 'float32');
      b = heap.makeOutput([1, K, co], 'float32');
      // Views after both allocations (an allocation may grow the heap and detach views).
      const xs = heap.typedArrayFromHeap(x) as Float32Array;
      const colT = heap.typedArrayFromHeap(a) as Float32Array;
      (heap.typedArrayFromHeap(b) as Float32Array).set((heap.typedArrayFromHeap(dy) as Float32Array).subarray(p0 * co, (p0 + K) * co));
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let c = 0; c < ci; c++) {
            const rowBase = ((i * kw + j) * ci + c) * K;
            let k = 0;
            for (let q = 0; q < rows; q++) {
              const rowIndex = row0 + q;
              const img = Math.floor(rowIndex / oh);
              const hh = (rowIndex - img * oh) * sh + i - top;
              const inRow = hh >= 0 && hh < h;
              const base = (img * h + hh) * w;
              for (let xo = 0; xo < ow; xo++, k++) {
                const ww = xo * sw + j - left;
                colT[rowBase + k] = inRow && ww >= 0 && ww < w ? xs[(base + ww) * ci + c] : 0;
              }
            }
          }
        }
      }
    } else {
      // dyᵀ[Co, K] · col[K, R] → dWᵀ_chunk[Co, R]; col rows are runs of Ci contiguous channels (memmove).
      a = heap.makeOutput([1, co, K], 'float32');
      b = heap.makeOutput([1, K, R], 'float32');
      const xs = heap.typedArrayFromHeap(x) as Float32Array;
      const dys = heap.typedArrayFromHeap(dy) as Float32Array;
      const at = heap.typedArrayFromHeap(a) as Float32Array;
      const col = heap.typedArrayFromHeap(b) as Float32Array;
      for (let k = 0; k < K; k++) {
        const src = (p0 + k) * co;
        for (let o = 0; o < co; o++) at[o * K + k] = dys[src + o];
      }
      const all = new Float32Array(xs.buffer);
      const xBase = xs.byteOffset >>> 2;
      const colBase = col.byteOffset >>> 2;
      let dst = 0;
      for (let q = 0; q < rows; q++) {
        const rowIndex = row0 + q;
        const img = Math.floor(rowIndex / oh);
        const y = rowIndex - img * oh;
        for (let xo = 0; xo < ow; xo++) {
          for (let i = 0; i < kh; i++) {
            const hh = y * sh + i - top;
            for (let j = 0; j < kw; j++) {
              const ww = xo * sw + j - left;
              if (hh < 0 || hh >= h || ww < 0 || ww >= w) col.fill(0, dst, dst + ci);
              else {
                const src = xBase + ((img * h + hh) * w + ww) * ci;
                all.copyWithin(colBase + dst, src, src + ci);
              }
              dst += ci;
            }
          }
        }
      }
    }
    const prod = r.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    const ps = heap.typedArrayFromHeap(prod) as Float32Array;
    if (orientation === 'colT') for (let q = 0; q < acc.length; q++) acc[q] += ps[q];
    else for (let o = 0; o < co; o++) for (let q = 0; q < R; q++) acc[q * co + o] += ps[o * R + q];
    r.backend.disposeData(prod.dataId);
    r.backend.disposeData(a.dataId);
    r.backend.disposeData(b.dataId);
    r.keep(prod);
  }
  // acc is dW[(kh, kw, ci), co].
  const out = heap.makeOutput([kh, kw, ci, co], 'float32');
  (heap.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}
