import { defaultFaceDetector } from '../embedding/faces/face-api.detector';
import { detectAllFaces } from '../embedding/faces/face-stage';
import type { FaceInfo } from '../embedding/faces/face.types';
import { DomainError, badInput, notFound } from '../errors';
import { resolveImageInput, type ImageInputLike } from './image-input';
import { decodeLimitsOf, nameArgument, runAdmitted, type ServiceDeps } from './service-context';

/**
 * The detectFaces query: every face the served model's face stage finds in an
 * image, largest first (the first is the one verify, searchSimilar and
 * enrollImages would embed). [] when there is none: listing faces is not an
 * error, embedding a faceless image is (NO_FACE_DETECTED).
 *
 * A model without a face stage answers BAD_USER_INPUT rather than running a
 * default detector: its answers never depend on faces, so faces found with
 * settings it does not use would describe nothing the service does.
 */
export class FaceDetectionService {
  constructor(private readonly deps: ServiceDeps) {}

  async detectFaces(image: ImageInputLike): Promise<FaceInfo[]> {
    const model = this.deps.active.current;
    const face = model.card.preprocessing.face;
    if (!face) {
      throw badInput(
        `detectFaces: the served model ${model.version} has no face stage (it embeds whole images); serve a face model to detect faces`,
        {
          modelVersion: model.version,
        },
      );
    }
    const r = await resolveImageInput(image, this.deps.limits, 'image');
    let bytes: Uint8Array;
    if (r.kind === 'bytes') bytes = r.bytes;
    else {
      const stored = await this.deps.store.imageBytes(r.imageId);
      if (!stored) throw notFound('Image', r.imageId);
      bytes = stored;
    }
    const limits = decodeLimitsOf(this.deps.limits);
    try {
      // The embedder's own detector (a pool worker's, off the event loop); an
      // embedder port without one (test doubles) is served on this thread.
      const detect = model.embedder.detectFaces;
      return await runAdmitted(this.deps.admission, model, [bytes], ['image'], this.deps.limits, () =>
        detect ? detect.call(model.embedder, bytes, limits) : detectAllFaces(bytes, face, defaultFaceDetector(), limits),
      );
    } catch (e) {
      if (e instanceof DomainError) throw nameArgument(e, 'image');
      throw e;
    }
  }
}
