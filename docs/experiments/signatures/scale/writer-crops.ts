/**
 * Session 42 (rule SCALE, RULE.md beside this file): each CEDAR writer's median ink crop (the served `inkCrop`, before
 * the fit), over its 24 genuine signatures and 24 forgeries, in pixels of the 220×155 scans. `why.py` reads it to
 * say how much each writer's input was enlarged when the input went from 224×112 to 224×144 (fit 'contain').
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/scale/writer-crops.ts > docs/experiments/signatures/scale/writer-crops.json
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { inkCrop } from '../../../../src/embedding/preprocess/ink-crop';

/** The middle value (the upper of the two middle ones for an even count, as the 48 images per writer are). */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function main(argv: string[]): Promise<number> {
  const root = argv[0] ?? path.resolve(__dirname, '../../../../../shared/datasets/cedar-signatures');
  const writers: Record<string, { width: number; height: number; aspect: number; images: number }> = {};
  for (const writer of fs.readdirSync(root).filter((d) => /^\d\d$/.test(d)).sort()) {
    const widths: number[] = [];
    const heights: number[] = [];
    for (const kind of ['genuine', 'forged'])
      for (const file of fs.readdirSync(path.join(root, writer, kind)).filter((f) => f.endsWith('.png'))) {
        const { data, info } = await sharp(path.join(root, writer, kind, file)).greyscale().raw().toBuffer({ resolveWithObject: true });
        const { box } = inkCrop(new Uint8Array(data), info.width, info.height);
        widths.push(box.width);
        heights.push(box.height);
      }
    writers[writer] = {
      width: median(widths),
      height: median(heights),
      aspect: Number(median(widths.map((w, i) => w / heights[i])).toFixed(3)),
      images: widths.length,
    };
  }
  console.log(JSON.stringify({ what: 'median served ink crop per writer, px of the 220×155 scans', writers }, null, 1));
  return 0;
}
