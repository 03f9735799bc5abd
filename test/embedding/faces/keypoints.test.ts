import { fivePoints, KEYPOINT_NAMES } from '../../../src/embedding/faces/keypoints';
import type { Point } from '../../../src/embedding/faces/face.types';

/** Landmark i at (i, 2i + 1): easy means by hand. */
const synthetic = (): Point[] => Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i + 1 }));

describe('fivePoints', () => {
  test('eye centres are the means of 36–41 and 42–47; nose tip 30; mouth corners 48 and 54', () => {
    // mean(36..41) = 38.5 → y = 2·38.5 + 1 = 78; mean(42..47) = 44.5 → y = 90
    expect(fivePoints(synthetic())).toEqual([
      { x: 38.5, y: 78 },
      { x: 44.5, y: 90 },
      { x: 30, y: 61 },
      { x: 48, y: 97 },
      { x: 54, y: 109 },
    ]);
    expect(KEYPOINT_NAMES).toEqual(['leftEye', 'rightEye', 'noseTip', 'mouthLeft', 'mouthRight']);
  });

  test('a realistic eye contour: the centre of a hexagon is its middle', () => {
    const lm = synthetic();
    // Left eye: a hexagon around (100, 50); right eye around (160, 52).
    const hex = [
      [-10, 0],
      [-5, -4],
      [5, -4],
      [10, 0],
      [5, 4],
      [-5, 4],
    ];
    hex.forEach(([dx, dy], k) => {
      lm[36 + k] = { x: 100 + dx, y: 50 + dy };
      lm[42 + k] = { x: 160 + dx, y: 52 + dy };
    });
    const [left, right] = fivePoints(lm);
    expect(left.x).toBeCloseTo(100, 12);
    expect(left.y).toBeCloseTo(50, 12);
    expect(right.x).toBeCloseTo(160, 12);
    expect(right.y).toBeCloseTo(52, 12);
  });

  test('returns copies (mutating them leaves the landmarks alone) and refuses other counts', () => {
    const lm = synthetic();
    const five = fivePoints(lm);
    five[2].x = -1;
    five[3].y = -1;
    expect(lm[30]).toEqual({ x: 30, y: 61 });
    expect(lm[48]).toEqual({ x: 48, y: 97 });
    expect(() => fivePoints(lm.slice(0, 67))).toThrow(/expected 68 landmarks, got 67/);
    expect(() => fivePoints([])).toThrow(/got 0/);
  });
});
