/**
 * One benchmark instance in a worker thread (one wasm instance each): the
 * parent starts N of these to measure what N cores give together. Protocol:
 * the worker warms up, posts {type:'ready'}, waits for 'go' so all instances
 * run at the same time, measures, posts {type:'result', perSec}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { measureMatMul, type MatMulShape } from './matmul.bench';
import { measureSeedEmbed, type SeedWorkload } from './seed.bench';
import { setBenchBackend, useWasm, type BenchBackend } from './wasm-backend';

export type InstanceTask = ({ task: 'embed'; workload: SeedWorkload } | { task: 'matmul'; shape: MatMulShape; budgetMs: number }) & {
  backend?: BenchBackend;
};

async function main(): Promise<void> {
  const job = workerData as InstanceTask;
  const port = parentPort!;
  if (job.backend) setBenchBackend(job.backend);
  await useWasm();
  const go = new Promise<void>((resolve) => port.once('message', () => resolve()));
  port.postMessage({ type: 'ready' });
  await go;
  let perSec: number;
  if (job.task === 'matmul') perSec = (await measureMatMul(job.shape, job.budgetMs)).gflops;
  else perSec = (await measureSeedEmbed(job.workload)).perSec;
  port.postMessage({ type: 'result', perSec });
}

main().catch((e) => parentPort?.postMessage({ type: 'error', message: (e as Error).message }));
