import sharp from 'sharp';
import type { DetectOptions, FaceDetector } from '../../../src/embedding/faces/face-detector.port';
import type { DetectedFace, RgbImage } from '../../../src/embedding/faces/face.types';
import { MemoryImageSource } from '../../../src/training/data/labelled-image-source';
import { checkFaces, faceCheckOrReason, showsFaces } from '../../../src/training/recipe/face-check';

/**
 * The auto recipe's face check (issue 17), through the real decoding and the face stage's retries, with a
 * detector behind the port that "sees" a face in red images and none in blue ones.
 */
class ColourDetector implements FaceDetector {
  calls: DetectOptions['detector'][] = [];
  async detect(image: RgbImage, options: DetectOptions): Promise<DetectedFace[]> {
    this.calls.push(options.detector);
    const red = image.data[0] > 200 && image.data[2] < 50;
    if (!red) return [];
    const landmarks = Array.from({ length: 68 }, (_, i) => ({ x: 10 + (i % 10), y: 10 + Math.floor(i / 10) }));
    return [{ box: { x: 5, y: 5, width: 40, height: 40 }, score: 0.9, landmarks }];
  }
}

const png = (r: number, g: number, b: number) =>
  sharp({ create: { width: 80, height: 80, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer()
    .then((x) => new Uint8Array(x));

/** `kinds[i]` is image i's content, in listing order: 'face' (red), 'none' (blue) or 'broken' (not an image). */
async function source(kinds: Array<'face' | 'none' | 'broken'>) {
  const red = await png(255, 0, 0);
  const blue = await png(0, 0, 255);
  return new MemoryImageSource(
    kinds.map((k, i) => ({
      key: `img-${i}`,
      identity: `person-${Math.floor(i / 3)}`,
      bytes: k === 'face' ? red : k === 'none' ? blue : new TextEncoder().encode('not an image at all'),
    })),
  );
}

describe('face check (auto recipe)', () => {
  it('counts the sampled images with a face: 11 of 12 is a face folder', async () => {
    const kinds = Array<'face' | 'none'>(12).fill('face');
    kinds[7] = 'none';
    const detector = new ColourDetector();
    const check = await checkFaces(await source(kinds), detector);
    expect(check).toEqual({ checked: 12, withFace: 11, sample: 12 });
    expect(showsFaces(check)).toBe(true);
    // 11 faces found by the tiny detector at once; the blue image went through tiny, SSD, then both on a padded frame.
    expect(detector.calls).toHaveLength(11 + 4);
  });

  it('samples evenly over the listing and stops at the third miss of 12 (⌈0.8·12⌉ = 10 faces needed)', async () => {
    // 24 images: the sample is every second one (0, 2, 4, …). Blue at 0, 2 and 4 settles it after three.
    const kinds = Array<'face' | 'none'>(24).fill('face');
    for (const i of [0, 2, 4]) kinds[i] = 'none';
    const seen: Array<[number, number, boolean]> = [];
    const check = await checkFaces(await source(kinds), new ColourDetector(), { onImage: (...a) => seen.push(a) });
    expect(check).toEqual({ checked: 3, withFace: 0, sample: 12 });
    expect(showsFaces(check)).toBe(false);
    // The progress callback hears that the third image settled it (so a bar can fill rather than look aborted).
    expect(seen).toEqual([
      [1, 12, false],
      [2, 12, false],
      [3, 12, true],
    ]);
    // The odd images (never sampled) could all be blue: the answer is the same.
    const odd = Array.from({ length: 24 }, (_, i) => (i % 2 === 1 ? 'none' : 'face') as 'face' | 'none');
    expect(await checkFaces(await source(odd), new ColourDetector())).toEqual({ checked: 12, withFace: 12, sample: 12 });
  });

  it('counts an image that does not decode as one without a face, and lets a detector failure through', async () => {
    const kinds: Array<'face' | 'broken'> = ['broken', 'face', 'face', 'face', 'face'];
    // Sample of 5: ⌈0.8·5⌉ = 4 needed, so one miss is allowed.
    const check = await checkFaces(await source(kinds), new ColourDetector());
    expect(check).toEqual({ checked: 5, withFace: 4, sample: 5 });
    expect(showsFaces(check)).toBe(true);
    const failing: FaceDetector = { detect: async () => Promise.reject(new Error('weights missing')) };
    await expect(checkFaces(await source(['face']), failing)).rejects.toThrow('weights missing');
  });

  it('as siamese train runs it, turns a detector that cannot run into a reason instead of an error', async () => {
    const failing: FaceDetector = { detect: async () => Promise.reject(new Error('weights missing\nstack line')) };
    expect(await faceCheckOrReason(await source(['face']), failing)).toEqual({
      skipped: 'the face check failed (weights missing): pass --backbone face-resnet29 to use the face trunk anyway',
    });
    expect(await faceCheckOrReason(await source(['face', 'face']), new ColourDetector())).toEqual({
      faces: { checked: 2, withFace: 2, sample: 2 },
    });
  });

  it('judges the share against the sample, not the images checked', () => {
    expect(showsFaces({ checked: 12, withFace: 10, sample: 12 })).toBe(true);
    expect(showsFaces({ checked: 12, withFace: 9, sample: 12 })).toBe(false);
    expect(showsFaces({ checked: 3, withFace: 3, sample: 12 })).toBe(false);
    expect(showsFaces({ checked: 0, withFace: 0, sample: 0 })).toBe(false); // an empty folder
  });
});
