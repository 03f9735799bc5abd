/**
 * Session 39: what the writers whose forgeries H accepts most (21, 27, 29; `../height/hard-writers.png`) have in
 * common, in numbers anyone can read off the scans. Per image, inside the served ink crop (preprocess/ink-crop.ts):
 *   width, height and aspect of the crop; ink share (the crop's pixels past halfway to full ink, on the crop's own
 *   paper-to-ink scale, over the crop's area); connected ink components (8-neighbour; pen lifts and dots); mean stroke width (ink pixels over
 *   half the ink's boundary pixels, a run-length-free estimate).
 * Prints, per writer, the median of each over its genuine signatures and over its forgeries.
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/hard-writers/writer-features.ts [DATASET] > OUT.json
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { SPECK_FRACTION, inkCrop } from '../../../../src/embedding/preprocess/ink-crop';

export const FEATURES = ['width', 'height', 'aspect', 'inkShare', 'components', 'pieces', 'strokeWidth'] as const;

function features(grey: Uint8Array, width: number, height: number): number[] {
  // the crop's pixels run from white paper (255) to full ink (0) on the scan's own ink scale; ink = past halfway
  const { pixels, box } = inkCrop(grey, width, height);
  const ink = pixels.map((v) => (v < 128 ? 1 : 0));
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < box.width && y < box.height ? ink[y * box.width + x] : 0);
  let inkCount = 0;
  let boundary = 0;
  for (let y = 0; y < box.height; y++)
    for (let x = 0; x < box.width; x++)
      if (at(x, y)) {
        inkCount++;
        if (!at(x - 1, y) || !at(x + 1, y) || !at(x, y - 1) || !at(x, y + 1)) boundary++;
      }
  // 8-neighbour components, by an explicit stack
  const seen = new Uint8Array(ink.length);
  const sizes: number[] = [];
  for (let i = 0; i < ink.length; i++) {
    if (!ink[i] || seen[i]) continue;
    let size = 0;
    const stack = [i];
    seen[i] = 1;
    while (stack.length) {
      const j = stack.pop()!;
      size++;
      const x = j % box.width, y = Math.floor(j / box.width);
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const k = (y + dy) * box.width + x + dx;
          if (at(x + dx, y + dy) && !seen[k]) {
            seen[k] = 1;
            stack.push(k);
          }
        }
    }
    sizes.push(size);
  }
  const pieces = sizes.filter((n) => n >= SPECK_FRACTION * inkCount).length;
  return [box.width, box.height, box.width / box.height, inkCount / (box.width * box.height), sizes.length, pieces, inkCount / Math.max(1, boundary / 2)];
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(argv: string[]): Promise<number> {
  const root = argv[0] ?? path.resolve(__dirname, '../../../../../shared/datasets/cedar-signatures');
  const out: Record<string, Record<string, Record<string, number>>> = {};
  for (const writer of fs.readdirSync(root).filter((d) => /^\d\d$/.test(d)).sort()) {
    out[writer] = {};
    for (const kind of ['genuine', 'forged']) {
      const rows: number[][] = [];
      for (const file of fs.readdirSync(path.join(root, writer, kind)).filter((f) => f.endsWith('.png'))) {
        const { data, info } = await sharp(path.join(root, writer, kind, file)).greyscale().raw().toBuffer({ resolveWithObject: true });
        rows.push(features(new Uint8Array(data), info.width, info.height));
      }
      out[writer][kind] = Object.fromEntries(FEATURES.map((f, k) => [f, Number(median(rows.map((r) => r[k])).toFixed(4))]));
    }
  }
  console.log(JSON.stringify({ features: FEATURES, statistic: 'median per writer and kind', writers: out }, null, 2));
  return 0;
}
