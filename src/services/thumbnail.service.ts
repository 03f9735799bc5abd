import { notFound } from '../errors';
import { renderThumbnail, type Thumbnail } from '../embedding/preprocess/thumbnail';

/** The `size` a caller asked for, checked (BAD_USER_INPUT outside 16…512; default 96). */
export { thumbnailSize } from '../embedding/preprocess/thumbnail';
import { readsOf, type ServiceDeps } from './service-context';

/** What the thumbnail route answers: the preview and its validator. */
export interface ThumbnailAnswer {
  thumbnail: Thumbnail;
  etag: string;
}

/** Bump when the rendering changes (size rule, quality, format) so browsers drop old previews. */
const RENDERING_VERSION = 't1';

/**
 * Previews of enrolled images for the console (issue 15). Access is the caller's business
 * (the route checks role read, the same rule as Identity.images).
 *
 * Nothing is cached on the server: an erased image must leave no copy behind, and a 96-px
 * JPEG costs milliseconds. Browsers cache instead, revalidating each time (ETag + no-cache),
 * so an erased image stops showing as soon as the server answers 404.
 * The ETag is the stored image's SHA-256 with the size: enrolled bytes never change.
 */
export class ThumbnailService {
  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'reads' | 'limits' | 'admission'>) {}

  /** The validator of an image's preview, from its row alone (no bytes read): NOT_FOUND when absent. */
  async etag(imageId: string, size: number): Promise<string> {
    const row = await readsOf(this.deps).findImage(imageId);
    if (!row) throw notFound('Image', imageId);
    return etagOf(row.sha256, size);
  }

  async render(imageId: string, size: number): Promise<ThumbnailAnswer> {
    const row = await readsOf(this.deps).findImage(imageId);
    if (!row) throw notFound('Image', imageId);
    const bytes = await readsOf(this.deps).imageBytes(imageId);
    // Deleted between the two reads.
    if (!bytes) throw notFound('Image', imageId);
    const { limits, admission } = this.deps;
    // The stored image passed the limits at enrolment (the face stage allows larger ones): do not refuse it now.
    const job = () =>
      renderThumbnail(bytes, size, { maxPixels: Math.max(limits.maxPixels, row.width * row.height), timeoutMs: limits.decodeTimeoutMs });
    const thumbnail = admission ? await admission.run(1, job) : await job();
    return { thumbnail, etag: etagOf(row.sha256, size) };
  }
}

function etagOf(sha256: string, size: number): string {
  return `"${RENDERING_VERSION}-${sha256.slice(0, 32)}-${size}"`;
}
