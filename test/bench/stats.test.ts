import { percentile, ratio, round, summarize, timeRuns } from '../../src/bench/stats';

describe('percentile (linear interpolation between closest ranks)', () => {
  test('hand-derived values', () => {
    // h = (n − 1)·p; [1,2,3,4]: p50 → h = 1.5 → 2 + 0.5·(3 − 2) = 2.5
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    // p99 → h = 2.97 → 3 + 0.97·(4 − 3) = 3.97
    expect(percentile([1, 2, 3, 4], 0.99)).toBeCloseTo(3.97, 12);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 1)).toBe(4);
    expect(percentile([7], 0.99)).toBe(7);
    // 1…100: p99 → h = 98.01 → 99 + 0.01·1 = 99.01; p50 → h = 49.5 → 50.5
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 0.99)).toBeCloseTo(99.01, 12);
    expect(percentile(hundred, 0.5)).toBe(50.5);
  });

  test('refuses empty samples and p outside [0,1]', () => {
    expect(() => percentile([], 0.5)).toThrow(RangeError);
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
    expect(() => percentile([1], NaN)).toThrow(RangeError);
  });

  test('summarize sorts its input and does not change it', () => {
    const samples = [40, 10, 30, 20];
    const s = summarize(samples);
    expect(samples).toEqual([40, 10, 30, 20]);
    expect(s).toEqual({ count: 4, meanMs: 25, p50Ms: 25, p90Ms: 37, p99Ms: expect.closeTo(39.7, 10), minMs: 10, maxMs: 40 });
  });
});

test('ratio is null when a side is missing or zero', () => {
  expect(ratio(30, 20)).toBe(1.5);
  expect(ratio(null, 20)).toBeNull();
  expect(ratio(30, undefined)).toBeNull();
  expect(ratio(30, 0)).toBeNull();
  expect(ratio(NaN, 1)).toBeNull();
});

test('round keeps 3 significant digits below 100 and integers above', () => {
  expect(round(3.14159)).toBe(3.14);
  expect(round(0.012345)).toBe(0.0123);
  expect(round(1234.6)).toBe(1235);
  expect(round(null)).toBeNull();
});

test('timeRuns warms up once, then runs until both minimums are met', async () => {
  let calls = 0;
  const times = await timeRuns(() => void calls++, { minReps: 5, minMs: 0, maxMs: 10_000 });
  expect(times).toHaveLength(5);
  expect(calls).toBe(6);
  times.forEach((t) => expect(t).toBeGreaterThanOrEqual(0));
});
