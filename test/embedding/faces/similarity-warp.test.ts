import { applySimilarity, estimateSimilarity, invertSimilarity, type Similarity } from '../../../src/embedding/faces/similarity-transform';
import { padReplicate, warpSimilarity } from '../../../src/embedding/faces/warp';
import type { Point, RgbImage } from '../../../src/embedding/faces/face.types';

const pts = (xs: [number, number][]): Point[] => xs.map(([x, y]) => ({ x, y }));

function expectSimilarity(t: Similarity, expected: Similarity, digits = 10): void {
  expect(t.a).toBeCloseTo(expected.a, digits);
  expect(t.b).toBeCloseTo(expected.b, digits);
  expect(t.tx).toBeCloseTo(expected.tx, digits);
  expect(t.ty).toBeCloseTo(expected.ty, digits);
}

/** An RGB image whose channels are (v, v + 1, v + 2) for v = f(x, y). */
function image(width: number, height: number, f: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = f(x, y);
      data.set([v, v + 1, v + 2], (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

/** Red channel as rows, for readable expectations. */
function rows(data: Uint8Array, width: number, height: number, c = 0): number[][] {
  return Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => data[(y * width + x) * 3 + c]));
}

describe('estimateSimilarity (Umeyama, 2-D closed form)', () => {
  test('pure rotation by 90°: a = 0, b = 1, no translation', () => {
    // p' = p (centroid 0); Σ(px qx + py qy) = 0, Σ(px qy − py qx) = 1 + 1 + 1 + 1 = 4, Σ|p|² = 4.
    const from = pts([
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, -1],
    ]);
    const to = pts([
      [0, 1],
      [-1, 0],
      [0, -1],
      [1, 0],
    ]);
    const t = estimateSimilarity(from, to);
    expectSimilarity(t, { a: 0, b: 1, tx: 0, ty: 0 });
    // (x, y) → (−y, x)
    const q = applySimilarity(t, { x: 2, y: 3 });
    expect(q.x).toBeCloseTo(-3, 12);
    expect(q.y).toBeCloseTo(2, 12);
  });

  test('scale 2 + translation (10, −5)', () => {
    // q = 2p + (10, −5): centred q' = 2p', so a = 2, b = 0; t = q̄ − 2p̄ = (32/3 − 2/3, −13/3 − 2/3) = (10, −5).
    const from = pts([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    const to = pts([
      [10, -5],
      [12, -5],
      [10, -3],
    ]);
    expectSimilarity(estimateSimilarity(from, to), { a: 2, b: 0, tx: 10, ty: -5 });
  });

  test('recovers a known transform (scale 1.5, 30°, t = (20, −7)) from five noise-free points', () => {
    // a = 1.5 cos 30° = 1.5·√3/2, b = 1.5 sin 30° = 0.75
    const known: Similarity = { a: (1.5 * Math.sqrt(3)) / 2, b: 0.75, tx: 20, ty: -7 };
    const from = pts([
      [48.8, 38],
      [101.2, 38],
      [75, 69],
      [52.5, 95.8],
      [97.5, 95.8],
    ]);
    const to = from.map((p) => applySimilarity(known, p));
    // The first point by hand: x = 1.299038·48.8 − 0.75·38 + 20 = 54.893, y = 0.75·48.8 + 1.299038·38 − 7 = 79.963
    expect(to[0].x).toBeCloseTo(1.299038105676658 * 48.8 - 28.5 + 20, 10);
    expect(to[0].y).toBeCloseTo(36.6 + 1.299038105676658 * 38 - 7, 10);
    expectSimilarity(estimateSimilarity(from, to), known, 9);
  });

  test('least squares: a point set that cannot be matched exactly gets the mean scale and no rotation', () => {
    // A diamond stretched 2× along x only: p = (±1, 0), (0, ±1) → q = (±2, 0), (0, ±1), both centred at 0:
    // num1 = 2 + 2 + 1 + 1 = 6, num2 = 0, den = 4 → a = 1.5, b = 0, t = 0.
    const t = estimateSimilarity(
      pts([
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]),
      pts([
        [2, 0],
        [-2, 0],
        [0, 1],
        [0, -1],
      ]),
    );
    expectSimilarity(t, { a: 1.5, b: 0, tx: 0, ty: 0 });
  });

  test('inverse: hand-derived, and a round trip returns every point', () => {
    // T(x, y) = (−2y + 3, 2x + 4) → T⁻¹(u, v) = (v/2 − 2, −u/2 + 1.5): a = 0, b = −0.5, t = (−2, 1.5).
    const t: Similarity = { a: 0, b: 2, tx: 3, ty: 4 };
    const inv = invertSimilarity(t);
    expectSimilarity(inv, { a: 0, b: -0.5, tx: -2, ty: 1.5 }, 12);
    const known: Similarity = { a: 0.8, b: -0.35, tx: -12.5, ty: 40 };
    const back = invertSimilarity(known);
    for (const p of pts([
      [0, 0],
      [150, 0],
      [0, 150],
      [37.25, 101.5],
    ])) {
      const q = applySimilarity(back, applySimilarity(known, p));
      expect(q.x).toBeCloseTo(p.x, 10);
      expect(q.y).toBeCloseTo(p.y, 10);
    }
    expectSimilarity(invertSimilarity(back), known, 10);
  });

  test('refuses degenerate input', () => {
    expect(() => estimateSimilarity(pts([[0, 0]]), pts([[1, 1]]))).toThrow(/≥ 2 matching points/);
    expect(() =>
      estimateSimilarity(
        pts([
          [0, 0],
          [1, 1],
        ]),
        pts([[1, 1]]),
      ),
    ).toThrow(/≥ 2 matching points/);
    expect(() =>
      estimateSimilarity(
        pts([
          [3, 4],
          [3, 4],
          [3, 4],
        ]),
        pts([
          [0, 0],
          [1, 0],
          [0, 1],
        ]),
      ),
    ).toThrow(/coincide/);
    expect(() => invertSimilarity({ a: 0, b: 0, tx: 1, ty: 1 })).toThrow(/degenerate/);
  });
});

describe('warpSimilarity (bilinear, replicated border)', () => {
  const src = image(4, 3, (x, y) => 10 * x + 100 * y); // red row y: 100y, 100y+10, 100y+20, 100y+30

  test('the identity gives back the exact pixels, every channel', () => {
    const out = warpSimilarity(src, { a: 1, b: 0, tx: 0, ty: 0 }, 4, 3);
    expect(Array.from(out)).toEqual(Array.from(src.data));
  });

  test('an integer translation (2, 1) shifts the pattern; the uncovered band repeats the edge', () => {
    // crop(u, v) = src(clamp(u − 2), clamp(v − 1)), red channel = 10·sx + 100·sy
    const out = warpSimilarity(src, { a: 1, b: 0, tx: 2, ty: 1 }, 4, 3);
    expect(rows(out, 4, 3)).toEqual([
      [0, 0, 0, 10],
      [0, 0, 0, 10],
      [100, 100, 100, 110],
    ]);
    expect(rows(out, 4, 3, 2)).toEqual([
      [2, 2, 2, 12],
      [2, 2, 2, 12],
      [102, 102, 102, 112],
    ]);
  });

  test('a half-pixel translation averages neighbours (bilinear)', () => {
    // sx = u + ½ − ½ − ½ = u − ½ → u=0: clamp(−½)=0 → 0; u=1: 5; u=2: 15; u=3: 25
    const out = warpSimilarity(src, { a: 1, b: 0, tx: 0.5, ty: 0 }, 4, 3);
    expect(rows(out, 4, 3)[0]).toEqual([0, 5, 15, 25]);
    expect(rows(out, 4, 3)[2]).toEqual([200, 205, 215, 225]);
  });

  test('scale 2 upsamples: pixel centres at ¼ and ¾ between source centres', () => {
    // sx = (u + ½)/2 − ½ = u/2 − ¼ → −¼ (clamped to 0), ¼, ¾, 1¼ (clamped to 1): 0, 2.5, 7.5, 10 → round.
    const ramp = image(2, 1, (x) => 10 * x);
    const out = warpSimilarity(ramp, { a: 2, b: 0, tx: 0, ty: 0 }, 4, 2);
    // Math.round(2.5) = 3, Math.round(7.5) = 8
    expect(rows(out, 4, 2)).toEqual([
      [0, 3, 8, 10],
      [0, 3, 8, 10],
    ]);
  });

  test('a 90° rotation of a 3×3 image permutes pixels exactly', () => {
    // q = (−y + 3, x): pixel centre (x+½, y+½) → (2½ − y, x + ½), i.e. crop (u, v) = (2 − y, x),
    // so out[v][u] = src[2 − u][v].
    const sq = image(3, 3, (x, y) => 10 * (3 * y + x));
    const out = warpSimilarity(sq, { a: 0, b: 1, tx: 3, ty: 0 }, 3, 3);
    expect(rows(out, 3, 3)).toEqual([
      [60, 30, 0],
      [70, 40, 10],
      [80, 50, 20],
    ]);
  });

  test('a crop larger than the source fills the outside with edge pixels, never black', () => {
    const out = warpSimilarity(src, { a: 1, b: 0, tx: 3, ty: 3 }, 10, 9);
    const red = rows(out, 10, 9);
    expect(red[0][0]).toBe(0); // top-left corner of the source
    expect(red[8][9]).toBe(230); // bottom-right corner (x = 3, y = 2)
    expect(red[4][5]).toBe(10 * 2 + 100 * 1); // crop (5, 4) = source (2, 1)
  });
});

describe('padReplicate', () => {
  test('a 2×2 image padded by 1: every border pixel copies its nearest edge pixel', () => {
    const src = image(2, 2, (x, y) => 10 * (1 + x + 2 * y)); // 10 20 / 30 40
    const out = padReplicate(src, 1);
    expect(out.width).toBe(4);
    expect(out.height).toBe(4);
    expect(rows(out.data, 4, 4)).toEqual([
      [10, 10, 20, 20],
      [10, 10, 20, 20],
      [30, 30, 40, 40],
      [30, 30, 40, 40],
    ]);
    expect(rows(out.data, 4, 4, 1)[0]).toEqual([11, 11, 21, 21]);
  });

  test('pad 3 on a 3×1 strip; pad 0 is a copy', () => {
    const src = image(3, 1, (x) => [5, 50, 200][x]);
    const out = padReplicate(src, 3);
    expect([out.width, out.height]).toEqual([9, 7]);
    for (const row of rows(out.data, 9, 7)) expect(row).toEqual([5, 5, 5, 5, 50, 200, 200, 200, 200]);
    const same = padReplicate(src, 0);
    expect(Array.from(same.data)).toEqual(Array.from(src.data));
    expect(same.data).not.toBe(src.data);
  });
});
