import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { CEDAR_DATASET as DATASET, SHIPPED_SIGNATURE_MODEL_DIR as MODEL_DIR } from '../training/fixtures/shipped-signature-model';
import { evaluateOffline, measureToneReliance } from './signature-measure';

/**
 * `signature-measure.ts tone` (session 25) on the shipped signature model and two of its validation writers, with
 * another validation writer's tones: its served variant must agree with `eval`, an independent path through
 * embedWriters, and each paired difference with the variants' own EERs. What the numbers are on CEDAR is in
 * docs/signatures.md; this checks the plumbing that produces them.
 */
describe('signature tone check', () => {
  jest.setTimeout(240_000);

  it('agrees with eval when served, and its paired differences with the variants it compares', async () => {
    await initBackend('auto');
    const before = tf.memory().numTensors;
    const out = await measureToneReliance([{ modelDir: MODEL_DIR, writers: ['05', '18'] }], ['13'], DATASET);
    const offline = await evaluateOffline(MODEL_DIR, ['05', '18'], DATASET);
    expect(tf.memory().numTensors).toBe(before);

    expect(out.writers).toEqual(['05', '18']);
    // per writer 24 genuine signatures and 24 forgeries: C(24, 2) = 276 genuine pairs, 24 · 24 = 576 forgery pairs
    for (const v of [...Object.values(out.variants), out.inputToneAlone, out.scanToneAlone]) {
      expect([v.genuinePairs, v.forgeryPairs]).toEqual([2 * 276, 2 * 576]);
      expect(v.eer.value).toBeGreaterThanOrEqual(0);
      expect(v.eer.value).toBeLessThanOrEqual(1);
    }
    expect(out.inputToneAlone.eer.value).toBeGreaterThan(0);
    expect(out.scanToneAlone.eer.value).toBeGreaterThanOrEqual(0);
    expect(out.variants.served.eer.value).toBeCloseTo(offline.eer.value, 12);
    const own = out.variants['own class'].eer.value;
    for (const name of ['served', 'swapped classes', 'common', 'all genuine'] as const) {
      const v = out.variants[name] as { eer: { value: number }; minusOwnClass?: { difference: number; interval: number[] } };
      expect(v.minusOwnClass!.difference).toBeCloseTo(v.eer.value - own, 12);
      expect(v.minusOwnClass!.interval[0]).toBeLessThanOrEqual(v.minusOwnClass!.interval[1]);
    }
    expect(out.scans.genuine.medianPaper).toBeGreaterThan(out.scans.genuine.medianDarkest);
  });
});
