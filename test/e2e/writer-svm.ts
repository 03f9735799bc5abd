/**
 * A writer-dependent classifier over the served embeddings (session 29, issue 17; rule:
 * docs/experiments/signatures/backend/RULE-wd.md). Experiment code: moved to src only if a candidate ships.
 *
 * Hafemann, Sabourin & Oliveira 2017 ("Learning features for offline handwritten signature verification using deep
 * convolutional neural networks", Pattern Recognition 70) verify a signature by a support vector machine trained
 * per writer on writer-independent features: the writer's references are the positives, other writers' genuine
 * signatures ("random forgeries") the negatives, and the questioned signature's decision value is the score.
 * The classifier's margin is set by that writer's references against the same strangers, so writers whose
 * references spread differently get scores on a common scale.
 *
 * The solver: a soft-margin SVM's dual by coordinate descent (Hsieh et al. 2008, "A dual coordinate descent method
 * for large-scale linear SVM", ICML, Algorithm 1, here over a kernel matrix), with the bias absorbed into the
 * kernel as K(x, y) + 1 (so the dual has box constraints only, 0 ≤ α_i ≤ C_i) and class-balanced costs
 * C_i = C·n / (2·n_{y_i}) (scikit-learn's class_weight="balanced"). Decision f(x) = Σ_i α_i·y_i·(K(x_i, x) + 1).
 */

export type Kernel = (a: Float32Array, b: Float32Array) => number;

export const linearKernel: Kernel = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

/** exp(−γ‖a − b‖²). */
export const rbfKernel =
  (gamma: number): Kernel =>
  (a, b) =>
    Math.exp(-gamma * squaredDistance(a, b));

/** γ = 1 / the median squared distance between the cohort's vectors (the rule's fixed choice; no tuning). */
export function medianHeuristicGamma(cohort: readonly Float32Array[]): number {
  const d: number[] = [];
  for (let i = 0; i < cohort.length; i++) for (let j = i + 1; j < cohort.length; j++) d.push(squaredDistance(cohort[i], cohort[j]));
  if (d.length === 0) throw new Error('the median heuristic needs at least two cohort vectors');
  d.sort((a, b) => a - b);
  const m = d.length % 2 === 1 ? d[(d.length - 1) / 2] : 0.5 * (d[d.length / 2 - 1] + d[d.length / 2]);
  // Half the cohort identical would give γ = ∞ and NaN kernels (∞·0).
  if (!(m > 0)) throw new Error('the median heuristic needs a cohort whose median squared distance is above zero');
  return 1 / m;
}

export interface SvmOptions {
  kernel: Kernel;
  /** The soft-margin cost before class balancing. */
  c: number;
  /** Stop when the largest projected-gradient violation is below this (Hsieh et al.'s ε). */
  tolerance?: number;
  maxEpochs?: number;
  /**
   * A precomputed kernel block among the negatives (the same cohort for every writer): n_neg² kernel evaluations
   * saved per classifier. Must be kernel(negatives[i], negatives[j]).
   */
  negativeGram?: Float64Array;
}

export interface WriterClassifier {
  /** Σ α_i y_i (K(x_i, x) + 1): positive on the references' side. */
  decision(x: Float32Array): number;
  /** How many dual coordinates are non-zero. */
  supportVectors: number;
  epochs: number;
  /** Whether the projected gradient fell under the tolerance before maxEpochs. */
  converged: boolean;
}

/** The negatives' kernel block, for SvmOptions.negativeGram. */
export function gram(vectors: readonly Float32Array[], kernel: Kernel): Float64Array {
  const n = vectors.length;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const k = kernel(vectors[i], vectors[j]);
      g[i * n + j] = k;
      g[j * n + i] = k;
    }
  return g;
}

export function trainWriterSvm(
  positives: readonly Float32Array[],
  negatives: readonly Float32Array[],
  options: SvmOptions,
): WriterClassifier {
  if (positives.length === 0 || negatives.length === 0) throw new Error('a writer classifier needs positives and negatives');
  const x = [...positives, ...negatives];
  const y = x.map((_, i) => (i < positives.length ? 1 : -1));
  const n = x.length;
  const p = positives.length;
  const cost = y.map((label) => (options.c * n) / (2 * (label > 0 ? p : negatives.length)));
  // Q_ij = y_i y_j (K_ij + 1); the negatives' block may come precomputed.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const k =
        i >= p && j >= p && options.negativeGram ? options.negativeGram[(i - p) * negatives.length + (j - p)] : options.kernel(x[i], x[j]);
      const v = y[i] * y[j] * (k + 1);
      q[i * n + j] = v;
      q[j * n + i] = v;
    }
  const alpha = new Float64Array(n);
  // gradient_i = (Qα)_i − 1, kept up to date.
  const gradient = new Float64Array(n).fill(-1);
  const tolerance = options.tolerance ?? 1e-4;
  const maxEpochs = options.maxEpochs ?? 2000;
  let epoch = 0;
  let converged = false;
  for (; epoch < maxEpochs; epoch++) {
    let violation = 0;
    for (let i = 0; i < n; i++) {
      const g = gradient[i];
      const projected = alpha[i] === 0 ? Math.min(g, 0) : alpha[i] === cost[i] ? Math.max(g, 0) : g;
      violation = Math.max(violation, Math.abs(projected));
      if (projected === 0) continue;
      const next = Math.min(Math.max(alpha[i] - g / q[i * n + i], 0), cost[i]);
      const delta = next - alpha[i];
      if (delta === 0) continue;
      alpha[i] = next;
      for (let j = 0; j < n; j++) gradient[j] += delta * q[i * n + j];
    }
    if (violation < tolerance) {
      converged = true;
      break;
    }
  }
  const support = [...alpha.keys()].filter((i) => alpha[i] > 0);
  return {
    decision: (v) => {
      let f = 0;
      for (const i of support) f += alpha[i] * y[i] * (options.kernel(x[i], v) + 1);
      return f;
    },
    supportVectors: support.length,
    epochs: epoch,
    converged,
  };
}
