import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { RETRAIN, TOKEN, enroll, waitForRun } from '../retraining/helpers';

/**
 * Issue 13, item 3: SIGTERM runs one orderly shutdown. The real CLI (`siamese serve`,
 * through the transpile-on-load runner) in a child process with NODE_ENV=production —
 * where Apollo's own signal handler used to stop Apollo and re-send the signal, so the
 * process died (143) before the application's cleanup. Now: exit 0, the enrollment
 * answered just before the signal is in the saved index (the next start loads it as
 * saved, no repair), a running retrain is closed as CANCELLED "server shutdown", and a
 * shutdown that outlives SIAMESE_SHUTDOWN_GRACE_MS is abandoned with a clear line.
 */
jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { identity { id } imageId distance } }`;

interface Cli {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(dataDir: string, modelDir: string, extra: Record<string, string> = {}): Promise<Cli> {
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    SIAMESE_DATA_DIR: dataDir,
    SIAMESE_LOG_LEVEL: 'info',
    SIAMESE_BACKEND: 'cpu',
    SIAMESE_ADMIN_TOKEN: TOKEN,
    SIAMESE_MODEL: modelDir,
    SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
    // A long debounce: the index file cannot have been saved by the debounce when the signal comes.
    SIAMESE_INDEX_SAVE_DEBOUNCE_MS: '60000',
    ...extra,
  };
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'test/retraining/fixtures/ts-run.js'), path.join(ROOT, 'src/cli/main.ts'), 'serve'],
    {
      cwd: dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = / at (http:\/\/\S+\/graphql)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve({ child, url: m[1], output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`serve exited (${code ?? signal}) before listening:\n${out.slice(-3000)}`)));
  });
}

describe('issue 13: SIGTERM runs the orderly shutdown', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const dir = () => {
    const d = tempDir('siamese-shutdown-');
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('exits 0 with the enrollment answered just before SIGTERM in the saved index (next start: loaded)', async () => {
    const { modelDir } = await tinyModelOnce();
    const dataDir = dir();
    const cli = await startCli(dataDir, modelDir);
    children.push(cli.child);
    const people = await enroll(cli.url, [1, 2], 2);
    const last = await enroll(cli.url, [3], 1); // answered; the signal follows at once
    cli.child.kill('SIGTERM');
    const exit = await cli.exited;
    expect({ exit, tail: cli.output().slice(-600) }).toEqual({
      exit: { code: 0, signal: null },
      tail: expect.stringContaining('shutdown complete'),
    });

    // The next start finds the index exactly as saved: no repair against the database.
    const again = await startTestServer({ dataDir, adminToken: TOKEN, modelDir });
    try {
      expect(again.internals.indexOrigin).toBe('loaded');
      expect(again.internals.active.current.index.size).toBe(5);
      const hit = await gql(again.url, SEARCH, { image: { base64: (await syntheticImage(3, 0)).toString('base64') } }, { token: TOKEN });
      expect(hit.data.searchSimilar[0]).toMatchObject({ identity: { id: last.get(3)!.id }, imageId: last.get(3)!.images[0] });
      expect(people.size).toBe(2);
    } finally {
      await again.close();
    }
  });

  it('closes a running retrain as CANCELLED "server shutdown" and exits 0', async () => {
    const { modelDir } = await tinyModelOnce();
    const dataDir = dir();
    const cli = await startCli(dataDir, modelDir);
    children.push(cli.child);
    await enroll(cli.url, [1, 2, 3, 4, 5, 6], 3);
    const run = (await gql(cli.url, RETRAIN, { o: { steps: 50_000, batchSize: 8 } }, { token: TOKEN })).data.retrain;
    await waitForRun(cli.url, run.id, (r) => r.status === 'RUNNING' && (r.progress?.step ?? 0) > 0);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });

    const db = new Database(path.join(dataDir, 'siamese.db'), { readonly: true });
    const row = db.prepare(`SELECT status, error FROM "TrainingRun" WHERE id = ?`).get(run.id) as { status: string; error: string };
    db.close();
    expect(row.status).toBe('CANCELLED');
    expect(row.error).toMatch(/^server shutdown/);
  });

  it('abandons a shutdown that outlives SIAMESE_SHUTDOWN_GRACE_MS, with a clear line, and still exits', async () => {
    const { modelDir } = await tinyModelOnce();
    const dataDir = dir();
    const cli = await startCli(dataDir, modelDir, { SIAMESE_SHUTDOWN_GRACE_MS: '1' });
    children.push(cli.child);
    await enroll(cli.url, [1, 2, 3, 4, 5, 6], 3);
    const run = (await gql(cli.url, RETRAIN, { o: { steps: 50_000, batchSize: 8 } }, { token: TOKEN })).data.retrain;
    await waitForRun(cli.url, run.id, (r) => r.status === 'RUNNING');
    cli.child.kill('SIGTERM');
    // Stopping the training child alone takes longer than 1 ms.
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.output()).toMatch(/shutdown grace of 1 ms expired: in-flight work abandoned/);
  });
});
