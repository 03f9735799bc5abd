import { gram, linearKernel, medianHeuristicGamma, rbfKernel, trainWriterSvm } from './writer-svm';

const v = (...xs: number[]) => Float32Array.from(xs);

describe('writer-dependent SVM (session 29 experiment, signature-backend.ts WD_*)', () => {
  it('solves the two-point dual by hand: x₊ = 1, x₋ = −1, linear kernel, C = 1 gives α = ½ each and f(x) = x', () => {
    // Q = [[y₁y₁(1·1 + 1), y₁y₂(1·(−1) + 1)], …] = [[2, 0], [0, 2]]; min ½·2α₁² + ½·2α₂² − α₁ − α₂ → α = ½ (≤ C_i = 1).
    // f(x) = ½(x + 1) − ½(−x + 1) = x.
    const svm = trainWriterSvm([v(1)], [v(-1)], { kernel: linearKernel, c: 1, tolerance: 1e-12 });
    expect(svm.decision(v(0))).toBeCloseTo(0, 10);
    expect(svm.decision(v(1))).toBeCloseTo(1, 10);
    expect(svm.decision(v(-2))).toBeCloseTo(-2, 10);
    expect(svm.supportVectors).toBe(2);
    expect(svm.converged).toBe(true);
    // One epoch is not enough to prove it: the first pass moves both α, the check needs a second.
    expect(trainWriterSvm([v(1)], [v(-1)], { kernel: linearKernel, c: 1, tolerance: 1e-12, maxEpochs: 1 }).converged).toBe(false);
  });

  it('clips at the cost: with C = 0.2 both α stop at 0.2 and f(x) = 0.4·x', () => {
    const svm = trainWriterSvm([v(1)], [v(-1)], { kernel: linearKernel, c: 0.2, tolerance: 1e-12 });
    expect(svm.decision(v(1))).toBeCloseTo(0.4, 10);
    expect(svm.decision(v(-0.5))).toBeCloseTo(-0.2, 10);
  });

  it('balances the classes: one positive against three equal negatives still gives f(x) = x', () => {
    // Costs: positive 1·4/(2·1) = 2, negatives 1·4/(2·3) = ⅔. The negatives' block of Q is all 2, so only
    // s = Σα₋ matters: min α₊² + s² − α₊ − s → α₊ = s = ½, inside both boxes (s spread over three α ≤ ⅔).
    const svm = trainWriterSvm([v(1)], [v(-1), v(-1), v(-1)], { kernel: linearKernel, c: 1, tolerance: 1e-12 });
    expect(svm.decision(v(1))).toBeCloseTo(1, 8);
    expect(svm.decision(v(0.25))).toBeCloseTo(0.25, 8);
  });

  it('takes γ from the cohort’s median squared distance: {0, 1, 3} has 1, 4, 9, so γ = ¼', () => {
    expect(medianHeuristicGamma([v(0), v(1), v(3)])).toBeCloseTo(0.25, 12);
    expect(medianHeuristicGamma([v(0), v(1), v(3), v(7)])).toBeCloseTo(1 / ((9 + 16) / 2), 12); // 1, 4, 9, 16, 36, 49
    expect(() => medianHeuristicGamma([v(0)])).toThrow(/two cohort vectors/);
    // Four equal vectors and one apart: 6 zero and 4 nonzero squared distances, median 0.
    expect(() => medianHeuristicGamma([v(1), v(1), v(1), v(1), v(5)])).toThrow(/above zero/);
  });

  it('gives the same classifier with the negatives’ kernel block precomputed, and scores references above strangers', () => {
    const positives = [v(1, 0.1), v(0.9, -0.1), v(1.1, 0)];
    const negatives = [v(-1, 0), v(0, 1), v(0, -1), v(-0.5, 0.5), v(-0.7, -0.6)];
    const kernel = rbfKernel(medianHeuristicGamma(negatives));
    const plain = trainWriterSvm(positives, negatives, { kernel, c: 1, tolerance: 1e-10 });
    const cached = trainWriterSvm(positives, negatives, { kernel, c: 1, tolerance: 1e-10, negativeGram: gram(negatives, kernel) });
    for (const x of [...positives, ...negatives, v(0.5, 0.5)]) expect(cached.decision(x)).toBeCloseTo(plain.decision(x), 10);
    for (const p of positives) for (const n of negatives) expect(plain.decision(p)).toBeGreaterThan(plain.decision(n));
  });

  it('refuses an empty class', () => {
    expect(() => trainWriterSvm([], [v(1)], { kernel: linearKernel, c: 1 })).toThrow(/positives and negatives/);
  });
});
