import {
  OpenSetThresholdCache,
  openSetThreshold,
  perComparisonFar,
  thresholdAtFarInterpolated,
  type OpenSetCalibration,
} from '../../src/services/open-set-threshold';

/**
 * A hand-made ROC (accept when d ≤ threshold):
 *   threshold 0.1 0.3 0.5 0.7 1.0
 *   FAR       0   0   0.1 0.3 1
 * and a 1:1 default threshold of 0.6 (FAR 0.2 there by interpolation).
 */
const roc = [
  { threshold: 0.7, far: 0.3, tar: 0.9 }, // out of order on purpose: the rule must not depend on it
  { threshold: 0.1, far: 0, tar: 0 },
  { threshold: 0.3, far: 0, tar: 0.5 },
  { threshold: 0.5, far: 0.1, tar: 0.8 },
  { threshold: 1.0, far: 1, tar: 1 },
];
const cal: OpenSetCalibration = { roc, defaultThreshold: 0.6, negativePairs: 1000 };

describe('perComparisonFar (Šidák: f = 1 − (1 − α)^(1/N))', () => {
  it('is α itself for one image', () => {
    expect(perComparisonFar(0.05, 1)).toBeCloseTo(0.05, 12);
  });
  it('matches hand-computed roots', () => {
    // (1 − 0.19)^(1/2) = 0.9, (1 − 0.271)^(1/3) = 0.9, (1 − 0.0975)^(1/2) = 0.95
    expect(perComparisonFar(0.19, 2)).toBeCloseTo(0.1, 12);
    expect(perComparisonFar(0.271, 3)).toBeCloseTo(0.1, 12);
    expect(perComparisonFar(0.0975, 2)).toBeCloseTo(0.05, 12);
  });
  it('keeps precision for large galleries (≈ −ln(1 − α)/N)', () => {
    const f = perComparisonFar(0.05, 1e9);
    expect(f / (-Math.log(0.95) / 1e9)).toBeCloseTo(1, 8);
    // N comparisons at f give back α.
    expect(1 - Math.pow(1 - perComparisonFar(0.05, 1000), 1000)).toBeCloseTo(0.05, 10);
  });
  it('refuses nonsense', () => {
    expect(() => perComparisonFar(0, 5)).toThrow(RangeError);
    expect(() => perComparisonFar(1, 5)).toThrow(RangeError);
    expect(() => perComparisonFar(0.05, 0)).toThrow(RangeError);
    expect(() => perComparisonFar(0.05, 2.5)).toThrow(RangeError);
  });
});

describe('thresholdAtFarInterpolated', () => {
  it('interpolates FAR linearly between the bracketing points', () => {
    // 0.05 lies halfway between FAR 0 (t = 0.3) and FAR 0.1 (t = 0.5) → 0.4
    expect(thresholdAtFarInterpolated(roc, 0.05)).toBeCloseTo(0.4, 12);
    // 0.2 halfway between 0.1 (0.5) and 0.3 (0.7) → 0.6
    expect(thresholdAtFarInterpolated(roc, 0.2)).toBeCloseTo(0.6, 12);
  });
  it('lands on a point whose FAR equals the budget, and takes the last of a flat run', () => {
    expect(thresholdAtFarInterpolated(roc, 0.1)).toBeCloseTo(0.5, 12);
    expect(thresholdAtFarInterpolated(roc, 0)).toBeCloseTo(0.3, 12);
  });
  it('answers the last threshold for a budget ≥ its FAR, the first for a malformed ROC over budget', () => {
    expect(thresholdAtFarInterpolated(roc, 1)).toBe(1.0);
    expect(
      thresholdAtFarInterpolated(
        [
          { threshold: 0.4, far: 0.2, tar: 0.5 },
          { threshold: 0.8, far: 1, tar: 1 },
        ],
        0.1,
      ),
    ).toBe(0.4);
  });
  it('refuses an empty ROC', () => {
    expect(() => thresholdAtFarInterpolated([], 0.1)).toThrow(RangeError);
  });
});

describe('openSetThreshold', () => {
  it('tightens with the gallery size', () => {
    // N = 2, α = 0.0975 → f = 0.05 → t = 0.4
    expect(openSetThreshold(cal, 0.0975, 2)).toEqual({
      threshold: expect.closeTo(0.4, 12),
      perComparisonFar: expect.closeTo(0.05, 12),
      rule: 'open-set',
    });
    // N = 3, α = 0.271 → f = 0.1 → t = 0.5
    expect(openSetThreshold(cal, 0.271, 3).threshold).toBeCloseTo(0.5, 12);
    // huge N → f → 0: the last FAR = 0 point (0.3) plus a sliver of interpolation
    const strict = openSetThreshold(cal, 0.05, 1e9).threshold;
    expect(strict).toBeGreaterThanOrEqual(0.3);
    expect(strict).toBeLessThan(0.3 + 1e-9);
  });
  it('is never looser than the 1:1 default', () => {
    // N = 1, α = 0.25 → f = 0.25 → interpolated 0.65 > 0.6 → the default
    expect(openSetThreshold(cal, 0.25, 1)).toEqual({ threshold: 0.6, perComparisonFar: expect.closeTo(0.25, 12), rule: 'default' });
  });
  it('uses the default when off, on an empty gallery, or when the ROC measured no negative pair', () => {
    expect(openSetThreshold(cal, null, 10)).toEqual({ threshold: 0.6, perComparisonFar: null, rule: 'default' });
    expect(openSetThreshold(cal, 0.05, 0)).toEqual({ threshold: 0.6, perComparisonFar: null, rule: 'default' });
    expect(openSetThreshold({ ...cal, negativePairs: 0 }, 0.05, 10).rule).toBe('default');
    expect(openSetThreshold({ ...cal, roc: [roc[1]] }, 0.05, 10).threshold).toBe(0.6);
  });
});

describe('OpenSetThresholdCache', () => {
  it('answers the pure function per (version, size), bounded', () => {
    const cache = new OpenSetThresholdCache(0.0975, 2, 2);
    expect(cache.get('v1', cal, 2).threshold).toBeCloseTo(0.4, 12);
    expect(cache.get('v1', cal, 2)).toBe(cache.get('v1', cal, 2)); // memoised object
    expect(cache.size).toBe(1);
    cache.get('v1', cal, 3);
    cache.get('v1', cal, 4); // over 2 sizes for v1: its entries are dropped first
    expect(cache.size).toBe(1);
    cache.get('v2', cal, 2);
    cache.get('v3', cal, 2); // over 2 versions: the least recently used (v1) goes
    expect(cache.size).toBe(2);
    const other = { ...cal, defaultThreshold: 0.35 };
    // a version's card is fixed, so a new version is a new entry: v4 sees its own default
    expect(cache.get('v4', other, 2).threshold).toBe(0.35);
  });
  it('answers the default for every size when off', () => {
    const cache = new OpenSetThresholdCache(null);
    expect(cache.get('v', cal, 1).threshold).toBe(0.6);
    expect(cache.get('v', cal, 1000).threshold).toBe(0.6);
  });
});
