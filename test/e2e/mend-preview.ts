/**
 * Session 41 (issue 17), rule MEND-RANDOM (docs/experiments/signatures/mend-random/RULE.md): what the
 * `signatures-mend` preset's closing does to a training input. Rows are writers; columns: a genuine signature as the
 * model sees it, the same closed 3×3 (what half the training images get), a skilled forgery of it, the forgery closed
 * 3×3, and closed 5×5 (the robustness probe's strength, which training never applies).
 *   node test/retraining/fixtures/ts-run.js test/e2e/mend-preview.ts OUT.png [WRITER…]
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { readModelCard } from '../../src/embedding/model-store';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { closeBrightInk } from '../../src/training/augment/ink-close.augment';
import { toGrey, writeInputGrid } from './input-grid';
import { writerFiles } from './signature-measure';

const DATASET = '../shared/datasets/cedar-signatures';
const MODEL = `models/${fs.readdirSync('models').find((d) => /^signature-.+-cedar$/.test(d)) ?? 'signature-missing-cedar'}`;

export async function main(argv: string[]): Promise<void> {
  const [out, ...chosen] = argv;
  if (!out) throw new Error('usage: mend-preview.ts OUT.png [WRITER…]');
  const writers = chosen.length > 0 ? chosen : ['03', '14', '25'];
  await tf.setBackend('cpu');
  const card = await readModelCard(MODEL);
  const { width: w, height: h } = card.preprocessing;
  const closed = (input: Float32Array, size: number) =>
    tf.tidy(() => closeBrightInk(tf.tensor4d(input, [1, h, w, 1]), size).dataSync() as Float32Array);
  const tiles: Uint8Array[][] = [];
  for (const writer of writers) {
    const files = writerFiles(DATASET, writer);
    const input = async (file: string) => (await preprocessImage(fs.readFileSync(file), card.preprocessing)).input;
    const genuine = await input(files.genuine[0]);
    const forged = await input(files.forged[0]);
    tiles.push([genuine, closed(genuine, 3), forged, closed(forged, 3), closed(forged, 5)].map(toGrey));
  }
  await writeInputGrid(out, tiles, w, h);
  console.log(JSON.stringify({ out, writers, columns: ['genuine', 'genuine 3×3', 'forged', 'forged 3×3', 'forged 5×5'] }));
}
