import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { buildEncoder } from '../../src/embedding/backbones';
import { Embedder } from '../../src/embedding/embedder';
import { saveModelDir } from '../../src/embedding/model-store';
import { decodeImage } from '../../src/embedding/preprocess/decode-image';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { DEFAULT_FACE_STAGE, scaledTemplate } from '../../src/embedding/faces/face-stage-defaults';
import type { FaceDetector } from '../../src/embedding/faces/face-detector.port';
import type { DetectedFace, FaceInfo, Point } from '../../src/embedding/faces/face.types';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { DomainError, ErrorCode } from '../../src/errors';
import { lcg, testCard } from './fixtures';

const spec: PreprocessSpec = { width: 12, height: 10, channels: 3, normalize: 'standard', mean: [0.5], std: [0.25], fit: 'cover' };
const arch: ArchitectureSpec = {
  backbone: 'fast',
  embeddingDim: 6,
  normalization: 'batch',
  l2Normalize: true,
  params: { widths: [8, 16] },
};

let root: string;
let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'embedder-'));
  dir = path.join(root, 'model');
  const model = buildEncoder(arch, spec, 5);
  await saveModelDir(dir, model, testCard(arch, spec));
  model.dispose();
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const png = (seed: number) => {
  const px = Buffer.from(Array.from(lcg(20 * 16 * 3, seed), (v) => Math.floor((v + 1) * 127.9)));
  return sharp(px, { raw: { width: 20, height: 16, channels: 3 } })
    .png()
    .toBuffer();
};

function expectRowsClose(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i].length);
    row.forEach((v, j) => expect(Math.abs(v - b[i][j])).toBeLessThan(1e-5));
  });
}

