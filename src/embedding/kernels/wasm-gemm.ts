import type * as tf from '@tensorflow/tfjs';

/**
 * Direct access to tfjs-backend-wasm's BatchMatMul (XNNPACK fully-connected)
 * on arbitrary regions of the wasm heap: C[M,N] = A[M,K] · B[K,N] with A, B
 * and C given as byte offsets of row-major blocks. Composite kernels use it to
 * run GEMMs on slices of one buffer and to write products straight into a
 * larger output, without the copies that tensors-per-operand would need.
 *
 * Each call registers temporary tensor ids ("views") over the regions and
 * releases them after the call: releasing an id also drops the XNNPACK
 * operator that the wasm side cached for it (the packed B), so nothing stale
 * is reused when a later view gets the same memory.
 */
interface WasmInternals {
  dataIdMap: {
    get(id: tf.DataId): { id: number; memoryOffset: number } | undefined;
    delete(id: tf.DataId): void;
  };
  dataIdNextNumber: number;
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...a: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
    HEAPF32: Float32Array;
    HEAPU8: Uint8Array;
  };
}

const matMuls = new WeakMap<object, (...a: unknown[]) => void>();

function internals(backend: object): WasmInternals {
  return backend as unknown as WasmInternals;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function byteOffsetOf(backend: object, t: tf.TensorInfo): number {
  const d = internals(backend).dataIdMap.get(t.dataId);
  if (!d) throw new Error('tensor is not on the wasm backend');
  return d.memoryOffset;
}

/** The current float32 view of the whole heap (re-take after any allocation). */
export function heapF32(backend: object): Float32Array {
  const w = internals(backend).wasm;
  return new Float32Array(w.HEAPU8.buffer);
}

function registerView(backend: WasmInternals, byteOffset: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, byteOffset);
  return id;
}

/** C = A·B (float32, row-major) on heap regions given by byte offsets. */
export function gemmAt(
  backend: object,
  m: number,
  k: number,
  n: number,
  aByteOffset: number,
  bByteOffset: number,
  cByteOffset: number,
): void {
  const b = registerMatrix(backend, bByteOffset, k * n);
  try {
    gemmWithB(backend, m, k, n, aByteOffset, b, cByteOffset);
  } finally {
    releaseMatrix(backend, b);
  }
}

/**
 * Registers a B operand once for several products (XNNPACK packs B on the
 * first product and reuses the packed copy, cached under this id, until
 * releaseMatrix). The region must not change in between.
 */
export function registerMatrix(backend: object, byteOffset: number, size: number): number {
  return registerView(internals(backend), byteOffset, size);
}

export function releaseMatrix(backend: object, id: number): void {
  internals(backend).wasm.tfjs.disposeData(id);
}

/** C = A·B with B registered by registerMatrix (k·n floats). */
export function gemmWithB(backend: object, m: number, k: number, n: number, aByteOffset: number, bId: number, cByteOffset: number): void {
  const b = internals(backend);
  let fn = matMuls.get(backend);
  if (!fn) {
    fn = b.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
    matMuls.set(backend, fn);
  }
  const aId = registerView(b, aByteOffset, m * k);
  const cId = registerView(b, cByteOffset, m * n);
  try {
    const aShape = new Uint8Array(new Int32Array([1, m, k]).buffer);
    const bShape = new Uint8Array(new Int32Array([1, k, n]).buffer);
    fn(aId, aShape, 3, bId, bShape, 3, 0, 0, cId);
  } finally {
    b.wasm.tfjs.disposeData(aId);
    b.wasm.tfjs.disposeData(cId);
  }
}
