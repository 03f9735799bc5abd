/**
 * Linear scoring back-ends fitted on a few labelled identities the encoder never saw (session 27, issue 17;
 * rule: docs/experiments/signatures/backend/RULE.md). Experiment code: moved to src only if a candidate ships.
 *
 *   WCCN: within-class covariance normalisation (Hatch, Kajarekar & Stolcke 2006), W = shrink(S_w)^(−1/2),
 *     then length normalisation (Garcia-Romero & Espy-Wilson 2011).
 *   KISSME: Köstinger et al. 2012, M = shrink(S_s)^(−1) − shrink(S_d)^(−1) from the covariances of same-pair and
 *     different-pair differences, its negative eigenvalues set to 0 so that M = LᵀL and ‖Lx − Ly‖² = (x−y)ᵀM(x−y).
 *   shrink(S) = ½·S + ½·(tr S / d)·I: a fixed, data-free amount (Ledoit & Wolf's target, not their estimate).
 */

/** A symmetric d×d matrix, row-major. */
export interface Sym {
  d: number;
  a: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan, Matrix Computations,
 * §8.5): slow (O(d³) per sweep) but exact to rounding and short; d = 384 takes about a second.
 * Returns the eigenvalues and the eigenvectors as the columns of a row-major matrix.
 */
export function symmetricEigen(m: Sym, maxSweeps = 30): { values: Float64Array; vectors: Float64Array } {
  const { d } = m;
  const a = Float64Array.from(m.a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let norm = 0;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        const x = a[i * d + j] * a[i * d + j];
        norm += x;
        if (i !== j) off += x;
      }
    if (off <= 1e-22 * norm) break;
    for (let p = 0; p < d - 1; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * d + p];
        const aqq = a[q * d + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          // A ← AJ (columns p, q)
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          // A ← JᵀA (rows p, q)
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
}

/** f(S) = V·diag(f(λ))·Vᵀ for a symmetric S. */
export function matrixFunction(m: Sym, f: (lambda: number) => number): Sym {
  const { d } = m;
  const { values, vectors } = symmetricEigen(m);
  const fl = Array.from(values, f);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += vectors[i * d + k] * fl[k] * vectors[j * d + k];
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  return { d, a: out };
}

/** (1/n)·Σ vᵢvᵢᵀ over the given vectors (already centred where that is meant). */
export function secondMoment(vectors: readonly ArrayLike<number>[], d: number): Sym {
  const a = new Float64Array(d * d);
  for (const v of vectors)
    for (let i = 0; i < d; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      for (let j = i; j < d; j++) a[i * d + j] += vi * v[j];
    }
  const n = Math.max(1, vectors.length);
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      a[i * d + j] /= n;
      a[j * d + i] = a[i * d + j];
    }
  return { d, a };
}

export function shrink(m: Sym, alpha = 0.5): Sym {
  const { d } = m;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += m.a[i * d + i];
  const a = Float64Array.from(m.a, (x) => (1 - alpha) * x);
  for (let i = 0; i < d; i++) a[i * d + i] += (alpha * trace) / d;
  return { d, a };
}

/** y = P·x for a d×d P (row-major). */
export function apply(p: Sym, x: ArrayLike<number>): Float32Array {
  const { d } = p;
  const y = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += p.a[i * d + k] * x[k];
    y[i] = s;
  }
  return y;
}

export function lengthNormalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

/** The identities' images: genuine[i] of identity i, and (optionally) its skilled forgeries. */
export interface LabelledEmbeddings {
  genuine: readonly Float32Array[];
  forged: readonly Float32Array[];
}

/** WCCN: W = shrink(S_w)^(−1/2), S_w the within-identity covariance of the genuine images. */
export function fitWccn(ids: readonly LabelledEmbeddings[], alpha = 0.5): Sym {
  const d = ids[0].genuine[0].length;
  const centred: Float32Array[] = [];
  for (const w of ids) {
    const mean = new Float32Array(d);
    for (const g of w.genuine) for (let i = 0; i < d; i++) mean[i] += g[i] / w.genuine.length;
    for (const g of w.genuine) centred.push(g.map((x, i) => x - mean[i]));
  }
  return matrixFunction(shrink(secondMoment(centred, d), alpha), (l) => 1 / Math.sqrt(Math.max(l, 1e-12)));
}

/** KISSME: L = (PSD part of shrink(S_s)^(−1) − shrink(S_d)^(−1))^(1/2), pairs within each identity. */
export function fitKissme(ids: readonly LabelledEmbeddings[], alpha = 0.5): Sym {
  const d = ids[0].genuine[0].length;
  const same: Float32Array[] = [];
  const different: Float32Array[] = [];
  for (const w of ids) {
    for (let i = 0; i < w.genuine.length; i++)
      for (let j = i + 1; j < w.genuine.length; j++) same.push(w.genuine[i].map((x, k) => x - w.genuine[j][k]));
    for (const g of w.genuine) for (const f of w.forged) different.push(g.map((x, k) => x - f[k]));
  }
  const inverse = (s: Sym) => matrixFunction(shrink(s, alpha), (l) => 1 / Math.max(l, 1e-12));
  const is = inverse(secondMoment(same, d));
  const id = inverse(secondMoment(different, d));
  const m: Sym = { d, a: is.a.map((x, i) => x - id.a[i]) };
  return matrixFunction(m, (l) => Math.sqrt(Math.max(l, 0)));
}
