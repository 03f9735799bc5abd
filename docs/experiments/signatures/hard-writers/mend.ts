/**
 * Session 39 (BREAKAGE, exploratory; RULE-breakage.md beside this file): a copy of CEDAR in which one class's
 * strokes are mended. H accepts the forgeries of the writers whose forgeries break into no more ink pieces than
 * their genuine signatures (analyse.json); CEDAR's forgeries mostly break up more (fainter, thinner strokes). If H
 * reads that breakage, mending the forgeries' strokes should let more of them through.
 *
 * Mending is a greyscale closing of the ink (ink is dark): a 3×3 minimum filter (the ink grows by a pixel), then a 3×3
 * maximum filter (it shrinks back). Gaps of up to 2 pixels close; strokes keep their width (Serra, "Image analysis
 * and mathematical morphology", 1982: closing = dilation then erosion, idempotent, extensive).
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/hard-writers/mend.ts OUT forged|genuine|both [DATASET]
 * Writes OUT/WRITER/{genuine,forged}/*.png: the chosen class mended, the other copied byte for byte.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';

/** 3×3 filter of a grey plane, `pick` = Math.min or Math.max, edges clamped. */
function filter3(grey: Uint8Array, width: number, height: number, pick: (...v: number[]) => number): Uint8Array {
  const out = new Uint8Array(grey.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let v = grey[y * width + x];
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(height - 1, Math.max(0, y + dy));
          const xx = Math.min(width - 1, Math.max(0, x + dx));
          v = pick(v, grey[yy * width + xx]);
        }
      out[y * width + x] = v;
    }
  return out;
}

/** The closing of dark ink on light paper. */
export function mendInk(grey: Uint8Array, width: number, height: number): Uint8Array {
  return filter3(filter3(grey, width, height, Math.min), width, height, Math.max);
}

export async function main(argv: string[]): Promise<number> {
  const [out, which] = argv;
  if (!out || !['forged', 'genuine', 'both'].includes(which)) {
    console.error('usage: mend.ts OUT forged|genuine|both [DATASET]');
    return 2;
  }
  const root = argv[2] ?? path.resolve(__dirname, '../../../../../shared/datasets/cedar-signatures');
  fs.rmSync(out, { recursive: true, force: true });
  let mended = 0;
  for (const writer of fs.readdirSync(root).filter((d) => /^\d\d$/.test(d)))
    for (const kind of ['genuine', 'forged']) {
      fs.mkdirSync(path.join(out, writer, kind), { recursive: true });
      for (const file of fs.readdirSync(path.join(root, writer, kind)).filter((f) => f.endsWith('.png'))) {
        const from = path.join(root, writer, kind, file);
        const to = path.join(out, writer, kind, file);
        if (which !== 'both' && which !== kind) {
          fs.copyFileSync(from, to);
          continue;
        }
        const { data, info } = await sharp(from).greyscale().raw().toBuffer({ resolveWithObject: true });
        const closed = mendInk(new Uint8Array(data), info.width, info.height);
        await sharp(Buffer.from(closed), { raw: { width: info.width, height: info.height, channels: 1 } }).png().toFile(to);
        mended++;
      }
    }
  console.log(`${mended} images mended (${which}) into ${out}`);
  return 0;
}
