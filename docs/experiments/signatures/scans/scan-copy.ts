/**
 * Session 40 (SCANS, exploratory; RULE.md beside this file): a copy of CEDAR in which every image of the named
 * writers is a simulated full-resolution scan, so that `signature-measure.ts cv --dataset` scores every pair of the
 * 34 cross-validated writers on the served path from full-resolution input, not only the API run's three references
 * per writer.
 *
 * The scan is signature-measure.ts's scanScan, the one the API measurements send: the 220×155 image enlarged 3–4.5×
 * with its aspect changed by up to ±25 %, on a page with margins of 15–60 % of its size, paper grey 215–255,
 * Gaussian noise σ = 3 and three dark specks. Each image gets its own seed (from its writer, class and index), so
 * the copy is the same on every run and every model sees the same scans; unlike the API run, an image is rendered
 * once, not once per call. The seeds are consecutive integers, which mulberry32 (rng.ts) turns into shifted copies
 * of one stream: some images reuse another's noise at an offset (review, session 40). Harmless for noise and
 * specks; a hashed seed would avoid it, and would change every scan (the results beside this file use these).
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/scans/scan-copy.ts OUT @WRITERS_FILE… [--dataset DIR] [--aspect writer]
 * --aspect writer (session 40, added after SCANS' first results): one aspect change per writer (writerAspect), for
 * its genuine signatures and its forgeries alike, instead of one per image; the scale, margin and paper draws are the
 * same (the noise and specks then fall on other pixels, as the page's width changes).
 * Writes OUT/WRITER/{genuine,forged}/*.png through OUT.tmp, renamed when complete (an interrupted copy is not
 * mistaken for one).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseFilterList } from '../../../../src/training/data/identity-filter';
import { Rng } from '../../../../src/training/samplers/rng';
import { DEFAULT_DATASET, scanScan, writerFiles } from '../../../../test/e2e/signature-measure';

/** One aspect change per writer, in scanScan's range [0.8, 1.25), from the writer's number alone. */
export function writerAspect(writer: string): number {
  return new Rng(90_000 + Number(writer)).uniform(0.8, 1.25);
}

/** A seed per image: the writer's number, the class and the image's index, so that no two images share one. */
export function imageSeed(writer: string, kind: 'genuine' | 'forged', index: number): number {
  return 40_000 + Number(writer) * 1000 + (kind === 'forged' ? 500 : 0) + index;
}

export async function main(argv: string[]): Promise<number> {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++)
    if (argv[i] === '--dataset' || argv[i] === '--aspect') {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) {
        console.error(`${argv[i]} needs a value`);
        return 2;
      }
      flags.set(argv[i], argv[++i]);
    }
    else rest.push(argv[i]);
  const dataset = flags.get('--dataset') ?? DEFAULT_DATASET;
  const aspect = flags.get('--aspect') ?? 'image';
  const [out, ...lists] = rest;
  if (!out || lists.length === 0 || !['image', 'writer'].includes(aspect)) {
    console.error('usage: scan-copy.ts OUT @WRITERS_FILE… [--dataset DIR] [--aspect image|writer]');
    return 2;
  }
  const writers = [...new Set(lists.flatMap((l) => parseFilterList([l]) ?? []))].sort();
  const tmp = `${out}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  let done = 0;
  const started = Date.now();
  for (const writer of writers) {
    const files = writerFiles(dataset, writer);
    for (const kind of ['genuine', 'forged'] as const) {
      fs.mkdirSync(path.join(tmp, writer, kind), { recursive: true });
      for (const [i, file] of files[kind].entries()) {
        const bytes = await scanScan(file, new Rng(imageSeed(writer, kind, i)), aspect === 'writer' ? writerAspect(writer) : undefined);
        fs.writeFileSync(path.join(tmp, writer, kind, path.basename(file)), bytes);
        done++;
      }
    }
    process.stderr.write(`\r${done} scans rendered (${writers.indexOf(writer) + 1}/${writers.length} writers, ${Math.round((Date.now() - started) / 1000)} s)`);
  }
  process.stderr.write('\n');
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
  console.log(`${done} images of ${writers.length} writers rendered as full-resolution scans into ${out}`);
  return 0;
}
