import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from './rng';

/**
 * Real images for the embedding and HTTP parts: ORL faces from the shared
 * datasets folder when present (92×112 grayscale PNGs), optionally resized
 * (the HTTP target is stated for 105×105 images). Without the dataset, seeded
 * noise PNGs of the same size stand in (decode and network cost the same; only
 * the match results would be meaningless), and the caller says so.
 */
export interface BenchImages {
  source: string;
  /** PNG bytes; subjects[i] is the ORL subject (1…40) or −1 for synthetic images. */
  images: Buffer[];
  subjects: number[];
}

export async function loadBenchImages(
  orlDir: string,
  opts: { perSubject: number; size?: { width: number; height: number } },
): Promise<BenchImages> {
  const images: Buffer[] = [];
  const subjects: number[] = [];
  if (fs.existsSync(path.join(orlDir, 's1'))) {
    for (let s = 1; s <= 40; s++) {
      const dir = path.join(orlDir, `s${s}`);
      if (!fs.existsSync(dir)) continue;
      const files = fs
        .readdirSync(dir)
        .filter((f) => /\.(png|pgm|jpe?g)$/i.test(f))
        .sort();
      for (const f of files.slice(0, opts.perSubject)) {
        const bytes = fs.readFileSync(path.join(dir, f));
        images.push(
          opts.size
            ? await sharp(bytes).resize(opts.size.width, opts.size.height, { fit: 'fill' }).png().toBuffer()
            : await sharp(bytes).png().toBuffer(),
        );
        subjects.push(s);
      }
    }
    if (images.length > 0) return { source: orlDir, images, subjects };
  }
  const { width, height } = opts.size ?? { width: 92, height: 112 };
  const r = mulberry32(7);
  for (let i = 0; i < 40 * opts.perSubject; i++) {
    const px = Buffer.alloc(width * height);
    for (let j = 0; j < px.length; j++) px[j] = Math.floor(r() * 256);
    images.push(
      await sharp(px, { raw: { width, height, channels: 1 } })
        .png()
        .toBuffer(),
    );
    subjects.push(-1);
  }
  return { source: `synthetic noise (no ORL faces at ${orlDir})`, images, subjects };
}
