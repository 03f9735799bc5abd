import { loadModelDir } from '../../src/embedding/model-store';
import { initBackend } from '../../src/embedding/backend';
import { inferenceSpec } from '../../src/embedding/preprocess/flip-average';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { distance } from '../../src/metric/metric';
import { accuracyAt, auc, computeRoc, equalErrorRate, type ScoredPair } from '../../src/training/calibration/roc';
import { embedPixels, scorePairs, verificationPairs } from '../../src/training/evaluate/embed';
import { evaluateOnHeldOut, hasBothKinds, modelScore } from '../../src/services/retraining/held-out-evaluation';
import type { KeyedImage } from '../../src/services/retraining/training-data';
import { syntheticImage } from '../fixtures/synthetic-images';
import { tinyModelOnce } from '../fixtures/tiny-model-once';

/**
 * A training run scores models through the one scoring path (scoreVerification). Its
 * numbers must be exactly those of the path it replaced in training-job.ts: embedPixels →
 * scorePairs → computeRoc → auc / equalErrorRate, accuracy at the (recalibrated) default
 * threshold. The held-out groups mix synthetic identities on purpose, so that the AUC is
 * neither 0 nor 1 and a different pairing or threshold would show.
 */
describe('held-out evaluation of a training run', () => {
  let images: KeyedImage[];
  beforeAll(async () => {
    await initBackend('cpu');
    const shots: Array<[number, number]> = [
      [1, 0],
      [2, 0],
      [1, 1],
      [2, 1],
      [3, 0],
      [3, 1],
      [1, 2],
      [4, 0],
    ];
    images = await Promise.all(
      shots.map(async ([id, s]) => ({ key: `img:${id}-${s}`, identity: `g${id}`, bytes: new Uint8Array(await syntheticImage(id, s)) })),
    );
  });

  /** The replaced code of training-job.ts, verbatim in what it computes. */
  async function previousPath(
    model: Parameters<typeof embedPixels>[0],
    card: Awaited<ReturnType<typeof loadModelDir>>['card'],
    imgs: KeyedImage[],
    pairs: ReturnType<typeof verificationPairs>,
  ) {
    const p = card.preprocessing;
    const pixels = await Promise.all(imgs.map(async (i) => (await preprocessImage(i.bytes, p)).input));
    const emb = embedPixels(model, pixels, { height: p.height, width: p.width, channels: p.channels }, 64, inferenceSpec(card));
    const scores = scorePairs(emb, pairs, card.metric);
    const roc = computeRoc(scores);
    return { scores, emb, auc: auc(roc), eer: equalErrorRate(roc).eer };
  }

  it('gives the numbers of the previous embed → score → ROC code, at the default and at a recalibrated threshold', async () => {
    const { modelDir } = await tinyModelOnce();
    const { model, card } = await loadModelDir(modelDir);
    try {
      // Groups that disagree with the synthetic identities: a hard, non-separable held-out set.
      const pairs = verificationPairs(
        [
          [0, 1, 2],
          [3, 4, 6],
          [5, 7],
        ],
        1000,
        17,
      );
      const labelled = [
        { a: images[0].key, b: images[2].key, same: true },
        { a: images[0].key, b: images[1].key, same: false },
        { a: images[4].key, b: images[5].key, same: true },
      ];
      const expected = await previousPath(model, card, images, pairs);
      expect(expected.auc).toBeGreaterThan(0);
      expect(expected.auc).toBeLessThan(1);

      const atDefault = await evaluateOnHeldOut(model, card, { images, pairs }, { train: images, pairs: labelled });
      expect(atDefault.auc).toBe(expected.auc);
      expect(atDefault.eer).toBe(expected.eer);
      expect(atDefault.accuracy).toBe(accuracyAt(expected.scores, card.thresholds.default));
      const byKey = new Map(images.map((img, i) => [img.key, expected.emb[i]]));
      const right = (t: number) =>
        labelled.filter((q) => distance(byKey.get(q.a)!, byKey.get(q.b)!, card.metric) <= t === q.same).length / labelled.length;
      expect(atDefault.pairAccuracy).toBe(right(card.thresholds.default));

      // recalibrate sees exactly the scored pairs, in order; accuracies move to its threshold.
      let seen: ScoredPair[] = [];
      const median = [...expected.scores.map((s) => s.distance)].sort((x, y) => x - y)[Math.floor(expected.scores.length / 2)];
      const recal = await evaluateOnHeldOut(model, card, { images, pairs }, { train: images, pairs: labelled }, (scores) => {
        seen = scores;
        return { ...card, thresholds: { ...card.thresholds, default: median } };
      });
      expect(seen).toEqual(expected.scores);
      expect(recal.auc).toBe(expected.auc);
      expect(recal.accuracy).toBe(accuracyAt(expected.scores, median));
      expect(recal.pairAccuracy).toBe(right(median));
      expect(modelScore(recal, 'v2')).toEqual({
        version: 'v2',
        auc: expected.auc,
        eer: expected.eer,
        accuracy: recal.accuracy,
        labelledPairAccuracy: recal.pairAccuracy,
      });
    } finally {
      model.dispose();
    }
  });

  it('has no AUC without both kinds of pair, and no pair accuracy without labelled pairs', async () => {
    const { modelDir } = await tinyModelOnce();
    const { model, card } = await loadModelDir(modelDir);
    try {
      const onlySame = verificationPairs([[0, 2, 6]], 1000, 1);
      expect(hasBothKinds(onlySame)).toBe(false);
      const e = await evaluateOnHeldOut(model, card, { images, pairs: onlySame }, { train: images, pairs: [] });
      expect(e).toEqual({ auc: null, eer: null, accuracy: null, pairAccuracy: null });
      expect(modelScore(e, 'v')).toBeNull();
    } finally {
      model.dispose();
    }
  });
});
