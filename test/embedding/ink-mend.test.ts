import sharp from 'sharp';
import { closeInk, mendInk } from '../../src/embedding/preprocess/ink-mend';
import { equalizeInkTone } from '../../src/embedding/preprocess/ink-tone';
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

  it('closes a 2-pixel gap, the documented limit', () => {
    // x = 2, 3 and 6, 7 inked, gap x = 4, 5: the minimum inks x = 1–8 on rows 2–4 (4 is next to 3, 5 next to 6), and the
    // maximum keeps row 3, x = 2–7: the gap is closed and the ends stay where they were.
    const two = plane(10, 7, [
      [2, 3, 0],
      [3, 3, 0],
      [6, 3, 0],
      [7, 3, 0],
    ]);
    expect(inkAt(mendInk(two, 10, 7), 10)).toEqual(['2,3:0', '3,3:0', '4,3:0', '5,3:0', '6,3:0', '7,3:0']);
  });

  it('closes gaps of up to 4 pixels with a 5×5 square, not 5, and refuses even sizes', () => {
    // 5×5: the minimum inks 2 pixels around each piece, so a gap of 4 (x = 6–9 between 5 and 10) closes and one of 5
    // (x = 6–10 between 5 and 11) keeps x = 8 paper; the maximum then restores the pieces' ends. (Strokes 4 px from
    // the edge: the edges are clamped, so ink within (size − 1)/2 of the border would spread to it.)
    const ink = (xs: number[]) =>
      plane(
        17,
        9,
        xs.map((x) => [x, 4, 0] as [number, number, number]),
      );
    const four = ink([4, 5, 10, 11]);
    expect(inkAt(closeInk(four, 17, 9, 5), 17)).toEqual([4, 5, 6, 7, 8, 9, 10, 11].map((x) => `${x},4:0`));
    const five = ink([4, 5, 11, 12]);
    expect(inkAt(closeInk(five, 17, 9, 5), 17)).toEqual(['4,4:0', '5,4:0', '11,4:0', '12,4:0']);
    expect(Array.from(closeInk(four, 17, 9, 3))).toEqual(Array.from(mendInk(four, 17, 9)));
    expect(() => closeInk(four, 17, 9, 4)).toThrow(RangeError);
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

  it('mends before the tone equalisation: the served input is equalize(mend(fitted))', async () => {
    const width = 160;
    const height = 80;
    const px = new Uint8Array(width * height).fill(240);
    // a stroke whose darkness ramps along x, broken every 7 pixels
    for (let x = 20; x < 140; x++) if (x % 7 !== 0) for (let y = 38; y < 41; y++) px[y * width + x] = 200 - x;
    const png = await sharp(Buffer.from(px), { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    const spec: PreprocessSpec = { width: 96, height: 48, channels: 1, normalize: 'invert-unit', fit: 'contain', crop: 'ink' };
    const plain = await inkCropPixels(png, spec);
    const both = await inkCropPixels(png, { ...spec, inkMend: 'close3', inkTone: 'equalize' });
    expect(Array.from(both)).toEqual(Array.from(equalizeInkTone(mendInk(plain, 96, 48))));
    expect(Array.from(both)).not.toEqual(Array.from(mendInk(equalizeInkTone(plain), 96, 48)));
  });

  it('is refused without the ink crop and for unknown values', () => {
    const base: PreprocessSpec = { width: 40, height: 20, channels: 1, normalize: 'invert-unit', fit: 'contain' };
    expect(() => validatePreprocessSpec({ ...base, inkMend: 'close3' })).toThrow(/crop 'ink' only/);
    expect(() => validatePreprocessSpec({ ...base, crop: 'ink', inkMend: 'open3' as 'close3' })).toThrow(/unknown inkMend 'open3'/);
    expect(() => validatePreprocessSpec({ ...base, crop: 'ink', inkMend: 'close3', inkTone: 'equalize' })).not.toThrow();
  });
});
