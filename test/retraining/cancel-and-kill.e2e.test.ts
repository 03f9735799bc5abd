import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../src/main';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { CANCEL, MODEL, RETRAIN, SEARCH, TOKEN, VERSIONS, ACTIVATE, b64, enroll, getRun, isFinal, waitForRun } from './helpers';

/**
 * The failure paths of issue 4: cancelling a run, and killing the server in the middle of
 * re-embedding. Either way the previous model keeps serving, consistent, and a restart
 * reports the interrupted run as FAILED with its reason.
 */
jest.setTimeout(180_000);

describe('retraining: cancel and kill', () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dataDir = tempDir('siamese-retrain-kill-');
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
    await server?.close();
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('cancel stops a run at once, keeps the serving model, and frees the slot', async () => {
    const { modelDir, card } = await tinyModelOnce();
    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir, env: {} });
    const { url } = server;
    await enroll(url, [1, 2, 3, 4, 5, 6], 3);

    // A budget that would take minutes: it only ends by being cancelled.
    const started = (await gql(url, RETRAIN, { o: { steps: 50_000, batchSize: 8 } }, { token: TOKEN })).data.retrain;
    const training = await waitForRun(url, started.id, (r) => r.progress?.phase === 'training' || isFinal(r));
    expect(training.status).toBe('RUNNING');
    expect(training.progress.total).toBe(50_000);
    expect(training.progress.pairsPerSec).toBeGreaterThan(0);

    const cancelled = await gql(url, CANCEL, { id: started.id }, { token: TOKEN });
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data.cancelRetrain).toEqual({ id: started.id, status: 'CANCELLED', error: 'cancelled by an admin' });
    // Final states never change; cancelling again returns the run as it is.
    expect((await gql(url, CANCEL, { id: started.id }, { token: TOKEN })).data.cancelRetrain.status).toBe('CANCELLED');
    expect((await gql(url, CANCEL, { id: 'no-such-run' }, { token: TOKEN })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await gql(url, MODEL)).data.model).toEqual({ version: card.version, indexedVectors: 18 });

    // Once the child is gone the slot is free again; a run cancelled while QUEUED never starts work.
    let next: any;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const r = await gql(url, RETRAIN, { o: { steps: 50_000 } }, { token: TOKEN });
      if (!r.errors) {
        next = r.data.retrain;
        break;
      }
      expect(r.errors[0].extensions?.code).toBe('TRAINING_IN_PROGRESS');
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(next).toBeDefined();
    expect((await gql(url, CANCEL, { id: next.id }, { token: TOKEN })).data.cancelRetrain.status).toBe('CANCELLED');
    const after = await getRun(url, started.id);
    expect(after).toMatchObject({ status: 'CANCELLED', modelVersion: null, metrics: null });
    expect(after.finishedAt).not.toBeNull();
    expect((await gql(url, MODEL)).data.model.version).toBe(card.version);
  });

  it('a server killed during re-embedding restarts on the old model; the run is FAILED; the new version can still be activated', async () => {
    const { modelDir, card } = await tinyModelOnce();
    const env = {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_LOG_LEVEL: 'silent',
      SIAMESE_INDEX_SAVE_DEBOUNCE_MS: '20',
      SIAMESE_BACKEND: 'cpu',
      SIAMESE_ADMIN_TOKEN: TOKEN,
      SIAMESE_MODEL: modelDir,
      SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
    };
    // One image per re-embedding chunk and a pause after each: the kill lands mid-way.
    child = spawn(
      process.execPath,
      [
        path.join(__dirname, 'fixtures', 'server.child.js'),
        JSON.stringify(env),
        JSON.stringify({ embedChunk: 1, embedDelayMs: 300, persistEveryMs: 50 }),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d) => {
        out += d;
        const m = /listening (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child!.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const people = await enroll(url, [1, 2, 3, 4, 5, 6], 3);
    const run = (await gql(url, RETRAIN, { o: { steps: 4, batchSize: 8, promote: 'ALWAYS' } }, { token: TOKEN })).data.retrain;
    const mid = await waitForRun(url, run.id, (r) => (r.status === 'REINDEXING' && r.progress?.embedded >= 2) || isFinal(r));
    expect([mid.status, mid.error]).toEqual(['REINDEXING', null]);
    expect(mid.progress.embedded).toBeLessThan(18);
    const newVersion = mid.modelVersion ?? (mid.metrics && mid.metrics.new.version);
    expect(newVersion).toMatch(/^rt-/);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    // The training process notices its parent is gone and exits; give it a moment to release the database.
    await new Promise((r) => setTimeout(r, 1000));

    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir });
    const restarted = server.url;
    expect((await gql(restarted, MODEL)).data.model).toEqual({ version: card.version, indexedVectors: 18 });
    const failed = await getRun(restarted, run.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/^interrupted: the server stopped/);
    const hit = (await gql(restarted, SEARCH, { image: await b64(4, 7), k: 1 })).data.searchSimilar[0];
    expect(hit.identity.id).toBe(people.get(4)!.id);
    const versions = (await gql(restarted, VERSIONS, {}, { token: TOKEN })).data.modelVersions;
    expect(versions).toEqual(
      expect.arrayContaining([
        { version: card.version, active: true },
        { version: newVersion, active: false },
      ]),
    );

    // Its half-done vectors are inert until activation, which finishes them: roll forward works.
    const fwd = await gql(restarted, ACTIVATE, { v: newVersion }, { token: TOKEN });
    expect(fwd.errors).toBeUndefined();
    expect((await gql(restarted, MODEL)).data.model).toEqual({ version: newVersion, indexedVectors: 18 });
    expect((await gql(restarted, SEARCH, { image: await b64(2, 7), k: 1 })).data.searchSimilar[0].identity.id).toBe(people.get(2)!.id);
  });
});
