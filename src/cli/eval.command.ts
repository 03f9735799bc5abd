/**
 * `siamese eval`: measures a saved model.
 *   --data DIR [--include …]   verification on (unseen) identities: AUC, EER, accuracy at the
 *                              card's threshold, TAR@FAR 1e-2/1e-3, pair counts, and the pixel
 *                              baseline on the same pairs (issue 17; warns when the model does not beat it)
 *   --data DIR --forgeries NAME  signatures: WRITER/genuine against WRITER/NAME (skilled forgeries), the way
 *                              verify and verifyIdentity serve them (training/evaluate/forgery-verification.eval.ts)
 *   --oneshot RUNS_DIR         N-way one-shot accuracy on Lake's Omniglot runs
 * `--record NAME` stores the result in the card's `evaluations[NAME]` and the
 * command line in `commands.evaluate`, so the card says how to reproduce it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_PREFERENCES, initBackend, type BackendPreference } from '../embedding/backend';
import type { ModelCard } from '../embedding/model-card';
import { loadModelDir } from '../embedding/model-store';
import { badInput, isDomainError } from '../errors';
import { FolderImageSource } from '../training/data/folder.source';
import { parseFilterList } from '../training/data/identity-filter';
import { evaluateOneShot } from '../training/evaluate/oneshot.eval';
import { evaluateVerification } from '../training/evaluate/verification.eval';
import { evaluateForgeryVerification } from '../training/evaluate/forgery-verification.eval';
import { printForgeryReport, type ForgeryReportLike } from './forgery-report.print';
import { baselineWarning } from '../training/evaluate/pixel-baseline';
import { choice, num, shellJoin } from './cli-args';
import { ProgressBar } from './progress';
import { CachedFaceDetector } from '../embedding/faces/cached.detector';
import { FaceApiDetector, setDefaultFaceDetector } from '../embedding/faces/face-api.detector';

export const summary = 'evaluate a model: verification metrics on a dataset, or N-way one-shot accuracy';

const USAGE = `usage: siamese eval --model MODEL_DIR (--data DIR [--data DIR2 …] [--include LIST] [--exclude LIST] | --oneshot RUNS_DIR) [options]

  --model DIR         model directory (model.json + model-card.json)
  --data DIR          labelled folder tree to verify on (repeatable); use identities the model never saw
  --include/--exclude identity filters: names, ranges (s31..s40) or /regex/
                      the same pairs are also scored by raw pixels (Euclidean and cosine on the model's
                      preprocessed input) and printed beside the model; a warning when the model does not beat them
  --forgeries NAME    signatures: each writer's folder holds --genuine NAME (default genuine) and NAME (skilled
                      forgeries of that writer): verify's EER and rates at the card's threshold on genuine–genuine
                      against genuine–forgery pairs, verifyIdentity with R references, and rule LABELLED (K labelled
                      forgeries; CENTROID, capped and midpoint on the same questions) where the card calibrated it
  --genuine NAME      the genuine folder's name with --forgeries (default genuine); there --include/--exclude
                      name writers (03, 31..40, @FILE), not their genuine/forged folders
  --max-negatives N   cap on sampled different-identity pairs (default 50000)
  --max-per-identity N  use at most N images per identity (first N by name; 0 = all, the default): keeps a
                      person with hundreds of photos from owning the positive pairs
  --bootstrap N       rounds of the identity bootstrap for 95 % intervals of AUC and EER
                      (default 1000; 0 = off). One-shot accuracy always gets a Wilson interval.
  --oneshot DIR       Lake-format one-shot runs (runNN/class_labels.txt, training/, test/)
  --tta N             one-shot test-time augmentation: N extra warped views per image (default 0)
  --face-cache DIR    remember face detections on disk (models with a face stage; default .cache/faces; 'none' = off)
  --seed N            seed of negative sampling / augmentation (default 1)
  --backend NAME      tensorflow | wasm | cpu
  --record NAME       save the result into the card (evaluations.NAME) with this command
  --json              print the result as JSON`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string' },
        data: { type: 'string', multiple: true },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'max-negatives': { type: 'string' },
        'max-per-identity': { type: 'string' },
        forgeries: { type: 'string' },
        genuine: { type: 'string' },
        oneshot: { type: 'string' },
        tta: { type: 'string' },
        bootstrap: { type: 'string' },
        seed: { type: 'string' },
        'face-cache': { type: 'string' },
        backend: { type: 'string' },
        record: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`siamese eval: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const json = Boolean(values.json);
  try {
    if (!values.model) throw badInput('--model MODEL_DIR is required');
    if (!values.data?.length && !values.oneshot) throw badInput('give --data DIR (verification) or --oneshot RUNS_DIR');
    const started = Date.now();
    const backend = await initBackend(choice<BackendPreference>('backend', values.backend, BACKEND_PREFERENCES, 'auto'));
    const { model, card } = await loadModelDir(values.model);
    if (card.preprocessing.face && values['face-cache'] !== 'none') {
      setDefaultFaceDetector(new CachedFaceDetector(new FaceApiDetector(), path.resolve(values['face-cache'] ?? '.cache/faces')));
    }
    const seed = num('seed', values.seed, 1, { int: true, min: 0 });
    const warnings: string[] = [];
    const result: Record<string, unknown> = {
      model: path.resolve(values.model),
      name: card.name,
      version: card.version,
      metric: card.metric,
    };
    if (values.genuine !== undefined && values.forgeries === undefined) throw badInput('--genuine goes with --forgeries NAME');
    if (values.forgeries !== undefined) {
      if (!values.data?.length) throw badInput('--forgeries needs --data DIR (a folder per writer)');
      for (const flag of ['max-negatives', 'max-per-identity'] as const)
        if (values[flag] !== undefined) throw badInput(`--${flag} does not apply with --forgeries (every writer's pairs are scored)`);
      // --include / --exclude name writers here (03, 31..40, @FILE), as --val-writers does in training.
      const source = new FolderImageSource(values.data);
      const { report, warning } = await evaluateForgeryVerification(
        model,
        card,
        source,
        { genuineFolder: values.genuine ?? 'genuine', forgedFolder: values.forgeries },
        {
          seed,
          bootstrap: num('bootstrap', values.bootstrap, 1000, { int: true, min: 0 }),
          writers: { include: parseFilterList(values.include), exclude: parseFilterList(values.exclude) },
        },
      );
      result.forgeries = { data: source.sources, include: values.include, exclude: values.exclude, ...report };
      if (warning) {
        warnings.push(warning);
        result.warnings = warnings;
      }
    } else if (values.data?.length) {
      const source = new FolderImageSource(values.data, {
        include: parseFilterList(values.include),
        exclude: parseFilterList(values.exclude),
      });
      const faceBar = new ProgressBar(process.stderr, 24, 15, 'faces');
      const { report, baseline } = await evaluateVerification(model, card, source, {
        maxPerIdentity: num('max-per-identity', values['max-per-identity'], 0, { int: true, min: 0 }) || undefined,
        onPrepare: json
          ? undefined
          : (d, t) => {
              faceBar.update({ done: d, total: t });
              if (d === t) faceBar.done();
            },
        maxNegatives: num('max-negatives', values['max-negatives'], 50000, { int: true, min: 1 }),
        seed,
        bootstrap: num('bootstrap', values.bootstrap, 1000, { int: true, min: 0 }),
      });
      const { baseline: baselineOfReport, ...verification } = report;
      result.verification = { data: source.sources, include: values.include, exclude: values.exclude, ...verification };
      // Issue 17: the same pairs scored by raw pixels, beside the model (and in evaluations.NAME.baseline with --record).
      result.baseline = baselineOfReport;
      const warning = baselineWarning(report, baseline, 'these pairs');
      if (warning) {
        warnings.push(warning);
        result.warnings = warnings;
      }
    }
    if (values.oneshot) {
      result.oneShot = await evaluateOneShot(model, card, path.resolve(values.oneshot), {
        tta: num('tta', values.tta, 0, { int: true, min: 0 }),
        seed,
      });
    }
    result.backend = backend;
    result.wallTimeSec = +((Date.now() - started) / 1000).toFixed(1);
    model.dispose();
    if (values.record)
      await record(values.model, card, values.record, result, [
        'npx',
        'siamese',
        'eval',
        ...argv.filter((a, i) => a !== '--record' && argv[i - 1] !== '--record'),
      ]);
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else printHuman(result);
    // Said where it is seen (stderr, also under --json, whose line carries `warnings` too).
    for (const w of warnings) console.error(`siamese eval: warning: ${w}`);
    return 0;
  } catch (e) {
    if (isDomainError(e)) {
      if (json) process.stdout.write(`${JSON.stringify({ type: 'error', code: e.code, message: e.message })}\n`);
      console.error(`siamese eval: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** Adds the result to model-card.json; the weights (and so the fingerprint) are untouched. */
