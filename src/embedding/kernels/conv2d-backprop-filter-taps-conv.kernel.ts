import * as tf from '@tensorflow/tfjs';
import { TAPS_MAX_IN_CHANNELS } from './dispatch-thresholds';
import type { KernelRunner } from './kernel-utils';

/**
 * Conv2DBackpropFilter built from the backend's own fast kernels (the
 * project's first implementation of the kernel tfjs-backend-wasm 4.22 lacks:
 * tensorflow/tfjs#8474). The router (conv2d-backprop-filter.router.ts) now
 * sends it only NCHW or non-float32 calls; NHWC float32 goes to the faster
 * Winograd, grid and gathered-GEMM forms.
 *
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} xp[n, oh·sh + kh, ow·sw + kw, ci] · dy[n,oh,ow,co]
 *
 * where xp is x padded by the forward pass's padInfo. Two equivalent
 * formulations, picked by the input channel count (TAPS_MAX_IN_CHANNELS in
 * dispatch-thresholds.ts; both measured on the seed net, batch 64):
 *
 * - "taps" (few input channels, e.g. the first layer of a grayscale net): for
 *   each of the KH·KW taps, a strided slice of xp (laid out [Ci, N, H, W]) is a
 *   [Ci, P] matrix (P = N·OH·OW); stacked, they form im2colᵀ [KH·KW·Ci, P] and
 *   dW = im2colᵀ · dy[P, Co] is one plain MatMul. With Ci = 1 a convolution
 *   would have only KH·KW output pixels and waste the GEMM tiles.
 * - "conv" (many input channels): the sum is itself a convolution in which the
 *   batch and channel axes swap roles: input xp laid out [Ci, H, W, N] (batch =
 *   Ci, channels = N), filter dy laid out [OH, OW, N, Co], dilation = forward
 *   stride, stride 1, valid padding. Its output [Ci, ≥KH, ≥KW, Co] is cropped to
 *   KH×KW (a stride that does not divide leaves extra rows) and transposed to
 *   [KH, KW, Ci, Co]. This runs on XNNPACK's convolution.
 */
/** Bounds one group of stacked taps to ~64 MB of float32 (a memory bound, not a selection threshold). */
const TAPS_GROUP_MAX_FLOATS = 16 * 1024 * 1024;

export function conv2dBackpropFilterImpl(
  r: KernelRunner,
  xIn: tf.TensorInfo,
  dyIn: tf.TensorInfo,
  attrs: {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  },
  strategy: 'auto' | 'taps' | 'conv' = 'auto',
): tf.TensorInfo {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  // Work in NHWC; NCHW inputs are transposed once.
  const x = dataFormat === 'NCHW' ? r.transpose(xIn, [0, 2, 3, 1]) : xIn;
  const dy = dataFormat === 'NCHW' ? r.transpose(dyIn, [0, 2, 3, 1]) : dyIn;
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
  const [n, oh, ow] = [dy.shape[0], dy.shape[1], dy.shape[2]];
  const { top, bottom, left, right } = info.padInfo;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const useTaps = strategy === 'taps' || (strategy === 'auto' && ci <= TAPS_MAX_IN_CHANNELS);

  if (useTaps) {
    // [N,H,W,Ci] → [Ci,N,H,W], padded on H and W.
    let xt = r.transpose(x, [3, 0, 1, 2]);
    if (top || bottom || left || right) {
      xt = r.run(
        'PadV2',
        { x: xt },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [top, bottom],
            [left, right],
          ],
          constantValue: 0,
        },
      );
    }
    const p = n * oh * ow;
    const dy2 = r.reshape(dy, [p, co]);
    // Stack the taps' [Ci, P] slices into im2colᵀ rows and run one MatMul per
    // group of taps: one [rows, P]·[P, Co] product uses the GEMM far better than
    // KH·KW products with Ci (= 1) rows each. Groups bound the temporary to ~64 MB.
    const tapsPerGroup = Math.max(1, Math.min(kh * kw, Math.floor(TAPS_GROUP_MAX_FLOATS / (ci * p))));
    const groups: tf.TensorInfo[] = [];
    let pending: tf.TensorInfo[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const rows = pending.length === 1 ? pending[0] : r.run('Concat', pending as unknown as tf.NamedTensorInfoMap, { axis: 0 });
      groups.push(r.run('BatchMatMul', { a: rows, b: dy2 }, { transposeA: false, transposeB: false }));
      pending = [];
    };
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const s = r.run(
          'StridedSlice',
          { x: xt },
          {
            begin: [0, 0, i, j],
            end: [ci, n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1],
            strides: [1, 1, sh, sw],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
        pending.push(r.reshape(s, [ci, p]));
        if (pending.length === tapsPerGroup) flush();
      }
    }
    flush();
    const stacked = groups.length === 1 ? groups[0] : r.run('Concat', groups as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    return r.reshape(stacked, [kh, kw, ci, co]);
  }

  // [N,H,W,Ci] → [Ci,H,W,N], padded; dy [N,OH,OW,Co] → [OH,OW,N,Co].
  const xt = r.padOrCropHW(r.transpose(x, [3, 1, 2, 0]), top, bottom, left, right);
  const dyt = r.transpose(dy, [1, 2, 0, 3]);
  const conv = r.run('Conv2D', { x: xt, filter: dyt }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [sh, sw],
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  const cropped =
    conv.shape[1] === kh && conv.shape[2] === kw ? conv : r.run('Slice', { x: conv }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  return r.transpose(cropped, [1, 2, 0, 3]);
}
