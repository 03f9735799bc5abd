import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { kchunkApplies } from '../../src/embedding/kernels/batch-matmul-kchunk.kernel';
import { routeConv2dBackpropFilter } from '../../src/embedding/kernels/conv2d-backprop-filter.router';
import * as thresholds from '../../src/embedding/kernels/dispatch-thresholds';
import { makeWinogradConv2dConfig } from '../../src/embedding/kernels/winograd-conv2d.kernel';

/**
 * Which implementation serves which call (src/embedding/kernels/README.md's
 * dispatch table), decided without running a kernel: the Conv2DBackpropFilter
 * router, the Winograd tile minimum of Conv2D and the K-chunk MatMul test, on
 * the seed net's real layer shapes and at each threshold's boundary. And the
 * README stays the table of this folder: every threshold, every source file and
 * every test it names.
 */
const { GRID_MIN_IN_CHANNELS, KCHUNK_MAX_M, KCHUNK_MIN_K, WINOGRAD_MIN_CHANNELS, WINOGRAD_MIN_OUTPUT_SIZE } = thresholds;

type Shape4 = [number, number, number, number];
const operand = (shape: number[], dtype: tf.DataType = 'float32') => ({ shape, dtype });

/** The filter-gradient route of a convolution x ⊛ filter (valid padding unless given), and whether SIMD was asked. */
function route(
  x: Shape4,
  filter: Shape4,
  opts: { stride?: number; pad?: 'valid' | 'same'; dataFormat?: 'NHWC' | 'NCHW'; dtype?: tf.DataType; simd?: boolean } = {},
) {
  const stride = opts.stride ?? 1;
  const pad = opts.pad ?? 'valid';
  const dataFormat = opts.dataFormat ?? 'NHWC';
  const nhwc: Shape4 = dataFormat === 'NCHW' ? [x[0], x[2], x[3], x[1]] : x;
  const info = tf.backend_util.computeConv2DInfo(nhwc, filter, stride, 1, pad);
  const dy = [info.batchSize, info.outHeight, info.outWidth, filter[3]];
  let asked = 0;
  const r = routeConv2dBackpropFilter(
    operand(x),
    operand(dy, opts.dtype),
    { strides: stride, pad, dataFormat, filterShape: filter },
    () => {
      asked++;
      return opts.simd ?? true;
    },
  );
  return { kind: r.kind, shape: r.kind === 'winograd' ? r.shape : undefined, askedSimd: asked > 0 };
}

describe('Conv2DBackpropFilter router', () => {
  it("sends the seed net's two layers where the measurements say", () => {
    // Layer 1: 100×100×1 → 3×3×1×64. One input channel: the gathered GEMM (grid measured slower there).
    expect(route([32, 100, 100, 1], [3, 3, 1, 64])).toEqual({ kind: 'gemm', shape: undefined, askedSimd: false });
    // Layer 2: 49×49×64 → 3×3×64×128, output 47×47: Winograd, with its shape worked out.
    expect(route([32, 49, 49, 64], [3, 3, 64, 128])).toEqual({
      kind: 'winograd',
      shape: { n: 32, h: 49, w: 49, ci: 64, co: 128, oh: 47, ow: 47, top: 0, left: 0 },
      askedSimd: true,
    });
    // Same layer where the SIMD module cannot be instantiated: the grid form.
    expect(route([32, 49, 49, 64], [3, 3, 64, 128], { simd: false })).toEqual({ kind: 'grid', shape: undefined, askedSimd: true });
  });

  it('takes the grid form at stride 1 for other filters, the gathered GEMM at other strides, taps/conv for NCHW and non-float32', () => {
    expect(route([2, 12, 12, 12], [5, 5, 12, 4], { pad: 'same' }).kind).toBe('grid'); // not 3×3
    expect(route([2, 12, 12, 64], [3, 3, 64, 128], { stride: 2 }).kind).toBe('gemm');
    expect(route([2, 64, 12, 12], [3, 3, 64, 128], { dataFormat: 'NCHW' }).kind).toBe('taps-conv');
    expect(route([2, 12, 12, 64], [3, 3, 64, 128], { dtype: 'int32' }).kind).toBe('taps-conv');
  });

  it('switches at each threshold of dispatch-thresholds.ts', () => {
    // Input channels: GRID_MIN_IN_CHANNELS (below Winograd's minimum, so grid, not Winograd).
    expect(route([2, 12, 12, GRID_MIN_IN_CHANNELS - 1], [3, 3, GRID_MIN_IN_CHANNELS - 1, 16]).kind).toBe('gemm');
    expect(route([2, 12, 12, GRID_MIN_IN_CHANNELS], [3, 3, GRID_MIN_IN_CHANNELS, 16]).kind).toBe('grid');
    // Winograd needs WINOGRAD_MIN_CHANNELS in and out, in multiples of 4 (the f32x4 transforms).
    const c = WINOGRAD_MIN_CHANNELS;
    expect(route([2, 12, 12, c], [3, 3, c, c]).kind).toBe('winograd');
    expect(route([2, 12, 12, c - 4], [3, 3, c - 4, c]).kind).toBe('grid');
    expect(route([2, 12, 12, c], [3, 3, c, c + 2]).kind).toBe('grid');
    // Output at least WINOGRAD_MIN_OUTPUT_SIZE each way (valid 3×3: output = input − 2).
    const o = WINOGRAD_MIN_OUTPUT_SIZE;
    expect(route([1, o + 2, o + 2, c], [3, 3, c, c]).kind).toBe('winograd'); // one tile: no tile minimum for the gradient
    expect(route([1, o + 1, o + 2, c], [3, 3, c, c]).kind).toBe('grid');
  });
});

