/**
 * Jest runs the TypeScript sources directly; `npm run typecheck` is the type gate.
 *
 * Two projects, by one rule (README "Tests"):
 *   e2e  = every suite under test/e2e/, test/reliability/, test/retraining/, test/replication/ (replicas on one
 *          database) or test/console/ (a real browser), and every
 *          file named *.e2e.test.ts (real server, child processes, kills) or
 *          *.slow.test.ts (in-process but long: the face model on real photos, kernel grids);
 *   unit = every other *.test.ts.
 * `npm test` runs both; `npm run test:unit` / `npm run test:e2e` run one: they set
 * JEST_PROJECT, so paths and flags after `--` still work (`npm run test:unit -- test/training --watch`;
 * with `jest --selectProjects unit` the paths after it would be read as more project names).
 */
const E2E_DIRS = ['<rootDir>/test/e2e/', '<rootDir>/test/reliability/', '<rootDir>/test/retraining/', '<rootDir>/test/console/', '<rootDir>/test/replication/'];
const E2E_FILES = ['\\.e2e\\.test\\.ts$', '\\.slow\\.test\\.ts$'];

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }] },
  setupFiles: ['reflect-metadata'],
};

const PROJECTS = [
  {
    ...common,
    displayName: 'unit',
    testMatch: ['**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', ...E2E_DIRS, ...E2E_FILES],
  },
  {
    ...common,
    displayName: 'e2e',
    testMatch: ['<rootDir>/test/{e2e,reliability,retraining,console,replication}/**/*.test.ts', '**/*.e2e.test.ts', '**/*.slow.test.ts'],
  },
];

const only = process.env.JEST_PROJECT;
if (only && !PROJECTS.some((p) => p.displayName === only)) {
  throw new Error(`JEST_PROJECT=${only}: expected one of ${PROJECTS.map((p) => p.displayName).join(', ')}`);
}

module.exports = {
  projects: only ? PROJECTS.filter((p) => p.displayName === only) : PROJECTS,
  testTimeout: 60000,
  // Two cores: one worker per core keeps wasm-heavy suites from starving each other.
  maxWorkers: 2,
};
