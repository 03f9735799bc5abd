import type { FaceInfo } from '../embedding/faces/face.types';
import { notFound } from '../errors';
import type { ImageInputLike } from './image-input';
import { resolveImageInput } from './image-input';
import { imageMeta } from './image-meta';
import { assertImageCount, embedWithFaces, type ServiceDeps } from './service-context';
import type { ImageRow, NewImage } from './store.port';

/** An enrolled image as the enrollImages answer reports it: with the face its vector was computed from (null without a face stage). */
export interface EnrolledImageResult extends ImageRow {
  face: FaceInfo | null;
}

/**
 * Enrollment: decode + embed every image first (nothing is written if any is
 * refused), then ONE database transaction for images + embeddings; only after
 * it commits are the vectors added to the index and the call acknowledged.
 * A crash between commit and index save is repaired at the next start.
 */
export class EnrollmentService {
  constructor(private readonly deps: ServiceDeps) {}

  async enrollImages(identityId: string, inputs: ImageInputLike[]): Promise<EnrolledImageResult[]> {
    assertImageCount(inputs.length, this.deps.limits);
    const identity = await this.deps.store.findIdentity(identityId);
    if (!identity) throw notFound('Identity', identityId);

    const names = inputs.map((_, i) => `images[${i}]`);
    const resolved = await Promise.all(inputs.map((inp, i) => resolveImageInput(inp, this.deps.limits, names[i])));
    const bytes: Uint8Array[] = [];
    for (let i = 0; i < resolved.length; i++) {
      const r = resolved[i];
      if (r.kind === 'bytes') bytes.push(r.bytes);
      else {
        // Enrolling an already-enrolled image (e.g. to another identity) copies its bytes.
        const stored = await this.deps.store.imageBytes(r.imageId);
        if (!stored) throw notFound('Image', r.imageId);
        bytes.push(stored);
      }
    }

    const model = this.deps.active.current;
    const embedded = await embedWithFaces(model, bytes, names, this.deps.limits, this.deps.admission);
    const vectors = embedded.map((e) => e.vector);
    const metas = await Promise.all(bytes.map((b) => imageMeta(b)));
    const rows: NewImage[] = bytes.map((b, i) => ({ bytes: b, vector: vectors[i], ...metas[i] }));

    const stored = await this.deps.store.enrollImages(identityId, model.version, rows);
    // Awaited: a database-backed index (pgvector) inserts here; an in-process one answers at once.
    for (let i = 0; i < stored.length; i++) await model.index.add(stored[i].label, vectors[i]);
    this.deps.indexes.scheduleSave(model);

    // A model swap (retraining, activateModel) while we embedded and committed:
    // the new model's re-embedding may already have passed these images, so
    // embed them for it too, or they would be missing from the serving index.
    const now = this.deps.active.current;
    if (now !== model) await this.deps.indexes.catchUp(now);
    // The companion encoder's vectors of these images, in the background (companion-warmer.ts).
    this.deps.companionWarmer?.notify();
    // The face is reported, not stored: a later model may use another face stage, and it re-embeds from the bytes.
    return stored.map((s, i) => ({ ...s.image, face: embedded[i].face }));
  }
}