describe('Conv2D: Winograd only with WINOGRAD_MIN_TILES output tiles in the batch', () => {
  /** Whether the registered Conv2D tried Winograd (it asks for the SIMD module only then) for x ⊛ 3×3×16×16. */
  function triesWinograd(x: Shape4): boolean {
    let asked = false;
    let direct = 0;
    const wrapped: tf.KernelConfig = {
      kernelName: tf.Conv2D,
      backendName: 'wasm',
      kernelFunc: () => {
        direct++;
        return { dataId: {}, shape: [], dtype: 'float32' };
      },
    };
    // The probe answers "no SIMD", so every call ends on the wrapped (XNNPACK) kernel without computing anything.
    const config = makeWinogradConv2dConfig('wasm', wrapped, () => {
      asked = true;
      return undefined;
    });
    const tensor = (shape: number[]) => ({ dataId: {}, shape, dtype: 'float32' as const });
    config.kernelFunc({
      inputs: { x: tensor(x), filter: tensor([3, 3, 16, 16]) },
      attrs: { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap,
      backend: {} as tf.KernelBackend,
    });
    expect(direct).toBe(1);
    return asked;
  }

  it('counts 4×4 tiles over the whole batch', () => {
    expect(thresholds.WINOGRAD_MIN_TILES).toBe(128); // the hand counts below are for 128
    expect(triesWinograd([2, 34, 34, 16])).toBe(true); // output 32×32: 2 · 8 · 8 = 128 tiles
    expect(triesWinograd([2, 33, 33, 16])).toBe(true); // output 31×31: partial tiles count, 2 · 8 · 8 = 128
    expect(triesWinograd([1, 34, 34, 16])).toBe(false); // 64 tiles: XNNPACK direct
    expect(triesWinograd([2, 10, 11, 16])).toBe(false); // output 8×9: 2 · 2 · 3 = 12 tiles (a 1:1 verify's size)
  });
});

describe('K-chunked MatMul applies to long reduction axes only', () => {
  it("takes the seed net's dense layer and stays out of everything else", () => {
    expect(kchunkApplies(operand([64, 67712]), operand([67712, 512]), false, false)).toBe(true);
    expect(kchunkApplies(operand([64, 67712]), operand([512, 67712]), false, true)).toBe(false); // transposed: rewritten instead
    expect(kchunkApplies(operand([2, 64, 67712]), operand([2, 67712, 512]), false, false)).toBe(false); // batched
    expect(kchunkApplies(operand([64, 67712], 'int32'), operand([67712, 512], 'int32'), false, false)).toBe(false);
    expect(kchunkApplies(operand([64, KCHUNK_MIN_K]), operand([KCHUNK_MIN_K, 8]), false, false)).toBe(true);
    expect(kchunkApplies(operand([64, KCHUNK_MIN_K - 1]), operand([KCHUNK_MIN_K - 1, 8]), false, false)).toBe(false);
    expect(kchunkApplies(operand([KCHUNK_MAX_M, KCHUNK_MIN_K]), operand([KCHUNK_MIN_K, 8]), false, false)).toBe(true);
    expect(kchunkApplies(operand([KCHUNK_MAX_M + 1, KCHUNK_MIN_K]), operand([KCHUNK_MIN_K, 8]), false, false)).toBe(false);
  });
});

describe('kernels/README.md is the dispatch table of this folder', () => {
  const root = path.join(__dirname, '../..');
  const dir = path.join(root, 'src/embedding/kernels');
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');

  it('names every threshold of dispatch-thresholds.ts', () => {
    const names = Object.keys(thresholds);
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(names.filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
  });

  it('names every source file of the folder', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.filter((f) => !readme.includes(`\`${f}\``))).toEqual([]);
  });

  it('cites only test files and sources that exist', () => {
    const tests = [...new Set(readme.match(/test\/[\w/.-]+\.test\.ts/g) ?? [])];
    expect(tests.length).toBeGreaterThan(8);
    expect(tests.filter((t) => !fs.existsSync(path.join(root, t)))).toEqual([]);
    // Bare file names in backticks are files of this folder.
    const sources = [...new Set([...readme.matchAll(/`([\w.-]+\.ts)`/g)].map((m) => m[1]))];
    expect(sources.length).toBeGreaterThan(15);
    expect(sources.filter((f) => !fs.existsSync(path.join(dir, f)))).toEqual([]);
  });
});
