import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * `<data dir>/server.lock`: which server process serves a data directory.
 *
 * A running server keeps the index of its data directory in memory and saves it
 * there; `siamese import` opening the same directory would enroll behind the
 * server's back (its index never sees the new images) and save its own index
 * over the server's files. So the server writes this file when it starts and
 * removes it when it stops, and the import command reads it and refuses
 * (src/cli/import.command.ts). It is advisory: the server never refuses to start
 * because of it (a lock left by a killed server, or by another server in the same
 * process, is simply replaced), it only tells others that the directory is in use.
 *
 * A lock is stale when its process is gone: `process.kill(pid, 0)` (no signal is
 * sent) fails with ESRCH. EPERM means the process exists under another user: live.
 * A lock written on another host cannot be checked from here and counts as live.
 */
export const LOCK_FILE = 'server.lock';

export interface DataDirLockInfo {
  pid: number;
  hostname: string;
  /** ISO time the server started. */
  startedAt: string;
  /** Tells apart two servers of one process (tests), so one's release leaves the other's lock. */
  instance?: string;
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, LOCK_FILE);
}

/** The lock file's content, or undefined when there is none or it is not a lock (a torn write counts as none). */
export function readDataDirLock(dataDir: string): DataDirLockInfo | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<DataDirLockInfo>;
    if (Number.isInteger(v.pid) && (v.pid as number) > 0 && typeof v.hostname === 'string' && typeof v.startedAt === 'string') {
      return {
        pid: v.pid as number,
        hostname: v.hostname,
        startedAt: v.startedAt,
        instance: typeof v.instance === 'string' ? v.instance : undefined,
      };
    }
  } catch {
    // not JSON: treated as no lock
  }
  return undefined;
}

/** Whether the lock's process still runs (see the module comment). */
export function isLockLive(lock: DataDirLockInfo): boolean {
  if (lock.hostname !== os.hostname()) return true;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock of a server that is running now, if any. */
export function liveDataDirLock(dataDir: string): DataDirLockInfo | undefined {
  const lock = readDataDirLock(dataDir);
  return lock && isLockLive(lock) ? lock : undefined;
}

/** The lock this process holds; `release` removes the file only while it is still this one's. */
export class DataDirLock {
  private constructor(
    readonly dataDir: string,
    readonly info: DataDirLockInfo,
    /** A live lock of another process that this one replaced (two servers on one data dir: a mistake to log). */
    readonly replaced: DataDirLockInfo | undefined,
  ) {}

  /** Writes the lock (atomically: temp file + rename), replacing a stale one or one of this process. */
  static acquire(dataDir: string, now: Date = new Date()): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true });
    const previous = readDataDirLock(dataDir);
    const replaced = previous && previous.pid !== process.pid && isLockLive(previous) ? previous : undefined;
    const info: DataDirLockInfo = { pid: process.pid, hostname: os.hostname(), startedAt: now.toISOString(), instance: randomUUID() };
    const tmp = `${lockPath(dataDir)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(info)}\n`);
    fs.renameSync(tmp, lockPath(dataDir));
    return new DataDirLock(dataDir, info, replaced);
  }

  release(): void {
    const current = readDataDirLock(this.dataDir);
    if (current && current.pid === this.info.pid && current.instance === this.info.instance) {
      try {
        fs.rmSync(lockPath(this.dataDir), { force: true });
      } catch {
        // a directory gone read-only: the lock stays and reads as stale once this process exits
      }
    }
  }
}

/** One line for people: "pid 123 on host, started 2026-…". */
export function describeLock(lock: DataDirLockInfo): string {
  return `pid ${lock.pid}${lock.hostname === os.hostname() ? '' : ` on ${lock.hostname}`}, started ${lock.startedAt}`;
}
