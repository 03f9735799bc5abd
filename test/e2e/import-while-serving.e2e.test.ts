import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run as runImport, importWhileServingRefusal } from '../../src/cli/import.command';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/main';
import type { Logger } from '../../src/services';
import { LOCK_FILE, readDataDirLock } from '../../src/services/data-dir-lock';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { serverEnv, startChildServer } from '../reliability/child-server';
import { gql } from './http-client';
import { tempDir } from './harness';

/**
 * Issue 14: `siamese import` while a server serves the same data directory. The server
 * holds `<data dir>/server.lock` (pid, host, start time) from start to stop; the import
 * refuses beside a live one on SQLite with one line (on PostgreSQL it needs
 * --while-serving), and runs once the server is gone, killed or stopped.
 */
const TOKEN = 'import-while-serving-token-0123456';

let root: string;
let modelDir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  root = tempDir('import-serving-');
  modelDir = (await tinyModelOnce()).modelDir;
  for (const [who, shots] of [
    [1, [0, 1]],
    [2, [0]],
  ] as const) {
    fs.mkdirSync(path.join(root, 'tree', `person${who}`), { recursive: true });
    for (const shot of shots) fs.writeFileSync(path.join(root, 'tree', `person${who}`, `${shot}.png`), await syntheticImage(who, shot));
  }
}, 60_000);

afterAll(() => {
  child?.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

/** `siamese import ARGS` in this process, with the environment a shell would give it; its stderr lines and exit code. */
async function importCli(env: Record<string, string>, args: string[]): Promise<{ code: number; stderr: string[] }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const stderr: string[] = [];
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const bar = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await runImport(args), stderr };
  } finally {
    error.mockRestore();
    log.mockRestore();
    bar.mockRestore();
    process.env = saved;
  }
}

test('a running server holds the lock; import refuses beside it on SQLite, and runs once the server is killed', async () => {
  const dataDir = path.join(root, 'data-sqlite');
  const env = serverEnv(dataDir, modelDir, TOKEN);
  const started = await startChildServer(env);
  child = started.child;
  const lock = readDataDirLock(dataDir);
  expect(lock?.pid).toBe(child.pid);

  const tree = path.join(root, 'tree');
  for (const args of [
    ['--data', tree],
    ['--data', tree, '--while-serving'],
  ]) {
    const refused = await importCli(env, args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toHaveLength(1);
    expect(refused.stderr[0]).toMatch(
      new RegExp(`^siamese import: a server \\(pid ${child.pid}, started .+\\) is serving .+ on SQLite: stop it first`),
    );
    if (args.includes('--while-serving')) expect(refused.stderr[0]).toContain('--while-serving needs PostgreSQL');
  }
  // Nothing was written behind the server's back.
  const count = await gql(started.url, '{ identities(first: 1) { totalCount } }', {}, { token: TOKEN });
  expect(count.data.identities.totalCount).toBe(0);

  // A killed server leaves its lock behind; its pid is gone, so the lock is stale and the import runs.
  child.kill('SIGKILL');
  await new Promise((resolve) => child!.once('exit', resolve));
  expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(true);
  const imported = await importCli(env, ['--data', tree, '--json']);
  expect(imported.stderr).toEqual([]);
  expect(imported.code).toBe(0);

  // The next server sees the imported identities.
  const restarted = await startChildServer(env);
  child = restarted.child;
  const after = await gql(
    restarted.url,
    '{ identities(first: 10) { totalCount edges { node { name imageCount } } } }',
    {},
    { token: TOKEN },
  );
  expect(after.data.identities.edges.map((e: any) => [e.node.name, e.node.imageCount]).sort()).toEqual([
    ['person1', 2],
    ['person2', 1],
  ]);
  child.kill('SIGKILL');
}, 120_000);

test('on PostgreSQL the import needs --while-serving beside a live server', () => {
  const dataDir = path.join(root, 'data-pg');
  fs.mkdirSync(dataDir, { recursive: true });
  // This process stands in for the server: its lock is live.
  fs.writeFileSync(
    path.join(dataDir, LOCK_FILE),
    JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() }),
  );
  const pg = { dataDir, databaseUrl: 'postgresql://siamese:x@127.0.0.1:5432/siamese' };
  expect(importWhileServingRefusal(pg, false)).toMatch(/is serving .+: stop it first, or pass --while-serving/);
  expect(importWhileServingRefusal(pg, true)).toBeUndefined();
  expect(importWhileServingRefusal({ ...pg, databaseUrl: `file:${dataDir}/siamese.db` }, true)).toContain(
    '--while-serving needs PostgreSQL',
  );
});

test('an orderly stop removes the lock; the listening log names the model, not only its hash', async () => {
  const dataDir = path.join(root, 'data-stop');
  const lines: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const logger: Logger = {
    info: (message, fields = {}) => void lines.push({ message, fields }),
    error: (message, fields = {}) => void lines.push({ message, fields }),
  };
  const server = await startServer(loadConfig({ ...serverEnv(dataDir, modelDir, TOKEN) }, dataDir), { logger });
  expect(readDataDirLock(dataDir)?.pid).toBe(process.pid);
  await server.close();
  expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);

  const listening = lines.find((l) => l.message === 'listening')!;
  const card = JSON.parse(fs.readFileSync(path.join(modelDir, 'model-card.json'), 'utf8'));
  expect(listening.fields).toMatchObject({ model: card.name, modelDir, modelVersion: server.internals.active.current.version });
  expect(lines.filter((l) => l.message.startsWith('data dir lock') || l.message.startsWith('another live server'))).toEqual([]);
}, 60_000);
