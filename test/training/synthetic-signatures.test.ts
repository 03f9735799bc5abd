/**
 * Synthetic signature writers (issue 17): the oscillation model draws what its formula says, a genuine signature
 * is tapered and steady while a forgery is blunt (and with tremor), the renderer sizes the page to the ink, and
 * withSyntheticWriters appends whole writers (24 genuine, 24 forged) decoded with the model's preprocessing.
 */
import sharp from 'sharp';
import type { PreprocessSpec } from '../../src/embedding/model-card';
import { Rng } from '../../src/training/samplers/rng';
import {
  drawSignature,
  forgedSignature,
  forgerOf,
  genuineSignature,
  GENUINE_VARIATION,
  perturbTemplate,
  randomTemplate,
  type SignatureTemplate,
  type Variation,
} from '../../src/training/data/synthetic-signature.model';
import { renderSignaturePng, signatureSvg } from '../../src/training/data/synthetic-signature.render';
import { syntheticWriterPages, withSyntheticWriters } from '../../src/training/data/synthetic-writers';

const still: Variation = { ...GENUINE_VARIATION, tapered: false };
// One word of two half cycles: no horizontal oscillation, unit height, drift 1 per half cycle.
const arch = (slant: number): SignatureTemplate => ({
  words: [
    [
      { a: 0, b: 1, phi: 0, d: 0 },
      { a: 0, b: 1, phi: 0, d: 0 },
    ],
  ],
  drift: 1,
  slant,
  angle: 0,
  wordGap: 1,
  flourish: 0,
  penWidth: 0.1,
});

describe('synthetic signature model', () => {
  it('follows x = c·t, y = B·sin(πt), then slants by x += y·tan(slant), with y flipped to point down', () => {
    const [stroke] = drawSignature(arch(0), still, new Rng(1));
    // 14 points per half cycle: point 7 is t = 0.5 (the top of the arch), point 21 is t = 1.5 (the bottom).
    expect(stroke.points).toHaveLength(28);
    expect(stroke.points[7].x).toBeCloseTo(0.5, 10);
    expect(stroke.points[7].y).toBeCloseTo(-1, 10);
    expect(stroke.points[21].x).toBeCloseTo(1.5, 10);
    expect(stroke.points[21].y).toBeCloseTo(1, 10);
    const [slanted] = drawSignature(arch(Math.PI / 4), still, new Rng(1));
    // tan 45° = 1: the top moves right by its height, the bottom left.
    expect(slanted.points[7].x).toBeCloseTo(1.5, 10);
    expect(slanted.points[21].x).toBeCloseTo(0.5, 10);
  });

  it('tapers genuine strokes to 0.35 of the pen at their ends; forgeries end blunt', () => {
    const [tapered] = drawSignature(arch(0), GENUINE_VARIATION, new Rng(2));
    const pen = tapered.points[14].w;
    expect(tapered.points[0].w / pen).toBeCloseTo(0.35, 10);
    expect(tapered.points[27].w / pen).toBeCloseTo(0.35, 10);
    const [blunt] = drawSignature(arch(0), still, new Rng(2));
    expect(blunt.points[0].w).toBeCloseTo(blunt.points[14].w, 10);
  });

  it('is reproducible from its seed, and a forger departs from the writer more than the writer does', () => {
    const template = randomTemplate(new Rng(7));
    expect(randomTemplate(new Rng(7))).toEqual(template);
    expect(randomTemplate(new Rng(8))).not.toEqual(template);
    expect(genuineSignature(template, new Rng(3))).toEqual(genuineSignature(template, new Rng(3)));
    // Mean |Δ| of the vertical amplitudes from the template, over 20 forgers and 20 genuine redraws.
    const rng = new Rng(11);
    const departure = (t: SignatureTemplate) =>
      t.words.flat().reduce((s, hc, i) => s + Math.abs(hc.b - template.words.flat()[i].b), 0) / template.words.flat().length;
    let [forgers, redraws] = [0, 0];
    for (let i = 0; i < 20; i++) {
      forgers += departure(forgerOf(template, rng));
      redraws += departure(perturbTemplate(template, GENUINE_VARIATION, rng));
    }
    // σ 0.16 against 0.06 of each amplitude: the forgers' mean departure is expected 8/3 times the writer's.
    expect(forgers / redraws).toBeGreaterThan(1.5);
    const strokes = forgedSignature(forgerOf(template, rng), rng);
    expect(strokes.length).toBeGreaterThanOrEqual(template.words.length);
    for (const s of strokes) for (const p of s.points) expect(Number.isFinite(p.x) && Number.isFinite(p.y) && p.w > 0).toBe(true);
  });
});

