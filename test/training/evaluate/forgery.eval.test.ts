import { evaluateForgeryPairs, writerPairs } from '../../../src/training/evaluate/forgery.eval';

describe('evaluateForgeryPairs (skilled forgeries, writer bootstrap)', () => {
  // Writer 0: genuine pairs at 0.1, 0.2, 0.3; forgery pairs at 0.25, 0.6, 0.7.
  // Writer 1: genuine pairs at 0.1, 0.15, 0.5; forgery pairs at 0.8, 0.9, 0.95.
  const pairs = [
    ...[0.1, 0.2, 0.3].map((d) => ({ distance: d, same: true, identityA: 0, identityB: 0 })),
    ...[0.25, 0.6, 0.7].map((d) => ({ distance: d, same: false, identityA: 0, identityB: 0 })),
    ...[0.1, 0.15, 0.5].map((d) => ({ distance: d, same: true, identityA: 1, identityB: 1 })),
    ...[0.8, 0.9, 0.95].map((d) => ({ distance: d, same: false, identityA: 1, identityB: 1 })),
  ];
  const card = { thresholds: { eer: 0.4, maxAccuracy: 0.4, atTargetFar: 0.4, targetFar: 0.01, default: 0.4, defaultRule: 'eer' as const } };

  it('FAR and FRR at the default threshold, counted by hand', () => {
    const r = evaluateForgeryPairs(pairs, ['a', 'b'], card, { rounds: 200 });
    // At 0.4: forgeries accepted = {0.25} → 1/6; genuine rejected = {0.5} → 1/6; accuracy 10/12.
    expect(r.farForgeries.value).toBeCloseTo(1 / 6, 12);
    expect(r.frrGenuine.value).toBeCloseTo(1 / 6, 12);
    expect(r.accuracy).toBeCloseTo(10 / 12, 12);
    expect(r.genuinePairs).toBe(6);
    expect(r.forgeryPairs).toBe(6);
    // A replicate of writer b alone has FAR 0, of writer a alone 1/3: the interval spans that range.
    expect(r.farForgeries.ci95[0]).toBeCloseTo(0, 12);
    expect(r.farForgeries.ci95[1]).toBeCloseTo(1 / 3, 12);
    expect(r.eer.ci95[0]).toBeLessThanOrEqual(r.eer.value);
    expect(r.eer.ci95[1]).toBeGreaterThanOrEqual(r.eer.value);
  });

  it('builds within-writer pairs from embeddings', () => {
    const e = (x: number) => new Float32Array([x]);
    const out = writerPairs([{ writer: 'w', genuine: [e(0), e(1), e(3)], forged: [e(10)] }], (a, b) => Math.abs(a[0] - b[0]));
    expect(out.filter((p) => p.same).map((p) => p.distance)).toEqual([1, 3, 2]);
    expect(out.filter((p) => !p.same).map((p) => p.distance)).toEqual([10, 9, 7]);
  });
});
