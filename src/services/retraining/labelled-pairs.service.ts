/**
 * Labelled pairs: an admin's (or an enroller's) judgement that two images show the same
 * identity or not. Stored with their images and read by every later training run; this
 * service knows nothing of runs or child processes (run-supervisor.ts).
 *
 * A pair is scored by the serving model when it is labelled: when the model decided the
 * other way, the pair is a correction and weighs more in training.
 */
import type { Limits } from '../../config';
import type { LabelledPairRecord, Page, Repositories } from '../../db';
import { notFound } from '../../errors';
import { distance } from '../../metric/metric';
import { resolveImageInput, type ImageInputLike } from '../image-input';
import { embedWithNames } from '../service-context';
import type { ActiveModel } from '../serving-model';
import type { ServiceStore } from '../store.port';

/** Weight of a pair that corrects the serving model (it decided the other way). */
export const CORRECTION_WEIGHT = 3;

export interface LabelledPairResult extends LabelledPairRecord {
  /** The serving model's distance between the two images when the pair was labelled. */
  modelDistance: number;
  modelVersion: string;
  /** True when the serving model decided the other way (stored as source 'correction'). */
  correction: boolean;
}

export interface LabelledPairsDeps {
  repos: Repositories;
  store: ServiceStore;
  active: ActiveModel;
  limits: Limits;
}

export interface LabelPairOptions {
  weight?: number | null;
  note?: string | null;
  /**
   * The people an uploaded side shows (enrolled sides tag their owner by themselves);
   * deleting one of them erases the pair with its uploaded bytes.
   */
  identityIds?: readonly string[] | null;
}

export class LabelledPairsService {
  constructor(private readonly deps: LabelledPairsDeps) {}

  async labelPair(a: ImageInputLike, b: ImageInputLike, same: boolean, opts: LabelPairOptions = {}): Promise<LabelledPairResult> {
    const { store, limits } = this.deps;
    const model = this.deps.active.current;
    const [ra, rb] = await Promise.all([resolveImageInput(a, limits, 'a'), resolveImageInput(b, limits, 'b')]);
    const vector = async (r: typeof ra, name: string) => {
      if (r.kind === 'bytes') return (await embedWithNames(model, [r.bytes], [name], limits))[0];
      const v = await store.findVector(r.imageId, model.version);
      if (v) return v;
      const bytes = await store.imageBytes(r.imageId);
      if (!bytes) throw notFound('EnrolledImage', r.imageId);
      return (await embedWithNames(model, [bytes], [name], limits))[0];
    };
    // Embedding both also proves they decode: an unusable image is refused before it is stored.
    const [va, vb] = await Promise.all([vector(ra, 'a'), vector(rb, 'b')]);
    const d = distance(va, vb, model.card.metric);
    const correction = d <= model.card.thresholds.default !== same;
    const side = (r: typeof ra) => (r.kind === 'bytes' ? { bytes: r.bytes } : { imageId: r.imageId });
    const rec = await this.deps.repos.labelledPairs.create({
      a: side(ra),
      b: side(rb),
      same,
      weight: opts.weight ?? (correction ? CORRECTION_WEIGHT : 1),
      source: correction ? 'correction' : 'admin',
      note: opts.note ?? null,
      identityIds: opts.identityIds ?? [],
    });
    return { ...rec, modelDistance: d, modelVersion: model.version, correction };
  }

  list(first: number, after?: string | null): Promise<Page<LabelledPairRecord>> {
    return this.deps.repos.labelledPairs.list({ first, after });
  }

  /**
   * Erases one labelled pair (uploaded bytes included, logged in the Erasure log): later
   * runs never see it, and a run that already read it will not promote its model.
   */
  async delete(id: string): Promise<true> {
    if (!(await this.deps.repos.labelledPairs.delete(id))) throw notFound('LabelledPair', id);
    return true;
  }
}
