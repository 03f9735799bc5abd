import * as tf from '@tensorflow/tfjs';

/**
 * Identity that shares the input's buffer (reference count + 1) instead of
 * copying it, as the cpu backend's Identity does. tfjs tensors are immutable
 * (Variable.assign swaps buffers, it never writes into one), so sharing is safe.
 *
 * Why it matters: the engine clones (Identity) every tensor it saves for the
 * backward pass, and tfjs-backend-wasm 4.22's Identity is a full memcpy. In a
 * seed-net training step that copied the 67,712×512 dense kernel (139 MB) and
 * every saved activation once per forward pass.
 */
export function makeIdentityConfig(backendName: string, original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as tf.KernelBackend & { incRef(id: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
