import * as path from 'node:path';
import { DEFAULT_MODEL_NAME, loadConfig } from '../config';
import { BENCH_USAGE, parseBenchArgs } from '../bench/bench-args';
import { renderTable } from '../bench/report';
import { runBench } from '../bench/run-bench';

/**
 * `siamese bench`: embedding, training, face pipeline, HTTP and index speed,
 * side by side with the PyTorch peer (../shared/peers/torch_seed_speed.py) and
 * face-api's own face pipeline. Progress goes to stderr; stdout carries the
 * table, or with --json one object.
 */
export const summary = 'measure embedding, training, face pipeline, HTTP and HNSW speed against the peers (--json)';

export async function run(argv: string[]): Promise<number> {
  const cwd = process.cwd();
  const parsed = parseBenchArgs(argv, cwd);
  if ('error' in parsed) {
    console.error(`siamese bench: ${parsed.error}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  // The CLI is where configuration is read; the bench itself gets values. The
  // model is the server's default (SIAMESE_MODEL, else models/face-resnet29-lfw);
  // without one the parts that need it report it unavailable and say why.
  let modelDir: string | undefined;
  let noModelReason: string | undefined;
  try {
    const config = loadConfig(process.env, cwd);
    modelDir = config.modelDir;
    if (!modelDir)
      noModelReason = `no default model (SIAMESE_MODEL unset and no model-card.json in ${path.join(config.modelsDir, DEFAULT_MODEL_NAME)})`;
  } catch (e) {
    const first = (e as Error).message.split('\n').slice(0, 2).join(' ').trim();
    noModelReason = `no default model (configuration problem: ${first})`;
    console.error(`siamese bench: configuration problem, the default model is not used: ${(e as Error).message}`);
  }
  const report = await runBench(
    parsed,
    {
      cwd,
      modelDir,
      noModelReason,
      orlDir: path.resolve(cwd, '../shared/datasets/orl-faces'),
      lfwDir: path.resolve(cwd, '../shared/datasets/lfw-devtrain'),
    },
    (m) => console.error(m),
  );
  console.log(parsed.json ? JSON.stringify(report, null, 2) : renderTable(report));
  return 0;
}
