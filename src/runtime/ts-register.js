'use strict';
/**
 * The one TypeScript require hook of this repository, for code that runs the
 * `.ts` sources outside ts-jest: worker threads and child processes started from
 * sources (ts-bootstrap.ts), test fixtures that run in their own process, and
 * scripts/*.js. `require('<repo>/src/runtime/ts-register.js')` makes every later
 * `require('x.ts')` transpile the file on load (typescript.transpileModule: no
 * type check, no build step). Plain JavaScript, because it must load before any
 * TypeScript can. Compiled code (dist/) never needs it.
 *
 * The options follow tsconfig.json where they matter at run time: CommonJS,
 * ES2022, esModuleInterop, and decorators with their metadata (type-graphql
 * reads `design:type`; a process that uses it loads 'reflect-metadata' first).
 * Installing it twice is harmless (the second replaces the first).
 */
const fs = require('fs');
const Module = require('module');
const ts = require('typescript');

const COMPILER_OPTIONS = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  sourceMap: false,
  // Stack traces point into the .ts file (node --enable-source-maps).
  inlineSourceMap: true,
};

function compileTypeScript(module, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions: COMPILER_OPTIONS });
  module._compile(out.outputText, filename);
}

Module._extensions['.ts'] = compileTypeScript;

module.exports = { COMPILER_OPTIONS };
