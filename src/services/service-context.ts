import type { Limits } from '../config';
import type { IndexLifecycle } from './index-lifecycle.service';
import type { Logger } from './logger';
import type { FaceInfo } from '../embedding/faces/face.types';
import type { ActiveModel, DecodeLimitsPort, EncoderModel } from './serving-model';
import type { ServiceStore } from './store.port';
import type { ReadStore } from './read-store.port';
import { DomainError, ErrorCode, notFound } from '../errors';
import { resolveImageInput, type ImageInputLike } from './image-input';
import { assertMinImageSide } from './image-meta';
import type { DecodeAdmission } from './decode-admission';
import { DEFAULT_MAX_PIXELS, probeImage } from '../embedding/preprocess/decode-image';
import { FACE_MIN_DECLARED_PIXELS } from '../embedding/faces/face-stage';

/** Shared dependencies of the application services (built once in main.ts). */
export interface ServiceDeps {
  store: ServiceStore;
  /** Query-time look-ups (issue 18: a streaming standby with DATABASE_READ_URL); absent: `store`. */
  reads?: ReadStore;
  active: ActiveModel;
  indexes: IndexLifecycle;
  limits: Limits;
  logger: Logger;
  /** Bounds the image jobs that run at once (issue 13); absent: every request decodes at once (tests, tools). */
  admission?: DecodeAdmission;
  /** Embeds new enrolments with the companion encoder in the background (companion-warmer.ts); absent: none. */
  companionWarmer?: { notify(): void };
}

/** Where query-time look-ups go: the read store when there is one (read-store.port.ts), else the store. */
export function readsOf(deps: Pick<ServiceDeps, 'store' | 'reads'>): ReadStore {
  return deps.reads ?? deps.store;
}

/** A vector and the face it was computed from: null without a face stage, or when the vector came from the database (faces are not stored). */
export interface EmbeddedInput {
  vector: Float32Array;
  face: FaceInfo | null;
  /** A stored image (imageId input) that had no vector of this model version: embedded from its bytes now. */
  unstoredImageId?: string;
}

/**
 * Embeds a list of image inputs with ONE model (the pair the request took),
 * in a single batched embedder call. Stored images (imageId) reuse their
 * vector for this model version when the database has it.
 */
export async function embedInputs(
  deps: ServiceDeps,
  model: EncoderModel,
  inputs: ImageInputLike[],
  names: string[],
): Promise<Float32Array[]> {
  return (await embedInputsWithFaces(deps, model, inputs, names)).map((e) => e.vector);
}

/** embedInputs, plus the face each vector was computed from (see EmbeddedInput). */
export async function embedInputsWithFaces(
  deps: ServiceDeps,
  model: EncoderModel,
  inputs: ImageInputLike[],
  names: string[],
): Promise<EmbeddedInput[]> {
  const resolved = await Promise.all(inputs.map((inp, i) => resolveImageInput(inp, deps.limits, names[i])));
  const out: Array<EmbeddedInput | undefined> = new Array(inputs.length);
  const toEmbed: Array<{ at: number; bytes: Uint8Array }> = [];
  for (let i = 0; i < resolved.length; i++) {
    const r = resolved[i];
    if (r.kind === 'bytes') {
      toEmbed.push({ at: i, bytes: r.bytes });
      continue;
    }
    const vector = await readsOf(deps).findVector(r.imageId, model.version);
    if (vector) {
      out[i] = { vector, face: null };
      continue;
    }
    const bytes = await readsOf(deps).imageBytes(r.imageId);
    if (!bytes) throw notFound('Image', r.imageId);
    toEmbed.push({ at: i, bytes });
  }
  if (toEmbed.length > 0) {
    const embedded = await embedWithFaces(
      model,
      toEmbed.map((t) => t.bytes),
      toEmbed.map((t) => names[t.at]),
      deps.limits,
      deps.admission,
    );
    toEmbed.forEach((t, j) => {
      const r = resolved[t.at];
      out[t.at] = r.kind === 'bytes' ? embedded[j] : { ...embedded[j], unstoredImageId: r.imageId };
    });
  }
  return out as EmbeddedInput[];
}

/** Calls the embedder, and names the offending argument when an image is refused. */
export async function embedWithNames(model: EncoderModel, images: Uint8Array[], names: string[], limits: Limits): Promise<Float32Array[]> {
  return (await embedWithFaces(model, images, names, limits)).map((e) => e.vector);
}

