import { createHash, randomBytes } from 'crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import type { DetectOptions, FaceDetector } from './face-detector.port';
import type { DetectedFace, RgbImage } from './face.types';

/**
 * A FaceDetector decorator that remembers detections on disk, for training
 * and evaluation over the same photos again and again (LFW: 9,525 photos ×
 * ~60 ms of detection and landmarks per pass on one wasm thread). Keyed by
 * sha256 of the decoded RGB pixels and their size plus the detect options, so a
 * changed photo or detector setting is a miss, never a stale hit.
 *
 * The cache is a directory of append-only JSON-lines files, one per process
 * (`<pid>-<time>-<random>.jsonl`), all read at start: several processes (one per core)
 * can fill it at once without locks, and a crash loses at most the line being
 * written (a torn last line is skipped on load).
 */
export class CachedFaceDetector implements FaceDetector {
  private readonly memory = new Map<string, DetectedFace[]>();
  private readonly file: string;
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: FaceDetector,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const { k, f } = JSON.parse(line) as { k: string; f: DetectedFace[] };
          this.memory.set(k, f);
        } catch {
          // a torn last line from a killed writer
        }
      }
    }
    // The random part keeps two instances of one process (same millisecond) off one file.
    this.file = path.join(dir, `${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}.jsonl`);
  }

  get size(): number {
    return this.memory.size;
  }

  async detect(image: RgbImage, options: DetectOptions): Promise<DetectedFace[]> {
    const key = cacheKey(image, options);
    const hit = this.memory.get(key);
    if (hit) {
      this.hits++;
      return hit.map(copyFace);
    }
    this.misses++;
    // Rounded before use, so a first pass and a cached pass give identical crops.
    const found = (await this.inner.detect(image, options)).map(round);
    this.memory.set(key, found.map(copyFace));
    appendFileSync(this.file, `${JSON.stringify({ k: key, f: found })}\n`);
    return found;
  }
}

function cacheKey(image: RgbImage, options: DetectOptions): string {
  const h = createHash('sha256');
  h.update(`${image.width}x${image.height}|${options.detector}|${options.minScore}|${options.tinyInputSize ?? ''}|`);
  h.update(image.data);
  return h.digest('hex').slice(0, 40);
}

function copyFace(f: DetectedFace): DetectedFace {
  return { box: { ...f.box }, score: f.score, landmarks: f.landmarks.map((p) => ({ ...p })) };
}

/** 1/1000 px is far below the warp's resolution and keeps the files small. */
function round(f: DetectedFace): DetectedFace {
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return {
    box: { x: r(f.box.x), y: r(f.box.y), width: r(f.box.width), height: r(f.box.height) },
    score: r(f.score),
    landmarks: f.landmarks.map((p) => ({ x: r(p.x), y: r(p.y) })),
  };
}
