import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { MemoryImageSource } from '../../src/training/data/labelled-image-source';
import { train, type TrainOptions } from '../../src/training/trainer';
import { syntheticImage } from '../fixtures/synthetic-images';
import { tinyForgeryOptions } from './fixtures/tiny-forgery-options';

/**
 * `train()` with `forgeries` (issue 17, signatures): writers with genuine and forged folders are split by a fixed
 * validation list, and the validation pairs are each validation writer's genuine–genuine (same) and
 * genuine–forgery (different) pairs only. Writers w0..w3: 4 genuine + 3 forged each; validation = w1, w3.
 */
// atTargetFar 0.2: verifyIdentity's thresholds follow the same rule, so their validation FAR stays under it.
const options: TrainOptions = tinyForgeryOptions({ thresholdRule: 'atTargetFar', targetFar: 0.2 });

async function source(): Promise<MemoryImageSource> {
  const images = [];
  for (let w = 0; w < 4; w++) {
    for (let s = 0; s < 4; s++) images.push({ key: `w${w}/g${s}`, identity: `data/w${w}/genuine`, bytes: await syntheticImage(w, s) });
    // A forgery: the writer's pattern drawn by someone else (another identity's shots, so it differs).
    for (let s = 0; s < 3; s++) images.push({ key: `w${w}/f${s}`, identity: `data/w${w}/forged`, bytes: await syntheticImage(10 + w, s) });
  }
  return new MemoryImageSource(images);
}

describe('train() with skilled forgeries', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('splits by writer from the list and validates genuine–genuine against genuine–forgery of the same writer', async () => {
    const result = await train(options, await source());
    try {
      const card = result.card;
      expect(card.data.trainIdentities).toBe(2);
      expect(card.data.validationIdentities).toBe(2);
      // Per validation writer C(4,2) = 6 genuine pairs and 4·3 = 12 genuine–forgery pairs; no cross-writer pair.
      expect(card.validation.positivePairs).toBe(2 * 6);
      expect(card.validation.negativePairs).toBe(2 * 12);
      expect(result.validationScores).toHaveLength(36);
      // verifyIdentity's calibration on the same writers (10 draws each): 4 genuine allow R = 2 and 3, not 5 or 10.
      // R = 2: 2 writers × 10 draws × 2 other genuine = 40 positives, × 3 forgeries = 60 negatives; R = 3: 20 and 60.
      const refs = card.thresholds.references!;
      expect(refs.map((r) => [r.references, r.positivePairs, r.negativePairs])).toEqual([
        [2, 40, 60],
        [3, 20, 60],
      ]);
      for (const r of refs) {
        expect(r.threshold).toBeGreaterThanOrEqual(0);
        expect(r.far).toBeLessThanOrEqual(0.2 + 1e-9);
        expect(r.frr).toBeGreaterThanOrEqual(0);
        expect(r.frr).toBeLessThanOrEqual(1);
      }
      // Per-identity offsets from K labelled forgeries (rule LABELLED): 3 forgeries allow K = 1 and 2 (one
      // left to question). R = 2, K = 1: 40 positives, 2 × 10 × 2 = 40 negatives; K = 2: 40 and 20; R = 3: 20.
      expect(card.thresholds.labelled!.map((e) => [e.references, e.labelled, e.positivePairs, e.negativePairs])).toEqual([
        [2, 1, 40, 40],
        [2, 2, 40, 20],
        [3, 1, 20, 40],
        [3, 2, 20, 20],
      ]);
      for (const e of card.thresholds.labelled!) expect(e.far).toBeLessThanOrEqual(0.2 + 1e-9);
    } finally {
      result.model.dispose();
      tf.disposeVariables();
    }
  });

  // Mirrored: w0 and w2 gain two mirrored writers. Both flags: 2 → + 2 half turns → + the mirrors of those 4 = 8
  // (identity, half turn, mirror, upside down). Drawn writers join after the real ones: 2 + 2 = 4, and the card
  // records how many and their seed. The card counts the writers in the data; validation is untouched.
  it.each([
    ['mirrors the training writers with --mirror-classes', { mirrorClasses: true }, /^mirrored writers: 2 → 4 training writers$/],
    [
      'adds half-turned writers with --rotate-classes, then mirrors them all with --mirror-classes',
      { rotateClasses: true, mirrorClasses: true },
      /^half-turned and mirrored writers: 2 → 8 training writers$/,
    ],
    [
      'adds drawn writers after the real ones with syntheticWriters',
      { forgeries: { ...options.forgeries!, syntheticWriters: 2, syntheticSeed: 3 } },
      /^synthetic writers: 2 → 4 training writers/,
    ],
  ] as const)(
    '%s, forgeries included, and leaves validation alone',
    async (_name, flags, logLine) => {
      const logs: string[] = [];
      const before = tf.memory().numTensors;
      const result = await train({ ...options, ...flags }, await source(), { onLog: (m) => logs.push(m) });
      try {
        expect(logs).toContainEqual(expect.stringMatching(logLine));
        expect(result.card.hyperparameters).toMatchObject(flags);
        expect(result.card.data.trainIdentities).toBe(2);
        expect(result.card.validation.positivePairs).toBe(2 * 6);
        expect(result.card.validation.negativePairs).toBe(2 * 12);
      } finally {
        result.model.dispose();
        tf.disposeVariables();
      }
      expect(tf.memory().numTensors).toBe(before);
    },
    60_000,
  );

  // Rule NEAR: with hardWriterShare the neighbours are found again at every epoch's start (two training writers ×
  // 2 probe images); without it never. The card records the share and how the neighbours are found.
  it('refreshes the nearest writers at every epoch with hardWriterShare, and never without it', async () => {
    const run = async (extra: Partial<TrainOptions>) => {
      const logs: string[] = [];
      const before = tf.memory().numTensors;
      const result = await train({ ...options, epochs: 2, ...extra }, await source(), { onLog: (m) => logs.push(m) });
      const forgeries = result.card.hyperparameters.forgeries as Record<string, unknown>;
      result.model.dispose();
      tf.disposeVariables();
      expect(tf.memory().numTensors).toBe(before);
      return { refreshes: logs.filter((m) => /^epoch \d+: nearest writers from 4 images/.test(m)), forgeries };
    };
    const near = await run({ forgeries: { ...options.forgeries!, hardWriterShare: 0.5 } });
    expect(near.refreshes.map((m) => m.split(':')[0])).toEqual(['epoch 1', 'epoch 2']);
    expect(near.forgeries).toMatchObject({ hardWriterShare: 0.5, hardWriters: { k: 5, imagesPerWriter: 2 } });
    const plain = await run({});
    expect(plain.refreshes).toEqual([]);
    expect(plain.forgeries.hardWriterShare).toBeUndefined();
  }, 60_000);

  it('refuses a validation list that matches no writer', async () => {
    await expect(train({ ...options, forgeries: { ...options.forgeries!, validationWriters: ['w9'] } }, await source())).rejects.toThrow(
      /no validation writer matches w9/,
    );
  });
});
