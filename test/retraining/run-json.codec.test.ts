import {
  decodeMetrics,
  decodeOptions,
  decodeProgress,
  encodeMetrics,
  encodeOptions,
  encodeProgress,
} from '../../src/services/retraining/run-json.codec';
import type { RunMetrics, RunProgress } from '../../src/services/retraining/run-state';
import { resolveRetrainOptions } from '../../src/services/retraining/retrain-options';

/**
 * The run's JSON columns go through one codec: what the supervisor encodes the API decodes
 * unchanged (through a real JSON round trip, as the database stores it), and a row a crash
 * or an older server left malformed decodes to neutral values instead of failing the query.
 */
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('run JSON codec', () => {
  it('round-trips progress, with the optional counters present or absent', () => {
    const training: RunProgress = { phase: 'training', step: 7, total: 40, loss: 0.25, pairsPerSec: 812.5, etaSeconds: 3.5 };
    expect(decodeProgress(roundTrip(encodeProgress(training)))).toEqual({ ...training, embedded: null, toEmbed: null });
    const embedding: RunProgress = {
      phase: 'embedding',
      step: 5,
      total: 32,
      loss: null,
      pairsPerSec: null,
      etaSeconds: null,
      embedded: 5,
      toEmbed: 32,
    };
    expect(encodeProgress(embedding)).toEqual(embedding);
    expect(decodeProgress(roundTrip(encodeProgress(embedding)))).toEqual(embedding);
  });

  it('round-trips metrics, scores and wall time included', () => {
    const m: RunMetrics = {
      heldOut: { disjoint: true, identities: 2, images: 8, positivePairs: 12, negativePairs: 16 },
      old: { version: 'a', auc: 0.75, eer: 0.25, accuracy: 0.5, labelledPairAccuracy: null },
      new: { version: 'b', auc: 1, eer: 0, accuracy: 1, labelledPairAccuracy: 2 / 3 },
      labelledPairs: 3,
      trainingImages: 24,
      trainingIdentities: 6,
      promoted: true,
      decision: 'promote: ALWAYS',
      wallTimeSec: 1.25,
    };
    expect(decodeMetrics(roundTrip(encodeMetrics(m)))).toEqual(m);
    const { wallTimeSec: _w, ...noWall } = m;
    expect(decodeMetrics(roundTrip(encodeMetrics({ ...noWall, old: null, promoted: null, decision: null })))).toEqual({
      ...noWall,
      old: null,
      promoted: null,
      decision: null,
      wallTimeSec: null,
    });
  });

  it('round-trips the options every run stores', () => {
    const o = resolveRetrainOptions({ steps: 12, loss: 'triplet', promote: 'NEVER' }, 99);
    expect(decodeOptions(roundTrip(encodeOptions(o)))).toEqual(o);
  });

  it('decodes malformed or missing columns to neutral values', () => {
    expect(decodeProgress(null)).toBeNull();
    expect(decodeProgress([1, 2] as never)).toBeNull();
    // Counters are whole numbers; unknown phase → 'starting'; non-numbers → null.
    expect(decodeProgress({ step: 2.6, total: '9', loss: 'x', embedded: 3.2 })).toEqual({
      phase: 'starting',
      step: 3,
      total: 9,
      loss: null,
      pairsPerSec: null,
      etaSeconds: null,
      embedded: 3,
      toEmbed: null,
    });
    expect(decodeMetrics('oops')).toBeNull();
    expect(decodeMetrics({ old: { version: 'a', auc: 'high' }, promoted: 'yes' })).toEqual({
      heldOut: { disjoint: false, identities: 0, images: 0, positivePairs: 0, negativePairs: 0 },
      old: null,
      new: null,
      labelledPairs: 0,
      trainingImages: 0,
      trainingIdentities: 0,
      promoted: null,
      decision: null,
      wallTimeSec: null,
    });
    expect(decodeOptions(null)).toEqual({});
  });
});
