import type { Limits } from '../config';
import type { IndexLifecycle } from './index-lifecycle.service';
import type { Logger } from './logger';
import type { ActiveModel, ServingModel } from './serving-model';
import type { ServiceStore } from './store.port';
import { DomainError, ErrorCode, notFound } from '../errors';
import { resolveImageInput, type ImageInputLike } from './image-input';

/** Shared dependencies of the application services (built once in main.ts). */
export interface ServiceDeps {
  store: ServiceStore;
  active: ActiveModel;
  indexes: IndexLifecycle;
  limits: Limits;
  logger: Logger;
}

/**
 * Embeds a list of image inputs with ONE model (the pair the request took),
 * in a single batched embedder call. Stored images (imageId) reuse their
 * vector for this model version when the database has it.
 */
export async function embedInputs(deps: ServiceDeps, model: ServingModel, inputs: ImageInputLike[], names: string[]): Promise<Float32Array[]> {
  const resolved = await Promise.all(inputs.map((inp, i) => resolveImageInput(inp, deps.limits, names[i])));
  const out: Array<Float32Array | undefined> = new Array(inputs.length);
  const toEmbed: Array<{ at: number; bytes: Uint8Array }> = [];
  for (let i = 0; i < resolved.length; i++) {
    const r = resolved[i];
    if (r.kind === 'bytes') {
      toEmbed.push({ at: i, bytes: r.bytes });
      continue;
    }
    const vector = await deps.store.findVector(r.imageId, model.version);
    if (vector) {
      out[i] = vector;
      continue;
    }
    const bytes = await deps.store.imageBytes(r.imageId);
    if (!bytes) throw notFound('Image', r.imageId);
    toEmbed.push({ at: i, bytes });
  }
  if (toEmbed.length > 0) {
    const vectors = await embedWithNames(model, toEmbed.map((t) => t.bytes), toEmbed.map((t) => names[t.at]), deps.limits);
    toEmbed.forEach((t, j) => (out[t.at] = vectors[j]));
  }
  return out as Float32Array[];
}

/** Calls the embedder, and names the offending argument when an image is refused. */
export async function embedWithNames(model: ServingModel, images: Uint8Array[], names: string[], limits: Limits): Promise<Float32Array[]> {
  const decodeLimits = { maxPixels: limits.maxPixels, maxBytes: limits.maxUploadBytes };
  try {
    return await model.embedder.embedImages(images, decodeLimits);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    if (images.length === 1) throw prefix(e, names[0]);
    const at = e.details.index;
    if (typeof at === 'number' && names[at] !== undefined) throw prefix(e, names[at]);
    // Find which one: embed singly (rare path, only on a bad input).
    for (let i = 0; i < images.length; i++) {
      try {
        await model.embedder.embedImages([images[i]], decodeLimits);
      } catch (single) {
        if (single instanceof DomainError) throw prefix(single, names[i]);
        throw single;
      }
    }
    throw e;
  }
}

function prefix(e: DomainError, name: string): DomainError {
  if (e.message.startsWith(`${name}:`)) return e;
  return new DomainError(e.code, `${name}: ${e.message}`, { ...e.details, argument: name });
}

export function assertImageCount(n: number, limits: Limits): void {
  if (n === 0) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'images: give at least one image');
  if (n > limits.maxImagesPerCall) {
    throw new DomainError(ErrorCode.TOO_MANY_IMAGES, `images: at most ${limits.maxImagesPerCall} images per call (got ${n})`, {
      limit: limits.maxImagesPerCall,
    });
  }
}
