/**
 * Session 39: the opt-in rule LABELLED's validation rates under the card's current t_R caps.
 *
 * Why: rule CV-THRESHOLDS (session 38) moved the shipped signature card's thresholds.references after `siamese
 * ensemble` had calibrated thresholds.labelled under the old caps. A labelled entry's offset does not depend on the
 * cap (labelled-calibration.ts calibrates the uncapped midpoint score); its far and frr are those of the capped
 * decision, so they were stale. This recomputes them exactly as `siamese ensemble` does (the same validation set,
 * the first member's split seed, calibrateLabelled) with the card's current caps, and checks the reproduction: every
 * recomputed offset must equal the card's within 1e-6 and every auc and eer exactly, or nothing is written. (The
 * offsets are not exactly equal: the shipped card's embeddings came from another backend, and its offsets differ
 * from these by up to 2.3e-7; a wrong seed or set moves them by about 1e-2.)
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/backend/labelled-rates.ts MODEL_DIR [--apply]
 *     prints {entries: [{references, labelled, offset, farBefore, frrBefore, far, frr}], reproduced}; --apply writes
 *     far and frr into MODEL_DIR/model-card.json when reproduced (exit 3 when not)
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../../../src/embedding/backend';
import type { LabelledThreshold, ModelCard } from '../../../../src/embedding/model-card';
import { loadModelDir } from '../../../../src/embedding/model-store';
import { calibrateLabelled } from '../../../../src/training/calibration/labelled-calibration';
import { loadForgeryValidation } from '../../../../src/training/data/forgery-data';
import { FolderImageSource } from '../../../../src/training/data/folder.source';
import { parseFilterList } from '../../../../src/training/data/identity-filter';
import { scoreVerification, scoringSpecOf } from '../../../../src/training/evaluate/verification-scoring';

/** The writers `siamese ensemble --include` read (the card records their count, checked below, not the list). */
const DEVELOPMENT = '@splits/cedar/cv/all-development.txt';

/** The split seed `siamese ensemble` used: its first member's splitSeed, else its seed, which the ensemble's card
 *  carries (ensemble.ts splitSeedOf). The offsets' check below says whether it was the right one. */
function firstMemberSplitSeed(card: ModelCard): number {
  const first = (card.hyperparameters.ensembleOf as Array<{ hyperparameters?: { splitSeed?: unknown } }> | undefined)?.[0];
  const seed = first?.hyperparameters?.splitSeed;
  return typeof seed === 'number' ? seed : card.seed;
}

export async function main(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (!dir) {
    console.error('usage: labelled-rates.ts MODEL_DIR [--apply]');
    return 2;
  }
  await initBackend('auto');
  const { model, card } = await loadModelDir(dir);
  const before = card.thresholds.labelled ?? [];
  const references = card.thresholds.references ?? [];
  // The writer split and folders as the card recorded them (hyperparameters.forgeries).
  const layout = card.hyperparameters.forgeries as { genuineFolder: string; forgedFolder: string; validationWriters: string[] } | undefined;
  if (!layout) throw new Error(`${dir}: the card records no forgery layout (not a signature model)`);
  const source = new FolderImageSource(card.data.sources, { include: parseFilterList([DEVELOPMENT]) });
  const set = await loadForgeryValidation(source, layout, card.preprocessing);
  if (set.images !== card.data.images || set.writers !== card.data.identities)
    throw new Error(`${DEVELOPMENT} gives ${set.writers} writers and ${set.images} images; the card ${card.data.identities} and ${card.data.images}`);
  const { embeddings } = scoreVerification(model, set.pixels, set.pairs, scoringSpecOf(card));
  model.dispose();
  const after = calibrateLabelled({
    embeddings,
    groups: set.groups,
    forged: set.forged,
    metric: card.metric,
    seed: firstMemberSplitSeed(card),
    references,
    rule: card.thresholds,
  });
  const key = (e: LabelledThreshold) => `${e.references}/${e.labelled}`;
  const old = new Map(before.map((e) => [key(e), e]));
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-6;
  const reproduced =
    after.length === before.length &&
    after.every((e) => {
      const o = old.get(key(e));
      // auc and eer are counts of pairs, so they must agree exactly (one swapped pair moves auc by ~5e-7)
      return o !== undefined && same(o.offset, e.offset) && o.auc === e.auc && o.eer === e.eer;
    });
  const entries = after.map((e) => ({
    references: e.references,
    labelled: e.labelled,
    offset: e.offset,
    cap: references.find((r) => r.references === e.references)?.threshold,
    farBefore: old.get(key(e))?.far,
    frrBefore: old.get(key(e))?.frr,
    far: e.far,
    frr: e.frr,
  }));
  const largestOffsetDifference = Math.max(...after.map((e) => Math.abs(e.offset - (old.get(key(e))?.offset ?? Infinity))));
  console.log(JSON.stringify({ model: dir, validationWriters: set.validationWriters, reproduced, largestOffsetDifference, entries }, null, 2));
  if (!argv.includes('--apply')) return 0;
  if (!reproduced) {
    console.error('the recomputed offsets differ from the card: not the calibration siamese ensemble ran; nothing written');
    return 3;
  }
  const file = path.join(dir, 'model-card.json');
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelCard;
  written.thresholds.labelled = (written.thresholds.labelled ?? []).map((e) => {
    const now = after.find((a) => key(a) === key(e))!;
    return { ...e, far: now.far, frr: now.frr };
  });
  fs.writeFileSync(file, JSON.stringify(written, null, 2) + '\n');
  return 0;
}
