import sharp from 'sharp';
import { gzipSync } from 'zlib';
import { decodeImage, probeImage } from '../../src/embedding/preprocess/decode-image';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { faceResnetPreprocessing } from '../../src/embedding/faces/face-stage-defaults';
import type { ModelCard, PreprocessSpec } from '../../src/embedding/model-card';
import { ErrorCode } from '../../src/errors';
import { DecodeAdmission } from '../../src/services/decode-admission';
import { runAdmitted } from '../../src/services/service-context';
import type { ServingModel } from '../../src/services/serving-model';
import type { Limits } from '../../src/config';
import { expectCode, pngHeaderOnly, unusedDetector } from './faces/face-fixtures';

/**
 * Issue 13, CPU-heavy images: SVG is refused unless allowed (before librsvg
 * parses it), other formats libvips recognises but we do not accept are
 * refused from the header, and the services weigh each image by its declared
 * megapixels before admitting it to a decode.
 */
const spec: PreprocessSpec = { width: 8, height: 8, channels: 1, normalize: 'unit', fit: 'fill' };
const XLINK = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';

const smallSvg = `<svg ${XLINK} width="16" height="16"><rect width="16" height="16" fill="#000"/></svg>`;

/** ~2 KB of nested <use>: 10^levels rectangles for librsvg to draw (levels 5: 100,000; levels 6 hits librsvg's 500,000 cap after seconds). */
function nestedUseSvg(levels: number, fan = 10): Buffer {
  let s = `<svg ${XLINK} width="256" height="256"><defs><rect id="l0" width="1" height="1" fill="#000"/>`;
  for (let i = 1; i <= levels; i++) {
    s += `<g id="l${i}">`;
    for (let j = 0; j < fan; j++) s += `<use xlink:href="#l${i - 1}" x="${j}" y="${j}"/>`;
    s += '</g>';
  }
  return Buffer.from(`${s}</defs><use xlink:href="#l${levels}"/></svg>`);
}

