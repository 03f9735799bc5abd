import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { initBackend } from '../../src/embedding/backend';
import { buildEncoder } from '../../src/embedding/backbones';
import { Embedder } from '../../src/embedding/embedder';
import { EmbeddingPool } from '../../src/embedding/embedding-pool';
import { saveModelDir } from '../../src/embedding/model-store';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { DomainError, ErrorCode } from '../../src/errors';
import { DEFAULT_FACE_STAGE, scaledTemplate } from '../../src/embedding/faces/face-stage-defaults';
import { lfwPhoto } from '../fixtures/face-model';
import { lcg, testCard } from './fixtures';

const spec: PreprocessSpec = { width: 16, height: 16, channels: 1, normalize: 'invert-unit', fit: 'contain' };
const arch: ArchitectureSpec = {
  backbone: 'fast',
  embeddingDim: 8,
  normalization: 'group',
  l2Normalize: true,
  params: { widths: [8, 16] },
};

let root: string;
let dir: string;
let reference: Embedder;
let pool: EmbeddingPool;
let images: Buffer[];

beforeAll(async () => {
  await initBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'pool-'));
  dir = path.join(root, 'model');
  const model = buildEncoder(arch, spec, 21);
  await saveModelDir(dir, model, testCard(arch, spec));
  model.dispose();
  reference = await Embedder.fromDir(dir);
  images = await Promise.all(
    Array.from({ length: 12 }, (_, s) =>
      sharp(Buffer.from(Array.from(lcg(24 * 20, s + 1), (v) => Math.floor((v + 1) * 127.9))), {
        raw: { width: 24, height: 20, channels: 1 },
      })
        .png()
        .toBuffer(),
    ),
  );
  pool = await EmbeddingPool.fromDir(dir, { size: 2, maxBatch: 4, maxWaitMs: 5 });
}, 60_000);