describe('synthetic signature pages', () => {
  it('sizes the page to the ink plus the margin and draws the ink where the stroke is', async () => {
    // A 1 × 0 stroke, pen 0.35, at 10 px per unit with a 5 px margin: ⌈(1 + 0.35)·10 + 10⌉ = 24 wide, ⌈0.35·10 + 10⌉ = 14
    // high; its centre line is y = 0.175·10 + 5 = 6.75, so the 3.5 px pen covers rows 5.0–8.5, row 6 entirely.
    const strokes = [
      {
        points: [
          { x: 0, y: 0, w: 0.35 },
          { x: 1, y: 0, w: 0.35 },
        ],
      },
    ];
    const style = { scale: 10, ink: 0, paper: 255, margin: 5 };
    expect(signatureSvg(strokes, style)).toContain('width="24" height="14"');
    const png = Buffer.from(await renderSignaturePng(strokes, style));
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.channels, meta.hasAlpha]).toEqual([24, 14, 1, false]);
    const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(data[6 * 24 + 12]).toBeLessThan(128); // the middle of the stroke: ink
    expect(data[0]).toBeGreaterThan(250); // a corner: paper
    expect(() => signatureSvg([], style)).toThrow(RangeError);
  });

  it('gives each writer 24 genuine signatures and 24 forgeries by 3 forgers, the same for the same seed', async () => {
    const pages = await syntheticWriterPages(5, 2);
    expect(pages.genuine).toHaveLength(24);
    expect(pages.forged).toHaveLength(24);
    expect(Buffer.from((await syntheticWriterPages(5, 2)).forged[9]).equals(Buffer.from(pages.forged[9]))).toBe(true);
    expect(Buffer.from((await syntheticWriterPages(5, 3)).genuine[0]).equals(Buffer.from(pages.genuine[0]))).toBe(false);
  }, 30_000);
});

describe('withSyntheticWriters', () => {
  const spec: PreprocessSpec = { width: 32, height: 16, channels: 1, normalize: 'unit', fit: 'contain', crop: 'ink' };
  const size = 32 * 16;

  it('appends whole writers after the existing ones, decoded through the ink crop, and leaves those alone', async () => {
    const existing = { pixels: [new Float32Array(size), new Float32Array(size)], genuine: [[0]], forged: [[1]] };
    const out = await withSyntheticWriters(existing, 2, 9, spec);
    expect(out.genuine).toHaveLength(3);
    expect(out.forged).toHaveLength(3);
    expect(out.genuine[0]).toEqual([0]);
    expect(out.forged[0]).toEqual([1]);
    // writer 1: pixels 2..25 genuine, 26..49 forged; writer 2: 50..73 and 74..97
    expect(out.genuine[1]).toEqual(Array.from({ length: 24 }, (_, i) => 2 + i));
    expect(out.forged[2]).toEqual(Array.from({ length: 24 }, (_, i) => 74 + i));
    expect(out.pixels).toHaveLength(98);
    for (const p of out.pixels.slice(2)) expect(p).toHaveLength(size);
    expect(existing.genuine).toEqual([[0]]);
    expect(await withSyntheticWriters(existing, 0, 9, spec)).toEqual(existing);
    await expect(withSyntheticWriters(existing, -1, 9, spec)).rejects.toThrow(RangeError);
  }, 60_000);
});
