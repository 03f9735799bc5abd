/**
 * Session 35 (rule HEIGHT): the size of every CEDAR image's ink crop (the served `inkCrop`, before the fit), in
 * pixels of the 220×155 scans, at the 5th / 25th / 50th / 75th / 95th percentiles, and the share of crops taller
 * than 2:1 (whose height, not width, sets the scale at a 224×112 input with fit 'contain').
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/height/crop-sizes.ts [DATASET]
 */
import { CEDAR_ROOT, inkCropSizes } from './ink-crop-sizes';

export async function main(argv: string[]): Promise<number> {
  const crops = await inkCropSizes(argv[0] ?? CEDAR_ROOT);
  const widths = crops.map((c) => c.width);
  const heights = crops.map((c) => c.height);
  const aspects = widths.map((w, i) => w / heights[i]);
  const at = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
  const quantiles = (values: number[]) => [0.05, 0.25, 0.5, 0.75, 0.95].map((q) => Number(at(values, q).toFixed(2)));
  const out = {
    images: widths.length,
    percentiles: [5, 25, 50, 75, 95],
    width: quantiles(widths),
    height: quantiles(heights),
    aspect: quantiles(aspects),
    tallerThan2to1: Number((aspects.filter((a) => a < 2).length / aspects.length).toFixed(3)),
    tallerThan144: Number((heights.filter((h) => h > 144).length / heights.length).toFixed(3)),
  };
  console.log(JSON.stringify(out, null, 2));
  return 0;
}
