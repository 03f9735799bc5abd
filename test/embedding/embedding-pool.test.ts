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
import { lcg, testCard } from './fixtures';

const spec: PreprocessSpec = { width: 16, height: 16, channels: 1, normalize: 'invert-unit', fit: 'contain' };
const arch: ArchitectureSpec = { backbone: 'fast', embeddingDim: 8, normalization: 'group', l2Normalize: true, params: { widths: [8, 16] } };

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
      sharp(Buffer.from(Array.from(lcg(24 * 20, s + 1), (v) => Math.floor((v + 1) * 127.9))), { raw: { width: 24, height: 20, channels: 1 } })
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
