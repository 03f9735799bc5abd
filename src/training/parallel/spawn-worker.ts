import * as path from 'path';
import { Worker } from 'worker_threads';
import { TS_WORKER_BOOTSTRAP } from '../../runtime/ts-bootstrap';

/**
 * Starts `<name>.js` next to this file when running compiled (dist/), or the
 * `.ts` source through a bootstrap that transpiles the project's TypeScript on
 * load when running from sources (ts-jest, scripts): the same scheme as
 * src/embedding/embedding-pool.ts.
 */
export function spawnWorker(name: string): Worker {
  if (__filename.endsWith('.js')) return new Worker(path.join(__dirname, `${name}.js`));
  return new Worker(TS_WORKER_BOOTSTRAP, { eval: true, workerData: { entry: path.join(__dirname, `${name}.ts`) } });
}
