import { readFileSync } from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { DetectOptions, FaceDetector } from '../../../src/embedding/faces/face-detector.port';
import type { DetectedFace, FaceBox, RgbImage } from '../../../src/embedding/faces/face.types';
import { DomainError, type ErrorCode } from '../../../src/errors';

/** Shared datasets (CI has them next to the checkout). */
export const SHARED = path.resolve(__dirname, '../../../../shared/datasets');
export const LFW = path.join(SHARED, 'lfw-devtrain');
export const ORL = path.join(SHARED, 'orl-faces');
export const OMNIGLOT = path.join(SHARED, 'omniglot');

export function lfw(person: string, n = 1): Buffer {
  return readFileSync(path.join(LFW, person, `${person}_${String(n).padStart(4, '0')}.jpg`));
}

/** Records every call (which detector, on what image size) and forwards to the real detector. */
export class SpyDetector implements FaceDetector {
  calls: { detector: DetectOptions['detector']; width: number; height: number }[] = [];
  constructor(private readonly inner: FaceDetector) {}
  detect(image: RgbImage, options: DetectOptions): Promise<DetectedFace[]> {
    this.calls.push({ detector: options.detector, width: image.width, height: image.height });
    return this.inner.detect(image, options);
  }
}

/** A detector for paths that must never reach detection. */
export const unusedDetector: FaceDetector = {
  detect: () => Promise.reject(new Error('the detector must not be called')),
};

export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<DomainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  return err as DomainError;
}

export const centre = (b: FaceBox) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
export const dist = (p: { x: number; y: number }, q: { x: number; y: number }) => Math.hypot(p.x - q.x, p.y - q.y);

/** Deterministic 8-bit noise (LCG, top byte). */
export function noiseBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

export function rawRgb(image: RgbImage) {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
}

/** A PNG signature, a valid IHDR declaring width×height (8-bit RGB), a tiny IDAT and IEND: a bomb by its header. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf: Buffer): number {
  let c = ~0 >>> 0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
