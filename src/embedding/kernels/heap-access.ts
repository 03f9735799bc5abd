import type * as tf from '@tensorflow/tfjs';

/**
 * The parts of tfjs-backend-wasm's BackendWasm that kernels written in plain
 * JavaScript need: allocate an output in the wasm heap and view a tensor's
 * bytes there. Views must be taken after every allocation (an allocation can
 * grow the heap, which detaches earlier views).
 */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export function heapBackend(backend: unknown): WasmHeapBackend {
  return backend as WasmHeapBackend;
}
