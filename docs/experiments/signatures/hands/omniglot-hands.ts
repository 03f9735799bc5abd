/**
 * Session 39 (rule HANDS, RULE.md beside this file): Omniglot's drawers as 160 more real hands, in CEDAR's layout.
 *
 * Why: every note since session 7 names "more real writers" as what would close the signature target, and CEDAR
 * has 34 here. Omniglot's file names are CHAR_DD.png, DD the drawer (01–20). Within an alphabet the index is one
 * person: it explains 21–58 % of the variance of a character's height, width and ink, after each character's mean
 * is taken out, against 2–6 % with the indices shuffled (session 39's check, `drawer-check.ts` beside this file).
 * So an alphabet's 20 drawers are 20 hands that each drew every character.
 *
 * What it writes (OUT/WRITER/{genuine,forged}/*.png, as `siamese train --forgeries forged` reads CEDAR):
 *   - a writer is (alphabet, drawer): 8 alphabets (Greek and Latin are in both minimal sets, counted once) × 20;
 *   - genuine: 24 "words" of 3–6 characters of the alphabet, each drawn by the writer (the drawer's own glyphs,
 *     cropped to their ink at their own size, laid side by side with jittered gaps and baselines);
 *   - forged: the same 24 words drawn by other drawers of the same split (the skilled forgery's analogue: the same
 *     content in another hand);
 *   - drawers 17–20 of every alphabet are the validation writers (32), forged only by each other, so no validation
 *     hand is seen in training, as a forger or otherwise.
 * Only the two minimal background sets are read (Lake's one-shot runs are evaluation data).
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/hands/omniglot-hands.ts OUT [OMNIGLOT_DIR]
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { mulberry32 } from '../../../../src/bench/rng';

const WORDS_PER_WRITER = 24;
const VALIDATION_DRAWERS = [17, 18, 19, 20];
const MARGIN = 8;

interface Glyph {
  width: number;
  height: number;
  ink: Uint8Array; // 1 where the pen was
}

async function loadGlyph(file: string): Promise<Glyph | undefined> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  let x0 = info.width, y0 = info.height, x1 = -1, y1 = -1;
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++)
      if (data[y * info.width + x] < 128) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
  if (x1 < 0) return undefined;
  const width = x1 - x0 + 1, height = y1 - y0 + 1;
  const ink = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) ink[y * width + x] = data[(y + y0) * info.width + x + x0] < 128 ? 1 : 0;
  return { width, height, ink };
}

/** The glyphs side by side: gaps of −15 % to +10 % of the mean glyph width (strokes may touch, as in cursive), each
 *  glyph's centre within ±6 % of the word's height of the common baseline; white paper, black ink. */
function renderWord(glyphs: Glyph[], rand: () => number): { width: number; height: number; pixels: Uint8Array } {
  const meanWidth = glyphs.reduce((s, g) => s + g.width, 0) / glyphs.length;
  const tallest = Math.max(...glyphs.map((g) => g.height));
  const xs: number[] = [], ys: number[] = [];
  let x = MARGIN;
  for (const g of glyphs) {
    xs.push(x);
    ys.push(Math.round((tallest - g.height) / 2 + (rand() * 2 - 1) * 0.06 * tallest));
    x += g.width + Math.round((rand() * 0.25 - 0.15) * meanWidth);
  }
  const top = Math.min(...ys), bottom = Math.max(...ys.map((y, i) => y + glyphs[i].height));
  const width = Math.max(...xs.map((x, i) => x + glyphs[i].width)) + MARGIN;
  const height = bottom - top + 2 * MARGIN;
  const pixels = new Uint8Array(width * height).fill(255);
  glyphs.forEach((g, i) => {
    for (let y = 0; y < g.height; y++)
      for (let gx = 0; gx < g.width; gx++)
        if (g.ink[y * g.width + gx]) pixels[(ys[i] - top + MARGIN + y) * width + xs[i] + gx] = 0;
  });
  return { width, height, pixels };
}

async function writePng(file: string, image: { width: number; height: number; pixels: Uint8Array }): Promise<void> {
  await sharp(Buffer.from(image.pixels), { raw: { width: image.width, height: image.height, channels: 1 } }).png().toFile(file);
}

export async function main(argv: string[]): Promise<number> {
  const out = argv[0];
  if (!out) {
    console.error('usage: omniglot-hands.ts OUT [OMNIGLOT_DIR]');
    return 2;
  }
  const root = argv[1] ?? path.resolve(__dirname, '../../../../../shared/datasets/omniglot');
  const alphabets = new Map<string, string>(); // name → directory (the first minimal set that has it)
  for (const set of ['images_background_small1', 'images_background_small2'])
    for (const name of fs.readdirSync(path.join(root, set)).sort())
      if (!alphabets.has(name)) alphabets.set(name, path.join(root, set, name));
  const rand = mulberry32(39); // seeded, so the same 160 writers every time
  fs.rmSync(out, { recursive: true, force: true });
  const writers: Array<{ writer: string; alphabet: string; drawer: number; validation: boolean }> = [];
  for (const [name, dir] of alphabets) {
    // glyphs[character][drawer]
    const glyphs: Array<Map<number, Glyph>> = [];
    for (const character of fs.readdirSync(dir).sort()) {
      const byDrawer = new Map<number, Glyph>();
      for (const file of fs.readdirSync(path.join(dir, character)).filter((f) => /_\d\d\.png$/.test(f))) {
        const glyph = await loadGlyph(path.join(dir, character, file));
        if (glyph) byDrawer.set(Number(file.slice(-6, -4)), glyph);
      }
      glyphs.push(byDrawer);
    }
    const slug = name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/-+$/, '');
    for (let drawer = 1; drawer <= 20; drawer++) {
      const validation = VALIDATION_DRAWERS.includes(drawer);
      const forgers = Array.from({ length: 20 }, (_, i) => i + 1).filter(
        (d) => d !== drawer && VALIDATION_DRAWERS.includes(d) === validation,
      );
      const writer = `${slug}-d${String(drawer).padStart(2, '0')}`;
      writers.push({ writer, alphabet: name, drawer, validation });
      fs.mkdirSync(path.join(out, writer, 'genuine'), { recursive: true });
      fs.mkdirSync(path.join(out, writer, 'forged'), { recursive: true });
      for (let w = 1; w <= WORDS_PER_WRITER; w++) {
        const forger = forgers[Math.floor(rand() * forgers.length)];
        const usable = glyphs.filter((g) => g.has(drawer) && g.has(forger));
        const length = 3 + Math.floor(rand() * 4);
        const word = Array.from({ length }, () => usable[Math.floor(rand() * usable.length)]);
        await writePng(path.join(out, writer, 'genuine', `original_${w}.png`), renderWord(word.map((g) => g.get(drawer)!), rand));
        await writePng(path.join(out, writer, 'forged', `forgeries_${w}.png`), renderWord(word.map((g) => g.get(forger)!), rand));
      }
    }
  }
  fs.writeFileSync(path.join(out, 'writers.json'), JSON.stringify(writers, null, 2) + '\n');
  const validation = writers.filter((w) => w.validation).map((w) => w.writer);
  fs.writeFileSync(path.join(out, 'validation-writers.txt'), validation.join('\n') + '\n');
  console.log(`${writers.length} writers (${validation.length} for validation), ${writers.length * 2 * WORDS_PER_WRITER} images in ${out}`);
  return 0;
}
