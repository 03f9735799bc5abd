import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { buildEncoder } from '../../src/embedding/backbones';
import { loadModelDir, saveModelDir } from '../../src/embedding/model-store';
import type { ArchitectureSpec, NormLayer } from '../../src/embedding/model-card';
import { DomainError, ErrorCode } from '../../src/errors';
import { lcg, testCard } from './fixtures';

const spec = { width: 16, height: 16, channels: 1 as const, normalize: 'unit' as const, fit: 'fill' as const };
const arch = (backbone: string, normalization: NormLayer): ArchitectureSpec => ({
  backbone,
  embeddingDim: 8,
  normalization,
  l2Normalize: true,
});

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'model-store-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function expectIncompatible(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(ErrorCode.MODEL_INCOMPATIBLE);
  expect((err as DomainError).message).toMatch(pattern);
}

describe('saveModelDir / loadModelDir', () => {
  test.each([
    ['fast', 'batch'],
    ['fast', 'group'],
    ['resnet-small', 'instance'],
    ['seed', 'none'],
  ] as Array<[string, NormLayer]>)('%s/%s: save → load gives identical outputs; fingerprint = sha256(weights.bin)', async (b, n) => {
    const model = buildEncoder(arch(b, n), { height: 16, width: 16, channels: 1 }, 11);
    const dir = path.join(root, `${b}-${n}`);
    const card = await saveModelDir(dir, model, testCard(arch(b, n), spec), { 'roc.svg': '<svg/>' });
    expect((await fs.readdir(dir)).sort()).toEqual(['model-card.json', 'model.json', 'roc.svg', 'weights.bin']);
    const weights = await fs.readFile(path.join(dir, 'weights.bin'));
    expect(card.fingerprint).toBe(createHash('sha256').update(weights).digest('hex'));
    expect(card.version).toBe(card.fingerprint.slice(0, 12));
    expect(JSON.parse(await fs.readFile(path.join(dir, 'model-card.json'), 'utf8'))).toEqual(card);

    const x = tf.tensor4d(lcg(3 * 16 * 16, 2), [3, 16, 16, 1]);
    const loaded = await loadModelDir(dir);
    expect(loaded.card).toEqual(card);
    const a = model.predict(x) as tf.Tensor;
    const c = loaded.model.predict(x) as tf.Tensor;
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));

    // Saving the same weights again gives the same fingerprint, and replaces the directory.
    const again = await saveModelDir(dir, loaded.model, { ...testCard(arch(b, n), spec), version: 'v-explicit' });
    expect(again.fingerprint).toBe(card.fingerprint);
    expect(again.version).toBe('v-explicit');
    expect((await fs.readdir(dir)).sort()).toEqual(['model-card.json', 'model.json', 'weights.bin']);
    expect((await fs.readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);
    tf.dispose([x, a, c]);
    model.dispose();
    loaded.model.dispose();
  });

  test('missing, corrupt and mismatched files are MODEL_INCOMPATIBLE with a clear message', async () => {
    const model = buildEncoder(arch('fast', 'none'), { height: 16, width: 16, channels: 1 }, 1);
    const dir = path.join(root, 'broken');
    await saveModelDir(dir, model, testCard(arch('fast', 'none'), spec));
    model.dispose();
    const restore = async () => {
      await fs.rm(dir, { recursive: true, force: true });
      const m = buildEncoder(arch('fast', 'none'), { height: 16, width: 16, channels: 1 }, 1);
      await saveModelDir(dir, m, testCard(arch('fast', 'none'), spec));
      m.dispose();
    };

    await expectIncompatible(loadModelDir(path.join(root, 'nowhere')), /model-card.json is missing/);

    await fs.rm(path.join(dir, 'weights.bin'));
    await expectIncompatible(loadModelDir(dir), /weights.bin is missing/);
    await restore();

    const w = await fs.readFile(path.join(dir, 'weights.bin'));
    await fs.writeFile(path.join(dir, 'weights.bin'), w.subarray(0, w.length - 4));
    await expectIncompatible(loadModelDir(dir), /bytes; the manifest describes/);
    w[0] ^= 1;
    await fs.writeFile(path.join(dir, 'weights.bin'), w);
    await expectIncompatible(loadModelDir(dir), /fingerprint/);
    await restore();

    await fs.writeFile(path.join(dir, 'model.json'), '{ not json');
    await expectIncompatible(loadModelDir(dir), /model.json is not valid JSON/);
    await restore();

    const cardPath = path.join(dir, 'model-card.json');
    const card = JSON.parse(await fs.readFile(cardPath, 'utf8'));
    await fs.writeFile(cardPath, JSON.stringify({ ...card, formatVersion: 2 }));
    await expectIncompatible(loadModelDir(dir), /formatVersion/);
    await fs.writeFile(cardPath, JSON.stringify({ ...card, architecture: { ...card.architecture, embeddingDim: 9 } }));
    await expectIncompatible(loadModelDir(dir), /embeddingDim 9/);
  });
});