describe('image formats (issue 13)', () => {
  test.each([
    ['plain SVG', Buffer.from(smallSvg)],
    ['SVG with an XML prolog, a comment and a doctype', Buffer.from(`<?xml version="1.0"?>\n<!-- hi -->\n<!DOCTYPE svg>\n${smallSvg}`)],
    ['SVG after a UTF-8 BOM and whitespace', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n  ${smallSvg}`)])],
    ['UTF-16 SVG', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(smallSvg, 'utf16le')])],
    ['gzip-compressed SVG (SVGZ)', gzipSync(smallSvg)],
  ])('%s is UNSUPPORTED_IMAGE by default, on the whole-image and the face path', async (_name, bytes) => {
    const err = await expectCode(decodeImage(bytes, spec), ErrorCode.UNSUPPORTED_IMAGE);
    expect(err.message).toMatch(/not accepted/);
    await expectCode(probeImage(bytes), ErrorCode.UNSUPPORTED_IMAGE);
    // The face path refuses it before any decoder or detector runs.
    await expectCode(preprocessImage(bytes, faceResnetPreprocessing(), {}, unusedDetector), ErrorCode.UNSUPPORTED_IMAGE);
  });

  test('a nested-<use> SVG (seconds of librsvg CPU) is refused without being rendered', async () => {
    const bomb = nestedUseSvg(5);
    expect(bomb.length).toBeLessThan(2500);
    const t = performance.now();
    await expectCode(decodeImage(bomb, spec), ErrorCode.UNSUPPORTED_IMAGE);
    await expectCode(preprocessImage(bomb, faceResnetPreprocessing(), {}, unusedDetector), ErrorCode.UNSUPPORTED_IMAGE);
    // Only a "did not render" bound: rendering it takes librsvg about a second or more.
    expect(performance.now() - t).toBeLessThan(500);
  });

  test('SVG is decoded when allowed (allowSvg), as before', async () => {
    const t = await decodeImage(Buffer.from(smallSvg), spec, { allowSvg: true });
    expect(t.length).toBe(64);
    expect(Math.max(...t)).toBeLessThan(0.05); // a black square
    expect(await probeImage(Buffer.from(smallSvg), { allowSvg: true })).toEqual({ format: 'svg', width: 16, height: 16 });
  });

  test('raster formats still decode, and a text file is still INVALID_IMAGE (not UNSUPPORTED_IMAGE)', async () => {
    const base = sharp({ create: { width: 10, height: 6, channels: 3, background: { r: 0, g: 0, b: 0 } } });
    for (const bytes of [
      await base.clone().png().toBuffer(),
      await base.clone().jpeg().toBuffer(),
      await base.clone().webp().toBuffer(),
      await base.clone().gif().toBuffer(),
      await base.clone().tiff().toBuffer(),
    ]) {
      expect((await decodeImage(bytes, spec)).length).toBe(64);
    }
    await expectCode(decodeImage(Buffer.from('hello, <b>not</b> an image'), spec), ErrorCode.INVALID_IMAGE);
  });

  test('probeImage reads format and declared size from the header only, and holds the pixel budget', async () => {
    // A PNG header declaring 4096×4096 with no pixel data: nothing is decoded.
    expect(await probeImage(pngHeaderOnly(4096, 4096))).toEqual({ format: 'png', width: 4096, height: 4096 });
    const err = await expectCode(probeImage(pngHeaderOnly(4096, 4097), { maxPixels: 4096 * 4096 }), ErrorCode.IMAGE_TOO_LARGE);
    expect(err.details.maxPixels).toBe(4096 * 4096);
  });
});

describe('runAdmitted weighs an image job by declared megapixels (issue 13)', () => {
  const limits = { maxPixels: 4096 * 4096, maxUploadBytes: 5 * 2 ** 20, allowSvg: false, decodeTimeoutMs: 0 } as unknown as Limits;
  const model = (face: boolean) =>
    ({ card: { preprocessing: face ? faceResnetPreprocessing() : spec } as unknown as ModelCard }) as unknown as ServingModel;

  test('units = Σ max(1, ⌈megapixels⌉); an allowed SVG takes the whole budget; a refused one never queues', async () => {
    const admission = new DecodeAdmission({ capacity: 64, maxQueued: 0, maxWaitMs: 0, jobTimeoutMs: 0 });
    const unitsOf = (images: Buffer[], l: Limits = limits) =>
      runAdmitted(
        admission,
        model(false),
        images,
        images.map((_, i) => `i${i}`),
        l,
        async () => admission.stats().runningUnits,
      );
    const tiny = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    expect(await unitsOf([tiny])).toBe(1);
    expect(await unitsOf([tiny, tiny])).toBe(2);
    // 4096² = 16.78 MP → 17 units; 2000×1500 = 3.0 MP → 3.
    expect(await unitsOf([pngHeaderOnly(4096, 4096)])).toBe(17);
    expect(await unitsOf([pngHeaderOnly(2000, 1500), tiny])).toBe(4);
    // An allowed SVG weighs the whole budget; one job takes at most 64 − ⌈64/8⌉ = 56 units.
    expect(await unitsOf([Buffer.from(smallSvg)], { ...limits, allowSvg: true } as Limits)).toBe(56);
    const err = await expectCode(unitsOf([tiny, nestedUseSvg(5)]), ErrorCode.UNSUPPORTED_IMAGE);
    expect(err.details.argument).toBe('i1');
    expect(admission.stats()).toMatchObject({ runningUnits: 0, queuedUnits: 0, shed: 0 });
  });

  test('a face model accepts the face stage’s larger declared sizes (it shrinks on load)', async () => {
    const admission = new DecodeAdmission({ capacity: 64, maxQueued: 0, maxWaitMs: 0, jobTimeoutMs: 0 });
    const run = (m: ServingModel) =>
      runAdmitted(admission, m, [pngHeaderOnly(6000, 4000)], ['image'], limits, async () => admission.stats().runningUnits);
    expect(await run(model(true))).toBe(24);
    await expectCode(run(model(false)), ErrorCode.IMAGE_TOO_LARGE);
  });
});
