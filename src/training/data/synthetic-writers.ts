/**
 * Synthetic writers for signature training (issue 17, train option `syntheticWriters`): CEDAR has 40 writers and a
 * fold trains on 25, so each synthetic writer (synthetic-signature.model.ts) adds genuine signatures and skilled
 * forgeries by three forgers, rendered as pages (synthetic-signature.render.ts) and decoded through the same
 * preprocessing as a real scan. They are appended after the real writers (and their copies) as new training
 * writers; validation writers stay real.
 */
import type { PreprocessSpec } from '../../embedding/model-card';
import { preprocessImage } from '../../embedding/preprocess/preprocess-image';
import { Rng } from '../samplers/rng';
import { forgedSignature, forgerOf, genuineSignature, randomTemplate } from './synthetic-signature.model';
import { renderSignaturePng, type PageStyle } from './synthetic-signature.render';
import type { WriterPixels } from './transformed-writers';

/** CEDAR's shape: 24 genuine signatures and 24 skilled forgeries per writer. */
export const SYNTHETIC_GENUINE_PER_WRITER = 24;
export const SYNTHETIC_FORGERS_PER_WRITER = 3;
export const SYNTHETIC_FORGERIES_PER_FORGER = 8;

export interface SyntheticWriterImages {
  genuine: Uint8Array[];
  forged: Uint8Array[];
}

/** Writer `index` of the synthetic population seeded by `seed`: PNG pages, genuine then forged. */
export async function syntheticWriterPages(seed: number, index: number): Promise<SyntheticWriterImages> {
  const rng = new Rng((seed * 1_000_003 + index * 7919) >>> 0);
  const template = randomTemplate(rng);
  // one page style per writer (their pen and scanner); forgers bring their own ink
  const style = (ink: number): PageStyle => ({ scale: rng.uniform(16, 28), ink, paper: rng.uniform(225, 255), margin: 4 + rng.int(30) });
  const writerInk = rng.uniform(10, 90);
  const genuine: Uint8Array[] = [];
  for (let i = 0; i < SYNTHETIC_GENUINE_PER_WRITER; i++)
    genuine.push(await renderSignaturePng(genuineSignature(template, rng), style(writerInk)));
  const forged: Uint8Array[] = [];
  for (let f = 0; f < SYNTHETIC_FORGERS_PER_WRITER; f++) {
    const forger = forgerOf(template, rng);
    const forgerInk = rng.uniform(10, 90);
    for (let i = 0; i < SYNTHETIC_FORGERIES_PER_FORGER; i++)
      forged.push(await renderSignaturePng(forgedSignature(forger, rng), style(forgerInk)));
  }
  return { genuine, forged };
}

/**
 * Appends `count` synthetic writers, decoded with `spec`: writer j + n is synthetic writer j. Genuine images of a
 * writer come before its forgeries in `pixels`.
 */
export async function withSyntheticWriters(
  writers: WriterPixels,
  count: number,
  seed: number,
  spec: PreprocessSpec,
): Promise<WriterPixels> {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`syntheticWriters must be a whole number ≥ 0, got ${count}`);
  const pixels = [...writers.pixels];
  const genuine = writers.genuine.map((g) => [...g]);
  const forged = writers.forged.map((f) => [...f]);
  const decode = async (pages: Uint8Array[]) => {
    const indices: number[] = [];
    for (const page of pages) {
      pixels.push((await preprocessImage(page, spec)).input);
      indices.push(pixels.length - 1);
    }
    return indices;
  };
  for (let j = 0; j < count; j++) {
    const pages = await syntheticWriterPages(seed, j);
    genuine.push(await decode(pages.genuine));
    forged.push(await decode(pages.forged));
  }
  return { pixels, genuine, forged };
}
