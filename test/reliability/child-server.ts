import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

/**
 * The real server (`startServer`) in its own Node process, via the
 * transpile-on-load fixture of the retraining tests; resolves once it prints
 * "listening <url>". Its own process: it can be SIGKILLed, and its /healthz
 * RSS is the server's alone.
 */
export function startChildServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const fixture = path.join(__dirname, '..', 'retraining', 'fixtures', 'server.child.js');
  const child = spawn(process.execPath, [fixture, JSON.stringify(env)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${err}`)));
  });
}

export function serverEnv(dataDir: string, modelDir: string, token: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    SIAMESE_DATA_DIR: dataDir,
    SIAMESE_LOG_LEVEL: 'silent',
    SIAMESE_INDEX_SAVE_DEBOUNCE_MS: '50',
    SIAMESE_BACKEND: 'cpu',
    SIAMESE_ADMIN_TOKEN: token,
    SIAMESE_MODEL: modelDir,
    SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
    ...extra,
  };
}
