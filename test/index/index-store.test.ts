import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExactIndex } from '../../src/index/exact.index';
import { HnswIndex } from '../../src/index/hnsw.index';
import {
  indexFilePath,
  isLoadFailure,
  labelsChecksum,
  loadIndex,
  saveIndex,
  sidecarPath,
  type PersistableIndex,
} from '../../src/index/index-store';
import type { Metric } from '../../src/metric/metric';
import { randomVectors } from './vector-index.contract';

const META = { modelFingerprint: 'f'.repeat(64), modelVersion: 'ffffffffffff' };
const DIM = 16;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-store-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const kinds: Array<[string, (metric: Metric) => PersistableIndex]> = [
  ['hnsw', (metric) => new HnswIndex({ metric, dimension: DIM, M: 12, efConstruction: 50, ef: 40, initialCapacity: 8 })],
  ['exact', (metric) => new ExactIndex({ metric, dimension: DIM, initialCapacity: 8 })],
];

function expected(metric: Metric = 'euclidean') {
  return { modelFingerprint: META.modelFingerprint, metric, dimension: DIM };
}

function loaded(metric: Metric = 'euclidean') {
  const r = loadIndex(dir, 'gallery', expected(metric));
  if (isLoadFailure(r)) throw new Error(`load failed: ${r.reason} ${r.detail}`);
  return r;
}

/** Byte-level search: does `haystack` contain the float32 bytes of `vector`? */
function containsVector(haystack: Buffer, vector: Float32Array): boolean {
  return haystack.indexOf(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)) >= 0;
}

