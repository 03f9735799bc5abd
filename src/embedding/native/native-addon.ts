import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The project's native kernel module (native/, N-API, built by
 * scripts/build-native.js at `npm install`). Optional: where it was not built
 * (no compiler, a failed build, another platform) the loader reports why and
 * the backend registry keeps wasm.
 */
export type NativeCpuPath = 'avx512' | 'avx2' | 'portable';

export interface NativeInfo {
  /** The micro-kernel GEMMs run on now (runtime dispatch: the widest this CPU runs). */
  path: NativeCpuPath;
  mr: number;
  nr: number;
  /** Threads one large GEMM may use (a process-wide pool; busy → the calling thread alone). */
  threads: number;
  /** Every path this CPU can run, widest first. */
  supported: NativeCpuPath[];
}

/** [batch, inH, inW, inC, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, outH, outW, outC] */
export type NativeConvShape = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** Codes of the fused activations the native epilogue runs (native/src/gemm.h `Activation`). */
export const NATIVE_ACTIVATIONS = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 } as const;

export interface NativeAddon {
  /** c[i] = op(a[i % batchA]) · op(b[i % batchB]), then bias and activation; dims = [batch, M, N, K, transA, transB, batchA, batchB]. */
  matmul(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    dims: number[],
    bias: Float32Array | null,
    activation: number,
    leakyAlpha: number,
  ): void;
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    y: Float32Array,
    shape: NativeConvShape,
    bias: Float32Array | null,
    activation: number,
    leakyAlpha: number,
  ): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, shape: NativeConvShape): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: NativeConvShape): void;
  /** out[i] = a[i % a.length] op b[i % b.length]; op: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** op: 0 relu, 1 step (alpha where x <= 0), 2 copy. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** out = ((xs[0] + xs[1]) + xs[2]) + … over out's length. */
  addN(xs: Float32Array[], out: Float32Array): void;
  /**
   * One Adam step in place of src/training/parallel/fused-adam.ts's adamUpdate loop (same formula):
   * m, v updated in place, out = new weights; hyper = [beta1, beta2, lr/(1-beta1^t), 1/sqrt(1-beta2^t), epsilon].
   */
  adamUpdate(
    out: Float32Array,
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    hyper: [number, number, number, number, number],
  ): void;
  /** y[c] = sum over r of x[r * cols + c]; dims = [rows, cols]. */
  sumRows(x: Float32Array, y: Float32Array, dims: [number, number]): void;
  /** NHWC 2×2 stride-2 valid max pool; dims = [n, h, w, c] of x. */
  maxPool2x2(x: Float32Array, y: Float32Array, dims: [number, number, number, number]): void;
  maxPoolGrad2x2(x: Float32Array, dy: Float32Array, dx: Float32Array, dims: [number, number, number, number]): void;
  info(): NativeInfo;
  /** Forces a path (tests, benchmarks); false when this CPU cannot run it. Process-wide. */
  setPath(path: NativeCpuPath): boolean;
  setThreads(threads: number): void;
}

export type NativeLoad = { ok: true; addon: NativeAddon; file: string } | { ok: false; reason: string };

/** Where node-gyp puts the module: native/build/Release (src/embedding/native and dist/embedding/native are both three levels below the root). */
export const DEFAULT_NATIVE_ADDON_FILE = path.resolve(__dirname, '..', '..', '..', 'native', 'build', 'Release', 'siamese_native.node');

const cache = new Map<string, NativeLoad>();

/** Loads the module once per file; never throws. */
export function loadNativeAddon(file: string = DEFAULT_NATIVE_ADDON_FILE): NativeLoad {
  const cached = cache.get(file);
  if (cached) return cached;
  const result = tryLoad(file);
  cache.set(file, result);
  return result;
}

function tryLoad(file: string): NativeLoad {
  if (!fs.existsSync(file))
    return {
      ok: false,
      reason: `${path.relative(process.cwd(), file) || file} was not built (npm install builds it when a C++ compiler is present)`,
    };
  try {
    // A computed require keeps bundlers and tsc from resolving the binary.
    const dynamicRequire: NodeRequire = require;
    const addon = dynamicRequire(file) as NativeAddon;
    if (typeof addon.matmul !== 'function' || typeof addon.info !== 'function')
      return { ok: false, reason: `${file} is not the siamese native module` };
    addon.info();
    return { ok: true, addon, file };
  } catch (e) {
    return { ok: false, reason: `${file} did not load: ${(e as Error).message.split('\n')[0]}` };
  }
}
