/**
 * Session 31 (issue 17), rule ELASTIC (docs/experiments/signatures/elastic/RULE.md): what the `signatures-elastic`
 * preset's field does to a training input, beside what a writer's own variation and a skilled forgery look like.
 * Rows are writers; columns: a genuine signature as the model sees it, three elastic variants of it (the preset's
 * field, always on, no affine part), another genuine signature of the same writer, and a forgery of it.
 *   node test/retraining/fixtures/ts-run.js test/e2e/elastic-preview.ts OUT.png [WRITER…]
 */
import * as fs from 'fs';
import { readModelCard } from '../../src/embedding/model-store';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { augmentPreset } from '../../src/training/augment/affine.augment';
import { elasticBatch } from '../../src/training/augment/elastic.augment';
import { Rng } from '../../src/training/samplers/rng';
import { toGrey, writeInputGrid } from './input-grid';
import { writerFiles } from './signature-measure';

const DATASET = '../shared/datasets/cedar-signatures';
// The shipped signature model's preprocessing (session 31 previewed it at T's 160×80; 224×112 from session 34, 224×144 from session 38, 256×160 from session 44).
const MODEL = `models/${fs.readdirSync('models').find((d) => /^signature-.+-cedar$/.test(d)) ?? 'signature-missing-cedar'}`;
const VARIANTS = 3;

export async function main(argv: string[]): Promise<void> {
  const [out, ...chosen] = argv;
  if (!out) throw new Error('usage: elastic-preview.ts OUT.png [WRITER…]');
  const writers = chosen.length > 0 ? chosen : ['03', '14', '25'];
  const card = await readModelCard(MODEL);
  const { width: w, height: h } = card.preprocessing;
  const elastic = { ...augmentPreset('signatures-elastic')!.elastic!, probability: 1 };
  const tiles: Uint8Array[][] = [];
  for (const writer of writers) {
    const files = writerFiles(DATASET, writer);
    const input = async (file: string) => (await preprocessImage(fs.readFileSync(file), card.preprocessing)).input;
    const base = await input(files.genuine[0]);
    const bent = elasticBatch(
      new Float32Array(VARIANTS * base.length).map((_, i) => base[i % base.length]),
      [VARIANTS, h, w, 1],
      elastic,
      0,
      new Rng(Number(writer)),
    ).values;
    tiles.push(
      [
        base,
        ...Array.from({ length: VARIANTS }, (_, j) => bent.subarray(j * base.length, (j + 1) * base.length)),
        await input(files.genuine[1]),
        await input(files.forged[0]),
      ].map(toGrey),
    );
  }
  await writeInputGrid(out, tiles, w, h);
  console.log(JSON.stringify({ out, writers, columns: ['genuine', ...Array(VARIANTS).fill('elastic'), 'genuine', 'forged'] }));
}
