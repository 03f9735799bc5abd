import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExactIndex } from '../../src/index/exact.index';
import { HnswIndex } from '../../src/index/hnsw.index';
import { checkHnswLayout, indexFilePath, isLoadFailure, loadIndex, saveIndex, sidecarPath } from '../../src/index/index-store';
import { randomVectors } from './vector-index.contract';

/**
 * Issue 13 item 2: no truncated index file is ever trusted. hnswlib writes
 * through a std::ofstream and checks no error, so on a full disk
 * `writeIndexSync` returns normally with a short (often empty) file, and the
 * old save path put a sidecar with that short file's checksum beside it. Here
 * the short write is simulated by cutting the file hnswlib just wrote.
 */
const META = { modelFingerprint: 'a'.repeat(64), modelVersion: 'aaaaaaaaaaaa' };
const DIM = 8;
const EXPECTED = { modelFingerprint: META.modelFingerprint, metric: 'euclidean' as const, dimension: DIM };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-truncation-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

function hnswWith(n: number, seed: number): HnswIndex {
  const index = new HnswIndex({ metric: 'euclidean', dimension: DIM, M: 8, efConstruction: 40, initialCapacity: 16 });
  randomVectors(n, DIM, seed).forEach((v, i) => index.add(i + 1, v));
  return index;
}

const snapshot = () =>
  Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]),
  );

describe('a save whose hnsw file comes out short', () => {
  // Cut points: nothing written, part of the header, into the level-0 data, the last byte missing.
  test.each([
    ['empty', () => 0],
    ['half a header', () => 48],
    ['half the file', (size: number) => Math.floor(size / 2)],
    ['one byte short', (size: number) => size - 1],
  ])('%s: throws, and the saved index and sidecar stay as they were', (_name, cut) => {
    saveIndex(dir, 'gallery', hnswWith(40, 1), META);
    const before = snapshot();

    const bigger = hnswWith(90, 2);
    const write = HnswIndex.prototype.writeTo;
    jest.spyOn(HnswIndex.prototype, 'writeTo').mockImplementation(function (this: HnswIndex, file: string) {
      write.call(this, file);
      fs.truncateSync(file, cut(fs.statSync(file).size));
    });
    expect(() => saveIndex(dir, 'gallery', bigger, META)).toThrow(/not written completely/);

    expect(snapshot()).toEqual(before); // nothing replaced, no temp file left
    const r = loadIndex(dir, 'gallery', EXPECTED);
    if (isLoadFailure(r)) throw new Error(`the previous index no longer loads: ${r.reason} ${r.detail}`);
    expect(r.index.size).toBe(40);
  });
});

test('the exact index file is complete even when the OS writes only part of each buffer', () => {
  const index = new ExactIndex({ metric: 'euclidean', dimension: DIM, initialCapacity: 4 });
  randomVectors(30, DIM, 3).forEach((v, i) => index.add(i * 2, v));
  // fs.writeSync may return fewer bytes than asked (a nearly full disk): at most 7 bytes per call here.
  // The module object itself (the `import * as` namespace is read-only; index-store reads through to it).
  const nodeFs = require('node:fs') as typeof fs;
  const writeSync = nodeFs.writeSync;
  jest.spyOn(nodeFs, 'writeSync').mockImplementation(((fd: number, data: NodeJS.ArrayBufferView, offset?: number, length?: number) => {
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const from = offset ?? 0;
    const n = Math.min(7, length ?? view.byteLength - from);
    return writeSync(fd, view, from, n);
  }) as typeof fs.writeSync);
  saveIndex(dir, 'gallery', index, META);
  jest.restoreAllMocks();

  const r = loadIndex(dir, 'gallery', EXPECTED);
  if (isLoadFailure(r)) throw new Error(`load failed: ${r.reason} ${r.detail}`);
  expect(r.index.size).toBe(30);
  // 24-byte header + 30 uint32 labels + 30 × 8 float32s.
  expect(fs.statSync(indexFilePath(dir, 'gallery', 'exact')).size).toBe(24 + 30 * 4 + 30 * DIM * 4);
});

describe('loading never trusts a short file, even under a sidecar that matches it', () => {
  /** The state the old save path left on a full disk: a cut file, and a sidecar carrying its size and sha256. */
  function cutWithMatchingSidecar(cut: (size: number) => number): void {
    saveIndex(dir, 'gallery', hnswWith(40, 4), META);
    const file = indexFilePath(dir, 'gallery', 'hnsw');
    fs.truncateSync(file, cut(fs.statSync(file).size));
    const bytes = fs.readFileSync(file);
    const sidecar = JSON.parse(fs.readFileSync(sidecarPath(dir, 'gallery'), 'utf8'));
    sidecar.indexBytes = bytes.length;
    sidecar.indexSha256 = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(sidecarPath(dir, 'gallery'), JSON.stringify(sidecar));
  }

  test.each([
    ['0 bytes', () => 0],
    ['the header only', () => 96],
    ['half the file', (size: number) => Math.floor(size / 2)],
    ['the last link list cut', (size: number) => size - 2],
  ])('%s → corrupt (rebuilt from the database)', (_name, cut) => {
    cutWithMatchingSidecar(cut);
    expect(loadIndex(dir, 'gallery', EXPECTED)).toMatchObject({ reason: 'corrupt' });
  });

  test('an index file that is not the one its sidecar describes → corrupt', () => {
    saveIndex(dir, 'gallery', hnswWith(40, 5), META);
    const sidecar = fs.readFileSync(sidecarPath(dir, 'gallery'));
    saveIndex(dir, 'gallery', hnswWith(40, 6), META); // same count, other vectors
    fs.writeFileSync(sidecarPath(dir, 'gallery'), sidecar);
    expect(loadIndex(dir, 'gallery', EXPECTED)).toMatchObject({ reason: 'corrupt' });
  });
});

describe('checkHnswLayout', () => {
  test('a whole file: its point count includes tombstones', () => {
    const index = hnswWith(25, 7);
    index.remove(3);
    index.remove(9);
    const file = path.join(dir, 'x.hnsw');
    index.writeTo(file);
    expect(checkHnswLayout(file)).toEqual({ ok: true, elements: 25 });
    expect(index.size + index.deletedCount).toBe(25);
  });

  test('trailing bytes or a cut file fail', () => {
    const file = path.join(dir, 'x.hnsw');
    hnswWith(25, 8).writeTo(file);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([whole, Buffer.from([0])]));
    expect(checkHnswLayout(file)).toMatchObject({ ok: false });
    fs.writeFileSync(file, whole.subarray(0, whole.length - 4));
    expect(checkHnswLayout(file)).toMatchObject({ ok: false });
    fs.writeFileSync(file, Buffer.alloc(0));
    expect(checkHnswLayout(file)).toMatchObject({ ok: false, problem: expect.stringMatching(/shorter than the 96-byte header/) });
  });
});
