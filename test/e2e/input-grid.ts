/**
 * A grid of model inputs as one PNG, for the augmentation previews (elastic-preview.ts, session 31; mend-preview.ts,
 * session 41; duplicates --change found the two copies): rows of equally sized tiles, 4 px of grey between them.
 */
import sharp from 'sharp';

const GAP = 4;

/** One preprocessed input (ink = 1, paper = 0) as dark ink on white, 8-bit. */
export function toGrey(input: Float32Array): Uint8Array {
  return Uint8Array.from(input, (v) => Math.round(255 * (1 - Math.max(0, Math.min(1, v)))));
}

/** Writes rows of w×h 8-bit tiles (every row as long as the first) to OUT as a PNG. */
export async function writeInputGrid(out: string, tiles: Uint8Array[][], w: number, h: number): Promise<void> {
  const cols = tiles[0].length;
  const W = cols * w + (cols - 1) * GAP;
  const H = tiles.length * h + (tiles.length - 1) * GAP;
  const canvas = new Uint8Array(W * H).fill(200);
  tiles.forEach((row, r) =>
    row.forEach((tile, c) => {
      for (let y = 0; y < h; y++) canvas.set(tile.subarray(y * w, (y + 1) * w), (r * (h + GAP) + y) * W + c * (w + GAP));
    }),
  );
  await sharp(Buffer.from(canvas), { raw: { width: W, height: H, channels: 1 } })
    .png()
    .toFile(out);
}
