/**
 * Session 42 (rule SCALE, RULE.md beside this file): each CEDAR writer's median ink crop (the served `inkCrop`, before
 * the fit), over its 24 genuine signatures and 24 forgeries, in pixels of the 220×155 scans. `why.py` reads it to
 * say how much each writer's input was enlarged when the input went from 224×112 to 224×144 (fit 'contain').
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/scale/writer-crops.ts > docs/experiments/signatures/scale/writer-crops.json
 */
import { CEDAR_ROOT, inkCropSizes } from '../height/ink-crop-sizes';

/** The middle value (the upper of the two middle ones for an even count, as the 48 images per writer are). */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function main(argv: string[]): Promise<number> {
  const crops = await inkCropSizes(argv[0] ?? CEDAR_ROOT);
  const writers: Record<string, { width: number; height: number; aspect: number; images: number }> = {};
  for (const writer of [...new Set(crops.map((c) => c.writer))]) {
    const own = crops.filter((c) => c.writer === writer);
    writers[writer] = {
      width: median(own.map((c) => c.width)),
      height: median(own.map((c) => c.height)),
      aspect: Number(median(own.map((c) => c.width / c.height)).toFixed(3)),
      images: own.length,
    };
  }
  console.log(JSON.stringify({ what: 'median served ink crop per writer, px of the 220×155 scans', writers }, null, 1));
  return 0;
}
