/**
 * What a person reads on a model card (issue 15, the console's Model page): what the model is
 * for and not for, the data it saw, its measured numbers with their intervals, and its
 * learning curve, read out of `model-card.json` (the serving model's) or the card stored with a
 * model version (ModelVersion.card, JSON from the database).
 *
 * Cards are written by several tools over time (trainer, ensemble, eval, set-intended-use.js)
 * and a stored one may be older than this code, so everything past the fields a server needs
 * (modelCardProblems) is read defensively: a missing or malformed part gives an empty list or
 * null, never an error that would fail the `model` query.
 */

export interface CardIntendedUse {
  summary: string;
  intendedFor: string[];
  notFor: string[];
  photos: string | null;
  trainedOn: string | null;
  calibratedOn: string | null;
  /** Hand-written measured claims, each with its interval (as written) and the command behind it. */
  measured: Array<{ what: string; value: string; ci95: string | null; command: string | null }>;
  failureModes: string[];
}

export interface CardData {
  sources: string[];
  identities: number | null;
  images: number | null;
  trainIdentities: number | null;
  validationIdentities: number | null;
  duplicatesDropped: number | null;
  facelessDropped: number | null;
}

export interface CardMetricInterval {
  low: number;
  high: number;
  /** Confidence level, 0.95 for a 95 % interval. */
  level: number;
  /** How it was computed, when the card says (e.g. "identity bootstrap, 1000 rounds", "Wilson"). */
  method: string | null;
}

export interface CardMetric {
  /** Where on the card: "validation" (the calibration set), or an `evaluations` key such as "lfwHeldOut". */
  source: string;
  /** Stable metric name: auc, eer, accuracyAtDefault, tarAtFar1e2, tarAtFar1e3, oneShotAccuracy. */
  name: string;
  value: number;
  interval: CardMetricInterval | null;
  /** What it was measured on, in words (identities, pairs, ways), when the card says. */
  sample: string | null;
  command: string | null;
  /** A comparison baseline (the raw-pixel scores of the same pairs, issue 17), not this model. */
  baseline: boolean;
}

export interface CardCurvePoint {
  epoch: number;
  step: number | null;
  loss: number | null;
  valAuc: number | null;
  valEer: number | null;
  valOneShot: number | null;
  elapsedSec: number | null;
  /** Best validation score so far at this pass (the checkpoint kept then). */
  best: boolean;
}

export interface CardLearningCurve {
  /** The model's name, or an ensemble member's. */
  name: string;
  /** The epoch whose weights were kept (single models; null for ensemble members). */
  keptEpoch: number | null;
  points: CardCurvePoint[];
}

/** A comparison ROC on the card: a pixel baseline scored on the same validation pairs (issue 17). */
export interface CardComparisonRoc {
  label: string;
  auc: number | null;
  eer: number | null;
  points: Array<{ threshold: number; far: number; tar: number }>;
}

