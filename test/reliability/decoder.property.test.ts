import fc from 'fast-check';
import { decodeImage } from '../../src/embedding/preprocess/decode-image';
import { DomainError, ErrorCode } from '../../src/errors';
import { TINY_INPUT } from '../fixtures/tiny-model';
import { syntheticImage } from '../fixtures/synthetic-images';

/**
 * Property: whatever bytes reach the decoder, it answers either a model
 * input of exactly width×height×channels finite floats, or a DomainError
 * with one of the image codes. Never another exception, never NaN.
 * Bounded runs (a few seconds) so it belongs in CI.
 */
const IMAGE_CODES = new Set<string>([
  ErrorCode.INVALID_IMAGE,
  ErrorCode.IMAGE_TOO_LARGE,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.UNSUPPORTED_IMAGE,
]);
const LENGTH = TINY_INPUT.width * TINY_INPUT.height * TINY_INPUT.channels;
const LIMITS = { maxPixels: 1024 * 1024, maxBytes: 256 * 1024 };

async function checkDecode(bytes: Uint8Array): Promise<'ok' | string> {
  try {
    const out = await decodeImage(bytes, TINY_INPUT, LIMITS);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(LENGTH);
    expect(out.every(Number.isFinite)).toBe(true);
    return 'ok';
  } catch (e) {
    if (!(e instanceof DomainError)) throw new Error(`decoder threw a non-domain error: ${(e as Error)?.stack ?? String(e)}`);
    expect(IMAGE_CODES.has(e.code)).toBe(true);
    return e.code;
  }
}

describe('image decoder boundary (fast-check)', () => {
  let png: Buffer;
  let jpeg: Buffer;
  beforeAll(async () => {
    png = await syntheticImage(2, 0);
    jpeg = await syntheticImage(2, 0, { format: 'jpeg' });
  });

  it('random bytes never crash it', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 2048 }), async (bytes) => {
        const r = await checkDecode(bytes);
        seen.set(r, (seen.get(r) ?? 0) + 1);
      }),
      { numRuns: 200, seed: 7 },
    );
    expect(seen.get(ErrorCode.INVALID_IMAGE)).toBeGreaterThan(0);
  });

  it('random bytes behind a real PNG/JPEG/GIF/WebP signature never crash it', async () => {
    const signatures = [
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      [0xff, 0xd8, 0xff, 0xe0],
      [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
      [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 1024 }), async (sig, rest) => {
        await checkDecode(Uint8Array.from([...sig, ...rest]));
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('mutated valid PNGs and JPEGs (flipped bytes, truncation, splices) never crash it', async () => {
    const seen = new Map<string, number>();
    const mutation = fc.record({
      base: fc.constantFrom('png', 'jpeg'),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 12 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      splice: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 })), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const bytes = Buffer.from(m.base === 'png' ? png : jpeg);
        for (const [at, x] of m.flips) bytes[at % bytes.length] ^= x;
        let out: Uint8Array = bytes;
        if (m.splice) {
          const at = m.splice[0] % out.length;
          out = Buffer.concat([out.subarray(0, at), m.splice[1], out.subarray(at)]);
        }
        if (m.cut !== undefined) out = out.subarray(0, m.cut % (out.length + 1));
        const r = await checkDecode(out);
        seen.set(r, (seen.get(r) ?? 0) + 1);
      }),
      { numRuns: 200, seed: 13 },
    );
    // Both outcomes happen: the property is not vacuous.
    expect(seen.get('ok')).toBeGreaterThan(0);
    expect(seen.get(ErrorCode.INVALID_IMAGE)).toBeGreaterThan(0);
  });
});
