import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { FaceApiDetector } from '../../../src/embedding/faces/face-api.detector';
import { alignFace, detectAllFaces, FACE_MIN_DECLARED_PIXELS, loadPhoto } from '../../../src/embedding/faces/face-stage';
import { DEFAULT_FACE_STAGE, faceResnetPreprocessing } from '../../../src/embedding/faces/face-stage-defaults';
import type { FaceBox } from '../../../src/embedding/faces/face.types';
import { decodeImage } from '../../../src/embedding/preprocess/decode-image';
import { preprocessImage } from '../../../src/embedding/preprocess/preprocess-image';
import { ErrorCode } from '../../../src/errors';
import { centre, expectCode, lfw, pngHeaderOnly, SpyDetector, unusedDetector } from './face-fixtures';

const detector = new FaceApiDetector();
const spec = faceResnetPreprocessing();

beforeAll(async () => {
  await initBackend('wasm');
  await detectAllFaces(lfw('AJ_Cook'), DEFAULT_FACE_STAGE, detector); // loads the networks before the leak checks
}, 60_000);

const inside = (p: { x: number; y: number }, r: FaceBox) => p.x > r.x && p.x < r.x + r.width && p.y > r.y && p.y < r.y + r.height;

describe('several faces in one photo', () => {
  // Three LFW photos pasted at different sizes onto a 720×340 grey canvas.
  const pasted = {
    big: { person: 'Aaron_Eckhart', box: { x: 240, y: 10, width: 320, height: 320 } },
    middle: { person: 'AJ_Cook', box: { x: 10, y: 100, width: 220, height: 220 } },
    small: { person: 'Abbas_Kiarostami', box: { x: 550, y: 170, width: 160, height: 160 } },
  };
  async function collage(): Promise<Buffer> {
    const layers = await Promise.all(
      Object.values(pasted).map(async ({ person, box }) => ({
        input: await sharp(lfw(person)).resize(box.width, box.height).toBuffer(),
        left: box.x,
        top: box.y,
      })),
    );
    return sharp({ create: { width: 720, height: 340, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .composite(layers)
      .jpeg({ quality: 90 })
      .toBuffer();
  }

  test('detectAllFaces finds all three, largest first, each inside its own pasted photo; alignFace uses the largest', async () => {
    const bytes = await collage();
    const faces = await detectAllFaces(bytes, DEFAULT_FACE_STAGE, detector);
    expect(faces).toHaveLength(3);
    const areas = faces.map((f) => f.box.width * f.box.height);
    expect(areas[0]).toBeGreaterThan(areas[1]);
    expect(areas[1]).toBeGreaterThan(areas[2]);
    expect(inside(centre(faces[0].box), pasted.big.box)).toBe(true);
    expect(inside(centre(faces[1].box), pasted.middle.box)).toBe(true);
    expect(inside(centre(faces[2].box), pasted.small.box)).toBe(true);
    // Each face is about as wide as half its (square) photo: LFW faces fill ~40–60 % of the 250-px frame.
    faces.forEach((f, i) => {
      const side = Object.values(pasted)[i].box.width;
      expect(f.box.width / side).toBeGreaterThan(0.3);
      expect(f.box.width / side).toBeLessThan(0.75);
    });

    const before = tf.memory().numTensors;
    const aligned = await alignFace(bytes, spec, detector);
    expect(tf.memory().numTensors).toBe(before);
    expect(aligned.face).toEqual(faces[0]);
  });
});

describe('large photos: shrink on load', () => {
  let big: Buffer; // a 250-px LFW photo upscaled 16× to 4000×4000 (16 MP)
  beforeAll(async () => {
    big = await sharp(lfw('Aaron_Eckhart')).resize(4000, 4000).jpeg({ quality: 80 }).toBuffer();
  });

  test('the 16 MP photo is decoded at most 1024 px on a side: scale 4000/1024 = 3.90625', async () => {
    const photo = await loadPhoto(big, DEFAULT_FACE_STAGE);
    expect([photo.image.width, photo.image.height]).toEqual([1024, 1024]);
    expect(photo.image.data).toHaveLength(1024 * 1024 * 3);
    expect(photo.scale).toBe(3.90625);
    // A small photo is never enlarged.
    const small = await loadPhoto(lfw('Aaron_Eckhart'), DEFAULT_FACE_STAGE);
    expect([small.image.width, small.image.height, small.scale]).toEqual([250, 250, 1]);
    const shrunk = await loadPhoto(big, { ...DEFAULT_FACE_STAGE, maxSide: 500 });
    expect([shrunk.image.width, shrunk.scale]).toEqual([500, 8]);
  });

  test('it is detected (not refused, even under a 1 MP limit) and the box is in the original 4000-px coordinates (≈ 16× the 250-px box)', async () => {
    const [small] = await detectAllFaces(lfw('Aaron_Eckhart'), DEFAULT_FACE_STAGE, detector);
    // The whole-image path refuses the header under a 1 MP limit; the face stage reads the header up to 64 MP.
    await expectCode(
      decodeImage(big, { width: 150, height: 150, channels: 3, normalize: 'unit', fit: 'fill' }, { maxPixels: 1_000_000 }),
      ErrorCode.IMAGE_TOO_LARGE,
    );
    for (const limits of [{}, { maxPixels: 1_000_000 }]) {
      const spy = new SpyDetector(detector);
      const faces = await detectAllFaces(big, DEFAULT_FACE_STAGE, spy, limits);
      expect(spy.calls[0]).toEqual({ detector: 'tiny', width: 1024, height: 1024 });
      expect(faces).toHaveLength(1);
      const { box } = faces[0];
      const tolerance = 0.05 * 16 * small.box.width; // 5 % of the face's width
      expect(Math.abs(box.x - 16 * small.box.x)).toBeLessThan(tolerance);
      expect(Math.abs(box.y - 16 * small.box.y)).toBeLessThan(tolerance);
      expect(Math.abs(box.width - 16 * small.box.width)).toBeLessThan(tolerance);
      expect(Math.abs(box.height - 16 * small.box.height)).toBeLessThan(tolerance);
      faces[0].keypoints.forEach((p, i) => {
        expect(Math.abs(p.x - 16 * small.keypoints[i].x)).toBeLessThan(tolerance);
        expect(Math.abs(p.y - 16 * small.keypoints[i].y)).toBeLessThan(tolerance);
      });
    }
    const prepared = await preprocessImage(big, spec, { maxPixels: 1_000_000 }, detector);
    expect(prepared.input).toHaveLength(150 * 150 * 3);
    expect(prepared.face!.box.width).toBeGreaterThan(1000);
  });

  test('a declared-size bomb beyond the limit is still IMAGE_TOO_LARGE, from the header, before any detection', async () => {
    const bomb = pngHeaderOnly(50_000, 50_000);
    const t0 = Date.now();
    await expectCode(alignFace(bomb, spec, unusedDetector), ErrorCode.IMAGE_TOO_LARGE);
    await expectCode(detectAllFaces(bomb, DEFAULT_FACE_STAGE, unusedDetector), ErrorCode.IMAGE_TOO_LARGE);
    await expectCode(preprocessImage(bomb, spec, {}, unusedDetector), ErrorCode.IMAGE_TOO_LARGE);
    expect(Date.now() - t0).toBeLessThan(3000);
    // The face stage's header limit is max(limits.maxPixels, 64 MP): 8000 × 8001 = 64,008,000 is over it …
    expect(FACE_MIN_DECLARED_PIXELS).toBe(8000 * 8000);
    const err = await expectCode(
      loadPhoto(pngHeaderOnly(8000, 8001), DEFAULT_FACE_STAGE, { maxPixels: 1_000_000 }),
      ErrorCode.IMAGE_TOO_LARGE,
    );
    expect(err.details).toMatchObject({ maxPixels: 64_000_000 });
    // … while 8000 × 8000 = 64,000,000 is at it: the header passes, and the missing pixel data is INVALID_IMAGE …
    await expectCode(loadPhoto(pngHeaderOnly(8000, 8000), DEFAULT_FACE_STAGE, { maxPixels: 1_000_000 }), ErrorCode.INVALID_IMAGE);
    // … and a larger configured limit raises it: then 8000 × 8001 passes the header check too.
    await expectCode(loadPhoto(pngHeaderOnly(8000, 8001), DEFAULT_FACE_STAGE, { maxPixels: 70_000_000 }), ErrorCode.INVALID_IMAGE);
    // The byte limit still applies.
    await expectCode(loadPhoto(big, DEFAULT_FACE_STAGE, { maxBytes: 1000 }), ErrorCode.PAYLOAD_TOO_LARGE);
  });
});
