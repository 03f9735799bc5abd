import * as tf from '@tensorflow/tfjs';

/**
 * Zero-copy access to the float32 storage of a tensor, for optimizer and
 * gradient-exchange loops that must not create 139 MB temporaries per op
 * (the seed net's dense kernel is 67,712×512 floats).
 *
 * - wasm: a Float32Array view of the wasm heap at the tensor's offset (valid
 *   until the next allocation in that backend: the heap may grow and detach it);
 * - cpu: the backend's own values array;
 * - anything else: undefined, callers fall back to dataSync()/assign.
 */
interface WasmLike {
  typedArrayFromHeap(t: { dataId: tf.DataId; shape: number[]; dtype: tf.DataType }): Float32Array;
}
interface CpuLike {
  data: { get(dataId: tf.DataId): { values?: unknown } | undefined };
}

function activeBackend(): unknown {
  return tf.engine().findBackend(tf.getBackend());
}

/** The tensor's storage, shared (no copy), or undefined where the backend does not expose it. */
export function storageView(t: tf.Tensor): Float32Array | undefined {
  if (t.dtype !== 'float32' || t.isDisposed) return undefined;
  const name = tf.getBackend();
  const backend = activeBackend();
  if (name === 'wasm') {
    return (backend as WasmLike).typedArrayFromHeap({ dataId: t.dataId, shape: t.shape, dtype: 'float32' });
  }
  if (name === 'cpu') {
    const values = (backend as CpuLike).data.get(t.dataId)?.values;
    return values instanceof Float32Array && values.length === t.size ? values : undefined;
  }
  return undefined;
}

/** The tensor's values: the shared storage where possible, else a copy. Read-only by contract. */
export function readValues(t: tf.Tensor): Float32Array {
  return storageView(t) ?? (t.dataSync() as Float32Array);
}

/**
 * Replaces a variable's values with `fill(out, old)`: `out` is a fresh buffer
 * (in the wasm heap on wasm: no JavaScript-side copy), `old` the current values,
 * then `out` is assigned to the variable.
 *
 * Never in place: tfjs-backend-wasm caches its XNNPACK operators (with the
 * weights packed inside) by the filter's/matrix's tensor id, so rewriting a
 * variable's buffer in place leaves MatMul and Conv2D computing with the old
 * weights (test/parallel/fused-adam.test.ts checks this). A new buffer gets
 * a new id, and the engine frees the old one and its cached operators.
 */
export function writeVariable(v: tf.Variable, fill: (out: Float32Array, old: Float32Array) => void): void {
  if (tf.getBackend() === 'wasm') {
    const backend = tf.engine().findBackend('wasm') as unknown as WasmLike & {
      makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
    };
    const info = backend.makeOutput(v.shape, 'float32');
    // Views after the allocation (it may grow the heap and detach older views).
    const out = backend.typedArrayFromHeap({ dataId: info.dataId, shape: v.shape, dtype: 'float32' });
    fill(out, readValues(v));
    const t = tf.engine().makeTensorFromTensorInfo(info);
    v.assign(t);
    t.dispose();
    return;
  }
  const out = new Float32Array(v.size);
  fill(out, readValues(v));
  const t = tf.tensor(out, v.shape, 'float32');
  v.assign(t);
  t.dispose();
}
