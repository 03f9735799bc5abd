import {
  accuracyAt,
  auc,
  computeRoc,
  downsampleRoc,
  equalErrorRate,
  maxAccuracyThreshold,
  tarAtFar,
  thresholdAtFar,
} from '../../../src/training/calibration/roc';
import { calibrate } from '../../../src/training/calibration/calibrate';

const pairs = (same: number[], diff: number[]) => [
  ...same.map((distance) => ({ distance, same: true })),
  ...diff.map((distance) => ({ distance, same: false })),
];

/*
 * Same d: 0.1 0.3 0.5 0.7     Different d: 0.3 0.6 0.8 0.9     (a tie at 0.3)
 * ROC (far, tar): (0,0) t.1 (0,¼) t.3 (¼,½) t.5 (¼,¾) t.6 (½,¾) t.7 (½,1) t.8 (¾,1) t.9 (1,1)
 * AUC = Mann-Whitney: 4 + 3.5 + 3 + 2 = 12.5 of 16 = 0.78125.
 * EER: FAR − FRR = −¾, −¼, 0 at t = 0.5 → EER ¼ at 0.5.
 * Accuracy (4+4 pairs): best ¾ first reached at t = 0.5 → threshold midway to 0.6 = 0.55.
 */
const scores = pairs([0.1, 0.3, 0.5, 0.7], [0.3, 0.6, 0.8, 0.9]);

describe('ROC and calibration', () => {
  it('builds one point per distinct distance with ties as a diagonal step', () => {
    const roc = computeRoc(scores);
    expect(roc.points.slice(1).map((p) => [p.threshold, p.far, p.tar])).toEqual([
      [0.1, 0, 0.25],
      [0.3, 0.25, 0.5],
      [0.5, 0.25, 0.75],
      [0.6, 0.5, 0.75],
      [0.7, 0.5, 1],
      [0.8, 0.75, 1],
      [0.9, 1, 1],
    ]);
    expect(roc.points[0]).toMatchObject({ far: 0, tar: 0 });
    expect(roc.points[0].threshold).toBeLessThan(0.1);
    // Order of input does not matter.
    expect(computeRoc([...scores].reverse()).points).toEqual(roc.points);
  });

  it('AUC equals the Mann-Whitney statistic with ties counted ½', () => {
    expect(auc(computeRoc(scores))).toBeCloseTo(0.78125, 12);
    expect(auc(computeRoc(pairs([0.5], [0.5])))).toBeCloseTo(0.5, 12);
    expect(auc(computeRoc(pairs([0.1, 0.2], [0.3, 0.4])))).toBe(1);
    expect(auc(computeRoc(pairs([0.3, 0.4], [0.1, 0.2])))).toBe(0);
  });

  it('EER at a ROC point, and interpolated between two points', () => {
    expect(equalErrorRate(computeRoc(scores))).toEqual({ eer: 0.25, threshold: 0.5 });
    // Same 0.1 0.2 0.5, different 0.3 0.4: FAR−FRR goes −⅓ (t .2) → +⅙ (t .3): α = ⅔,
    // EER = ⅔·½ = ⅓ at t = 0.2 + ⅔·0.1.
    const e = equalErrorRate(computeRoc(pairs([0.1, 0.2, 0.5], [0.3, 0.4])));
    expect(e.eer).toBeCloseTo(1 / 3, 12);
    expect(e.threshold).toBeCloseTo(0.2 + 0.1 * (2 / 3), 12);
  });

  it('max-accuracy threshold, threshold at a target FAR and TAR there', () => {
    const roc = computeRoc(scores);
    const m = maxAccuracyThreshold(roc);
    expect(m.accuracy).toBe(0.75);
    expect(m.threshold).toBeCloseTo(0.55, 12);
    expect(accuracyAt(scores, m.threshold)).toBe(0.75);
    expect(thresholdAtFar(roc, 0.25)).toEqual({ threshold: 0.5, far: 0.25, tar: 0.75 });
    expect(tarAtFar(roc, 0.01)).toBe(0.25);
    expect(tarAtFar(roc, 0.5)).toBe(1);
  });

  it('calibrate() gathers thresholds and metrics for the model card', () => {
    const c = calibrate(scores, { targetFar: 0.25 });
    expect(c.thresholds).toMatchObject({ eer: 0.5, atTargetFar: 0.5, targetFar: 0.25, default: 0.5, defaultRule: 'eer' });
    expect(c.thresholds.maxAccuracy).toBeCloseTo(0.55, 12);
    expect(c.metrics).toMatchObject({ eer: 0.25, positivePairs: 4, negativePairs: 4, tarAtFar1e2: 0.25, tarAtFar1e3: 0.25 });
    // At the EER threshold 0.5: same 3 of 4 accepted, different 3 of 4 rejected.
    expect(c.metrics.accuracyAtDefault).toBe(0.75);
    expect(c.roc).toHaveLength(8);
  });

  it('downsamples a long ROC keeping both ends and monotone order', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ distance: (i * 7919) % 3000, same: i % 3 === 0 }));
    const roc = computeRoc(many);
    const small = downsampleRoc(roc.points, 200);
    expect(small.length).toBeLessThanOrEqual(200);
    expect(small.length).toBeGreaterThan(100);
    expect(small[0]).toEqual(roc.points[0]);
    expect(small[small.length - 1]).toEqual(roc.points[roc.points.length - 1]);
    for (let i = 1; i < small.length; i++) {
      expect(small[i].far).toBeGreaterThanOrEqual(small[i - 1].far);
      expect(small[i].tar).toBeGreaterThanOrEqual(small[i - 1].tar);
    }
  });

  it('refuses score sets without both kinds of pairs', () => {
    expect(() => computeRoc(pairs([0.1], []))).toThrow(RangeError);
  });
});
