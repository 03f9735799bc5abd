/**
 * Session 30 (issue 17), rule SYNTH (docs/experiments/signatures/backend/RULE-synth.md): each genuine signature's
 * elastic imitations (synthetic-forgery.ts), embedded on the serving path like the scans themselves. Not served.
 */
import * as fs from 'fs';
import type * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../../src/embedding/model-card';
import { inferenceSpec } from '../../src/embedding/preprocess/flip-average';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { embedPixels } from '../../src/training/evaluate/embed';
import type { WriterEmbeddings } from '../../src/training/evaluate/forgery.eval';
import { writerFiles } from './signature-measure';
import { imitate, RULE_SYNTH_IMITATION, type ImitationOptions } from './synthetic-forgery';

/**
 * Rule SYNTH_CAL's strength (RULE-synth-calibrated.md): the grid's RMS displacement whose imitations the encoder put,
 * on the 6 validation writers, nearest as far as their real forgeries (f / h = 0.91 at 18 % of the height;
 * `signature-backend.ts synth-strength`, docs/experiments/signatures/backend/synth-strength.json).
 */
export const CALIBRATED_IMITATION: ImitationOptions = { ...RULE_SYNTH_IMITATION, rmsShare: 0.18 };

/** M in RULE-synth.md. */
export const IMITATIONS_PER_SIGNATURE = 4;

/** A genuine signature's embedding (the very object in WriterEmbeddings.genuine) → its imitations' embeddings. */
export type Imitations = Map<Float32Array, Float32Array[]>;

/** The seed of imitation j of a writer's genuine file i (sorted as writerFiles sorts): by writer and file. */
export function imitationSeed(writer: string, file: number, j: number): number {
  return Number(writer) * 100_000 + file * 100 + j;
}

export async function embedImitations(
  model: tf.LayersModel,
  card: ModelCard,
  writers: readonly WriterEmbeddings[],
  dataset: string,
  options: ImitationOptions = RULE_SYNTH_IMITATION,
): Promise<Imitations> {
  const out: Imitations = new Map();
  for (const w of writers) {
    const files = writerFiles(dataset, w.writer).genuine;
    if (files.length !== w.genuine.length) throw new Error(`writer ${w.writer}: ${files.length} files, ${w.genuine.length} embeddings`);
    const pixels = await Promise.all(
      files.flatMap((file, i) => {
        const scan = fs.readFileSync(file);
        return Array.from(
          { length: IMITATIONS_PER_SIGNATURE },
          async (_, j) => (await preprocessImage(await imitate(scan, imitationSeed(w.writer, i, j), options), card.preprocessing)).input,
        );
      }),
    );
    const embedded = await embedPixels(model, pixels, card.preprocessing, 64, inferenceSpec(card));
    w.genuine.forEach((g, i) => out.set(g, embedded.slice(i * IMITATIONS_PER_SIGNATURE, (i + 1) * IMITATIONS_PER_SIGNATURE)));
  }
  return out;
}
