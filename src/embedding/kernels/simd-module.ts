import { SIMD_KERNELS_WASM } from './simd.wasm';

/**
 * Instantiates the project's SIMD module (simd.wasm.ts, source simd.ir.ts) on
 * a tfjs-backend-wasm instance's own memory, so its functions read and write
 * tensors in place. One instance per backend; undefined when the backend does
 * not expose its memory or the runtime lacks wasm SIMD (then callers fall back
 * to XNNPACK or JavaScript loops). Arguments are byte offsets in the heap.
 */
export interface SimdKernels {
  winoIn(ptrs: number, dst: number, stride: number, bytes: number): void;
  winoOut(src: number, stride: number, ptrs: number, bias: number, relu: number, bytes: number): void;
  winoInT(ptrs: number, dst: number, rowStride: number, xiStride: number, bytes: number): void;
  winoDy(ptrs: number, dst: number, stride: number, bytes: number): void;
  mpg2x2Row(x: number, rowStride: number, dy: number, dx: number, ow: number, bytes: number): void;
  sumRows(x: number, rows: number, acc: number, bytes: number): void;
  memory: WebAssembly.Memory;
}

const instances = new WeakMap<object, SimdKernels | null>();
let compiled: WebAssembly.Module | undefined;

export function simdKernels(backend: object): SimdKernels | undefined {
  const cached = instances.get(backend);
  if (cached !== undefined) return cached ?? undefined;
  let result: SimdKernels | null = null;
  try {
    const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
    if (memory instanceof WebAssembly.Memory) {
      compiled ??= new WebAssembly.Module(Buffer.from(SIMD_KERNELS_WASM, 'base64'));
      const inst = new WebAssembly.Instance(compiled, { env: { __linear_memory: memory } });
      const ex = inst.exports as unknown as {
        wino_in: SimdKernels['winoIn'];
        wino_out: SimdKernels['winoOut'];
        wino_in_t: SimdKernels['winoInT'];
        wino_dy: SimdKernels['winoDy'];
        mpg2x2_row: SimdKernels['mpg2x2Row'];
        sum_rows: SimdKernels['sumRows'];
      };
      result = {
        winoIn: ex.wino_in,
        winoOut: ex.wino_out,
        winoInT: ex.wino_in_t,
        winoDy: ex.wino_dy,
        mpg2x2Row: ex.mpg2x2_row,
        sumRows: ex.sum_rows,
        memory,
      };
    }
  } catch {
    result = null; // no SIMD in this runtime, or an unexpected backend layout
  }
  instances.set(backend, result);
  return result ?? undefined;
}
