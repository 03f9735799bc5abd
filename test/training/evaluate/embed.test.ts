import { oneShotAccuracy, oneShotEpisodes, scorePairs, siblingEpisodes, verificationPairs } from '../../../src/training/evaluate/embed';
import { parseClassLabels } from '../../../src/training/evaluate/lake-runs';

describe('verification pairs', () => {
  // identities {0,1,2}, {3,4}, {5}: same pairs 3 + 1 = 4; different pairs 3·2 + 3·1 + 2·1 = 11
  const groups = [[0, 1, 2], [3, 4], [5]];
  it('all same pairs and all different pairs when under the cap', () => {
    const pairs = verificationPairs(groups, 100, 1);
    expect(pairs.filter((p) => p.same)).toHaveLength(4);
    expect(pairs.filter((p) => !p.same)).toHaveLength(11);
  });
  it('a seeded sample of distinct different pairs over the cap', () => {
    const pairs = verificationPairs(groups, 5, 1);
    const neg = pairs.filter((p) => !p.same);
    expect(neg).toHaveLength(5);
    expect(new Set(neg.map((p) => `${p.a}-${p.b}`)).size).toBe(5);
    const owner = (i: number) => groups.findIndex((g) => g.includes(i));
    neg.forEach((p) => expect(owner(p.a)).not.toBe(owner(p.b)));
    expect(verificationPairs(groups, 5, 1)).toEqual(pairs);
  });
  it('scores use the metric of metric.ts', () => {
    const emb = [Float32Array.from([0, 0]), Float32Array.from([3, 4])];
    expect(scorePairs(emb, [{ a: 0, b: 1, same: false }], 'euclidean')).toEqual([{ distance: 5, same: false }]);
  });
});

describe('one-shot', () => {
  it('episodes draw support and query from different images of the same identity, siblings first', () => {
    const identities = ['r/A/c1', 'r/A/c2', 'r/A/c3', 'r/B/c1', 'r/B/c2'];
    const groups = [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ];
    const eps = oneShotEpisodes(identities, groups, 3, 10, 4);
    expect(eps).toHaveLength(10);
    for (const ep of eps) {
      expect(ep.support).toHaveLength(3);
      // Only alphabet A has 3 characters, so every 3-way episode is within A (images 0..5).
      expect([...ep.support, ...ep.queries].every((i) => i < 6)).toBe(true);
      ep.support.forEach((s, i) => {
        expect(s).not.toBe(ep.queries[i]);
        expect(Math.floor(s / 2)).toBe(Math.floor(ep.queries[i] / 2));
      });
    }
  });
  it('accuracy counts the nearest support of the right identity', () => {
    // supports at 0 and 10; queries at 1 (→ 0, right) and 4 (→ 0, wrong): 1 of 2
    const emb = [0, 10, 1, 4].map((v) => Float32Array.from([v]));
    expect(oneShotAccuracy(emb, [{ support: [0, 1], queries: [2, 3] }], 'euclidean')).toBe(0.5);
  });
  it("parses Lake's class_labels.txt", () => {
    const text = 'run01/test/item01.png run01/training/class08.png\nrun01/test/item02.png run01/training/class09.png\n';
    expect(parseClassLabels(text)).toEqual([
      { test: 'run01/test/item01.png', train: 'run01/training/class08.png' },
      { test: 'run01/test/item02.png', train: 'run01/training/class09.png' },
    ]);
    expect(() => parseClassLabels('only-one-field')).toThrow(/malformed/);
  });
});

describe('sibling (within-parent) one-shot episodes', () => {
  // Parent A has 6 identities, B has 3 (below minWays 5), C has 7; two images each.
  const ids = [
    ...Array.from({ length: 6 }, (_, i) => `A/c${i}`),
    ...Array.from({ length: 3 }, (_, i) => `B/c${i}`),
    ...Array.from({ length: 7 }, (_, i) => `C/c${i}`),
  ];
  const groups = ids.map((_, i) => [2 * i, 2 * i + 1]);
  const parentOf = (img: number) => ids[Math.floor(img / 2)].split('/')[0];

  it('draws every episode from one parent with at least minWays identities, capped at maxWays', () => {
    const eps = siblingEpisodes(ids, groups, 5, 6, 4, 9);
    expect(eps).toHaveLength(8); // 4 per eligible parent (A, C)
    for (const e of eps) {
      expect(new Set([...e.support, ...e.queries].map(parentOf)).size).toBe(1);
      expect(parentOf(e.support[0])).not.toBe('B');
      expect(e.support).toHaveLength(6);
      // Support and query of one way are the two different images of one identity.
      e.support.forEach((s, w) => {
        expect(Math.floor(s / 2)).toBe(Math.floor(e.queries[w] / 2));
        expect(s).not.toBe(e.queries[w]);
      });
    }
    expect(siblingEpisodes(ids, groups, 8, 20, 4, 9)).toEqual([]);
  });
});