/** embedWithNames, plus the face each vector was computed from (null without a face stage). */
export async function embedWithFaces(
  model: EncoderModel,
  images: Uint8Array[],
  names: string[],
  limits: Limits,
  admission?: DecodeAdmission,
): Promise<EmbeddedInput[]> {
  const decodeLimits = decodeLimitsOf(limits);
  const embedder = model.embedder;
  const embed = async (batch: Uint8Array[]): Promise<EmbeddedInput[]> =>
    embedder.embedImagesWithFaces
      ? (await embedder.embedImagesWithFaces(batch, decodeLimits)).map((e) => ({ vector: e.vector, face: e.face ?? null }))
      : (await embedder.embedImages(batch, decodeLimits)).map((vector) => ({ vector, face: null }));
  // Issue 13 item 9: a 1×1 image is refused from its header, before admission and decoding (image-meta.ts).
  await Promise.all(images.map((b, i) => assertMinImageSide(b, limits.minImageSide, names[i] ?? 'image', limits)));
  return runAdmitted(admission, model, images, names, limits, () => embedNamed(embed, images, names));
}

/**
 * Runs an image job under the decode admission (see decode-admission.ts): each
 * image's header is read first (format and declared size, nothing decoded), so a
 * refused format or size is answered before the job waits, and the job weighs
 * its images' megapixels (at least 1 each; an allowed SVG weighs the whole budget).
 */
export async function runAdmitted<T>(
  admission: DecodeAdmission | undefined,
  model: EncoderModel,
  images: Uint8Array[],
  names: string[],
  limits: Limits,
  job: () => Promise<T>,
): Promise<T> {
  if (!admission) return job();
  const probeLimits = { ...decodeLimitsOf(limits) };
  // The face stage shrinks on load, so it accepts larger declared sizes (see face-stage.ts).
  if (model.card.preprocessing.face)
    probeLimits.maxPixels = Math.max(probeLimits.maxPixels ?? DEFAULT_MAX_PIXELS, FACE_MIN_DECLARED_PIXELS);
  let weight = 0;
  for (let i = 0; i < images.length; i++) {
    let header;
    try {
      header = await probeImage(images[i], probeLimits);
    } catch (e) {
      if (e instanceof DomainError && names[i] !== undefined) throw nameArgument(e, names[i]);
      throw e;
    }
    weight += header.format === 'svg' ? Infinity : Math.max(1, Math.ceil((header.width * header.height) / 1_000_000));
  }
  return admission.run(weight, job);
}

async function embedNamed(
  embed: (batch: Uint8Array[]) => Promise<EmbeddedInput[]>,
  images: Uint8Array[],
  names: string[],
): Promise<EmbeddedInput[]> {
  try {
    return await embed(images);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    if (images.length === 1) throw nameArgument(e, names[0]);
    const at = e.details.index;
    if (typeof at === 'number' && names[at] !== undefined) throw nameArgument(e, names[at]);
    // Find which one: embed singly (rare path, only on a bad input from an embedder that does not say).
    for (let i = 0; i < images.length; i++) {
      try {
        await embed([images[i]]);
      } catch (single) {
        if (single instanceof DomainError) throw nameArgument(single, names[i]);
        throw single;
      }
    }
    throw e;
  }
}

/** What the embedder's decoder is held to: the request's pixel and per-file byte limits, formats and time budget. */
export function decodeLimitsOf(limits: Limits): DecodeLimitsPort {
  return { maxPixels: limits.maxPixels, maxBytes: limits.maxUploadBytes, allowSvg: limits.allowSvg, timeoutMs: limits.decodeTimeoutMs };
}

/**
 * Prefixes the message with the argument it is about ("b: no face was found…")
 * and sets `details.argument`. The embedder's `index` is dropped: it counts
 * positions in the embedder's batch, which a client never sees.
 */
export function nameArgument(e: DomainError, name: string): DomainError {
  const details = { ...e.details };
  delete details.index;
  const message = e.message.startsWith(`${name}:`) ? e.message : `${name}: ${e.message}`;
  return new DomainError(e.code, message, { ...details, argument: name });
}

export function assertImageCount(n: number, limits: Limits): void {
  if (n === 0) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'images: give at least one image');
  if (n > limits.maxImagesPerCall) {
    throw new DomainError(ErrorCode.TOO_MANY_IMAGES, `images: at most ${limits.maxImagesPerCall} images per call (got ${n})`, {
      limit: limits.maxImagesPerCall,
    });
  }
}
