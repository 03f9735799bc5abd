import sharp from 'sharp';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeImage, decodeImageFile } from '../../src/embedding/preprocess/decode-image';
import type { PreprocessSpec } from '../../src/embedding/model-card';
import { DomainError, ErrorCode } from '../../src/errors';
import { pngHeaderOnly } from './faces/face-fixtures';

const gray = (width: number, height: number, extra: Partial<PreprocessSpec> = {}): PreprocessSpec => ({
  width,
  height,
  channels: 1,
  normalize: 'unit',
  fit: 'fill',
  ...extra,
});
const rgb = (width: number, height: number, extra: Partial<PreprocessSpec> = {}): PreprocessSpec => ({
  width,
  height,
  channels: 3,
  normalize: 'unit',
  fit: 'fill',
  ...extra,
});

/** Raw 8-bit image from a per-pixel function. */
function raw(width: number, height: number, channels: 1 | 2 | 3 | 4, f: (x: number, y: number, c: number) => number) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = f(x, y, c);
  return sharp(data, { raw: { width, height, channels } });
}

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
}

const at = (t: Float32Array, spec: PreprocessSpec, x: number, y: number, c = 0) => t[(y * spec.width + x) * spec.channels + c];

describe('decodeImage', () => {
  test('8-bit grayscale PNG at its own size: exact values, HWC, each normalisation', async () => {
    const png = await raw(3, 2, 1, (x, y) => [0, 51, 255, 102, 204, 153][y * 3 + x])
      .png()
      .toBuffer();
    const unit = await decodeImage(png, gray(3, 2));
    expect(Array.from(unit)).toEqual([0, 51, 255, 102, 204, 153].map((v) => Math.fround(v / 255)));
    const inv = await decodeImage(png, gray(3, 2, { normalize: 'invert-unit' }));
    expect(inv[0]).toBeCloseTo(1, 6);
    expect(inv[2]).toBeCloseTo(0, 6);
    const std = await decodeImage(png, gray(3, 2, { normalize: 'standard', mean: [0.5], std: [0.25] }));
    // (51/255 − 0.5)/0.25 = (0.2 − 0.5)/0.25 = −1.2
    expect(std[1]).toBeCloseTo(-1.2, 5);
  });

  test('RGB output keeps channel order; grayscale input is expanded to 3 equal channels', async () => {
    const png = await raw(2, 1, 3, (x, _y, c) => (x === 0 ? [255, 0, 0][c] : [0, 0, 255][c]))
      .png()
      .toBuffer();
    const out = await decodeImage(png, rgb(2, 1));
    expect(Array.from(out)).toEqual([1, 0, 0, 0, 0, 1]);
    const g = await raw(2, 1, 1, (x) => (x ? 255 : 51))
      .png()
      .toBuffer();
    const out3 = await decodeImage(g, rgb(2, 1));
    expect(out3.length).toBe(6);
    expect(out3[0]).toBeCloseTo(0.2, 5);
    expect(out3[1]).toBeCloseTo(0.2, 5);
    expect(out3[2]).toBeCloseTo(0.2, 5);
    expect(out3[3]).toBeCloseTo(1, 5);
  });

  test('16-bit PNG decodes to the same values as its 8-bit original', async () => {
    const base = raw(4, 4, 3, (x, y, c) => (x * 60 + y * 10 + c * 5) % 256);
    const png8 = await base.clone().png().toBuffer();
    const png16 = await base.clone().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const a = await decodeImage(png8, rgb(4, 4));
    const b = await decodeImage(png16, rgb(4, 4));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1 / 255 + 1e-6);
  });

  test('palette PNG', async () => {
    const png = await raw(4, 1, 3, (x, _y, c) => (x < 2 ? 0 : 255) * (c === 1 ? 1 : 0))
      .png({ palette: true, colours: 2 })
      .toBuffer();
    expect((await sharp(png).metadata()).isPalette).toBe(true);
    const out = await decodeImage(png, rgb(4, 1));
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
  });

  test('alpha is flattened onto white', async () => {
    // Pixel 0: opaque black; pixel 1: fully transparent black → white.
    const png = await raw(2, 1, 4, (x, _y, c) => (c === 3 ? (x === 0 ? 255 : 0) : 0))
      .png()
      .toBuffer();
    expect(Array.from(await decodeImage(png, gray(2, 1)))).toEqual([0, 1]);
    // Grey + alpha too.
    const ga = await raw(2, 1, 2, (x, _y, c) => (c === 1 ? (x === 0 ? 255 : 0) : 0))
      .png()
      .toBuffer();
    expect(Array.from(await decodeImage(ga, gray(2, 1)))).toEqual([0, 1]);
  });

  test('JPEG with EXIF orientation 6 is rotated upright before fitting', async () => {
    // Stored 40×20: left half black, right half white. Orientation 6 = rotate 90° clockwise to display,
    // so the displayed 20×40 image has its top half black and bottom half white.
    const jpeg = await raw(40, 20, 1, (x) => (x < 20 ? 0 : 255))
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const spec = gray(20, 40);
    const out = await decodeImage(jpeg, spec);
    expect(at(out, spec, 2, 5)).toBeLessThan(0.1);
    expect(at(out, spec, 17, 5)).toBeLessThan(0.1);
    expect(at(out, spec, 2, 34)).toBeGreaterThan(0.9);
    expect(at(out, spec, 17, 34)).toBeGreaterThan(0.9);
  });

  test('CMYK JPEG is converted to sRGB', async () => {
    const jpeg = await raw(8, 8, 3, (_x, _y, c) => [255, 0, 0][c])
      .toColourspace('cmyk')
      .jpeg({ quality: 100 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).space).toBe('cmyk');
    const out = await decodeImage(jpeg, rgb(8, 8));
    expect(out[0]).toBeGreaterThan(0.8);
    expect(out[1]).toBeLessThan(0.2);
    expect(out[2]).toBeLessThan(0.2);
  });

  test('animated GIF: the first frame is used', async () => {
    const white = await raw(4, 4, 3, () => 255)
      .png()
      .toBuffer();
    const black = await raw(4, 4, 3, () => 0)
      .png()
      .toBuffer();
    const gif = await sharp([white, black], { join: { animated: true } })
      .gif({ delay: [100, 100] })
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const out = await decodeImage(gif, gray(4, 4));
    expect(Array.from(out).every((v) => v === 1)).toBe(true);
    const gif2 = await sharp([black, white], { join: { animated: true } })
      .gif({ delay: [100, 100] })
      .toBuffer();
    expect(Array.from(await decodeImage(gif2, gray(4, 4))).every((v) => v === 0)).toBe(true);
  });

  test("fit: 'fill' stretches, 'contain' letterboxes on white, 'cover' crops the centre", async () => {
    // 8×4, left half black. Target 4×4.
    const png = await raw(8, 4, 1, (x) => (x < 4 ? 0 : 255))
      .png()
      .toBuffer();
    const spec = (fit: PreprocessSpec['fit']) => gray(4, 4, { fit });
    const fill = await decodeImage(png, spec('fill'));
    expect(at(fill, spec('fill'), 0, 0)).toBeLessThan(0.1);
    expect(at(fill, spec('fill'), 3, 0)).toBeGreaterThan(0.9);
    const contain = await decodeImage(png, spec('contain'));
    // Content 4×2 in rows 1–2; rows 0 and 3 are white padding.
    expect(at(contain, spec('contain'), 0, 0)).toBe(1);
    expect(at(contain, spec('contain'), 0, 3)).toBe(1);
    expect(at(contain, spec('contain'), 0, 1)).toBeLessThan(0.1);
    const cover = await decodeImage(png, spec('cover'));
    // Scaled to 8×4 (no change), centre columns 2..5 kept: two black, two white, all rows.
    expect(at(cover, spec('cover'), 0, 0)).toBeLessThan(0.1);
    expect(at(cover, spec('cover'), 0, 3)).toBeLessThan(0.1);
    expect(at(cover, spec('cover'), 3, 3)).toBeGreaterThan(0.9);
  });

  test('zero bytes, truncated, corrupt and non-image inputs are INVALID_IMAGE', async () => {
    const spec = gray(8, 8);
    const png = await raw(64, 64, 3, (x, y, c) => (x * 7 + y * 13 + c * 31) % 256)
      .png()
      .toBuffer();
    const jpeg = await raw(64, 64, 3, (x, y, c) => (x * 7 + y * 13 + c * 31) % 256)
      .jpeg()
      .toBuffer();
    await expectCode(decodeImage(new Uint8Array(0), spec), ErrorCode.INVALID_IMAGE);
    await expectCode(decodeImage(png.subarray(0, Math.floor(png.length / 2)), spec), ErrorCode.INVALID_IMAGE);
    await expectCode(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), spec), ErrorCode.INVALID_IMAGE);
    await expectCode(decodeImage(png.subarray(0, 30), spec), ErrorCode.INVALID_IMAGE);
    await expectCode(decodeImage(Buffer.from('hello, this is not an image'), spec), ErrorCode.INVALID_IMAGE);
    const corrupt = Buffer.from(png);
    for (let i = 60; i < corrupt.length - 20; i += 7) corrupt[i] ^= 0x5a;
    await expectCode(decodeImage(corrupt, spec), ErrorCode.INVALID_IMAGE);
  });

  test('a 50,000×50,000 PNG header fails fast with IMAGE_TOO_LARGE; byte limit gives PAYLOAD_TOO_LARGE', async () => {
    const bomb = pngHeaderOnly(50_000, 50_000);
    const t0 = Date.now();
    await expectCode(decodeImage(bomb, gray(8, 8)), ErrorCode.IMAGE_TOO_LARGE);
    expect(Date.now() - t0).toBeLessThan(2000);
    const small = await raw(100, 100, 1, () => 9)
      .png()
      .toBuffer();
    await expectCode(decodeImage(small, gray(8, 8), { maxPixels: 99 * 100 }), ErrorCode.IMAGE_TOO_LARGE);
    await expectCode(decodeImage(small, gray(8, 8), { maxBytes: 10 }), ErrorCode.PAYLOAD_TOO_LARGE);
    expect((await decodeImage(small, gray(8, 8), { maxPixels: 100 * 100 })).length).toBe(64);
  });

  test('decodeImageFile reads a file and gives the same tensor as decodeImage', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'decode-'));
    try {
      const png = await raw(10, 6, 3, (x, y, c) => (x * 20 + y * 30 + c * 50) % 256)
        .png()
        .toBuffer();
      const file = path.join(dir, 'a.png');
      await fs.writeFile(file, png);
      const spec = rgb(5, 3, { normalize: 'standard', mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.4] });
      expect(Array.from(await decodeImageFile(file, spec))).toEqual(Array.from(await decodeImage(png, spec)));
      await expectCode(decodeImageFile(path.join(dir, 'missing.png'), spec), ErrorCode.INVALID_IMAGE);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
