/**
 * The typed codec of a training run's JSON columns (TrainingRun.options, .progress, .metrics).
 *
 * The run supervisor writes these values and the API reads them back, possibly from a row an
 * older server wrote, or one a crash left half-updated. Encoding builds plain JSON objects
 * field by field (so the compiler checks every field against JsonValue, with no
 * `as unknown as JsonValue`); decoding is tolerant (a missing or wrong-typed field becomes
 * its neutral value instead of an exception on a list query) and is the ONE place that
 * parses these columns: the resolvers' mappers only copy the decoded values.
 */
import type { JsonObject, JsonValue } from '../../db';
import type { ModelCard } from '../../embedding/model-card';
import type { ModelScore, RunMetrics, RunProgress } from './run-state';
import type { RetrainOptions } from './retrain-options';

/** Progress as the API serves it: every optional counter present, null when unknown. */
export interface DecodedProgress extends Required<Omit<RunProgress, 'embedded' | 'toEmbed'>> {
  embedded: number | null;
  toEmbed: number | null;
}

/** Metrics as the API serves it: `wallTimeSec` null when the run did not report it. */
export interface DecodedMetrics extends Omit<RunMetrics, 'wallTimeSec'> {
  wallTimeSec: number | null;
}

export function encodeProgress(p: RunProgress): JsonObject {
  const out: JsonObject = {
    phase: p.phase,
    step: p.step,
    total: p.total,
    loss: p.loss,
    pairsPerSec: p.pairsPerSec,
    etaSeconds: p.etaSeconds,
  };
  if (p.embedded !== undefined) out.embedded = p.embedded;
  if (p.toEmbed !== undefined) out.toEmbed = p.toEmbed;
  return out;
}

/** Tolerant read of a stored progress value (null for none). Counters are whole numbers. */
export function decodeProgress(v: JsonValue | null | undefined): DecodedProgress | null {
  const p = asObject(v);
  if (!p) return null;
  return {
    phase: p.phase == null ? 'starting' : String(p.phase),
    step: Math.round(Number(p.step ?? 0)),
    total: Math.round(Number(p.total ?? 0)),
    loss: finite(p.loss),
    pairsPerSec: finite(p.pairsPerSec),
    etaSeconds: finite(p.etaSeconds),
    embedded: p.embedded == null ? null : Math.round(Number(p.embedded)),
    toEmbed: p.toEmbed == null ? null : Math.round(Number(p.toEmbed)),
  };
}

export function encodeMetrics(m: RunMetrics): JsonObject {
  const out: JsonObject = {
    heldOut: { ...m.heldOut },
    old: encodeScore(m.old),
    new: encodeScore(m.new),
    labelledPairs: m.labelledPairs,
    trainingImages: m.trainingImages,
    trainingIdentities: m.trainingIdentities,
    promoted: m.promoted,
    decision: m.decision,
  };
  if (m.wallTimeSec !== undefined) out.wallTimeSec = m.wallTimeSec;
  return out;
}

/** Tolerant read of stored metrics (null for none). */
export function decodeMetrics(v: JsonValue | null | undefined): DecodedMetrics | null {
  const m = asObject(v);
  if (!m) return null;
  const held = asObject(m.heldOut) ?? {};
  return {
    heldOut: {
      disjoint: held.disjoint === true,
      identities: count(held.identities),
      images: count(held.images),
      positivePairs: count(held.positivePairs),
      negativePairs: count(held.negativePairs),
    },
    old: decodeScore(m.old),
    new: decodeScore(m.new),
    labelledPairs: count(m.labelledPairs),
    trainingImages: count(m.trainingImages),
    trainingIdentities: count(m.trainingIdentities),
    promoted: typeof m.promoted === 'boolean' ? m.promoted : null,
    decision: typeof m.decision === 'string' ? m.decision : null,
    wallTimeSec: finite(m.wallTimeSec),
  };
}

export function encodeOptions(o: RetrainOptions): JsonObject {
  return {
    steps: o.steps,
    epochs: o.epochs,
    loss: o.loss,
    margin: o.margin,
    learningRate: o.learningRate,
    batchSize: o.batchSize,
    fromScratch: o.fromScratch,
    promote: o.promote,
    seed: o.seed,
  };
}

/** Stored options as the API serves them (an object; `{}` for none). */
export function decodeOptions(v: JsonValue | null | undefined): Record<string, unknown> {
  return asObject(v) ?? {};
}

/**
 * A model card as stored in ModelVersion.card: the same JSON as its model-card.json. The
 * card is a deep interface; `Jsonable` proves at compile time that every field of it is
 * JSON (no functions, typed arrays, dates), so the one cast below cannot lie.
 */
export function encodeCard(card: ModelCard): JsonValue {
  return jsonOf<ModelCard>(card);
}

/** `unknown` (free-form parameters of an architecture) is taken on trust: it came from a JSON file. */
type Jsonable<T> = unknown extends T
  ? T
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends (...args: never[]) => unknown
      ? never
      : T extends ArrayBufferView | Date | Map<unknown, unknown> | Set<unknown>
        ? never
        : T extends readonly (infer U)[]
          ? readonly Jsonable<U>[]
          : T extends object
            ? { [K in keyof T]: Jsonable<T[K]> }
            : never;

/** Optional fields are fine: JSON.stringify (what Prisma stores) drops undefined. */
function jsonOf<T>(value: Jsonable<T>): JsonValue {
  return value as unknown as JsonValue;
}

function encodeScore(s: ModelScore | null): JsonValue {
  return s === null
    ? null
    : { version: s.version, auc: s.auc, eer: s.eer, accuracy: s.accuracy, labelledPairAccuracy: s.labelledPairAccuracy };
}

function decodeScore(v: JsonValue | undefined): ModelScore | null {
  const s = asObject(v);
  if (!s || typeof s.version !== 'string') return null;
  const auc = finite(s.auc);
  const eer = finite(s.eer);
  if (auc === null || eer === null) return null;
  return { version: s.version, auc, eer, accuracy: finite(s.accuracy), labelledPairAccuracy: finite(s.labelledPairAccuracy) };
}

function asObject(v: JsonValue | null | undefined): JsonObject | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

function finite(v: JsonValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function count(v: JsonValue | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : 0;
}
