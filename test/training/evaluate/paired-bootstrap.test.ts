import { pairedEerBootstrap } from '../../../src/training/evaluate/paired-bootstrap';
import type { IdentityPairScore } from '../../../src/training/evaluate/bootstrap';

/** One writer's pairs: genuine–genuine at `genuine`, genuine–forgery at `forged` (all "same writer" pairs). */
function writer(id: number, genuine: number[], forged: number[]): IdentityPairScore[] {
  return [
    ...genuine.map((distance) => ({ distance, same: true, identityA: id, identityB: id })),
    ...forged.map((distance) => ({ distance, same: false, identityA: id, identityB: id })),
  ];
}
// Separated: every forgery farther than every genuine pair, so EER 0.
const SEPARATED = { genuine: [0.1, 0.2, 0.3, 0.4], forged: [0.6, 0.7, 0.8, 0.9] };
// One forgery (0.35) inside the genuine range. ROC points (FAR, TAR): 0.3 → (0, 0.75), 0.35 → (0.25, 0.75);
// FAR − FRR goes from −0.25 to 0 on that step, so the EER is 0.25.
const ONE_SWAP = { genuine: [0.1, 0.2, 0.3, 0.4], forged: [0.35, 0.6, 0.7, 0.8] };

describe('pairedEerBootstrap', () => {
  it('gives a zero difference and a zero-width interval for the same scores', () => {
    const pairs = [...writer(0, ONE_SWAP.genuine, ONE_SWAP.forged), ...writer(1, SEPARATED.genuine, SEPARATED.forged)];
    const r = pairedEerBootstrap(pairs, pairs, 2, { rounds: 200 });
    expect(r.difference).toBe(0);
    expect(r.interval).toEqual([0, 0]);
    expect(r.shareBBetter).toBe(0);
  });

  it('keeps the difference when every writer shows it: B separates, A swaps one forgery per writer', () => {
    const a = [0, 1, 2].flatMap((id) => writer(id, ONE_SWAP.genuine, ONE_SWAP.forged));
    const b = [0, 1, 2].flatMap((id) => writer(id, SEPARATED.genuine, SEPARATED.forged));
    const r = pairedEerBootstrap(a, b, 3, { rounds: 300 });
    // Every replicate weighs each writer's identical pairs alike: A's EER stays 0.25, B's 0.
    expect(r.eerA).toBeCloseTo(0.25, 12);
    expect(r.eerB).toBe(0);
    expect(r.difference).toBeCloseTo(-0.25, 12);
    expect(r.interval[0]).toBeCloseTo(-0.25, 12);
    expect(r.interval[1]).toBeCloseTo(-0.25, 12);
    expect(r.shareBBetter).toBe(1);
    expect(r.rounds).toBe(300);
  });

  it('spans zero when one writer favours A and the other B', () => {
    // Writer 0: A separates, B swaps; writer 1 the other way round. A replicate of {0, 0} gives B − A = +0.25,
    // {1, 1} gives −0.25 (each a quarter of the draws), so the 95 % interval reaches both.
    const a = [...writer(0, SEPARATED.genuine, SEPARATED.forged), ...writer(1, ONE_SWAP.genuine, ONE_SWAP.forged)];
    const b = [...writer(0, ONE_SWAP.genuine, ONE_SWAP.forged), ...writer(1, SEPARATED.genuine, SEPARATED.forged)];
    const r = pairedEerBootstrap(a, b, 2, { rounds: 1000, seed: 5 });
    expect(r.interval[0]).toBeCloseTo(-0.25, 12);
    expect(r.interval[1]).toBeCloseTo(0.25, 12);
    expect(r.shareBBetter).toBeGreaterThan(0.15);
    expect(r.shareBBetter).toBeLessThan(0.35);
  });

  it('refuses a model that misses an identity or names one outside the range', () => {
    const both = [...writer(0, SEPARATED.genuine, SEPARATED.forged), ...writer(1, SEPARATED.genuine, SEPARATED.forged)];
    const one = writer(0, SEPARATED.genuine, SEPARATED.forged);
    expect(() => pairedEerBootstrap(both, one, 2)).toThrow(/model B scores 1 of the 2 identities/);
    expect(() => pairedEerBootstrap(both, both, 1)).toThrow(RangeError);
    expect(() => pairedEerBootstrap(writer(5, [0.1], [0.9]), both, 2)).toThrow(/outside 0..1/);
  });
});