async function record(dir: string, card: ModelCard, name: string, result: Record<string, unknown>, argv: string[]): Promise<void> {
  const file = path.join(dir, 'model-card.json');
  const { model: _m, ...rest } = result;
  const cmd = shellJoin(argv);
  const updated: ModelCard = {
    ...card,
    evaluations: { ...(card.evaluations ?? {}), [name]: { ...rest, command: cmd, at: new Date().toISOString() } },
    commands: { ...card.commands, evaluate: [...card.commands.evaluate.filter((c) => c !== cmd), cmd] },
  };
  await fs.writeFile(`${file}.tmp`, JSON.stringify(updated, null, 2) + '\n');
  await fs.rename(`${file}.tmp`, file);
}

function printHuman(r: Record<string, unknown>): void {
  const v = r.verification as
    | {
        ci95?: { auc: [number, number]; eer: [number, number] };
        auc: number;
        eer: number;
        accuracyAtDefault?: number;
        tarAtFar1e2?: number;
        tarAtFar1e3?: number;
        positivePairs: number;
        negativePairs: number;
        identities: number;
        images: number;
        threshold: number;
        oneShot?: { ways: number; accuracy: number };
        references?: Array<{ references: number; auc: number; eer: number; threshold: number; far: number; frr: number }>;
      }
    | undefined;
  if (v) {
    console.log(
      `verification on ${v.identities} identities / ${v.images} images (${v.positivePairs} same, ${v.negativePairs} different pairs)`,
    );
    console.log(
      `  AUC ${v.auc.toFixed(4)}  EER ${(v.eer * 100).toFixed(2)}%  accuracy@${v.threshold.toPrecision(4)} ${((v.accuracyAtDefault ?? NaN) * 100).toFixed(2)}%`,
    );
    if (v.ci95)
      console.log(
        `  95 % interval over identities: AUC ${v.ci95.auc.map((x) => x.toFixed(4)).join('–')}  EER ${v.ci95.eer.map((x) => (x * 100).toFixed(1)).join('–')}%`,
      );
    console.log(`  TAR@FAR=1e-2 ${((v.tarAtFar1e2 ?? NaN) * 100).toFixed(2)}%  TAR@FAR=1e-3 ${((v.tarAtFar1e3 ?? NaN) * 100).toFixed(2)}%`);
    if (v.oneShot) console.log(`  ${v.oneShot.ways}-way one-shot (random episodes) ${(v.oneShot.accuracy * 100).toFixed(1)}%`);
    for (const e of v.references ?? [])
      console.log(
        `  verifyIdentity, ${e.references} references (centroid): AUC ${e.auc.toFixed(4)}  EER ${(e.eer * 100).toFixed(2)}%  ` +
          `at the card's ${e.threshold.toPrecision(4)}: FAR ${(e.far * 100).toFixed(2)}%  FRR ${(e.frr * 100).toFixed(2)}%`,
      );
  }
  const b = r.baseline as Record<string, { auc: number; eer: number }> | undefined;
  if (b && v) {
    const row = (label: string, m: { auc: number; eer: number }) =>
      `  ${label.padEnd(22)} AUC ${m.auc.toFixed(4)}  EER ${(m.eer * 100).toFixed(2)}%`;
    console.log('same pairs, model against raw pixels (the preprocessed input):');
    console.log(row('model', v));
    console.log(row('pixels, Euclidean', b.pixelEuclidean));
    console.log(row('pixels, cosine', b.pixelCosine));
  }
  if (r.forgeries) printForgeryReport(r.forgeries as ForgeryReportLike);
  const o = r.oneShot as
    | {
        ci95: [number, number];
        accuracy: number;
        correct: number;
        total: number;
        ways: number;
        tta: number;
        runs: Array<{ run: string; accuracy: number }>;
      }
    | undefined;
  if (o) {
    console.log(
      `${o.ways}-way one-shot: ${(o.accuracy * 100).toFixed(2)}% (${o.correct}/${o.total}${o.tta ? `, TTA ${o.tta}` : ''}; 95 % interval ${o.ci95.map((x) => (x * 100).toFixed(1)).join('–')}%)`,
    );
    console.log('  ' + o.runs.map((x) => `${x.run} ${(x.accuracy * 100).toFixed(0)}%`).join('  '));
  }
  console.log(`(${r.wallTimeSec}s)`);
}
