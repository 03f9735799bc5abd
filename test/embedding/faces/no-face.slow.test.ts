import { readFileSync } from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/embedding/backend';
import { FaceApiDetector } from '../../../src/embedding/faces/face-api.detector';
import { alignFace, detectAllFaces } from '../../../src/embedding/faces/face-stage';
import { DEFAULT_FACE_STAGE, faceResnetPreprocessing } from '../../../src/embedding/faces/face-stage-defaults';
import type { PreprocessSpec } from '../../../src/embedding/model-card';
import { preprocessImage } from '../../../src/embedding/preprocess/preprocess-image';
import { ErrorCode } from '../../../src/errors';
import { expectCode, noiseBytes, OMNIGLOT, SpyDetector, unusedDetector } from './face-fixtures';

/** Images without a face: the face stage answers NO_FACE_DETECTED after every detector and the padding retry. */
const detector = new FaceApiDetector();
const spec = faceResnetPreprocessing();

const omniglot = () => readFileSync(path.join(OMNIGLOT, 'images_background_small1', 'Greek', 'character01', '0394_01.png'));
const white = () =>
  sharp({ create: { width: 200, height: 160, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .png()
    .toBuffer();
const noise = () =>
  sharp(noiseBytes(200 * 200 * 3, 12345), { raw: { width: 200, height: 200, channels: 3 } })
    .png()
    .toBuffer();

beforeAll(async () => {
  await initBackend('wasm');
  // Load the networks (and let each allocate what it keeps) before any leak check.
  const warm = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .png()
    .toBuffer();
  await detectAllFaces(warm, DEFAULT_FACE_STAGE, detector);
}, 60_000);

describe('NO_FACE_DETECTED', () => {
  test.each([
    // [name, image, width, height]: the padded frame is width + 2·round(max·0.25) on each axis
    ['an Omniglot character (105×105)', omniglot, 105, 105, 26],
    ['a blank white image (200×160)', white, 200, 160, 50],
    ['random noise (200×200)', noise, 200, 200, 50],
  ] as const)('%s: tiny, SSD, then both on the padded frame; no tensors leak', async (_name, make, w, h, pad) => {
    const bytes = await make();
    const spy = new SpyDetector(detector);
    const before = tf.memory().numTensors;
    const err = await expectCode(alignFace(bytes, spec, spy), ErrorCode.NO_FACE_DETECTED);
    expect(tf.memory().numTensors).toBe(before);
    expect(err.message).toBe('no face was found in the image');
    expect(err.details).toEqual({ detector: 'tiny' });
    const padded = { width: w + 2 * pad, height: h + 2 * pad };
    expect(spy.calls).toEqual([
      { detector: 'tiny', width: w, height: h },
      { detector: 'ssd', width: w, height: h },
      { detector: 'tiny', ...padded },
      { detector: 'ssd', ...padded },
    ]);
  });

  test('detectAllFaces answers an empty list instead of an error', async () => {
    expect(await detectAllFaces(await white(), DEFAULT_FACE_STAGE, detector)).toEqual([]);
  });

  test('through preprocessImage (the entry of every path) with a face stage; the same image without one is just fitted', async () => {
    const bytes = omniglot();
    await expectCode(preprocessImage(bytes, spec, {}, detector), ErrorCode.NO_FACE_DETECTED);
    const plain: PreprocessSpec = { width: 20, height: 20, channels: 1, normalize: 'unit', fit: 'fill' };
    const prepared = await preprocessImage(bytes, plain, {}, unusedDetector);
    expect(prepared.input).toHaveLength(400);
    expect(prepared.face).toBeUndefined();
  });

  test('what is not an image stays INVALID_IMAGE (decoding comes before detection)', async () => {
    await expectCode(preprocessImage(Buffer.from('definitely not a face'), spec, {}, unusedDetector), ErrorCode.INVALID_IMAGE);
    await expectCode(preprocessImage(new Uint8Array(0), spec, {}, unusedDetector), ErrorCode.INVALID_IMAGE);
  });
});
