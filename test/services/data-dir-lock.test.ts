import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataDirLock, LOCK_FILE, liveDataDirLock, readDataDirLock } from '../../src/services/data-dir-lock';

/**
 * `<data dir>/server.lock` (issue 14): written by a starting server, removed by a stopping one,
 * stale once its process is gone. What `siamese import` does beside one:
 * test/e2e/import-while-serving.e2e.test.ts.
 */
let dir: string;
let sleeper: ChildProcess;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-lock-'));
});
afterEach(() => {
  sleeper?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A lock file as another process would write it. */
function writeLock(pid: number, hostname = os.hostname()): void {
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, hostname, startedAt: '2026-12-02T10:00:00.000Z' }));
}

/** The pid of a process that has exited (its pid is free). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function livePid(): number {
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return sleeper.pid!;
}

describe('DataDirLock', () => {
  it('writes pid, host and start time, and removes the file on release', () => {
    const lock = DataDirLock.acquire(dir, new Date('2026-12-02T12:00:00.000Z'));
    expect(readDataDirLock(dir)).toEqual({
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: '2026-12-02T12:00:00.000Z',
      instance: lock.info.instance,
    });
    expect(liveDataDirLock(dir)?.pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(liveDataDirLock(dir)).toBeUndefined();
  });

  it('creates the data dir when it does not exist yet', () => {
    const nested = path.join(dir, 'a', 'b');
    DataDirLock.acquire(nested).release();
    expect(fs.existsSync(nested)).toBe(true);
  });

  it("release leaves a lock that is no longer this server's (a second server of the same process took it)", () => {
    const first = DataDirLock.acquire(dir);
    const second = DataDirLock.acquire(dir);
    expect(second.replaced).toBeUndefined(); // same process: not "another server"
    first.release();
    expect(readDataDirLock(dir)?.instance).toBe(second.info.instance);
    second.release();
    expect(readDataDirLock(dir)).toBeUndefined();
  });

  it('a lock whose process has exited is stale: not live, replaced without complaint', () => {
    writeLock(deadPid());
    expect(readDataDirLock(dir)).toBeDefined();
    expect(liveDataDirLock(dir)).toBeUndefined();
    const lock = DataDirLock.acquire(dir);
    expect(lock.replaced).toBeUndefined();
    lock.release();
  });

  it('a lock of a running process is live, and taking it over reports that process', () => {
    const pid = livePid();
    writeLock(pid);
    expect(liveDataDirLock(dir)?.pid).toBe(pid);
    const lock = DataDirLock.acquire(dir);
    expect(lock.replaced?.pid).toBe(pid);
    lock.release();
  });

  it('a lock from another host counts as live (its pid cannot be checked here); garbage counts as none', () => {
    writeLock(deadPid(), `${os.hostname()}-elsewhere`);
    expect(liveDataDirLock(dir)).toBeDefined();
    fs.writeFileSync(path.join(dir, LOCK_FILE), '{"pid": 12');
    expect(readDataDirLock(dir)).toBeUndefined();
  });
});
