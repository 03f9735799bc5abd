import { cellHistograms, fuse, hogDescriptor, hogLength, l2HysInPlace, unitLength } from './hog-descriptor';

/** A width×height image from f(x, y). */
function image(width: number, height: number, f: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = f(x, y);
  return out;
}

describe('HOG descriptor (session 32 exploration, Dalal & Triggs 2005)', () => {
  it('votes a vertical step edge (θ = 0) half into the first and half into the last bin of its cells only', () => {
    // 6×4, ink from x = 3: gx = 1 at x = 2 (I(3) − I(1)) and x = 3 (I(4) − I(2)), 0 elsewhere; gy = 0. θ = 0 lies
    // half-way between bin 3's centre (7π/8, wrapped to −π/8) and bin 0's (π/8): 0.5 each. Cells 2×2: the edge's
    // columns are cell column 1, so each of its two cells gets 4 pixels × 0.5 in bins 0 and 3.
    const hist = cellHistograms(
      image(6, 4, (x) => (x >= 3 ? 1 : 0)),
      6,
      4,
      { cell: 2, bins: 4 },
    );
    const expected = new Float64Array(2 * 3 * 4);
    for (const row of [0, 1]) {
      expected[(row * 3 + 1) * 4 + 0] = 2;
      expected[(row * 3 + 1) * 4 + 3] = 2;
    }
    expect(Array.from(hist)).toEqual(Array.from(expected));
  });

  it('puts a 45° ramp at a bin centre into that bin alone, with magnitude 2√2 per interior pixel', () => {
    // I = x + y: inside, gx = gy = 2, m = 2√2, θ = π/4 = bin 0's centre with 2 bins (centres π/4, 3π/4). The middle
    // cell of a 6×6 image in cells of 2 (x, y ∈ {2, 3}) has only interior pixels: 4 × 2√2 = 8√2 in bin 0.
    const hist = cellHistograms(
      image(6, 6, (x, y) => x + y),
      6,
      6,
      { cell: 2, bins: 2 },
    );
    const middle = (1 * 3 + 1) * 2;
    expect(hist[middle]).toBeCloseTo(8 * Math.SQRT2, 10);
    expect(hist[middle + 1]).toBeCloseTo(0, 10);
  });

  it('splits a horizontal edge (θ = π/2) between the two middle bins of four', () => {
    // gy = 1 on the edge rows, θ = π/2: position 2 − ½ between bins 1 (3π/8) and 2 (5π/8).
    const hist = cellHistograms(
      image(4, 4, (_x, y) => (y >= 2 ? 1 : 0)),
      4,
      4,
      { cell: 4, bins: 4 },
    );
    // Rows 1 and 2 carry gy = 1 over 4 columns: 8 pixels, 4 to each bin.
    expect(Array.from(hist)).toEqual([0, 4, 4, 0]);
  });

  it('L2-Hys: normalise, clip at 0.2, normalise again', () => {
    const a = new Float64Array([3, 4]);
    l2HysInPlace(a); // (0.6, 0.8) → clipped (0.2, 0.2) → (1/√2, 1/√2), less 10⁻⁵ for ε
    // Exactly: ε² = 2·10⁻⁶ for a block of 2, so 0.2 / √(0.2² + 0.2² + 2·10⁻⁶) each.
    expect(a[0]).toBeCloseTo(0.2 / Math.sqrt(0.08 + 2e-6), 10);
    expect(a[1]).toBeCloseTo(0.2 / Math.sqrt(0.08 + 2e-6), 10);
    const b = new Float64Array([5, 0, 0, 0]);
    l2HysInPlace(b); // (1, 0, 0, 0) → (0.2, 0, 0, 0) → (1, 0, 0, 0), ε again costing 5·10⁻⁵
    expect(b[0]).toBeCloseTo(0.2 / Math.sqrt(0.04 + 4e-6), 10); // ε² = 4·10⁻⁶ for a block of 4
    expect(Array.from(b.subarray(1))).toEqual([0, 0, 0]);
  });

  it('has (cols − 1)(rows − 1)·4·bins values of unit length, and a blank image gives zeros, not NaN', () => {
    // 160×80 in cells of 16: 10 × 5 cells, 9 × 4 blocks of 4 cells × 9 bins = 1296.
    expect(hogLength(160, 80, { cell: 16, bins: 9 })).toBe(1296);
    const d = hogDescriptor(
      image(160, 80, (x, y) => ((x - 80) ** 2 / 3600 + (y - 40) ** 2 / 400 < 1 ? 1 : 0)),
      160,
      80,
      { cell: 16, bins: 9 },
    );
    expect(d.length).toBe(1296);
    expect(Math.hypot(...d)).toBeCloseTo(1, 5);
    const blank = hogDescriptor(new Float32Array(160 * 80), 160, 80, { cell: 16, bins: 9 });
    expect(blank.every((v) => v === 0)).toBe(true);
    expect(() => hogDescriptor(new Float32Array(10), 160, 80, { cell: 16, bins: 9 })).toThrow(/10 values for 160×80/);
  });

  it('fuses so that squared distances add as (1 − λ)·d_e² + λ·d_h², the embedding taken at unit length', () => {
    // e1 = (3, 4) → (0.6, 0.8), e2 = (0, 2) → (0, 1): d_e² = 0.36 + 0.04 = 0.4. h1 = (1, 0), h2 = (0, 1): d_h² = 2.
    // λ = 0.25: 0.75 · 0.4 + 0.25 · 2 = 0.8.
    const f1 = fuse(new Float32Array([3, 4]), new Float32Array([1, 0]), 0.25);
    const f2 = fuse(new Float32Array([0, 2]), new Float32Array([0, 1]), 0.25);
    let d2 = 0;
    for (let i = 0; i < f1.length; i++) d2 += (f1[i] - f2[i]) ** 2;
    expect(f1.length).toBe(4);
    expect(d2).toBeCloseTo(0.8, 6);
    expect(() => fuse(new Float32Array([1]), new Float32Array([1]), 1.5)).toThrow(/λ must be in \[0, 1\]/);
    expect(Array.from(unitLength(new Float32Array([0, 0])))).toEqual([0, 0]);
  });
});
