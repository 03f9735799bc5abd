import * as tf from '@tensorflow/tfjs';
import { readValues, writeVariable } from './tensor-buffers';

/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), as
 * tfjs's AdamOptimizer computes it, applied by one loop per variable that
 * writes the new weights without temporaries:
 *
 *   m ← β₁·m + (1−β₁)·g        v ← β₂·v + (1−β₂)·g²
 *   w ← w − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
 *
 * Why: tfjs's Adam runs ~12 element-wise ops per variable, each allocating a
 * full-size temporary. For the seed net's 67,712×512 dense kernel that is
 * ~2.4 GB of tensors per step on a 4 GB wasm heap, plus the time to write
 * them. Here the moments m and v live in JavaScript Float32Arrays (off the
 * wasm heap) and the new weights are written straight into one fresh buffer
 * that is assigned to the variable (see writeVariable: why not in place).
 *
 * Same defaults and bias correction as tf.train.adam (ε = the backend's
 * epsilon, 1e-7 for float32); the bias-correction powers are kept in float64.
 * `adamUpdate` is the loop itself: data-parallel workers run it on their shard
 * of the flat parameter vector (see data-parallel.trainer.ts).
 */
type NamedTensor = { name: string; tensor: tf.Tensor };

export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Step `step` (1-based) of Adam on elements [from, to): reads w, g, m, v,
 * writes m, v and out (out may be w). The moments are updated in place.
 */
export function adamUpdate(
  h: AdamHyper,
  step: number,
  out: Float32Array,
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  from: number,
  to: number,
): void {
  const b1 = h.beta1;
  const b2 = h.beta2;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  // lr·m̂/(√v̂+ε) = (lr/(1−β₁ᵗ))·m / (√v·(1/√(1−β₂ᵗ)) + ε)
  const a = h.learningRate / (1 - Math.pow(b1, step));
  const s = 1 / Math.sqrt(1 - Math.pow(b2, step));
  const eps = h.epsilon;
  for (let i = from; i < to; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + c1 * gi;
    const vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    out[i] = w[i] - (a * mi) / (Math.sqrt(vi) * s + eps);
  }
}

/**
 * The same step over whole arrays, implemented elsewhere (the native addon's `adamUpdate`,
 * 2–2.5× the JS loop: docs/native-kernels.md). hyper = [β₁, β₂, lr/(1−β₁ᵗ), 1/√(1−β₂ᵗ), ε].
 */
export type WholeArrayAdam = (
  out: Float32Array,
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  hyper: [number, number, number, number, number],
) => void;

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    // Serialised as Adam: the update rule and the slots are Adam's.
    return 'Adam';
  }

  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private step = 0;
  private readonly slots = new Map<string, { m: Float32Array; v: Float32Array }>();

  constructor(
    learningRate: number,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon?: number,
    /** Used instead of the JS loop for whole-variable updates when given. */
    private readonly wholeArray?: WholeArrayAdam,
  ) {
    super();
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon ?? tf.backend().epsilon();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    this.step++;
    const vars = tf.engine().registeredVariables;
    for (const { name, tensor } of list) {
      if (tensor == null) continue;
      const variable = vars[name];
      if (!variable) throw new Error(`FusedAdam: no variable named '${name}'`);
      if (!variable.trainable) continue;
      this.updateVariable(name, variable, tensor);
    }
    this.incrementIterations();
  }

  /** One variable's update from its gradient tensor. */
  private updateVariable(name: string, variable: tf.Variable, gradient: tf.Tensor): void {
    const slot = this.slotFor(name, variable.size);
    writeVariable(variable, (out, w) => {
      // A view of the wasm heap: taken after writeVariable's allocation.
      const g = readValues(gradient);
      this.update(out, w, g, slot.m, slot.v, 0, w.length);
    });
  }

  private slotFor(name: string, size: number): { m: Float32Array; v: Float32Array } {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = { m: new Float32Array(size), v: new Float32Array(size) };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private update(out: Float32Array, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, from: number, to: number): void {
    const step = Math.max(1, this.step);
    if (this.wholeArray && from === 0 && to === w.length) {
      const a = this.learningRate / (1 - Math.pow(this.beta1, step));
      const s = 1 / Math.sqrt(1 - Math.pow(this.beta2, step));
      this.wholeArray(out, w, g, m, v, [this.beta1, this.beta2, a, s, this.epsilon]);
      return;
    }
    adamUpdate(
      { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon },
      step,
      out,
      w,
      g,
      m,
      v,
      from,
      to,
    );
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.step, 'int32') }];
    for (const [name, { m, v }] of this.slots) {
      out.push({ name: `${name}/m`, tensor: tf.tensor1d(m) }, { name: `${name}/v`, tensor: tf.tensor1d(v) });
    }
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    this.slots.clear();
    for (const { name, tensor } of weightValues) {
      if (name === 'iter') this.step = (await tensor.data())[0];
      else {
        const base = name.slice(0, name.lastIndexOf('/'));
        const kind = name.slice(name.lastIndexOf('/') + 1);
        const slot = this.slotFor(base, tensor.size);
        (kind === 'm' ? slot.m : slot.v).set(await tensor.data());
      }
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override dispose(): void {
    this.slots.clear();
    super.dispose();
  }

  /** Number of optimizer steps taken. */
  get steps(): number {
    return this.step;
  }
}
