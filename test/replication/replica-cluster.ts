/**
 * Replicas for the issue 18 tests and measurements: real servers (`startServer`), each in its
 * own Node process (so one can be SIGKILLed) with its own data directory, all on ONE database.
 * Same fixture as test/reliability/child-server.ts, plus the retraining knobs (argv[3]).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { serverEnv } from '../reliability/child-server';

export const TOKEN = 'replica-admin-token-0123456789';

export interface Replica {
  name: string;
  dataDir: string;
  url: string;
  child: ChildProcess;
  /** stderr tail (errors are logged there). */
  log(): string;
}

export interface ReplicaOptions {
  databaseUrl: string;
  modelDir: string;
  env?: Record<string, string>;
  retraining?: Record<string, number>;
}

export function replicaDataDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `siamese-replica-${name}-`));
}

export function startReplica(name: string, dataDir: string, opts: ReplicaOptions): Promise<Replica> {
  const fixture = path.join(__dirname, '..', 'retraining', 'fixtures', 'server.child.js');
  const env = serverEnv(dataDir, opts.modelDir, TOKEN, {
    DATABASE_URL: opts.databaseUrl,
    SIAMESE_REPLICA_ID: `replica-${name}`,
    // The replicas are the point; these tests are not about rate limits.
    SIAMESE_RATE_LIMIT_PER_SEC: '0',
    ...(opts.env ?? {}),
  });
  const child = spawn(process.execPath, [fixture, JSON.stringify(env), JSON.stringify(opts.retraining ?? {})], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-8000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`replica ${name} exited (${code ?? signal}) before listening: ${err}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) {
        child.off('exit', onExit);
        resolve({ name, dataDir, url: m[1], child, log: () => err });
      }
    });
  });
}

/** SIGKILL and wait for the exit. */
export async function killReplica(r: Replica): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise((res) => r.child.once('exit', res));
  r.child.kill('SIGKILL');
  await exited;
}

/** Polls `probe` until it returns a value that is not undefined (bounded: "did not hang"). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
