import * as tf from '@tensorflow/tfjs';

/**
 * Backend-level helpers for composite kernels. A kernel function must not call
 * `tf.*` ops that would re-enter a kernel we override (infinite recursion) and
 * should not create engine tensors, so composite kernels call other kernels'
 * functions directly on TensorInfos and release every intermediate with
 * `backend.disposeData`, as tfjs's own backends do.
 */
export type Backend = tf.KernelBackend & {
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
};

export class KernelRunner {
  private readonly temps: tf.TensorInfo[] = [];

  constructor(
    readonly backend: Backend,
    private readonly backendName: string,
    /** Kernel functions to use instead of the registry's (the originals of kernels we override). */
    private readonly overrides: Partial<Record<string, tf.KernelFunc>> = {},
  ) {}

  /** Runs a kernel; the result is released by `release()` unless `keep`-ed. */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const fn = this.overrides[kernelName] ?? tf.getKernel(kernelName, this.backendName)?.kernelFunc;
    if (!fn) throw new Error(`kernel ${kernelName} is not registered for ${this.backendName}`);
    const out = fn({ inputs, attrs, backend: this.backend }) as tf.TensorInfo | tf.TensorInfo[];
    const info = Array.isArray(out) ? out[0] : out;
    this.temps.push(info);
    return info;
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Pads (positive) or crops (negative) the two spatial axes of an NHWC tensor. */
  padOrCropHW(x: tf.TensorInfo, top: number, bottom: number, left: number, right: number): tf.TensorInfo {
    let t = x;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const ct = Math.max(0, -top),
        cb = Math.max(0, -bottom),
        cl = Math.max(0, -left),
        cr = Math.max(0, -right);
      t = this.run(
        'Slice',
        { x: t },
        {
          begin: [0, ct, cl, 0],
          size: [t.shape[0], t.shape[1] - ct - cb, t.shape[2] - cl - cr, t.shape[3]],
        },
      );
    }
    const pt = Math.max(0, top),
      pb = Math.max(0, bottom),
      pl = Math.max(0, left),
      pr = Math.max(0, right);
    if (pt || pb || pl || pr) {
      t = this.run(
        'PadV2',
        { x: t },
        {
          paddings: [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
    }
    return t;
  }

  /** Removes `info` from the temporaries so `release()` keeps it (the kernel's output). */
  keep(info: tf.TensorInfo): tf.TensorInfo {
    const i = this.temps.lastIndexOf(info);
    if (i >= 0) this.temps.splice(i, 1);
    return info;
  }

  release(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` with a runner and releases all its temporaries, keeping only the returned output. */
export function withRunner(
  backend: object,
  backendName: string,
  body: (r: KernelRunner) => tf.TensorInfo,
  overrides: Partial<Record<string, tf.KernelFunc>> = {},
): tf.TensorInfo {
  const runner = new KernelRunner(backend as unknown as Backend, backendName, overrides);
  try {
    return runner.keep(body(runner));
  } finally {
    runner.release();
  }
}
