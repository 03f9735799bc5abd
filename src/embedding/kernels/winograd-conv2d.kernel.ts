import * as tf from '@tensorflow/tfjs';
import { SIMD_CHANNEL_MULTIPLE, WINOGRAD_MIN_CHANNELS, WINOGRAD_MIN_OUTPUT_SIZE, WINOGRAD_MIN_TILES } from './dispatch-thresholds';
import { heapBackend } from './heap-access';
import { byteOffsetOf, gemmAt, gemmWithB, heapF32, registerMatrix, releaseMatrix } from './wasm-gemm';
import { simdKernels } from './simd-module';

/**
 * 3×3 stride-1 convolutions (NHWC) by Winograd's minimal filtering
 * F(4×4, 3×3) (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural
 * Networks"): for each 6×6 input tile d and 3×3 filter g,
 *
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A        (a 4×4 output tile)
 *
 * which needs 36 multiplies per tile and channel pair instead of 144. Summed
 * over input channels, the ⊙ becomes 36 independent GEMMs
 * M_ξ[T, Co] = V_ξ[T, Ci] · U_ξ[Ci, Co] (ξ = one of the 6×6 positions,
 * T = tiles). The transforms are linear maps over the 36 (or 16) positions,
 * so the input and output transforms are wasm SIMD loops over channel
 * vectors (simd.ir.ts wino_in / wino_out, reading the input and writing the
 * output in place), the filter transform is one GEMM with G⊗G [36×9], and
 * the 36 products run on XNNPACK (wasm-gemm.ts). (Kronecker-product GEMMs for
 * the data transforms measured 10–18 GFLOP/s: XNNPACK repacks the large
 * operand every call.)
 *
 * Why: the wasm backend's convolution already runs at the GEMM peak
 * (~43 GFLOP/s per instance), so only fewer FLOPs make it faster. The main
 * GEMMs do 4× fewer multiplies than direct convolution; the transforms run as
 * wasm SIMD (simd.ir.ts). For the seed net's second layer at 32 images
 * (49×49×64 → 47×47×128) this measured ~140–160 ms of CPU per call against
 * ~260–270 ms for XNNPACK's convolution, alternating in one process.
 *
 * Numerics: F(4×4, 3×3) in float32 loses a few bits against direct
 * convolution (test/embedding/winograd-conv2d.kernel.test.ts bounds it).
 */
// Bᵀ (6×6) and Aᵀ (4×6) appear as factored formulas in simd.ir.ts; G (6×3) transforms the filter here.
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];
/** Kronecker product P⊗P of a rows×cols matrix, row-major [(r1,r2), (c1,c2)]. */
function kron(p: number[][]): Float32Array {
  const rows = p.length;
  const cols = p[0].length;
  const out = new Float32Array(rows * rows * cols * cols);
  for (let a = 0; a < rows; a++)
    for (let b = 0; b < rows; b++)
      for (let u = 0; u < cols; u++) for (let v = 0; v < cols; v++) out[(a * rows + b) * cols * cols + u * cols + v] = p[a][u] * p[b][v];
  return out;
}
export const KG = kron(G); // [36, 9]

/** Images per round are chosen so one round's largest buffer stays near this many floats: 1M (one seed-net image per round) measured 139 against 113 img/s for 4M with 2 EmbeddingPool workers (contended machine); single-instance equal. */
export const WINOGRAD_GROUP_FLOATS = 1024 * 1024;

export interface WinogradShape {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  oh: number;
  ow: number;
  top: number;
  left: number;
}

type ShapeAttrs = {
  strides: number | [number, number];
  pad: unknown;
  dilations?: number | [number, number];
  dataFormat?: string;
  dimRoundingMode?: string;
};

/** The shape of a 3×3, stride-1, dilation-1 NHWC float32 convolution this kernel handles, or undefined. */
export function winogradShape(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: ShapeAttrs): WinogradShape | undefined {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  return winogradShapeOf(x.shape, filter.shape, attrs);
}

