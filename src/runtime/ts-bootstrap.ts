/**
 * Running a worker thread or child process from TypeScript sources (ts-jest, scripts).
 *
 * Compiled code (dist/) starts `<entry>.js` directly. From sources there is no `.js`
 * beside the entry, and ts-jest's transformer does not reach other threads or
 * processes, so the child first installs the repository's one TypeScript require
 * hook (ts-register.js, also used by test fixtures and scripts), then requires the
 * `.ts` entry. A leaf module: embedding, training and services all use it.
 */
import * as path from 'node:path';

/** The require hook that transpiles `.ts` on load (plain JavaScript, next to this file in the sources). */
export const TS_REGISTER = path.join(__dirname, 'ts-register.js');

const REQUIRE_HOOK = `require(${JSON.stringify(TS_REGISTER)});\nrequire(entry);\n`;

/** Source for `new Worker(src, { eval: true, workerData: { entry } })`. */
export const TS_WORKER_BOOTSTRAP = `const entry = require('worker_threads').workerData.entry;\n${REQUIRE_HOOK}`;

/** Source for `node -e <src> <entry>` (the entry path is argv[1]). */
export const TS_PROCESS_BOOTSTRAP = `const entry = process.argv[1];\n${REQUIRE_HOOK}`;
