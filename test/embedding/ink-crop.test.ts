import sharp from 'sharp';
import { DomainError, ErrorCode } from '../../src/errors';
import type { PreprocessSpec } from '../../src/embedding/model-card';
import { inkBox, inkCrop, otsuThreshold, percentileOfHistogram } from '../../src/embedding/preprocess/ink-crop';
import { validatePreprocessSpec } from '../../src/embedding/preprocess/normalize';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';

/**
 * A hand-made "signature" on a page: a horizontal stroke 100×4 px at x 100..199, y 140..143, a vertical
 * stroke 4×40 px at x 100..103, y 120..159 (together 400 + 160 − 16 = 544 ink pixels, one component),
 * and a 2×2 speck at (10, 10): 4 px = 0.7 % of the ink, under SPECK_FRACTION (1 %), so the ink box is
 * x 100..199, y 120..159 (100×40); margin round(0.04 · 100) = 4 → left 96, top 116, 108×48.
 */
function page(paper: number, ink: number, scale = 1, width = 400, height = 300): Uint8Array {
  const w = width * scale;
  const h = height * scale;
  const px = new Uint8Array(w * h).fill(paper);
  const rect = (x0: number, y0: number, rw: number, rh: number) => {
    for (let y = y0 * scale; y < (y0 + rh) * scale; y++) for (let x = x0 * scale; x < (x0 + rw) * scale; x++) px[y * w + x] = ink;
  };
  rect(100, 140, 100, 4);
  rect(100, 120, 4, 40);
  rect(10, 10, 2, 2);
  return px;
}

const png = (px: Uint8Array, w: number, h: number) =>
  sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer();

const SPEC: PreprocessSpec = { width: 160, height: 80, channels: 1, normalize: 'invert-unit', fit: 'contain', crop: 'ink' };

describe('ink crop (preprocessing.crop = ink)', () => {
  it('Otsu splits a two-level histogram between the levels, and percentiles are nearest-rank', () => {
    const hist = new Array(256).fill(0);
    hist[10] = 900;
    hist[200] = 100;
    // Any t in (10, 200] separates the classes equally well; the first maximum is kept: t = 11.
    expect(otsuThreshold(hist)).toBe(11);
    expect(percentileOfHistogram(hist, 1000, 0.9)).toBe(10);
    expect(percentileOfHistogram(hist, 1000, 0.901)).toBe(200);
  });

  it('crops to the ink box plus margin, ignoring a speck, on grey paper', () => {
    const r = inkCrop(page(230, 30), 400, 300);
    expect(r.paper).toBe(230);
    expect(r.box).toEqual({ left: 96, top: 116, width: 108, height: 48 });
    // Stroke contrast: darkness 200 is the ink's 95th percentile → full ink (0 in dark-on-white); paper → 255.
    expect(r.pixels[(140 - 116) * 108 + (150 - 96)]).toBe(0);
    expect(r.pixels[0]).toBe(255);
  });

  it('gives the same crop for grey or white paper and faint or bold ink', () => {
    const grey = inkCrop(page(230, 30), 400, 300);
    const white = inkCrop(page(255, 140), 400, 300);
    expect(white.box).toEqual(grey.box);
    expect(Buffer.from(white.pixels).equals(Buffer.from(grey.pixels))).toBe(true);
  });

  it('keeps a second large component (a separate surname) inside the box', () => {
    const px = page(255, 0);
    for (let y = 200; y < 210; y++) for (let x = 250; x < 300; x++) px[y * 400 + x] = 0; // 500 px block
    const darkness = px.map((v) => 255 - v);
    // Ink box x 100..299, y 120..209 (200×90); margin round(0.04 · 200) = 8.
    expect(inkBox(darkness, 400, 300, 20)).toEqual({ left: 92, top: 112, width: 216, height: 106 });
  });

  it('refuses a blank page with INVALID_IMAGE', async () => {
    const blank = await png(new Uint8Array(200 * 100).fill(240), 200, 100);
    await expect(preprocessImage(blank, SPEC)).rejects.toMatchObject({ code: ErrorCode.INVALID_IMAGE });
  });

  it('fits the crop keeping its aspect (contain): 108×48 → 160×71 centred, paper rows above and below', async () => {
    const { input } = await preprocessImage(await png(page(230, 30), 400, 300), SPEC);
    expect(input.length).toBe(160 * 80);
    const rowSum = (y: number) => input.slice(y * 160, (y + 1) * 160).reduce((s, v) => s + v, 0);
    // 48 · 160/108 = 71.1 rows of content; (80 − 71) / 2 ≈ 4 rows of padding at each edge.
    expect(rowSum(0)).toBe(0);
    expect(rowSum(79)).toBe(0);
    // The horizontal stroke (y 140..143 of the page) lands at (140 − 116 + 2) · 160/108 + 4 ≈ 42.5.
    expect(rowSum(42)).toBeGreaterThan(100);
  });

  // Measured: 0.20 served, 0.44 equalised. This page's ink is flat, so its only tones are the edges' resampling
  // blur, which equalisation spreads over the whole range; real scans carry their own tones (ink-tone.ts).
  it.each([
    ['served tones', SPEC, 0.25],
    ['equalised tones (inkTone, session 25)', { ...SPEC, inkTone: 'equalize' as const }, 0.5],
  ])('is nearly indifferent to scan resolution: the same page at 3× gives the same input, %s', async (_, spec, bound) => {
    const a = (await preprocessImage(await png(page(230, 30), 400, 300), spec)).input;
    const b = (await preprocessImage(await png(page(230, 30, 3), 1200, 900), spec)).input;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i] - b[i]);
    const ink = a.reduce((s, v) => s + v, 0);
    // Resampling blurs edges differently; the difference is small beside the ink itself.
    expect(diff / ink).toBeLessThan(bound);
  });

  it('rejects a card that combines the ink crop with fit cover', () => {
    expect(() => validatePreprocessSpec({ ...SPEC, fit: 'cover' })).toThrow(DomainError);
    expect(() => validatePreprocessSpec({ ...SPEC, crop: 'paper' as unknown as 'ink' })).toThrow(/unknown crop/);
    expect(() => validatePreprocessSpec(SPEC)).not.toThrow();
  });
});
