import { computeRoc, equalErrorRate } from '../../../src/training/calibration/roc';
import { identityThresholdEer } from '../../../src/training/evaluate/identity-threshold-eer';
import type { IdentityPairScore } from '../../../src/training/evaluate/bootstrap';

/** The one-threshold (pooled) EER of the same pairs, for contrast. */
const pooledEer = (pairs: readonly IdentityPairScore[]) => equalErrorRate(computeRoc(pairs)).eer;

function writer(id: number, genuine: number[], forged: number[], shift = 0): IdentityPairScore[] {
  return [
    ...genuine.map((d) => ({ distance: d + shift, same: true, identityA: id, identityB: id })),
    ...forged.map((d) => ({ distance: d + shift, same: false, identityA: id, identityB: id })),
  ];
}
// Writer 0: separated, EER 0. Writer 1: genuine 0.1, 0.5 against forgeries 0.3, 0.7; ROC (FAR, TAR) 0.1 → (0, ½),
// 0.3 → (½, ½): FAR − FRR reaches 0 there, EER ½. Mean of the two: ¼.
const W0 = { genuine: [0.1, 0.2], forged: [0.3, 0.4] };
const W1 = { genuine: [0.1, 0.5], forged: [0.3, 0.7] };

describe('identityThresholdEer', () => {
  it('is the mean of each writer’s own EER (hand-derived: 0 and ½)', () => {
    const r = identityThresholdEer([...writer(0, W0.genuine, W0.forged), ...writer(1, W1.genuine, W1.forged)], { rounds: 200 });
    expect(r.value).toBeCloseTo(0.25, 12);
    expect(r.median).toBeCloseTo(0.25, 12);
    expect(r.identities).toBe(2);
    expect(r.skipped).toBe(0);
    expect(r.ci95[0]).toBeGreaterThanOrEqual(0);
    expect(r.ci95[1]).toBeLessThanOrEqual(0.5);
    expect(r.ci95[0]).toBeLessThanOrEqual(r.value);
    expect(r.ci95[1]).toBeGreaterThanOrEqual(r.value);
  });

  it('ignores where each writer sits on the distance scale, which the one-threshold EER pays for', () => {
    // Writer 1 moved by +1: pooled, the sorted pairs are .1g .2g .3f .4f 1.1g 1.3f 1.5g 1.7f, and FAR − FRR reaches
    // 0 at 0.4 (FAR ½, FRR ½): one threshold gives ½. Each writer's own threshold still gives 0 and ½.
    const shifted = [...writer(0, W0.genuine, W0.forged), ...writer(1, W1.genuine, W1.forged, 1)];
    expect(identityThresholdEer(shifted, { rounds: 100 }).value).toBeCloseTo(0.25, 12);
    expect(pooledEer(shifted)).toBeCloseTo(0.5, 12);
  });

  it('collapses its interval when every writer has the same EER', () => {
    const pairs = [0, 1, 2, 3].flatMap((id) => writer(id, W1.genuine, W1.forged, id));
    const r = identityThresholdEer(pairs, { rounds: 100 });
    expect(r.value).toBeCloseTo(0.5, 12);
    expect(r.ci95[0]).toBeCloseTo(0.5, 12);
    expect(r.ci95[1]).toBeCloseTo(0.5, 12);
  });

  it('skips writers without both kinds of pair and pairs across writers', () => {
    const pairs = [
      ...writer(0, W0.genuine, W0.forged),
      ...writer(1, W1.genuine, W1.forged),
      ...writer(2, [0.3, 0.4], []),
      { distance: 0.05, same: false, identityA: 0, identityB: 1 },
    ];
    const r = identityThresholdEer(pairs, { rounds: 50 });
    expect(r.identities).toBe(2);
    expect(r.skipped).toBe(1);
    expect(r.value).toBeCloseTo(0.25, 12);
  });

  it('refuses fewer than two scored writers (no population to resample)', () => {
    expect(() => identityThresholdEer(writer(0, W0.genuine, W0.forged))).toThrow(/at least two/);
  });
});
