/**
 * Session 39 (BREAKAGE, exploratory; RULE-breakage.md beside this file): a copy of CEDAR in which one class's
 * strokes are mended. H accepts the forgeries of the writers whose forgeries break into no more ink pieces than
 * their genuine signatures (analyse.json); CEDAR's forgeries mostly break up more (fainter, thinner strokes). If H
 * reads that breakage, mending the forgeries' strokes should let more of them through.
 *
 * Mending is a greyscale closing of the ink (ink is dark), src/embedding/preprocess/ink-mend.ts's mendInk: a 3×3
 * minimum filter (the ink grows by a pixel), then a 3×3 maximum filter (it shrinks back). Gaps of up to 2 pixels
 * close; strokes keep their width. The same function `--ink-mend close3` serves, on another grid: here the 220×155
 * scan before the crop, there the fitted encoder input.
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/hard-writers/mend.ts OUT forged|genuine|both [DATASET] [SIZE]
 * SIZE (default 3, BREAKAGE's): the closing's square, odd; 5 mends gaps of up to 4 px (rule MEND's second probe).
 * DATASET "" is the default.
 * Writes OUT/WRITER/{genuine,forged}/*.png: the chosen class mended, the other copied byte for byte.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { closeInk } from '../../../../src/embedding/preprocess/ink-mend';

export async function main(argv: string[]): Promise<number> {
  const [out, which] = argv;
  if (!out || !['forged', 'genuine', 'both'].includes(which)) {
    console.error('usage: mend.ts OUT forged|genuine|both [DATASET] [SIZE]');
    return 2;
  }
  const root = argv[2] || path.resolve(__dirname, '../../../../../shared/datasets/cedar-signatures');
  const size = Number(argv[3] ?? 3);
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
        const closed = closeInk(new Uint8Array(data), info.width, info.height, size);
        await sharp(Buffer.from(closed), { raw: { width: info.width, height: info.height, channels: 1 } }).png().toFile(to);
        mended++;
      }
    }
  console.log(`${mended} images mended (${which}, ${size}×${size}) into ${out}`);
  return 0;
}
