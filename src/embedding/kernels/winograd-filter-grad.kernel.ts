import type * as tf from '@tensorflow/tfjs';
import { heapBackend } from './heap-access';
import { byteOffsetOf, gemmAt, heapF32 } from './wasm-gemm';
import { KG, type WinogradShape } from './winograd-conv2d.kernel';
import { simdKernels } from './simd-module';

/**
 * Conv2DBackpropFilter of a 3×3, stride-1 convolution (NHWC) by Winograd's
 * F(3×3, 4×4) (Lavin & Gray 2016 §4): the filter gradient
 *
 *   dW[k][l] = Σ_{oy,ox} x[oy + k − top][ox + l − left] · dy[oy][ox]
 *
 * is, per 4×4 tile of dy and its 6×6 input tile d, a 3×3 correlation of d with
 * the dy tile. Because the forward algorithm F(4×4, 3×3) satisfies
 * Σ_ξ Aᵀ[i][ξ] G[ξ][k] Bᵀ[ξ][u] = δ(u = i + k), the same matrices give
 *
 *   dW = Gᵀ [ Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B) ] G
 *
 * and the sum over tiles (and images) of the ⊙, summed over nothing else, is
 * 36 GEMMs W̃_ξ[ci, co] = Vᵀ_ξ[ci, T] · Ỹ_ξ[T, co], 4× fewer multiplies than
 * the direct sum. Vᵀ comes from the forward input transform stored transposed
 * (wino_in_t), Ỹ from wino_dy; the final Gᵀ·W̃·G is one small GEMM with
 * (G⊗G)ᵀ. Rounds of images bound the buffers; their W̃ are summed in float64.
 * (Transposing Ỹ instead, for W̃ᵀ_ξ = Ỹᵀ_ξ·V_ξ with more GEMM rows and a
 * narrower packed operand, measured no faster: 193–203 against 167–200 ms
 * of CPU at 32 images.) Measured against the grid form: ~190 vs ~300 ms.
 */
export const WINOGRAD_GRAD_GROUP_FLOATS = 2 * 1024 * 1024;

export function winogradFilterGrad(
  backend: object,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  s: WinogradShape,
  groupFloats = WINOGRAD_GRAD_GROUP_FLOATS,
): tf.TensorInfo {
  const simd = simdKernels(backend);
  if (!simd) throw new Error('Winograd transforms need wasm SIMD on the tfjs-backend-wasm memory');
  const heap = heapBackend(backend);
  const { n, h, w, ci, co, oh, ow, top, left } = s;
  const th = Math.ceil(oh / 4);
  const tw = Math.ceil(ow / 4);
  const tilesPerImage = th * tw;
  const group = Math.max(1, Math.min(n, Math.floor(groupFloats / (36 * tilesPerImage * Math.max(ci, co)))));
  const tMax = group * tilesPerImage;
  const dispose = (backend as { disposeData(id: tf.DataId): boolean }).disposeData.bind(backend);
  const temps: tf.TensorInfo[] = [];
  const alloc = (size: number) => {
    const t = heap.makeOutput([size], 'float32');
    temps.push(t);
    return t;
  };
  try {
    const vt = alloc(36 * ci * tMax);
    const yt = alloc(36 * tMax * co);
    const wt = alloc(36 * ci * co);
    const kgt = alloc(9 * 36);
    const scratch = alloc(36 + Math.max(ci, co));
    const at = (t: tf.TensorInfo) => byteOffsetOf(backend, t);
    const ptrs = at(scratch);
    const zeros = ptrs + 36 * 4;
    let H = heapF32(backend);
    H.fill(0, zeros >>> 2, (zeros >>> 2) + Math.max(ci, co));
    const kgtBase = at(kgt) >>> 2;
    for (let xi = 0; xi < 36; xi++) for (let k = 0; k < 9; k++) H[kgtBase + k * 36 + xi] = KG[xi * 9 + k];
    const acc = new Float64Array(36 * ci * co);
    const xOff = at(x);
    const dyOff = at(dy);
    const vtOff = at(vt);
    const ytOff = at(yt);
    const wtOff = at(wt);
    const rowBytes = w * ci * 4;
    const rounds = Math.ceil(n / group);
    for (let n0 = 0; n0 < n; n0 += group) {
      const g = Math.min(group, n - n0);
      const T = g * tilesPerImage;
      let P = new Int32Array(simd.memory.buffer, ptrs, 36);
      let t = 0;
      for (let img = n0; img < n0 + g; img++) {
        const imgOff = xOff + img * h * rowBytes;
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < tw; tx++, t++) {
            for (let a = 0; a < 6; a++) {
              const row = 4 * ty + a - top;
              const rowOk = row >= 0 && row < h;
              for (let b = 0; b < 6; b++) {
                const col = 4 * tx + b - left;
                P[a * 6 + b] = rowOk && col >= 0 && col < w ? imgOff + row * rowBytes + col * ci * 4 : zeros;
              }
            }
            simd.winoInT(ptrs, vtOff + t * 4, T * 4, ci * T * 4, ci * 4);
          }
        }
      }
      P = new Int32Array(simd.memory.buffer, ptrs, 16);
      t = 0;
      for (let img = n0; img < n0 + g; img++) {
        for (let ty = 0; ty < th; ty++) {
          for (let tx = 0; tx < tw; tx++, t++) {
            for (let i = 0; i < 4; i++) {
              const oy = 4 * ty + i;
              for (let j = 0; j < 4; j++) {
                const ox = 4 * tx + j;
                P[i * 4 + j] = oy < oh && ox < ow ? dyOff + ((img * oh + oy) * ow + ox) * co * 4 : zeros;
              }
            }
            simd.winoDy(ptrs, ytOff + t * co * 4, T * co * 4, co * 4);
          }
        }
      }
      // W̃_ξ[ci, co] = Vᵀ_ξ[ci, T] · Ỹ_ξ[T, co]
      for (let xi = 0; xi < 36; xi++) {
        gemmAt(backend, ci, T, co, vtOff + xi * ci * T * 4, ytOff + xi * T * co * 4, wtOff + xi * ci * co * 4);
      }
      if (rounds > 1) {
        H = heapF32(backend);
        const base = wtOff >>> 2;
        for (let q = 0; q < acc.length; q++) acc[q] += H[base + q];
      }
    }
    if (rounds > 1) {
      H = heapF32(backend);
      H.set(acc, wtOff >>> 2);
    }
    // dW[(k,l), ci·co] = (G⊗G)ᵀ[(k,l), ξ] · W̃[ξ, ci·co]
    const out = heap.makeOutput([3, 3, ci, co], 'float32');
    gemmAt(backend, 9, 36, ci * co, at(kgt), wtOff, at(out));
    return out;
  } finally {
    for (const t of temps) dispose(t.dataId);
  }
}
