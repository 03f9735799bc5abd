import { withHalfTurnedWriters } from '../../src/training/data/rotated-writers';
import { withTransformedWriters } from '../../src/training/data/transformed-writers';

/**
 * Writers made from writers (signatures): a half turn maps pixel (y, x) of an h×w image to (h − 1 − y, w − 1 − x),
 * so a 2×3 single-channel image [[a, b, c], [d, e, f]] becomes [[f, e, d], [c, b, a]], checkable by hand.
 */
const SHAPE = { height: 2, width: 3, channels: 1 };
const img = (...v: number[]) => Float32Array.from(v);

describe('withHalfTurnedWriters', () => {
  it('appends one half-turned writer per writer, genuine and forgeries turned alike, originals untouched', () => {
    // Writer 0: genuine 0; forged 2. Writer 1: genuine 1; forged 3.
    const pixels = [img(1, 2, 3, 4, 5, 6), img(0, 0, 7, 0, 0, 0), img(9, 0, 0, 0, 0, 8), img(1, 1, 1, 2, 2, 2)];
    const out = withHalfTurnedWriters(pixels, [[0], [1]], [[2], [3]], SHAPE);
    expect(out.genuine).toEqual([[0], [1], [4], [5]]);
    expect(out.forged).toEqual([[2], [3], [6], [7]]);
    expect(out.pixels.slice(0, 4)).toEqual(pixels);
    expect(out.pixels.slice(4).map((p) => Array.from(p))).toEqual([
      [6, 5, 4, 3, 2, 1],
      [0, 0, 0, 7, 0, 0],
      [8, 0, 0, 0, 0, 9],
      [2, 2, 2, 1, 1, 1],
    ]);
  });

  it('keeps a pixel’s channels together', () => {
    // 1×2 RGB: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6) → (4, 5, 6), (1, 2, 3).
    const out = withHalfTurnedWriters([img(1, 2, 3, 4, 5, 6)], [[0]], [[]], { height: 1, width: 2, channels: 3 });
    expect(Array.from(out.pixels[1])).toEqual([4, 5, 6, 1, 2, 3]);
  });
});

describe('withTransformedWriters', () => {
  it('adds one block of writers per transform, each block copying the original writers only', () => {
    // Two writers, one genuine image each, no forgeries; transforms add 10 and 20 to every pixel.
    const plus = (k: number) => (p: Float32Array) => p.map((v) => v + k);
    const out = withTransformedWriters([img(1), img(2)], [[0], [1]], [[], []], [plus(10), plus(20)]);
    // Writer j + (t + 1)·2 is transform t of writer j: 11, 12 then 21, 22 (not 31: block 2 copies the originals).
    expect(out.genuine).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect(out.forged).toEqual([[], [], [], [], [], []]);
    expect(out.pixels.map((p) => p[0])).toEqual([1, 2, 11, 12, 21, 22]);
  });

  it('refuses genuine and forgery lists of different lengths', () => {
    expect(() => withTransformedWriters([img(1)], [[0]], [], [(p) => p])).toThrow(/1 genuine groups but 0 forgery groups/);
  });
});
