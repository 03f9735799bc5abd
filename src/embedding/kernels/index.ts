import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeBatchMatMulConfig } from './batch-matmul.kernel';
import { makeBatchMatMulKChunkConfig, makeFusedMatMulKChunkConfig } from './batch-matmul-kchunk.kernel';
import { makeConv2dBackpropFilterGemmConfig } from './conv2d-backprop-filter-gemm.kernel';
import { makeConv2dBackpropInputConfig } from './conv2d-backprop-input.kernel';
import { makeIdentityConfig } from './identity.kernel';
import { makeMaxPoolGradConfig } from './max-pool-grad.kernel';
import { makeMaxPoolGrad2x2Config } from './max-pool-grad-2x2.kernel';
import { makeSumConfig } from './sum.kernel';

/**
 * The project's extra kernels, so training runs end to end on the wasm backend
 * and its gradient kernels run on XNNPACK instead of direct loops:
 *
 * - Conv2DBackpropFilter: missing from tfjs-backend-wasm 4.22 (tensorflow/tfjs#8474).
 * - Conv2DBackpropInput: replaced (the wasm one is a direct loop, ~10× slower than Conv2D).
 * - BatchMatMul with transposeA/transposeB: rewritten onto the plain A·B kernel.
 * - Identity: shares the buffer instead of copying it (the engine clones every
 *   tensor it saves for backprop).
 * - MaxPoolGrad and Sum over leading axes (bias gradients): JavaScript loops over
 *   the wasm heap, several times faster than the wasm kernels for these shapes.
 *
 * The other gradients our layers need (AvgPoolGrad, Relu via Step,
 * batch-norm and the L2/group-norm layers via elementwise ops and reductions)
 * exist on wasm; test/embedding/wasm-training.test.ts trains every backbone on it.
 *
 * Idempotent; call before or after the backend is initialised.
 */
let registered = false;

export function registerExtraKernels(): void {
  if (registered) return;
  registered = true;
  const backendName = 'wasm';
  const originalMatMul = tf.getKernel(tf.BatchMatMul, backendName);
  if (!originalMatMul) throw new Error('tfjs-backend-wasm did not register BatchMatMul');
  const plainMatMul = originalMatMul.kernelFunc;
  // Long reduction axes in K-chunks (batch-matmul-kchunk.kernel.ts), transposes rewritten (batch-matmul.kernel.ts).
  replaceKernel(makeBatchMatMulKChunkConfig(backendName, makeBatchMatMulConfig(backendName, originalMatMul), plainMatMul));
  const originalFused = tf.getKernel(tf._FusedMatMul, backendName);
  if (originalFused) replaceKernel(makeFusedMatMulKChunkConfig(backendName, originalFused, plainMatMul));
  const originalIdentity = tf.getKernel(tf.Identity, backendName);
  if (originalIdentity) replaceKernel(makeIdentityConfig(backendName, originalIdentity));
  const originalSum = tf.getKernel(tf.Sum, backendName);
  if (originalSum) replaceKernel(makeSumConfig(backendName, originalSum));
  // 2×2/stride-2 pools take a straight-line path (max-pool-grad-2x2.kernel.ts), others the general loop.
  replaceKernel(makeMaxPoolGrad2x2Config(backendName, makeMaxPoolGradConfig(backendName)));
  const overrides = { BatchMatMul: plainMatMul };
  // Chunked GEMMs for many input channels (conv2d-backprop-filter-gemm.kernel.ts), else the taps/conv forms.
  replaceKernel(makeConv2dBackpropFilterGemmConfig(backendName, overrides));
  replaceKernel(makeConv2dBackpropInputConfig(backendName, overrides));
}

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

export { conv2dBackpropFilterImpl, TAPS_MAX_IN_CHANNELS } from './conv2d-backprop-filter.kernel';
export { conv2dBackpropFilterGemm } from './conv2d-backprop-filter-gemm.kernel';
export { conv2dBackpropInputImpl } from './conv2d-backprop-input.kernel';
export { KernelRunner, withRunner } from './kernel-utils';