describe('Embedder', () => {
  test('embedInputs equals model.predict row by row, chunked by maxBatch, in order, without leaks', async () => {
    const whole = await Embedder.fromDir(dir);
    const chunked = await Embedder.fromDir(dir, { maxBatch: 2 });
    expect(whole.card.architecture).toEqual(arch);
    expect(whole.dim).toBe(6);
    const inputs = [1, 2, 3, 4, 5].map((s) => lcg(10 * 12 * 3, s));
    const before = tf.memory().numTensors;
    const a = await whole.embedInputs(inputs);
    const b = await chunked.embedInputs(inputs);
    expect(tf.memory().numTensors).toBe(before);
    const direct = tf.tidy(() => {
      const x = tf.stack(inputs.map((v) => tf.tensor3d(v, [10, 12, 3])));
      return (whole.model.predict(x) as tf.Tensor).arraySync() as number[][];
    });
    expectRowsClose(
      a,
      direct.map((r) => Float32Array.from(r)),
    );
    expectRowsClose(b, a);
    // Each row is its own copy, not a view into a shared buffer.
    expect(a[0].buffer).not.toBe(a[1].buffer);
    expect(await whole.embedInputs([])).toEqual([]);
    whole.dispose();
    chunked.dispose();
  });

  test('embedImages = decodeImage + embedInputs (models without a face stage: unchanged); a bad image rejects with its DomainError; bad input length is BAD_USER_INPUT', async () => {
    const e = await Embedder.fromDir(dir);
    const images = await Promise.all([7, 8, 9].map(png));
    const viaImages = await e.embedImages(images);
    const viaInputs = await e.embedInputs(await Promise.all(images.map((b) => decodeImage(b, spec))));
    expectRowsClose(viaImages, viaInputs);
    const err = await e.embedImages([images[0], Buffer.from('not an image')]).catch((x: unknown) => x);
    expect((err as DomainError).code).toBe(ErrorCode.INVALID_IMAGE);
    const tooBig = await e.embedImages([images[0]], { maxPixels: 10 }).catch((x: unknown) => x);
    expect((tooBig as DomainError).code).toBe(ErrorCode.IMAGE_TOO_LARGE);
    const bad = await e.embedInputs([new Float32Array(5)]).catch((x: unknown) => x);
    expect((bad as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
    e.dispose();
    await expect(e.embedInputs([])).rejects.toThrow(/disposed/);
  });
});

describe('Embedder with a face stage (stub detector)', () => {
  // A 128×96 photo is shrunk on load to 64×48 (maxSide 64): the stub sees 64-wide images and
  // every coordinate it returns comes back ×2, in the uploaded image's pixels.
  const faceSpec: PreprocessSpec = { ...spec, fit: 'fill', face: { ...DEFAULT_FACE_STAGE, template: scaledTemplate(12, 10), maxSide: 64 } };

  /** 68 landmarks at `rest`, with the six points of each eye, the nose tip (30) and the mouth corners (48, 54) placed. */
  const landmarks = (rest: Point, leftEye: Point[], rightEye: Point[], nose: Point, mouthLeft: Point, mouthRight: Point): Point[] => {
    const pts = Array.from({ length: 68 }, () => ({ ...rest }));
    leftEye.forEach((p, i) => (pts[36 + i] = p));
    rightEye.forEach((p, i) => (pts[42 + i] = p));
    pts[30] = nose;
    pts[48] = mouthLeft;
    pts[54] = mouthRight;
    return pts;
  };
  const six = (p: Point): Point[] => Array.from({ length: 6 }, () => ({ ...p }));
  // Left eye: six points whose mean is (20, 16).
  const big: DetectedFace = {
    box: { x: 10, y: 6, width: 36, height: 36 },
    score: 0.93,
    landmarks: landmarks(
      { x: 30, y: 20 },
      [
        { x: 19, y: 16 },
        { x: 21, y: 16 },
        { x: 20, y: 15 },
        { x: 20, y: 17 },
        { x: 19, y: 16 },
        { x: 21, y: 16 },
      ],
      six({ x: 36, y: 16 }),
      { x: 28, y: 24 },
      { x: 22, y: 32 },
      { x: 34, y: 32 },
    ),
  };
  const small: DetectedFace = {
    box: { x: 50, y: 36, width: 10, height: 8 },
    score: 0.71,
    landmarks: landmarks(
      { x: 55, y: 40 },
      six({ x: 53, y: 39 }),
      six({ x: 57, y: 39 }),
      { x: 55, y: 40.5 },
      { x: 54, y: 42 },
      { x: 56, y: 42 },
    ),
  };
  // Hand-derived: box, eye means, nose and mouth corners, all ×2.
  const bigInfo: FaceInfo = {
    box: { x: 20, y: 12, width: 72, height: 72 },
    score: 0.93,
    keypoints: [
      { x: 40, y: 32 },
      { x: 72, y: 32 },
      { x: 56, y: 48 },
      { x: 44, y: 64 },
      { x: 68, y: 64 },
    ],
  };
  const smallInfo: FaceInfo = {
    box: { x: 100, y: 72, width: 20, height: 16 },
    score: 0.71,
    keypoints: [
      { x: 106, y: 78 },
      { x: 114, y: 78 },
      { x: 110, y: 81 },
      { x: 108, y: 84 },
      { x: 112, y: 84 },
    ],
  };
  // Faces only in 64-wide frames: a 40×40 image (and its padded retries, 60 wide) has none.
  const stub: FaceDetector = { detect: async (image) => (image.width === 64 ? [small, big] : []) };
  const photo = (w: number, h: number, seed: number) =>
    sharp(Buffer.from(Array.from(lcg(w * h * 3, seed), (v) => Math.floor((v + 1) * 127.9))), { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer();

  let faceDir: string;
  beforeAll(async () => {
    faceDir = path.join(root, 'face-model');
    const model = buildEncoder(arch, faceSpec, 5);
    await saveModelDir(faceDir, model, testCard(arch, faceSpec));
    model.dispose();
  });

  test("embedImagesWithFaces embeds the largest face and reports it in the uploaded image's pixels, without leaks", async () => {
    const e = await Embedder.fromDir(faceDir, { faceDetector: stub });
    expect(e.hasFaceStage).toBe(true);
    const img = await photo(128, 96, 3);
    const before = tf.memory().numTensors;
    const [got] = await e.embedImagesWithFaces([img]);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.face).toEqual(bigInfo);
    // The vector is the encoder's output for preprocessImage's crop, and embedImages gives the same.
    const { input, face } = await preprocessImage(img, faceSpec, {}, stub);
    expect(face).toEqual(bigInfo);
    expectRowsClose([got.vector], await e.embedInputs([input]));
    expectRowsClose(await e.embedImages([img]), [got.vector]);
    e.dispose();
  });

  test('a faceless image is NO_FACE_DETECTED with its position; detectFaces lists every face, largest first', async () => {
    const e = await Embedder.fromDir(faceDir, { faceDetector: stub });
    const err = await e.embedImagesWithFaces([await photo(128, 96, 4), await photo(40, 40, 5)]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe(ErrorCode.NO_FACE_DETECTED);
    expect((err as DomainError).details.index).toBe(1);
    expect(await e.detectFaces(await photo(128, 96, 6))).toEqual([bigInfo, smallInfo]);
    expect(await e.detectFaces(await photo(40, 40, 7))).toEqual([]);
    e.dispose();
  });

  test('without a face stage: no face reported (same vectors as before), detectFaces is BAD_USER_INPUT, bad images carry their index', async () => {
    const e = await Embedder.fromDir(dir);
    expect(e.hasFaceStage).toBe(false);
    const images = await Promise.all([7, 8].map(png));
    const withFaces = await e.embedImagesWithFaces(images);
    withFaces.forEach((r) => expect(Object.keys(r)).toEqual(['vector']));
    // Bit for bit what decodeImage + the encoder gave before the face stage existed.
    const before = await e.embedInputs(await Promise.all(images.map((b) => decodeImage(b, spec))));
    expect(withFaces.map((r) => Array.from(r.vector))).toEqual(before.map((v) => Array.from(v)));
    const refused = await e.detectFaces(images[0]).catch((x: unknown) => x);
    expect((refused as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
    const bad = await e.embedImages([images[0], Buffer.from('not an image')]).catch((x: unknown) => x);
    expect((bad as DomainError).details.index).toBe(1);
    e.dispose();
  });
});
