/**
 * Session 39 (rule HANDS): is Omniglot's drawer index DD (file CHAR_DD.png) one person across an alphabet's
 * characters? Per image: log height, log width and log ink count of the glyph's ink box; each character's mean over
 * its drawers is taken out (the character's own size), and η² = between-drawer sum of squares / total sum of squares
 * is the share of what remains that the drawer index explains. Against it: the mean η² over 20 shuffles of the
 * indices (a drawer's label carrying no person gives about 1/(number of images per drawer)).
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/hands/drawer-check.ts [OMNIGLOT_DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';

const FEATURES = ['height', 'width', 'ink'];

/** η² of each feature column grouped by `groups`. */
function etaSquared(groups: number[], rows: number[][]): number[] {
  return FEATURES.map((_, k) => {
    const mean = rows.reduce((s, r) => s + r[k], 0) / rows.length;
    const byGroup = new Map<number, number[]>();
    let total = 0;
    rows.forEach((r, i) => {
      total += (r[k] - mean) ** 2;
      byGroup.set(groups[i], [...(byGroup.get(groups[i]) ?? []), r[k]]);
    });
    let between = 0;
    for (const values of byGroup.values()) between += values.length * (values.reduce((a, b) => a + b, 0) / values.length - mean) ** 2;
    return between / total;
  });
}

export async function main(argv: string[]): Promise<number> {
  const root = argv[0] ?? path.resolve(__dirname, '../../../../../shared/datasets/omniglot');
  let seed = 39;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const seen = new Set<string>();
  const out: Record<string, { images: number; drawer: number[]; shuffled: number[] }> = {};
  for (const set of ['images_background_small1', 'images_background_small2'])
    for (const alphabet of fs.readdirSync(path.join(root, set)).sort()) {
      if (seen.has(alphabet)) continue; // Greek and Latin are in both minimal sets
      seen.add(alphabet);
      const drawers: number[] = [];
      const rows: number[][] = [];
      for (const character of fs.readdirSync(path.join(root, set, alphabet))) {
        const per: Array<[number, number[]]> = [];
        for (const file of fs.readdirSync(path.join(root, set, alphabet, character)).filter((f) => /_\d\d\.png$/.test(f))) {
          const { data, info } = await sharp(path.join(root, set, alphabet, character, file)).greyscale().raw().toBuffer({ resolveWithObject: true });
          let y0 = Infinity, y1 = -1, x0 = Infinity, x1 = -1, ink = 0;
          for (let y = 0; y < info.height; y++)
            for (let x = 0; x < info.width; x++)
              if (data[y * info.width + x] < 128) {
                ink++; y0 = Math.min(y0, y); y1 = Math.max(y1, y); x0 = Math.min(x0, x); x1 = Math.max(x1, x);
              }
          if (ink) per.push([Number(file.slice(-6, -4)), [Math.log(y1 - y0 + 1), Math.log(x1 - x0 + 1), Math.log(ink)]]);
        }
        const mean = FEATURES.map((_, k) => per.reduce((s, [, v]) => s + v[k], 0) / per.length);
        for (const [drawer, v] of per) {
          drawers.push(drawer);
          rows.push(v.map((x, k) => x - mean[k]));
        }
      }
      const shuffled = FEATURES.map(() => 0);
      for (let t = 0; t < 20; t++) {
        const permuted = [...drawers];
        for (let i = permuted.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [permuted[i], permuted[j]] = [permuted[j], permuted[i]];
        }
        etaSquared(permuted, rows).forEach((v, k) => (shuffled[k] += v / 20));
      }
      const round = (v: number[]) => v.map((x) => Number(x.toFixed(3)));
      out[alphabet] = { images: rows.length, drawer: round(etaSquared(drawers, rows)), shuffled: round(shuffled) };
    }
  console.log(JSON.stringify({ features: FEATURES, alphabets: out }, null, 2));
  return 0;
}
