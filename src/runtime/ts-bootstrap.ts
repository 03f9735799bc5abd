/**
 * Running a worker thread or child process from TypeScript sources (ts-jest, scripts).
 *
 * Compiled code (dist/) starts `<entry>.js` directly. From sources there is no `.js`
 * beside the entry, and ts-jest's transformer does not reach other threads or
 * processes, so the child first installs a `require` hook that transpiles the
 * project's TypeScript on load (TypeScript is a dependency anyway), then requires
 * the `.ts` entry. A leaf module: embedding, training and services all use it.
 */
const REQUIRE_HOOK = `
const fs = require('fs');
const Module = require('module');
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

/** Source for `new Worker(src, { eval: true, workerData: { entry } })`. */
export const TS_WORKER_BOOTSTRAP = `const entry = require('worker_threads').workerData.entry;${REQUIRE_HOOK}`;

/** Source for `node -e <src> <entry>` (the entry path is argv[1]). */
export const TS_PROCESS_BOOTSTRAP = `const entry = process.argv[1];${REQUIRE_HOOK}`;

/** True when the calling module runs compiled (dist/) rather than from `.ts` sources. */
export function isCompiled(filename: string): boolean {
  return filename.endsWith('.js');
}
