/**
 * Every CEDAR image's served ink crop (`inkCrop`, before the fit), in pixels of the 220×155 scans: read by
 * crop-sizes.ts (session 35, percentiles) and ../scale/writer-crops.ts (session 42, per writer). Its own file because
 * `require('./crop-sizes')` would find crop-sizes.json first.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { inkCrop } from '../../../../src/embedding/preprocess/ink-crop';

export const CEDAR_ROOT = path.resolve(__dirname, '../../../../../shared/datasets/cedar-signatures');

/** Every image's served ink crop (before the fit), writer by writer. */
export async function inkCropSizes(root: string): Promise<{ writer: string; width: number; height: number }[]> {
  const out: { writer: string; width: number; height: number }[] = [];
  for (const writer of fs.readdirSync(root).filter((d) => /^\d\d$/.test(d)).sort())
    for (const kind of ['genuine', 'forged'])
      for (const file of fs.readdirSync(path.join(root, writer, kind)).filter((f) => f.endsWith('.png'))) {
        const { data, info } = await sharp(path.join(root, writer, kind, file)).greyscale().raw().toBuffer({ resolveWithObject: true });
        const { box } = inkCrop(new Uint8Array(data), info.width, info.height);
        out.push({ writer, width: box.width, height: box.height });
      }
  return out;
}
