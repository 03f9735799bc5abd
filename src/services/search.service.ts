import type { FaceInfo } from '../embedding/faces/face.types';
import { DomainError, ErrorCode } from '../errors';
import { isMatch, similarityFromDistance } from '../metric/metric';
import type { SearchHit } from '../index/vector-index';
import type { ImageInputLike } from './image-input';
import { embedInputsWithFaces, readsOf, type ServiceDeps } from './service-context';
import { clampDistance } from './verification.service';
import { OpenSetThresholdCache } from './open-set-threshold';
import type { IdentityRow, LabelOwner } from './store.port';

export interface SearchMatch {
  identity: IdentityRow;
  imageId: string;
  distance: number;
  similarity: number;
  /** distance ≤ threshold. */
  match: boolean;
  /** The 1:N threshold applied (open-set rule for this gallery size, or the card's 1:1 default). */
  threshold: number;
  /** The query's face (the same on every entry): null without a face stage or for a stored image's vector. */
  face: FaceInfo | null;
}

export interface IdentityHit {
  identityId: string;
  imageId: string;
  distance: number;
}

/**
 * Keeps each identity's closest image, ascending by distance (ties by
 * identity id, so the order never depends on the index's internals).
 * Hits whose label has no owner (deleted meanwhile) are dropped.
 */
export function groupByIdentity(hits: SearchHit[], owners: Map<number, LabelOwner>): IdentityHit[] {
  const best = new Map<string, IdentityHit>();
  for (const h of hits) {
    const o = owners.get(h.label);
    if (!o) continue;
    const prev = best.get(o.identityId);
    if (!prev || h.distance < prev.distance) best.set(o.identityId, { identityId: o.identityId, imageId: o.imageId, distance: h.distance });
  }
  return [...best.values()].sort((x, y) => x.distance - y.distance || (x.identityId < y.identityId ? -1 : 1));
}

/**
 * 1:N identification. The index holds images, the answer is identities: it
 * over-fetches neighbours and groups them, widening the fetch until k
 * distinct identities are found or the index is exhausted.
 * `match` uses the open-set threshold for the gallery's size (limits.openSetFar,
 * see open-set-threshold.ts), not the 1:1 threshold verify uses: a stranger gets
 * one chance per enrolled image to fall under it.
 */
export class SearchService {
  private readonly thresholds: OpenSetThresholdCache;

  constructor(private readonly deps: ServiceDeps) {
    this.thresholds = new OpenSetThresholdCache(deps.limits.openSetFar);
  }

  async searchSimilar(image: ImageInputLike, k: number): Promise<SearchMatch[]> {
    const max = this.deps.limits.maxK;
    if (!Number.isInteger(k) || k < 1 || k > max) {
      throw new DomainError(ErrorCode.BAD_USER_INPUT, `k must be an integer between 1 and ${max} (got ${k})`, {
        argument: 'k',
        limit: max,
      });
    }
    const model = this.deps.active.current;
    const [{ vector: query, face }] = await embedInputsWithFaces(this.deps, model, [image], ['image']);
    const index = model.index;

    // The loop stops on a short answer, not on a count: a shared (pgvector) index's count is
    // cached briefly and may lag other replicas' enrollments; a search never does.
    let fetch = Math.max(4 * k, k + 16);
    let fetched = 0;
    let grouped: IdentityHit[] = [];
    const owners = new Map<number, LabelOwner>();
    for (;;) {
      const hits = await index.search(query, fetch);
      fetched = hits.length;
      const unknown = hits.map((h) => h.label).filter((l) => !owners.has(l));
      if (unknown.length > 0) {
        for (const o of await readsOf(this.deps).ownersOfLabels(model.version, unknown)) owners.set(o.label, o);
      }
      grouped = groupByIdentity(hits, owners);
      // Fewer hits than asked: the index is exhausted. (hnswlib may answer short of its live
      // count near tombstones: an in-process index widens until the fetch covers its size.)
      const exhausted = hits.length < fetch && (index.kind === 'pgvector' || fetch >= index.size);
      if (grouped.length >= k || exhausted) break;
      fetch *= 4;
    }
    // Gallery size for the open-set threshold (at least what this search saw).
    const gallerySize = Math.max(await index.count(), fetched);
    const top = grouped.slice(0, k);
    if (top.length === 0) return [];

    const identities = new Map((await readsOf(this.deps).findIdentities(top.map((t) => t.identityId))).map((i) => [i.id, i]));
    // Gallery = live images of this model's index (what the stranger was compared with).
    const { threshold } = this.thresholds.get(
      model.version,
      { roc: model.card.roc ?? [], defaultThreshold: model.card.thresholds.default, negativePairs: model.card.validation?.negativePairs },
      gallerySize,
    );
    const metric = model.card.metric;
    const out: SearchMatch[] = [];
    for (const t of top) {
      const identity = identities.get(t.identityId);
      if (!identity) continue; // deleted while we searched
      const d = clampDistance(t.distance);
      out.push({
        identity,
        imageId: t.imageId,
        distance: d,
        similarity: similarityFromDistance(d, metric),
        match: isMatch(d, threshold),
        threshold,
        face,
      });
    }
    return out;
  }
}
