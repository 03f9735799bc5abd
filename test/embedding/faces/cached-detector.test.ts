import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CachedFaceDetector } from '../../../src/embedding/faces/cached.detector';
import type { DetectOptions, FaceDetector } from '../../../src/embedding/faces/face-detector.port';
import type { DetectedFace, RgbImage } from '../../../src/embedding/faces/face.types';

/** A detector that counts its calls and answers one face whose box encodes the image's first byte. */
class CountingDetector implements FaceDetector {
  calls: DetectOptions[] = [];
  async detect(image: RgbImage, options: DetectOptions): Promise<DetectedFace[]> {
    this.calls.push(options);
    if (image.data[0] === 0) return []; // a "faceless" image
    return [
      {
        box: { x: image.data[0] + 0.12345, y: 2.0004, width: 10.9996, height: 1 / 3 },
        score: 0.987654,
        landmarks: Array.from({ length: 68 }, (_, i) => ({ x: i + 0.0001, y: 2 * i + 0.0016 })),
      },
    ];
  }
}

const img = (first: number, width = 4, height = 2): RgbImage => {
  const data = new Uint8Array(width * height * 3).fill(7);
  data[0] = first;
  return { data, width, height };
};
const tiny: DetectOptions = { detector: 'tiny', minScore: 0.5, tinyInputSize: 320 };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'face-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CachedFaceDetector', () => {
  test('the second detect of the same image is a hit: the inner detector is not called again; values rounded to 1/1000', async () => {
    const inner = new CountingDetector();
    const cached = new CachedFaceDetector(inner, dir);
    const first = await cached.detect(img(5), tiny);
    const second = await cached.detect(img(5), tiny);
    expect(inner.calls).toHaveLength(1);
    expect([cached.hits, cached.misses, cached.size]).toEqual([1, 1, 1]);
    expect(second).toEqual(first);
    // 5.12345 → 5.123, 2.0004 → 2, 10.9996 → 11, 1/3 → 0.333, 0.987654 → 0.988; landmark 67: (67.0001, 134.0016) → (67, 134.002)
    expect(first[0].box).toEqual({ x: 5.123, y: 2, width: 11, height: 0.333 });
    expect(first[0].score).toBe(0.988);
    expect(first[0].landmarks[67]).toEqual({ x: 67, y: 134.002 });
    expect(first[0].landmarks).toHaveLength(68);
  });

  test('hits are copies: a caller mutating its answer does not change the cache', async () => {
    const cached = new CachedFaceDetector(new CountingDetector(), dir);
    const a = await cached.detect(img(9), tiny);
    a[0].box.x = -100;
    a[0].landmarks[0].x = -100;
    const b = await cached.detect(img(9), tiny);
    expect(b[0].box.x).toBe(9.123);
    expect(b[0].landmarks[0].x).toBe(0);
    b[0].box.y = -1;
    expect((await cached.detect(img(9), tiny))[0].box.y).toBe(2);
  });

  test('an empty answer (no face) is cached too', async () => {
    const inner = new CountingDetector();
    const cached = new CachedFaceDetector(inner, dir);
    expect(await cached.detect(img(0), tiny)).toEqual([]);
    expect(await cached.detect(img(0), tiny)).toEqual([]);
    expect(inner.calls).toHaveLength(1);
    expect(cached.hits).toBe(1);
  });

  test('different options, pixels or size are misses', async () => {
    const inner = new CountingDetector();
    const cached = new CachedFaceDetector(inner, dir);
    await cached.detect(img(5), tiny);
    await cached.detect(img(5), { ...tiny, detector: 'ssd' });
    await cached.detect(img(5), { ...tiny, minScore: 0.4 });
    await cached.detect(img(5), { ...tiny, tinyInputSize: 416 });
    await cached.detect(img(5), { detector: 'tiny', minScore: 0.5 });
    await cached.detect(img(6), tiny);
    await cached.detect(img(5, 2, 4), tiny); // same bytes, other shape
    expect(inner.calls).toHaveLength(7);
    expect([cached.hits, cached.misses, cached.size]).toEqual([0, 7, 7]);
    await cached.detect(img(5), { ...tiny, detector: 'ssd' });
    expect(inner.calls).toHaveLength(7);
  });

  test('a new instance on the same directory loads the file: hits without calling its inner detector', async () => {
    const first = new CachedFaceDetector(new CountingDetector(), dir);
    const found = await first.detect(img(3), tiny);
    await first.detect(img(0), tiny);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${process.pid}-\\d+-[0-9a-f]{8}\\.jsonl$`));
    expect(readFileSync(path.join(dir, files[0]), 'utf8').trim().split('\n')).toHaveLength(2);

    const inner = new CountingDetector();
    const second = new CachedFaceDetector(inner, dir);
    expect(second.size).toBe(2);
    expect(await second.detect(img(3), tiny)).toEqual(found);
    expect(await second.detect(img(0), tiny)).toEqual([]);
    expect(inner.calls).toHaveLength(0);
    expect(second.hits).toBe(2);
  });

  test('a torn last line (a killed writer) is skipped; the lines before it still load', async () => {
    const first = new CachedFaceDetector(new CountingDetector(), dir);
    await first.detect(img(3), tiny);
    await first.detect(img(4), tiny);
    const written = path.join(dir, readdirSync(dir)[0]);
    const lines = readFileSync(written, 'utf8').split('\n');
    rmSync(written);
    // What a process killed mid-append leaves behind: line 1 whole, line 2 cut in the middle, no final newline.
    // (Under its own name: a new instance appends to a file of its own, `<pid>-<ms>.jsonl`.)
    writeFileSync(path.join(dir, '4242-1.jsonl'), `${lines[0]}\n${lines[1].slice(0, Math.floor(lines[1].length / 2))}`);
    const inner = new CountingDetector();
    const second = new CachedFaceDetector(inner, dir);
    expect(second.size).toBe(1);
    await second.detect(img(3), tiny);
    expect(inner.calls).toHaveLength(0);
    await second.detect(img(4), tiny); // the torn entry is a miss, detected again (and written again)
    expect(inner.calls).toHaveLength(1);
    // Garbage files and blank lines do not stop the load either.
    appendFileSync(path.join(dir, 'other.jsonl'), '\n\n{"k": "x", "f": [\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'not a cache file');
    expect(new CachedFaceDetector(new CountingDetector(), dir).size).toBe(2);
  });
});
