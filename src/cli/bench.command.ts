import * as path from 'node:path';
import { loadConfig } from '../config';
import { BENCH_USAGE, parseBenchArgs } from '../bench/bench-args';
import { renderTable } from '../bench/report';
import { runBench } from '../bench/run-bench';

/**
 * `siamese bench`: embedding, training, HTTP and index speed, side by side
 * with the PyTorch peer (../shared/peers/torch_seed_speed.py). Progress goes
 * to stderr; stdout carries the table, or with --json one object.
 */
export const summary = 'measure embedding, training, HTTP and HNSW speed against the PyTorch peer (--json)';

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
  // The CLI is where configuration is read; the bench itself gets values.
  let modelDir: string | undefined;
  try {
    modelDir = loadConfig(process.env, cwd).modelDir;
  } catch (e) {
    console.error(`siamese bench: configuration problem, the default model is not used: ${(e as Error).message}`);
  }
  const report = await runBench(
    parsed,
    { cwd, modelDir, orlDir: path.resolve(cwd, '../shared/datasets/orl-faces') },
    (m) => console.error(m),
  );
  console.log(parsed.json ? JSON.stringify(report, null, 2) : renderTable(report));
  return 0;
}
