/**
 * Starts the training child process. From `dist/` the compiled `training.worker.js` is
 * forked directly. Under ts-jest / ts-node this module is a `.ts` file: the child is
 * node with a tiny bootstrap that installs a `require` hook transpiling the project's
 * TypeScript on the fly (TypeScript is a dependency anyway), then requires the `.ts`
 * entry. Either way the child talks IPC and dies with its parent.
 */
import { fork, spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

const TS_BOOTSTRAP = `
const fs = require('fs');
const Module = require('module');
const entry = process.argv[1];
const ts = require(require.resolve('typescript', { paths: [require('path').dirname(entry)] }));
Module._extensions['.ts'] = function (m, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
      experimentalDecorators: true, emitDecoratorMetadata: false, sourceMap: false, inlineSourceMap: true },
  });
  m._compile(out.outputText, filename);
};
require(entry);
`;

export function spawnTrainingWorker(): ChildProcess {
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
  if (__filename.endsWith('.js')) {
    return fork(path.join(__dirname, 'training.worker.js'), [], { stdio: [...stdio], serialization: 'advanced' });
  }
  const entry = path.join(__dirname, 'training.worker.ts');
  return spawn(process.execPath, ['-e', TS_BOOTSTRAP, entry], { stdio: [...stdio], serialization: 'advanced' });
}
