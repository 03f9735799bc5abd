import { DomainError, ErrorCode } from '../../src/errors';
import type { FaceInfo } from '../../src/embedding/faces/face.types';
import type { ModelCard, PreprocessSpec } from '../../src/embedding/model-card';
import { DEFAULT_FACE_STAGE } from '../../src/embedding/faces/face-stage-defaults';
import { FaceDetectionService } from '../../src/services/face-detection.service';
import { embedInputsWithFaces, embedWithFaces, type ServiceDeps } from '../../src/services/service-context';
import type { EmbedderPort, ServingModel } from '../../src/services/serving-model';

/**
 * How the services carry faces from the embedder port to their answers, with
 * fake ports (no model, no tfjs): an image is one byte, and its value decides
 * what the fake embedder does with it (0: no face, n: vector [n, 0] and a face
 * whose box starts at x = n).
 */
const faceOf = (n: number): FaceInfo => ({ box: { x: n, y: 0, width: 10, height: 10 }, score: 0.9, keypoints: [] });
const noFace = (index: number) =>
  new DomainError(ErrorCode.NO_FACE_DETECTED, 'no face was found in the image', { detector: 'tiny', index });

const faceSpec: PreprocessSpec = { width: 8, height: 8, channels: 3, normalize: 'unit', fit: 'fill', face: DEFAULT_FACE_STAGE };
const card = (preprocessing: PreprocessSpec) => ({ version: 'v1', preprocessing, metric: 'euclidean' }) as unknown as ModelCard;

/** A port with the face members: refuses byte 0 with NO_FACE_DETECTED (with its index, as Embedder does). */
function facePort(calls: Uint8Array[][] = []): EmbedderPort {
  return {
    card: card(faceSpec),
    embedImages: async () => {
      throw new Error('services must call embedImagesWithFaces when the port has it');
    },
    embedImagesWithFaces: async (images) => {
      calls.push(images);
      return images.map((b, index) => {
        if (b[0] === 0) throw noFace(index);
        return { vector: Float32Array.of(b[0], 0), face: faceOf(b[0]) };
      });
    },
    detectFaces: async (bytes) => {
      if (bytes[0] === 255) throw new DomainError(ErrorCode.INVALID_IMAGE, 'not an image');
      return [faceOf(bytes[0]), faceOf(bytes[0] + 1)];
    },
  };
}

const b64 = (n: number) => ({ base64: Buffer.from([n]).toString('base64') });

function deps(embedder: EmbedderPort, stored: Map<string, { vector?: Float32Array; bytes: Uint8Array }> = new Map()) {
  const model = { version: 'v1', card: embedder.card, dir: '/m', embedder, index: {} } as unknown as ServingModel;
  const d = {
    active: { current: model },
    limits: { maxUploadBytes: 1024, maxPixels: 1 << 20 },
    store: {
      findVector: async (id: string) => stored.get(id)?.vector ?? null,
      imageBytes: async (id: string) => stored.get(id)?.bytes ?? null,
    },
  } as unknown as ServiceDeps;
  return { deps: d, model };
}

describe('faces through the services', () => {
  it("reports the embedder's face for bytes and re-embedded images, null for a stored vector", async () => {
    const stored = new Map([
      ['with-vector', { vector: Float32Array.of(9, 9), bytes: Uint8Array.of(9) }],
      ['without-vector', { bytes: Uint8Array.of(7) }],
    ]);
    const calls: Uint8Array[][] = [];
    const { deps: d, model } = deps(facePort(calls), stored);
    const out = await embedInputsWithFaces(d, model, [b64(3), { imageId: 'with-vector' }, { imageId: 'without-vector' }], ['a', 'b', 'c']);
    expect(out).toEqual([
      { vector: Float32Array.of(3, 0), face: faceOf(3) },
      { vector: Float32Array.of(9, 9), face: null },
      // A stored image without a vector of this version says so (verifyIdentity keeps a companion's such vectors).
      { vector: Float32Array.of(7, 0), face: faceOf(7), unstoredImageId: 'without-vector' },
    ]);
    // One batched call for the two that needed embedding.
    expect(calls.map((c) => c.map((b) => b[0]))).toEqual([[3, 7]]);
  });

  it('a port without face members reports null faces (test doubles, models without a face stage)', async () => {
    const plain: EmbedderPort = {
      card: card({ ...faceSpec, face: undefined }),
      embedImages: async (images) => images.map((b) => Float32Array.of(b[0])),
    };
    const { model } = deps(plain);
    expect(await embedWithFaces(model, [Uint8Array.of(4)], ['image'], { maxUploadBytes: 1024, maxPixels: 100 } as never)).toEqual([
      { vector: Float32Array.of(4), face: null },
    ]);
  });

  it("NO_FACE_DETECTED names the argument from the embedder's index, and the index does not reach clients", async () => {
    const calls: Uint8Array[][] = [];
    const { model } = deps(facePort(calls));
    const err = await embedWithFaces(
      model,
      [Uint8Array.of(1), Uint8Array.of(0), Uint8Array.of(2)],
      ['images[0]', 'images[1]', 'images[2]'],
      {} as never,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: ErrorCode.NO_FACE_DETECTED,
      message: 'images[1]: no face was found in the image',
      details: { detector: 'tiny', argument: 'images[1]' },
    });
    expect((err as DomainError).details).not.toHaveProperty('index');
    // The index named it: no second round of single-image calls.
    expect(calls).toHaveLength(1);
  });

  it('detectFaces: the port\'s detector, errors named "image", BAD_USER_INPUT without a face stage, NOT_FOUND for an unknown imageId', async () => {
    const { deps: d } = deps(facePort(), new Map([['img', { bytes: Uint8Array.of(5) }]]));
    const service = new FaceDetectionService(d);
    expect(await service.detectFaces(b64(3))).toEqual([faceOf(3), faceOf(4)]);
    expect(await service.detectFaces({ imageId: 'img' })).toEqual([faceOf(5), faceOf(6)]);
    await expect(service.detectFaces({ imageId: 'nope' })).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(service.detectFaces(b64(255))).rejects.toMatchObject({
      code: ErrorCode.INVALID_IMAGE,
      message: 'image: not an image',
      details: { argument: 'image' },
    });

    const plain: EmbedderPort = { card: card({ ...faceSpec, face: undefined }), embedImages: async () => [] };
    const refused = await new FaceDetectionService(deps(plain).deps).detectFaces(b64(3)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    expect((refused as Error).message).toMatch(/model v1 has no face stage/);
  });
});