export interface ModelCardSummary {
  name: string;
  notes: string | null;
  warnings: string[];
  intendedUse: CardIntendedUse | null;
  data: CardData;
  metrics: CardMetric[];
  learningCurves: CardLearningCurve[];
  comparisonRocs: CardComparisonRoc[];
  trainCommand: string | null;
  evaluateCommands: string[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** The metrics read from a verification report, in the order they are shown. */
const VERIFICATION_METRICS = ['auc', 'eer', 'accuracyAtDefault', 'tarAtFar1e2', 'tarAtFar1e3'] as const;

/** A [low, high] pair of finite numbers, low ≤ high. */
function pair(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [lo, hi] = v.map(num);
  return lo !== null && hi !== null && lo <= hi ? [lo, hi] : null;
}

function readIntendedUse(v: unknown): CardIntendedUse | null {
  if (!isObj(v)) return null;
  const summary = str(v.summary);
  if (summary === null) return null;
  const measured = (Array.isArray(v.measured) ? v.measured : []).filter(isObj).flatMap((m) => {
    const what = str(m.what);
    const value = str(m.value);
    return what !== null && value !== null ? [{ what, value, ci95: str(m.ci95), command: str(m.command) }] : [];
  });
  return {
    summary,
    intendedFor: strings(v.intendedFor),
    notFor: strings(v.notFor),
    photos: str(v.photos),
    trainedOn: str(v.trainedOn),
    calibratedOn: str(v.calibratedOn),
    measured,
    failureModes: strings(v.failureModes),
  };
}

function readData(v: unknown): CardData {
  const d = isObj(v) ? v : {};
  return {
    sources: strings(d.sources),
    identities: int(d.identities),
    images: int(d.images),
    trainIdentities: int(d.trainIdentities),
    validationIdentities: int(d.validationIdentities),
    duplicatesDropped: int(d.duplicatesDropped),
    facelessDropped: int(d.facelessDropped),
  };
}

/** "1,899 identities, 3,231 images, 4,016 same / 50,000 different pairs": what a report was measured on. */
function sampleOf(r: Obj): string | null {
  const parts: string[] = [];
  const n = (k: string) => int(r[k]);
  const fmt = (x: number) => x.toLocaleString('en-US');
  if (n('identities') !== null) parts.push(`${fmt(n('identities')!)} identities`);
  if (n('images') !== null) parts.push(`${fmt(n('images')!)} images`);
  if (n('positivePairs') !== null && n('negativePairs') !== null)
    parts.push(`${fmt(n('positivePairs')!)} same / ${fmt(n('negativePairs')!)} different pairs`);
  return parts.length ? parts.join(', ') : null;
}

/** The bootstrap interval block of a verification report ({ level, rounds, auc: [lo, hi], eer: [lo, hi] }). */
function bootstrapInterval(ci: unknown, name: string): CardMetricInterval | null {
  if (!isObj(ci)) return null;
  const range = pair(ci[name]);
  if (!range) return null;
  const rounds = int(ci.rounds);
  return {
    low: range[0],
    high: range[1],
    level: num(ci.level) ?? 0.95,
    method: rounds ? `identity bootstrap, ${rounds} rounds` : 'bootstrap',
  };
}

/** One-shot results: { accuracy, ways, total, correct, ci95: [lo, hi] (Wilson), tta }. */
function oneShotMetric(source: string, o: unknown, command: string | null, baseline: boolean): CardMetric | null {
  if (!isObj(o)) return null;
  const value = num(o.accuracy);
  if (value === null) return null;
  const range = pair(o.ci95);
  const ways = int(o.ways);
  const total = int(o.total);
  const episodes = int(o.episodes);
  const tta = int(o.tta);
  const sample = [
    ways !== null ? `${ways}-way` : null,
    total !== null ? `${total.toLocaleString('en-US')} trials` : episodes !== null ? `${episodes.toLocaleString('en-US')} episodes` : null,
    tta ? `${tta}× test-time augmentation` : null,
  ].filter((s): s is string => s !== null);
  return {
    source,
    name: 'oneShotAccuracy',
    value,
    interval: range ? { low: range[0], high: range[1], level: 0.95, method: 'Wilson' } : null,
    sample: sample.length ? sample.join(', ') : null,
    command,
    baseline,
  };
}

/**
 * The metrics of one `evaluations` entry. Three shapes are written today: an eval report
 * (`{ verification: {…, ci95}, oneShot?, command }` from `siamese eval`), a one-shot run set
 * (`{ oneShot: { accuracy, ci95, … }, command }`), and flat numbers (`{ oneShotAccuracy, auc, … }`,
 * the trainer's validation summary). Lists (an ensemble's `members`) are not this model's numbers.
 */
function evaluationMetrics(source: string, e: unknown, baseline = false): CardMetric[] {
  if (!isObj(e)) return [];
  const command = str(e.command);
  const out: CardMetric[] = [];
  const fromReport = (r: Obj, ci: unknown) => {
    const sample = sampleOf(r);
    for (const name of VERIFICATION_METRICS) {
      const value = num(r[name]);
      if (value !== null) out.push({ source, name, value, interval: bootstrapInterval(ci, name), sample, command, baseline });
    }
  };
  if (isObj(e.verification)) {
    fromReport(e.verification, e.verification.ci95);
    const inner = oneShotMetric(source, e.verification.oneShot, command, baseline);
    if (inner) out.push(inner);
  } else {
    fromReport(e, e.ci95);
  }
  const oneShot = oneShotMetric(source, e.oneShot, command, baseline);
  if (oneShot) out.push(oneShot);
  const flat = num(e.oneShotAccuracy);
  if (flat !== null) {
    const ways = int(e.oneShotWays);
    out.push({
      source,
      name: 'oneShotAccuracy',
      value: flat,
      interval: null,
      sample: [ways !== null ? `${ways}-way` : null, sampleOf(e)].filter((x): x is string => x !== null).join(', ') || null,
      command,
      baseline,
    });
  }
  // Issue 17: the same pairs scored by raw pixels ({ pixelEuclidean: { auc, eer, roc }, … }), shown beside the model.
  for (const [name, b] of Object.entries(isObj(e.baseline) ? e.baseline : {})) {
    out.push(...evaluationMetrics(`${source} · ${name} baseline`, b, true).map((m) => ({ ...m, command: m.command ?? command })));
  }
  return out;
}

/** The validation (calibration) numbers first, then each evaluation in the card's order. */
function readMetrics(card: Obj): CardMetric[] {
  const out: CardMetric[] = [];
  if (isObj(card.validation)) {
    const v = card.validation;
    const sample = sampleOf(v);
    for (const name of VERIFICATION_METRICS) {
      const value = num(v[name]);
      if (value !== null)
        out.push({ source: 'validation', name, value, interval: bootstrapInterval(v.ci95, name), sample, command: null, baseline: false });
    }
  }
  if (isObj(card.evaluations)) {
    for (const [key, e] of Object.entries(card.evaluations)) out.push(...evaluationMetrics(key, e));
  }
  return out;
}

function readHistory(h: unknown): CardCurvePoint[] {
  if (!Array.isArray(h)) return [];
  return h.filter(isObj).flatMap((r) => {
    const epoch = int(r.epoch);
    if (epoch === null) return [];
    return [
      {
        epoch,
        step: int(r.step),
        loss: num(r.loss),
        valAuc: num(r.valAuc),
        valEer: num(r.valEer),
        valOneShot: num(r.valOneShot),
        elapsedSec: num(r.elapsedSec),
        best: r.best === true,
      },
    ];
  });
}

/**
 * The per-pass validation history (`hyperparameters.history`), or one per member for an
 * ensemble (`hyperparameters.ensembleOf[].hyperparameters.history`): the numbers
 * learning-curve.svg is drawn from (src/training/plots/learning-curve-svg.ts).
 */
function readLearningCurves(card: Obj): CardLearningCurve[] {
  const hp = isObj(card.hyperparameters) ? card.hyperparameters : {};
  if (Array.isArray(hp.ensembleOf)) {
    return hp.ensembleOf.filter(isObj).flatMap((m) => {
      const points = readHistory(isObj(m.hyperparameters) ? m.hyperparameters.history : undefined);
      return points.length ? [{ name: str(m.name) ?? 'member', keptEpoch: null, points }] : [];
    });
  }
  const points = readHistory(hp.history);
  const training = isObj(card.training) ? card.training : {};
  return points.length ? [{ name: str(card.name) ?? 'model', keptEpoch: int(training.bestEpoch), points }] : [];
}

/** The baseline ROCs stored with an evaluation (`evaluations.X.baseline.Y.roc`), to draw beside the model's own. */
function readComparisonRocs(card: Obj): CardComparisonRoc[] {
  const out: CardComparisonRoc[] = [];
  for (const [source, e] of Object.entries(isObj(card.evaluations) ? card.evaluations : {})) {
    if (!isObj(e) || !isObj(e.baseline)) continue;
    for (const [name, b] of Object.entries(e.baseline)) {
      if (!isObj(b) || !Array.isArray(b.roc)) continue;
      const points = b.roc.filter(isObj).flatMap((p) => {
        const [threshold, far, tar] = [num(p.threshold), num(p.far), num(p.tar)];
        return threshold !== null && far !== null && tar !== null && far >= 0 && far <= 1 && tar >= 0 && tar <= 1
          ? [{ threshold, far, tar }]
          : [];
      });
      if (points.length >= 2) out.push({ label: `${name} (${source})`, auc: num(b.auc), eer: num(b.eer), points });
    }
  }
  return out;
}

/** Reads a card (a ModelCard, or the JSON stored with a model version) for people. */
export function summarizeModelCard(card: unknown): ModelCardSummary {
  const c = isObj(card) ? card : {};
  const commands = isObj(c.commands) ? c.commands : {};
  return {
    name: str(c.name) ?? '',
    notes: str(c.notes),
    warnings: strings(c.warnings),
    intendedUse: readIntendedUse(c.intendedUse),
    data: readData(c.data),
    metrics: readMetrics(c),
    learningCurves: readLearningCurves(c),
    comparisonRocs: readComparisonRocs(c),
    trainCommand: str(commands.train),
    evaluateCommands: strings(commands.evaluate),
  };
}
