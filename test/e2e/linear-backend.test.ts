import { apply, fitKissme, fitWccn, matrixFunction, shrink, symmetricEigen, type Sym } from './linear-backend';

const sym = (rows: number[][]): Sym => ({ d: rows.length, a: Float64Array.from(rows.flat()) });

describe('linear back-end algebra (session 27 experiment, signature-backend.ts)', () => {
  it('finds the eigenvalues of a hand-made symmetric matrix: [[2,1,0],[1,2,0],[0,0,3]] has 1, 3, 3', () => {
    const { values, vectors } = symmetricEigen(
      sym([
        [2, 1, 0],
        [1, 2, 0],
        [0, 0, 3],
      ]),
    );
    expect([...values].sort((a, b) => a - b).map((v) => Number(v.toFixed(10)))).toEqual([1, 3, 3]);
    // The eigenvector of 1 is ±(1, −1, 0)/√2.
    const k = [...values].findIndex((v) => Math.abs(v - 1) < 1e-9);
    expect(Math.abs(vectors[0 * 3 + k])).toBeCloseTo(Math.SQRT1_2, 10);
    expect(vectors[0 * 3 + k] + vectors[1 * 3 + k]).toBeCloseTo(0, 10);
  });

  it('takes matrix functions: the inverse square root of diag(4, 1) is diag(½, 1)', () => {
    const r = matrixFunction(
      sym([
        [4, 0],
        [0, 1],
      ]),
      (l) => 1 / Math.sqrt(l),
    );
    expect(Array.from(r.a, (x) => Number(x.toFixed(10)))).toEqual([0.5, 0, 0, 1]);
  });

  it('shrinks half-way to the trace-scaled identity: diag(4, 0) → diag(3, 1)', () => {
    expect(
      Array.from(
        shrink(
          sym([
            [4, 0],
            [0, 0],
          ]),
        ).a,
      ),
    ).toEqual([3, 0, 0, 1]);
  });

  it('WCCN whitens the within-writer spread: spread ±2 on x and ±1 on y, shrink(diag(4, 1)) = diag(3.25, 1.75)', () => {
    // One writer at (0, 0) with genuine (±2, 0) and (0, ±1): second moment diag(8/4, 2/4) = diag(2, 0.5);
    // shrunk: ½·diag(2, 0.5) + ½·(2.5/2)·I = diag(1.625, 0.875). W = its inverse square root.
    const g = [
      [2, 0],
      [-2, 0],
      [0, 1],
      [0, -1],
    ].map((v) => Float32Array.from(v));
    const w = fitWccn([{ genuine: g, forged: [] }]);
    const y = apply(w, Float32Array.from([1, 1]));
    expect(y[0]).toBeCloseTo(1 / Math.sqrt(1.625), 6);
    expect(y[1]).toBeCloseTo(1 / Math.sqrt(0.875), 6);
  });

  it('KISSME: M = shrink(S_s)⁻¹ − shrink(S_d)⁻¹ by hand, L = M^½', () => {
    // Genuine (0,0), (±1,0): differences (∓1,0), (2,0), S_s = diag(2, 0), shrunk diag(1.5, 0.5), inverse diag(2/3, 2).
    // Forgeries (0,±3): differences g − f = (g_x, ∓3), S_d = diag(2/3, 9), shrunk ½·S_d + ½·(29/6)·I = diag(2.75, 83/12),
    // inverse diag(12/33, 12/83). M = diag(2/3 − 12/33, 2 − 12/83): forgeries differ more along y, so y weighs more.
    const genuine = [
      [0, 0],
      [1, 0],
      [-1, 0],
    ].map((v) => Float32Array.from(v));
    const forged = [
      [0, 3],
      [0, -3],
    ].map((v) => Float32Array.from(v));
    const l = fitKissme([{ genuine, forged }]);
    const x = apply(l, Float32Array.from([1, 0]));
    const y = apply(l, Float32Array.from([0, 1]));
    expect(x[0]).toBeCloseTo(Math.sqrt(2 / 3 - 12 / 33), 6);
    expect(x[1]).toBeCloseTo(0, 9);
    expect(y[1]).toBeCloseTo(Math.sqrt(2 - 12 / 83), 6);
  });

  it('KISSME drops the directions where genuine pairs differ more than forgeries (negative eigenvalues set to 0)', () => {
    // Genuine (±3, 0), forgeries (0, ±1): S_s = diag(36, 0) → shrunk diag(27, 9); S_d = diag(9, 1) → shrunk diag(7, 3).
    // M = diag(1/27 − 1/7, 1/9 − 1/3): both negative, so L = 0.
    const genuine = [
      [3, 0],
      [-3, 0],
    ].map((v) => Float32Array.from(v));
    const forged = [
      [0, 1],
      [0, -1],
    ].map((v) => Float32Array.from(v));
    const l = fitKissme([{ genuine, forged }]);
    expect(Array.from(l.a).every((v) => Math.abs(v) < 1e-12)).toBe(true);
  });
});
