import * as path from 'path';
import { Worker } from 'worker_threads';

/**
 * Starts `<name>.js` next to this file when running compiled (dist/), or the
 * `.ts` source through a bootstrap that transpiles the project's TypeScript on
 * load when running from sources (ts-jest, scripts): the same scheme as
 * src/embedding/embedding-pool.ts.
 */
export function spawnWorker(name: string): Worker {
  if (__filename.endsWith('.js')) return new Worker(path.join(__dirname, `${name}.js`));
  return new Worker(TS_BOOTSTRAP, { eval: true, workerData: { entry: path.join(__dirname, `${name}.ts`) } });
}

const TS_BOOTSTRAP = `
const { workerData } = require('worker_threads');
const fs = require('fs');
const Module = require('module');
const ts = require(require.resolve('typescript', { paths: [require('path').dirname(workerData.entry)] }));
Module._extensions['.ts'] = function (m, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
      experimentalDecorators: true, emitDecoratorMetadata: false, sourceMap: false, inlineSourceMap: true },
  });
  m._compile(out.outputText, filename);
};
require(workerData.entry);
`;
