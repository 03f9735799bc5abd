import sharp from 'sharp';
import { mendInk } from '../../src/embedding/preprocess/ink-mend';
import { inkCropPixels } from '../../src/embedding/preprocess/ink-crop';
import { validatePreprocessSpec } from '../../src/embedding/preprocess/normalize';
import type { PreprocessSpec } from '../../src/embedding/model-card';

/** A width×height paper plane (255) with `ink` pixels [x, y, grey] set. */
function plane(width: number, height: number, ink: Array<[number, number, number]>): Uint8Array {
  const p = new Uint8Array(width * height).fill(255);
  for (const [x, y, g] of ink) p[y * width + x] = g;
  return p;
}
const inkAt = (p: Uint8Array, width: number) =>
  Array.from(p)
    .map((v, i) => (v < 255 ? `${i % width},${Math.floor(i / width)}:${v}` : ''))
    .filter(Boolean);

describe('ink mending (preprocessing.inkMend)', () => {
  it('closes a 1-pixel gap in a stroke and nothing else, hand-derived', () => {
    // row 3, x = 2, 3, 5, 6 inked (0), gap at x = 4. The 3×3 minimum inks rows 2–4, x = 1–7 (x = 4 is next to 3 and 5);
    // the 3×3 maximum keeps ink only where all nine neighbours are ink: row 3, x = 2–6. So the gap closes, the
    // stroke neither grows nor thins, and paper stays paper.
    const before = plane(9, 7, [
      [2, 3, 0],
      [3, 3, 0],
      [5, 3, 0],
      [6, 3, 0],
    ]);
    const after = mendInk(before, 9, 7);
    expect(inkAt(after, 9)).toEqual(['2,3:0', '3,3:0', '4,3:0', '5,3:0', '6,3:0']);
    expect(inkAt(before, 9)).toEqual(['2,3:0', '3,3:0', '5,3:0', '6,3:0']); // the input is untouched
  });

  it('leaves a 3-pixel gap open and keeps a grey stroke its grey', () => {
    // x = 2, 3 and 7, 8 inked: the minimum inks x = 1–4 and 6–9, so x = 5 stays paper and the maximum restores both
    // pieces as they were. A stroke of grey 100 with a 1-pixel gap closes to grey 100 (min then max of 100 and 255).
    const apart = plane(11, 7, [
      [2, 3, 0],
      [3, 3, 0],
      [7, 3, 0],
      [8, 3, 0],
    ]);
    expect(inkAt(mendInk(apart, 11, 7), 11)).toEqual(['2,3:0', '3,3:0', '7,3:0', '8,3:0']);
    const grey = plane(9, 7, [
      [2, 3, 100],
      [3, 3, 100],
      [5, 3, 100],
      [6, 3, 100],
    ]);
    expect(inkAt(mendInk(grey, 9, 7), 9)).toEqual(['2,3:100', '3,3:100', '4,3:100', '5,3:100', '6,3:100']);
  });

  it('is closing: mending twice changes nothing more', () => {
    const noisy = plane(12, 8, [
      [2, 2, 0],
      [3, 2, 40],
      [5, 2, 0],
      [5, 3, 90],
      [6, 5, 0],
      [8, 5, 0],
      [9, 6, 200],
      [4, 5, 120],
    ]);
    const once = mendInk(noisy, 12, 8);
    expect(Array.from(mendInk(once, 12, 8))).toEqual(Array.from(once));
    // extensive on ink: no pixel gets lighter
    expect(Array.from(once).every((v, i) => v <= noisy[i])).toBe(true);
    expect(() => mendInk(noisy, 12, 7)).toThrow(RangeError);
  });

  it('runs after the fit in the ink crop: the served input is the mended fitted plane', async () => {
    // a broken stroke scanned at 160×80; the ink crop with inkMend must equal mendInk of the same crop without it
    const width = 160;
    const height = 80;
    const px = new Uint8Array(width * height).fill(240);
    for (let x = 20; x < 140; x++) if (x % 9 !== 0) for (let y = 38; y < 41; y++) px[y * width + x] = 60;
    const png = await sharp(Buffer.from(px), { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    const spec: PreprocessSpec = { width: 96, height: 48, channels: 1, normalize: 'invert-unit', fit: 'contain', crop: 'ink' };
    const plain = await inkCropPixels(png, spec);
    const mended = await inkCropPixels(png, { ...spec, inkMend: 'close3' });
    expect(Array.from(mended)).toEqual(Array.from(mendInk(plain, 96, 48)));
    expect(Array.from(mended)).not.toEqual(Array.from(plain)); // the gaps were there to close
  });

  it('is refused without the ink crop and for unknown values', () => {
    const base: PreprocessSpec = { width: 40, height: 20, channels: 1, normalize: 'invert-unit', fit: 'contain' };
    expect(() => validatePreprocessSpec({ ...base, inkMend: 'close3' })).toThrow(/crop 'ink' only/);
    expect(() => validatePreprocessSpec({ ...base, crop: 'ink', inkMend: 'open3' as 'close3' })).toThrow(/unknown inkMend 'open3'/);
    expect(() => validatePreprocessSpec({ ...base, crop: 'ink', inkMend: 'close3', inkTone: 'equalize' })).not.toThrow();
  });
});
