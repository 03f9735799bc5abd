#!/usr/bin/env node
'use strict';
// The CLI runs the compiled sources; `npm install` builds them (see scripts/prepare.js).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => { console.error(err instanceof Error ? err.message : err); process.exitCode = 1; },
);
