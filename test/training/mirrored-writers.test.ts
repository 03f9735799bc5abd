import { withMirroredWriters } from '../../src/training/data/mirrored-writers';

/**
 * Mirrored writers (signatures): writer j + n mirrors writer j, its genuine and its forged images alike, and the
 * originals keep their indices. Images are 1×3 single-channel rows so every mirror is checkable by hand:
 * [a, b, c] → [c, b, a].
 */
const SHAPE = { height: 1, width: 3, channels: 1 };
const row = (...v: number[]) => Float32Array.from(v);

describe('withMirroredWriters', () => {
  it('appends one mirrored writer per writer, genuine and forgeries mirrored, originals untouched', () => {
    // Writer 0: genuine 0, 1; forged 4. Writer 1: genuine 2, 3; forged 5.
    const pixels = [row(1, 2, 3), row(4, 5, 6), row(7, 8, 9), row(1, 0, 0), row(0, 0, 2), row(3, 3, 0)];
    const out = withMirroredWriters(
      pixels,
      [
        [0, 1],
        [2, 3],
      ],
      [[4], [5]],
      SHAPE,
    );

    // Genuine copies are appended first (writers 0 then 1), then the forgeries' copies.
    expect(out.genuine).toEqual([
      [0, 1],
      [2, 3],
      [6, 7],
      [8, 9],
    ]);
    expect(out.forged).toEqual([[4], [5], [10], [11]]);
    expect(out.pixels.slice(0, 6)).toEqual(pixels);
    expect(out.pixels.slice(6).map((p) => Array.from(p))).toEqual([
      [3, 2, 1],
      [6, 5, 4],
      [9, 8, 7],
      [0, 0, 1],
      [2, 0, 0],
      [0, 3, 3],
    ]);
  });

  it('mirrors every channel of a pixel together', () => {
    // 1×2 RGB: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6) → (4, 5, 6), (1, 2, 3).
    const out = withMirroredWriters([row(1, 2, 3, 4, 5, 6)], [[0]], [[]], { height: 1, width: 2, channels: 3 });
    expect(Array.from(out.pixels[1])).toEqual([4, 5, 6, 1, 2, 3]);
    expect(out.forged).toEqual([[], []]);
  });

  it('refuses genuine and forgery lists of different lengths', () => {
    expect(() => withMirroredWriters([row(1, 2, 3)], [[0]], [], SHAPE)).toThrow(/1 genuine groups but 0 forgery groups/);
  });
});
