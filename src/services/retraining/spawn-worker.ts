/**
 * Starts the training child process. From `dist/` the compiled `training.worker.js` is
 * forked directly. Under ts-jest / ts-node this module is a `.ts` file: the child is
 * node with a tiny bootstrap that installs a `require` hook transpiling the project's
 * TypeScript on the fly (TypeScript is a dependency anyway), then requires the `.ts`
 * entry. Either way the child talks IPC and dies with its parent.
 */
import { fork, spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { TS_PROCESS_BOOTSTRAP } from '../../runtime/ts-bootstrap';

export function spawnTrainingWorker(): ChildProcess {
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
  if (__filename.endsWith('.js')) {
    return fork(path.join(__dirname, 'training.worker.js'), [], { stdio: [...stdio], serialization: 'advanced' });
  }
  const entry = path.join(__dirname, 'training.worker.ts');
  return spawn(process.execPath, ['-e', TS_PROCESS_BOOTSTRAP, entry], { stdio: [...stdio], serialization: 'advanced' });
}