describe.each(kinds)('index store (%s)', (kind, make) => {
  test.each(['euclidean', 'cosine'] as Metric[])('save then load round-trips labels, vectors and parameters (%s)', (metric) => {
    const index = make(metric);
    const vectors = randomVectors(60, DIM, 1);
    vectors.forEach((x, i) => index.add(i * 3, x));
    index.remove(3);
    index.remove(30);
    const sidecar = saveIndex(dir, 'gallery', index, META);
    expect(sidecar).toMatchObject({ formatVersion: 1, kind, metric, dimension: DIM, count: 58, modelVersion: META.modelVersion });
    expect(sidecar.labelsChecksum).toBe(labelsChecksum(index.labels()));
    // No temp files are left behind.
    expect(fs.readdirSync(dir).sort()).toEqual([`gallery.${kind}`, 'gallery.index.json']);

    const { index: back, sidecar: side2 } = loaded(metric);
    expect(side2).toEqual(sidecar);
    expect(back.size).toBe(58);
    expect(back.labels().sort((a, b) => a - b)).toEqual(index.labels().sort((a, b) => a - b));
    expect(back.has(3)).toBe(false);
    for (const q of randomVectors(5, DIM, 2)) {
      expect(back.search(q, 5)).toEqual(index.search(q, 5));
    }
    if (back instanceof HnswIndex) {
      expect(back.ef).toBe(40);
      expect(back.M).toBe(12);
    }
    // The loaded index keeps working: add and remove.
    back.add(3, vectors[1]); // label 3 held vectors[1] before it was removed
    expect(back.search(vectors[1], 1)[0]).toEqual({ label: 3, distance: expect.closeTo(0, 5) });
    expect(back.remove(6)).toBe(true);
    expect(back.size).toBe(58);
  });

  test('an empty index saves and loads', () => {
    saveIndex(dir, 'gallery', make('cosine'), META);
    const { index, sidecar } = loaded('cosine');
    expect(sidecar.count).toBe(0);
    expect(index.size).toBe(0);
    expect(index.search(randomVectors(1, DIM, 1)[0], 3)).toEqual([]);
    index.add(5, randomVectors(1, DIM, 2)[0]);
    expect(index.labels()).toEqual([5]);
  });

  test('missing: no files at all, or the index file gone', () => {
    expect(loadIndex(dir, 'gallery', expected())).toMatchObject({ reason: 'missing' });
    const index = make('euclidean');
    index.add(1, randomVectors(1, DIM, 3)[0]);
    saveIndex(dir, 'gallery', index, META);
    fs.rmSync(indexFilePath(dir, 'gallery', kind as 'hnsw' | 'exact'));
    expect(loadIndex(dir, 'gallery', expected())).toMatchObject({ reason: 'missing' });
  });

  test('foreign: another model fingerprint, metric or dimension', () => {
    const index = make('euclidean');
    index.add(1, randomVectors(1, DIM, 3)[0]);
    saveIndex(dir, 'gallery', index, META);
    expect(loadIndex(dir, 'gallery', { ...expected(), modelFingerprint: 'a'.repeat(64) })).toMatchObject({ reason: 'foreign' });
    expect(loadIndex(dir, 'gallery', expected('cosine'))).toMatchObject({ reason: 'foreign' });
    expect(loadIndex(dir, 'gallery', { ...expected(), dimension: 8 })).toMatchObject({ reason: 'foreign' });
  });

  test('stale: labels or count differ from what the caller expects, or an unknown format version', () => {
    const index = make('euclidean');
    randomVectors(4, DIM, 4).forEach((x, i) => index.add(i, x));
    saveIndex(dir, 'gallery', index, META);
    expect(isLoadFailure(loadIndex(dir, 'gallery', { ...expected(), labelsChecksum: labelsChecksum([3, 2, 1, 0]) }))).toBe(false);
    expect(loadIndex(dir, 'gallery', { ...expected(), labelsChecksum: labelsChecksum([0, 1, 2]) })).toMatchObject({ reason: 'stale' });
    expect(loadIndex(dir, 'gallery', { ...expected(), count: 5 })).toMatchObject({ reason: 'stale' });
    const side = JSON.parse(fs.readFileSync(sidecarPath(dir, 'gallery'), 'utf8'));
    fs.writeFileSync(sidecarPath(dir, 'gallery'), JSON.stringify({ ...side, formatVersion: 99 }));
    expect(loadIndex(dir, 'gallery', expected())).toMatchObject({ reason: 'stale' });
  });

  test('corrupt: a truncated index file, flipped bytes, or an unparsable sidecar', () => {
    const index = make('euclidean');
    randomVectors(50, DIM, 5).forEach((x, i) => index.add(i, x));
    saveIndex(dir, 'gallery', index, META);
    const file = indexFilePath(dir, 'gallery', kind as 'hnsw' | 'exact');
    const good = fs.readFileSync(file);

    fs.writeFileSync(file, good.subarray(0, Math.floor(good.length / 2)));
    expect(loadIndex(dir, 'gallery', expected())).toMatchObject({ reason: 'corrupt' });

    const flipped = Buffer.from(good);
    flipped[flipped.length - 7] ^= 0xff;
    fs.writeFileSync(file, flipped);
    expect(loadIndex(dir, 'gallery', expected())).toMatchObject({ reason: 'corrupt' });

    fs.writeFileSync(file, good);
    expect(isLoadFailure(loadIndex(dir, 'gallery', expected()))).toBe(false);
    fs.writeFileSync(sidecarPath(dir, 'gallery'), '{"formatVersion": 1, "kind": ');
    expect(loadIndex(dir, 'gallery', expected())).toMatchObject({ reason: 'corrupt' });
  });

  test('a crash between the two renames (new index, old sidecar) is detected, not trusted', () => {
    const index = make('euclidean');
    randomVectors(10, DIM, 6).forEach((x, i) => index.add(i, x));
    saveIndex(dir, 'gallery', index, META);
    const oldSidecar = fs.readFileSync(sidecarPath(dir, 'gallery'));
    index.add(10, randomVectors(1, DIM, 7)[0]);
    saveIndex(dir, 'gallery', index, META);
    fs.writeFileSync(sidecarPath(dir, 'gallery'), oldSidecar);
    expect(loadIndex(dir, 'gallery', expected())).toMatchObject({ reason: 'corrupt' });
  });

  test.each(['euclidean', 'cosine'] as Metric[])(
    'erasure: a removed vector is not in the saved file after the next save (%s)',
    (metric) => {
      const index = make(metric);
      const vectors = randomVectors(30, DIM, 8);
      vectors.forEach((x, i) => index.add(i, x));
      // What the file stores: the raw vector, or the unit vector in hnswlib's cosine space.
      const stored = index.vectorOf(17)!;
      const file = indexFilePath(dir, 'gallery', kind as 'hnsw' | 'exact');
      saveIndex(dir, 'gallery', index, META);
      expect(containsVector(fs.readFileSync(file), stored)).toBe(true); // the probe can see it
      index.remove(17);
      saveIndex(dir, 'gallery', index, META);
      const bytes = fs.readFileSync(file);
      expect(containsVector(bytes, stored)).toBe(false);
      // Not even a prefix of it (first 4 components) survives.
      expect(containsVector(bytes, stored.subarray(0, 4))).toBe(false);
      expect(containsVector(bytes, index.vectorOf(18)!)).toBe(true);
    },
  );
});

test('switching kind removes the unreferenced file of the other kind', () => {
  const exact = new ExactIndex({ metric: 'euclidean', dimension: DIM });
  exact.add(1, randomVectors(1, DIM, 9)[0]);
  saveIndex(dir, 'gallery', exact, META);
  const hnsw = new HnswIndex({ metric: 'euclidean', dimension: DIM });
  hnsw.add(1, randomVectors(1, DIM, 9)[0]);
  saveIndex(dir, 'gallery', hnsw, META);
  expect(fs.readdirSync(dir).sort()).toEqual(['gallery.hnsw', 'gallery.index.json']);
  expect(loaded().index).toBeInstanceOf(HnswIndex);
});

test('index names that could escape the directory are refused', () => {
  const exact = new ExactIndex({ metric: 'euclidean', dimension: DIM });
  expect(() => saveIndex(dir, '../x', exact, META)).toThrow(RangeError);
  expect(() => loadIndex(dir, '.hidden', expected())).toThrow(RangeError);
});
