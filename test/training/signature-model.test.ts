import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { loadModelDir } from '../../src/embedding/model-store';
import { inferenceSpec } from '../../src/embedding/preprocess/flip-average';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { distance } from '../../src/metric/metric';
import { embedPixels } from '../../src/training/evaluate/embed';
import { CEDAR_DATASET, MULTIREF_SIGNATURE_MODEL_DIR, ROOT, SHIPPED_SIGNATURE_MODEL_DIR } from './fixtures/shipped-signature-model';

/**
 * The shipped signature model (issue 17) on a handful of writers it never trained on: genuine–genuine distances
 * fall under the served threshold and genuine–forgery distances above it, about as often as the card's measured
 * rates on those writers say. The shipped model trains on every CEDAR writer here but the 6 validation writers
 * (splits/cedar/cv/all-development.txt; its held-out estimate is the writer cross-validation of its recipe,
 * docs/signatures.md), so the writers are three of its validation writers, read from the card: never trained
 * on, though they chose its checkpoint and threshold. Everything is computed from the model; only the card's
 * documented rates and writer split are read. Both shipped signature cards are checked: the default (HL) and rule
 * MULTIREF's opt-in card for services that enrol three or more references (session 48), whose `verify` threshold was
 * moved after calibration and whose validation-writer record is measured again at it.
 */
const DATASET = CEDAR_DATASET;
// Three writers never trained on, all 24 genuine signatures and 24 forgeries each (276 genuine + 576 forgery pairs per
// writer). Six shots each were too few once the served threshold sat at 0.5 % validation FAR (session 19): their 15
// genuine pairs per writer, all drawn from 6 signatures, accepted 20 % where the writers' 276 pairs accept 45 %.
const WRITERS = ['05', '13', '18'];
const MEASURED = 'cedar-validation-writers';
const SHOTS = Array.from({ length: 24 }, (_, i) => i + 1);

interface Documented {
  farForgeries: { value: number };
  frrGenuine: { value: number };
}

describe.each([
  ['the default card', SHIPPED_SIGNATURE_MODEL_DIR],
  ['the multi-reference card', MULTIREF_SIGNATURE_MODEL_DIR],
])('shipped signature model on writers it never trained on: %s', (_name, MODEL_DIR) => {
  jest.setTimeout(180_000);

  it('is a signature-…-cedar card, crops to the ink, serves several references and documents its rates', () => {
    const card = JSON.parse(fs.readFileSync(path.join(MODEL_DIR, 'model-card.json'), 'utf8'));
    expect(card.preprocessing.crop).toBe('ink');
    const measured = card.evaluations[MEASURED] as Documented;
    expect(measured.farForgeries.value).toBeGreaterThanOrEqual(0);
    // The writers are validation writers of this model (so none of its training writers).
    expect(card.hyperparameters.forgeries.validationWriters).toEqual(expect.arrayContaining(WRITERS));
    for (const w of WRITERS)
      expect(fs.readFileSync(path.join(ROOT, 'splits/cedar/validation-writers.txt'), 'utf8')).toMatch(new RegExp(`^${w}$`, 'm'));
    // verifyIdentity's thresholds for 2, 3, 5 and 10 references (validation writers have 24 genuine signatures).
    expect(card.thresholds.references.map((r: { references: number }) => r.references)).toEqual([2, 3, 5, 10]);
    // The recipe's held-out estimate (writer cross-validation) is in the card: all 34 non-validation writers, or the
    // 17 selection writers of folds 0–1 while a candidate decided there awaits its evaluation folds (session 21).
    const cv = card.evaluations['cedar-writer-cv'] ?? card.evaluations['cedar-writer-cv-selection'];
    const validationWriters = fs.readFileSync(path.join(ROOT, 'splits/cedar/validation-writers.txt'), 'utf8').split(/\s+/);
    expect([34, 17]).toContain(cv.writers.length);
    for (const w of cv.writers as string[]) expect(validationWriters).not.toContain(w);
  });

  it('genuine–genuine < threshold < genuine–forgery for most pairs, as the card says', async () => {
    await initBackend('wasm');
    const { model, card } = await loadModelDir(MODEL_DIR);
    try {
      const embed = async (files: string[]) =>
        embedPixels(
          model,
          await Promise.all(files.map(async (f) => (await preprocessImage(fs.readFileSync(f), card.preprocessing)).input)),
          card.preprocessing,
          64,
          inferenceSpec(card),
        );
      const t = card.thresholds.default;
      let genuineAccepted = 0;
      let genuinePairs = 0;
      let forgeriesRejected = 0;
      let forgeryPairs = 0;
      for (const w of WRITERS) {
        const n = Number(w);
        const genuine = await embed(SHOTS.map((s) => path.join(DATASET, w, 'genuine', `original_${n}_${s}.png`)));
        const forged = await embed(SHOTS.map((s) => path.join(DATASET, w, 'forged', `forgeries_${n}_${s}.png`)));
        for (let i = 0; i < genuine.length; i++) {
          for (let j = i + 1; j < genuine.length; j++) {
            genuinePairs++;
            if (distance(genuine[i], genuine[j], card.metric) <= t) genuineAccepted++;
          }
          for (const f of forged) {
            forgeryPairs++;
            if (distance(genuine[i], f, card.metric) > t) forgeriesRejected++;
          }
        }
      }
      const heldOut = card.evaluations![MEASURED] as Documented & { threshold: number };
      // the record was measured at the served threshold (the multi-reference card's was moved after calibration)
      expect(heldOut.threshold).toBeCloseTo(t, 12);
      expect(genuinePairs).toBe(3 * 276); // 3 writers × C(24, 2)
      expect(forgeryPairs).toBe(3 * 24 * 24);
      // Most pairs on the right side of the threshold (the card's accuracy on these writers is documented beside the rates),
      // and each kind no worse than the card's rates on these writers allow, with slack for 3 writers instead of 6.
      const documentedAccuracy = (card.evaluations![MEASURED] as { accuracy: number }).accuracy;
      expect((genuineAccepted + forgeriesRejected) / (genuinePairs + forgeryPairs)).toBeGreaterThan(0.5);
      expect((genuineAccepted + forgeriesRejected) / (genuinePairs + forgeryPairs)).toBeGreaterThanOrEqual(documentedAccuracy - 0.15);
      expect(genuineAccepted / genuinePairs).toBeGreaterThanOrEqual(1 - heldOut.frrGenuine.value - 0.2);
      expect(forgeriesRejected / forgeryPairs).toBeGreaterThanOrEqual(1 - heldOut.farForgeries.value - 0.2);
    } finally {
      model.dispose();
      tf.disposeVariables();
    }
  });
});