afterAll(async () => {
  await pool?.close();
  reference?.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

describe('EmbeddingPool', () => {
  test('loads the card; concurrent requests of mixed sizes give the single-threaded results, in order', async () => {
    expect(pool.card.architecture).toEqual(arch);
    expect(pool.size).toBe(2);
    const expected = await reference.embedImages(images);
    // 12 images over 5 concurrent requests, batched (maxBatch 4) across 2 workers.
    const groups = [[0], [1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [11]];
    const results = await Promise.all(groups.map((g) => pool.embedImages(g.map((i) => images[i]))));
    groups.forEach((g, k) => {
      expect(results[k].length).toBe(g.length);
      g.forEach((imageIndex, j) => expect(Array.from(results[k][j])).toEqual(Array.from(expected[imageIndex])));
    });
    // Caller's buffers stay usable (the pool transfers copies).
    expect(images[0].length).toBeGreaterThan(0);
  });

  test('embedInputs matches the in-process Embedder', async () => {
    const inputs = [3, 4, 5, 6, 7].map((s) => lcg(16 * 16, s));
    const [a, b] = await Promise.all([pool.embedInputs(inputs), reference.embedInputs(inputs)]);
    a.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(b[i])));
    expect(await pool.embedInputs([])).toEqual([]);
    const bad = await pool.embedInputs([new Float32Array(3)]).catch((e: unknown) => e);
    expect((bad as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
  });

  test("a bad image fails only its own request, even when batched with others'", async () => {
    const [good1, bad, good2, tooLarge] = await Promise.allSettled([
      pool.embedImages([images[0], images[1]]),
      pool.embedImages([images[2], Buffer.from('garbage bytes'), images[3]]),
      pool.embedImages([images[4]]),
      pool.embedImages([images[5]], { maxPixels: 100 }),
    ]);
    expect(good1.status).toBe('fulfilled');
    expect(good2.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    const err = (bad as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe(ErrorCode.INVALID_IMAGE);
    expect(((tooLarge as PromiseRejectedResult).reason as DomainError).code).toBe(ErrorCode.IMAGE_TOO_LARGE);
    const expected = await reference.embedImages([images[4]]);
    expect(Array.from((good2 as PromiseFulfilledResult<Float32Array[]>).value[0])).toEqual(Array.from(expected[0]));
  });

  test('close() finishes in-flight work, then refuses new requests; a missing model fails at start', async () => {
    const second = await EmbeddingPool.fromDir(dir, { size: 1, maxBatch: 2, maxWaitMs: 1 });
    const pending = second.embedImages(images.slice(0, 5));
    await second.close();
    expect((await pending).length).toBe(5);
    await expect(second.embedImages([images[0]])).rejects.toThrow(/closed/);
    const err = await EmbeddingPool.fromDir(path.join(root, 'missing'), { size: 1 }).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe(ErrorCode.MODEL_INCOMPATIBLE);
  });
});

describe('EmbeddingPool with a face stage (face-api in the worker)', () => {
  // A small random encoder behind the default face stage: the worker detects, aligns and crops
  // exactly as the in-process Embedder does, so faces and vectors must agree bit for bit.
  const faceSpec: PreprocessSpec = {
    width: 24,
    height: 24,
    channels: 3,
    normalize: 'standard',
    mean: [0.5],
    std: [0.25],
    fit: 'fill',
    face: { ...DEFAULT_FACE_STAGE, template: scaledTemplate(24, 24) },
  };
  let faceDir: string;
  let faceRef: Embedder;
  let facePool: EmbeddingPool;

  beforeAll(async () => {
    faceDir = path.join(root, 'face-model');
    const model = buildEncoder(arch, faceSpec, 22);
    await saveModelDir(faceDir, model, testCard(arch, faceSpec));
    model.dispose();
    faceRef = await Embedder.fromDir(faceDir);
    facePool = await EmbeddingPool.fromDir(faceDir, { size: 1, maxBatch: 4, maxWaitMs: 5 });
  }, 60_000);

  afterAll(async () => {
    await facePool?.close();
    faceRef?.dispose();
  });

  test('embedImagesWithFaces and detectFaces give the in-process answers; a faceless image fails only its request', async () => {
    const photos = [lfwPhoto('Aaron_Peirsol', 1), lfwPhoto('Serena_Williams', 1)];
    const expected = await faceRef.embedImagesWithFaces(photos);
    expect(expected.every((e) => e.face !== undefined)).toBe(true);
    const blank = await sharp({ create: { width: 105, height: 105, channels: 3, background: { r: 255, g: 255, b: 255 } } })
      .png()
      .toBuffer();
    const [good, faceless, detected] = await Promise.allSettled([
      facePool.embedImagesWithFaces(photos),
      facePool.embedImagesWithFaces([photos[0], blank]),
      facePool.detectFaces(photos[1]),
    ]);
    const got = (good as PromiseFulfilledResult<Awaited<ReturnType<EmbeddingPool['embedImagesWithFaces']>>>).value;
    got.forEach((g, i) => {
      expect(g.face).toEqual(expected[i].face);
      expect(Array.from(g.vector)).toEqual(Array.from(expected[i].vector));
    });
    const err = (faceless as PromiseRejectedResult).reason as DomainError;
    expect(err.code).toBe(ErrorCode.NO_FACE_DETECTED);
    expect(err.details.index).toBe(1);
    expect((detected as PromiseFulfilledResult<unknown>).value).toEqual(await faceRef.detectFaces(photos[1]));
    expect(await facePool.embedImages([photos[0]])).toEqual([got[0].vector]);
  });

  test('a pool without a face stage reports no face and refuses detectFaces', async () => {
    const [r] = await pool.embedImagesWithFaces([images[0]]);
    expect(Object.keys(r)).toEqual(['vector']);
    const err = await pool.detectFaces(images[0]).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe(ErrorCode.BAD_USER_INPUT);
  });
});
