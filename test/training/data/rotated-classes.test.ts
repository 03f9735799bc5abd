import { rotateQuarterTurns, withRotatedClasses } from '../../../src/training/data/rotated-classes';

const sq = { height: 2, width: 2, channels: 1 };
// [[1,2],[3,4]] rotated counter-clockwise: 90° → [[2,4],[1,3]], 180° → [[4,3],[2,1]], 270° → [[3,1],[4,2]].
const img = new Float32Array([1, 2, 3, 4]);

describe('rotated classes', () => {
  it.each([
    [0, [1, 2, 3, 4]],
    [1, [2, 4, 1, 3]],
    [2, [4, 3, 2, 1]],
    [3, [3, 1, 4, 2]],
    [-1, [3, 1, 4, 2]],
  ])('rotates by %i quarter turns', (q, expected) => {
    expect(Array.from(rotateQuarterTurns(img, sq, q))).toEqual(expected);
  });

  it('keeps channels together and four turns give the original back', () => {
    const rgb = new Float32Array(Array.from({ length: 3 * 3 * 2 }, (_, i) => i));
    const shape = { height: 3, width: 3, channels: 2 };
    let x: Float32Array = rgb;
    for (let i = 0; i < 4; i++) x = rotateQuarterTurns(x, shape, 1);
    expect(Array.from(x)).toEqual(Array.from(rgb));
    // The centre pixel of an odd square never moves, with both channels intact.
    const r = rotateQuarterTurns(rgb, shape, 1);
    expect([r[8], r[9]]).toEqual([8, 9]);
  });

  it('adds three rotated identities per square identity, originals untouched', () => {
    const pixels = [img, new Float32Array([5, 6, 7, 8]), new Float32Array([0, 0, 1, 1])];
    const groups = [[0, 1], [2]];
    const out = withRotatedClasses(pixels, groups, sq);
    expect(out.groups).toHaveLength(8);
    expect(out.pixels).toHaveLength(12);
    expect(out.groups.slice(0, 2)).toEqual(groups);
    expect(out.pixels.slice(0, 3)).toEqual(pixels);
    // Every rotated group has as many images as its source and points at distinct new indices.
    const flat = out.groups.slice(2).flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect(flat.every((i) => i >= 3)).toBe(true);
    expect(out.groups[2].map((i) => Array.from(out.pixels[i]))).toEqual([
      [2, 4, 1, 3],
      [6, 8, 5, 7],
    ]);
  });

  it('gives non-square images only the 180° copy', () => {
    const shape = { height: 1, width: 2, channels: 1 };
    const out = withRotatedClasses([new Float32Array([1, 2])], [[0]], shape);
    expect(out.groups).toHaveLength(2);
    expect(Array.from(out.pixels[1])).toEqual([2, 1]);
    expect(() => rotateQuarterTurns(new Float32Array([1, 2]), shape, 1)).toThrow(RangeError);
  });
});
