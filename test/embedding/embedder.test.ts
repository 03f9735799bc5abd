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
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { DomainError, ErrorCode } from '../../src/errors';
import { lcg, testCard } from './fixtures';

const spec: PreprocessSpec = { width: 12, height: 10, channels: 3, normalize: 'standard', mean: [0.5], std: [0.25], fit: 'cover' };
const arch: ArchitectureSpec = { backbone: 'fast', embeddingDim: 6, normalization: 'batch', l2Normalize: true, params: { widths: [8, 16] } };

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
  return sharp(px, { raw: { width: 20, height: 16, channels: 3 } }).png().toBuffer();
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
    expectRowsClose(a, direct.map((r) => Float32Array.from(r)));
    expectRowsClose(b, a);
    // Each row is its own copy, not a view into a shared buffer.
    expect(a[0].buffer).not.toBe(a[1].buffer);
    expect(await whole.embedInputs([])).toEqual([]);
    whole.dispose();
    chunked.dispose();
  });

  test('embedImages = decodeImage + embedInputs; a bad image rejects with its DomainError; bad input length is BAD_USER_INPUT', async () => {
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