export function winogradShapeOf(xShape: readonly number[], filterShape: readonly number[], attrs: ShapeAttrs): WinogradShape | undefined {
  if (xShape.length !== 4 || filterShape.length !== 4) return undefined;
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') return undefined;
  const [kh, kw, ci, co] = filterShape;
  if (kh !== 3 || kw !== 3 || ci < WINOGRAD_MIN_CHANNELS || co < WINOGRAD_MIN_CHANNELS) return undefined;
  // The transforms handle 4 channels per SIMD vector.
  if (ci % SIMD_CHANNEL_MULTIPLE !== 0 || co % SIMD_CHANNEL_MULTIPLE !== 0) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  if (info.outHeight < WINOGRAD_MIN_OUTPUT_SIZE || info.outWidth < WINOGRAD_MIN_OUTPUT_SIZE) return undefined;
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci,
    co,
    oh: info.outHeight,
    ow: info.outWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

export function winogradConv2d(
  backend: object,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  s: WinogradShape,
  bias?: tf.TensorInfo,
  relu = false,
  groupFloats = WINOGRAD_GROUP_FLOATS,
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

  const out = heap.makeOutput([n, oh, ow, co], 'float32');
  const temps: tf.TensorInfo[] = [];
  const alloc = (size: number) => {
    const t = heap.makeOutput([size], 'float32');
    temps.push(t);
    return t;
  };
  const dispose = (backend as { disposeData(id: tf.DataId): boolean }).disposeData.bind(backend);
  try {
    const kg = alloc(KG.length);
    const u = alloc(36 * ci * co);
    const v = alloc(36 * tMax * ci);
    const m = alloc(36 * tMax * co);
    // Scratch: 36 tile pointers, a zero vector (input outside the image, missing bias), a sink (output outside).
    const scratch = alloc(36 + Math.max(ci, co) + co);
    const at = (t: tf.TensorInfo) => byteOffsetOf(backend, t);
    const ptrs = at(scratch);
    const zeros = ptrs + 36 * 4;
    const sink = zeros + Math.max(ci, co) * 4;
    const H = heapF32(backend); // taken after every allocation above; the GEMMs below may grow the heap, so no view outlives them
    H.set(KG, at(kg) >>> 2);
    H.fill(0, zeros >>> 2, (zeros >>> 2) + Math.max(ci, co));
    // U[ξ, ci, co] = (G⊗G)[ξ, 9] · g[9, ci·co]  (the filter is [3, 3, ci, co] = [9, ci·co]).
    gemmAt(backend, 36, 9, ci * co, at(kg), at(filter), at(u));

    const xOff = at(x);
    const vOff = at(v);
    const mOff = at(m);
    const oOff = at(out);
    const biasOff = bias ? at(bias) : zeros;
    const rowBytes = w * ci * 4;
    // U_ξ registered once: XNNPACK packs each on its first product and reuses it in later rounds.
    const uIds = Array.from({ length: 36 }, (_, xi) => registerMatrix(backend, at(u) + xi * ci * co * 4, ci * co));
    try {
      for (let n0 = 0; n0 < n; n0 += group) {
        const g = Math.min(group, n - n0);
        const T = g * tilesPerImage;
        // V[ξ, t, :] = Bᵀ d B for every tile t (input pixels outside the image read zeros).
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
              simd.winoIn(ptrs, vOff + t * ci * 4, T * ci * 4, ci * 4);
            }
          }
        }
        // M_ξ = V_ξ[T, ci] · U_ξ[ci, co].
        for (let xi = 0; xi < 36; xi++) {
          gemmWithB(backend, T, ci, co, vOff + xi * T * ci * 4, uIds[xi], mOff + xi * T * co * 4);
        }
        // out[img, 4ty + i, 4tx + j, :] = (Aᵀ M A)[i][j] + bias, ReLU'd (positions past the output go to the sink).
        P = new Int32Array(simd.memory.buffer, ptrs, 16);
        t = 0;
        for (let img = n0; img < n0 + g; img++) {
          for (let ty = 0; ty < th; ty++) {
            for (let tx = 0; tx < tw; tx++, t++) {
              for (let i = 0; i < 4; i++) {
                const oy = 4 * ty + i;
                for (let j = 0; j < 4; j++) {
                  const ox = 4 * tx + j;
                  P[i * 4 + j] = oy < oh && ox < ow ? oOff + ((img * oh + oy) * ow + ox) * co * 4 : sink;
                }
              }
              simd.winoOut(mOff + t * co * 4, T * co * 4, ptrs, biasOff, relu ? 1 : 0, co * 4);
            }
          }
        }
      }
    } finally {
      for (const id of uIds) releaseMatrix(backend, id);
    }
    return out;
  } catch (e) {
    dispose(out.dataId);
    throw e;
  } finally {
    for (const t of temps) dispose(t.dataId);
  }
}

type SimdProbe = (backend: object) => unknown;

/** The shape, if the batch has enough output tiles to amortise Winograd's per-call cost (WINOGRAD_MIN_TILES, dispatch-thresholds.ts). */
function worthIt(s: WinogradShape | undefined, minTiles: number): WinogradShape | undefined {
  return s && s.n * Math.ceil(s.oh / 4) * Math.ceil(s.ow / 4) >= minTiles ? s : undefined;
}

/** Conv2D: Winograd for the shapes it handles (when `simd` finds the transforms), else the wrapped (XNNPACK) kernel. */
export function makeWinogradConv2dConfig(
  backendName: string,
  wrapped: tf.KernelConfig,
  simd: SimdProbe = simdKernels,
  minTiles = WINOGRAD_MIN_TILES,
): tf.KernelConfig {
  return {
    kernelName: tf.Conv2D,
    backendName,
    setupFunc: wrapped.setupFunc,
    disposeFunc: wrapped.disposeFunc,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const s = worthIt(winogradShape(x, filter, args.attrs as unknown as ShapeAttrs), minTiles);
      return s && simd(args.backend) ? winogradConv2d(args.backend, x, filter, s) : wrapped.kernelFunc(args);
    },
  };
}

/** FusedConv2D (inference) with a [co] bias and linear/ReLU activation: Winograd, else the wrapped kernel. */
export function makeWinogradFusedConv2dConfig(
  backendName: string,
  wrapped: tf.KernelConfig,
  simd: SimdProbe = simdKernels,
  minTiles = WINOGRAD_MIN_TILES,
): tf.KernelConfig {
  return {
    kernelName: tf.FusedConv2D,
    backendName,
    setupFunc: wrapped.setupFunc,
    disposeFunc: wrapped.disposeFunc,
    kernelFunc: (args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = args.attrs as unknown as ShapeAttrs & { activation?: string };
      const act = attrs.activation ?? 'linear';
      const s = worthIt(winogradShape(x!, filter!, attrs), minTiles);
      const biasOk = !bias || (bias.dtype === 'float32' && bias.shape.length === 1 && s !== undefined && bias.shape[0] === s.co);
      if (!s || preluActivationWeights || !biasOk || (act !== 'linear' && act !== 'relu') || !simd(args.backend))
        return wrapped.kernelFunc(args);
      return winogradConv2d(args.backend, x!, filter!, s, bias, act === 'relu');
    },
  };
}
