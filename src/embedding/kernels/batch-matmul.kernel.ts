import * as tf from '@tensorflow/tfjs';
import { withRunner } from './kernel-utils';

/**
 * BatchMatMul with transposed operands, for tfjs-backend-wasm, whose kernel is
 * fast only for plain A·B (measured at the seed net's dense layer, batch 64:
 * A·B 0.19 s, Aᵀ·B 3.0 s, A·Bᵀ 1.4 s). Backprop through a Dense layer needs
 * both transposed forms every step, so we transpose explicitly and call the
 * original kernel on plain operands, choosing whichever rewrite moves fewer
 * elements through Transpose:
 *
 *   Aᵀ·B  = transpose(A)·B          or (Bᵀ·A)ᵀ
 *   A·Bᵀ  = A·transpose(B)          or (B·Aᵀ)ᵀ
 *   Aᵀ·Bᵀ = (B·A)ᵀ
 *
 * The cost model is the element count, with an output transpose weighted like
 * an input one (a large 2-D transpose is slow on wasm: 0.5 s for 34M elements).
 */
export function makeBatchMatMulConfig(backendName: string, original: tf.KernelConfig): tf.KernelConfig {
  const plain = original.kernelFunc;
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return plain(args);
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      return withRunner(
        args.backend,
        backendName,
        (r) => {
          const t = (x: tf.TensorInfo) => {
            const perm = x.shape.map((_, i) => i);
            const k = perm.length;
            [perm[k - 2], perm[k - 1]] = [perm[k - 1], perm[k - 2]];
            return r.transpose(x, perm);
          };
          const mm = (x: tf.TensorInfo, y: tf.TensorInfo) => r.run('BatchMatMul', { a: x, b: y }, { transposeA: false, transposeB: false });
          const size = (x: tf.TensorInfo) => x.shape.reduce((p, c) => p * c, 1);
          const outSize = (x: tf.TensorInfo, y: tf.TensorInfo) => {
            const rows = transposeA ? x.shape[x.shape.length - 1] : x.shape[x.shape.length - 2];
            const cols = transposeB ? y.shape[y.shape.length - 2] : y.shape[y.shape.length - 1];
            const batch = Math.max(
              size(x) / (x.shape[x.shape.length - 1] * x.shape[x.shape.length - 2]),
              size(y) / (y.shape[y.shape.length - 1] * y.shape[y.shape.length - 2]),
            );
            return rows * cols * batch;
          };
          if (transposeA && transposeB) return t(mm(b, a));
          if (transposeA) {
            return size(a) <= size(b) + outSize(a, b) ? mm(t(a), b) : t(mm(t(b), a));
          }
          return size(b) <= size(a) + outSize(a, b) ? mm(a, t(b)) : t(mm(b, t(a)));
        },
        { BatchMatMul: plain },
      );
    },
  };
}
