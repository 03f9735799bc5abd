/**
 * `siamese ensemble`: combines trained model directories into one model whose
 * squared distance is the mean of the members' (src/training/ensemble.ts), and
 * calibrates it on the members' common validation identities.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_PREFERENCES, initBackend, type BackendPreference } from '../embedding/backend';
import { badInput, isDomainError } from '../errors';
import { FolderImageSource } from '../training/data/folder.source';
import { parseFilterList } from '../training/data/identity-filter';
import type { ForgeryLayout } from '../training/data/forgery-data';
import { buildEnsemble } from '../training/ensemble';
import { saveTrainedModel } from '../training/save-trained-model';
import { choice, shellJoin } from './cli-args';

export const summary = 'average several trained models into one (mean squared distance) and calibrate it on validation';

const USAGE = `usage: siamese ensemble --model DIR --model DIR [--model DIR …] --out MODEL_DIR [--name NAME] [--json]

  --model DIR   a trained member (repeatable, at least two; same preprocessing, data and validation split), or a
                saved ensemble, whose members then join one by one (extending it with equal weights)
  --include LIST, --exclude LIST
                the identity filters the members were trained with (e.g. s1..s30); checked against the cards
  --forgeries NAME, --genuine NAME, --val-writers LIST
                signature members trained with --forgeries before their cards recorded the writer split:
                the same flags as their training, so the ensemble is calibrated on the same validation
                writers' genuine–genuine against genuine–forgery pairs (newer cards carry it themselves)
  --out DIR     where the ensemble model directory is written
  --name NAME   model name in the card (default: the folder name of --out)
  --backend NAME  auto (default) | tensorflow-gpu | tensorflow | native | wasm | cpu: where validation is embedded
  --json        print a JSON summary`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string', multiple: true },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        forgeries: { type: 'string' },
        genuine: { type: 'string' },
        'val-writers': { type: 'string', multiple: true },
        out: { type: 'string' },
        name: { type: 'string' },
        backend: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`siamese ensemble: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    if (!values.out) throw badInput('--out MODEL_DIR is required');
    const out = path.resolve(values.out);
    await initBackend(choice<BackendPreference>('backend', values.backend, BACKEND_PREFERENCES, 'auto'));
    const { model, card } = await buildEnsemble(
      {
        memberDirs: values.model ?? [],
        name: values.name ?? path.basename(out),
        commands: { train: shellJoin(['npx', 'siamese', 'ensemble', ...argv]), evaluate: [] },
        forgeries: forgeryLayout(values),
        onLog: (m) => console.error(m),
      },
      (member) =>
        new FolderImageSource(member.data.sources, { include: parseFilterList(values.include), exclude: parseFilterList(values.exclude) }),
    );
    const saved = await saveTrainedModel(out, model, card);
    model.dispose();
    const result = {
      type: 'result',
      out,
      version: saved.version,
      validation: saved.validation,
      oneShot: (saved.evaluations?.validation as { oneShotAccuracy?: number })?.oneShotAccuracy,
      withinParentOneShot: (saved.evaluations?.validation as { withinParentOneShot?: unknown })?.withinParentOneShot,
      thresholds: saved.thresholds,
    };
    console.log(
      values.json
        ? JSON.stringify(result)
        : `saved ${out} (version ${saved.version}); validation AUC ${saved.validation.auc.toFixed(4)}, EER ${(saved.validation.eer * 100).toFixed(2)} %`,
    );
    return 0;
  } catch (e) {
    if (isDomainError(e)) {
      console.error(`siamese ensemble: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** --forgeries/--genuine/--val-writers: the members' writer split (older signature cards do not record it). */
function forgeryLayout(values: { forgeries?: string; genuine?: string; 'val-writers'?: string[] }): ForgeryLayout | undefined {
  if (values.forgeries === undefined) {
    if (values['val-writers'] || values.genuine) throw badInput('--val-writers and --genuine need --forgeries');
    return undefined;
  }
  const validationWriters = parseFilterList(values['val-writers']);
  if (!validationWriters) throw badInput('--forgeries needs --val-writers (the writers the members validated on)');
  return { genuineFolder: values.genuine ?? 'genuine', forgedFolder: values.forgeries, validationWriters };
}
