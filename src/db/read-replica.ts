/**
 * Read scaling (issue 18 item 4, docs/replicas/read-scaling.md): reads answered from a PostgreSQL
 * streaming standby (`DATABASE_READ_URL`), writes and the change feed on the primary, and never a
 * read that misses this process's own acknowledged writes.
 *
 * Read-your-writes by WAL position. Every write this process commits on the primary bumps a
 * counter (the primary Database's storage observer, `observer()`) and, right after the COMMIT
 * returned (not awaited by the write), asks the primary for its WAL position: one query at a
 * time, commits made meanwhile covered by the next (`recordPosition`). The position is
 * `pg_current_wal_flush_lsn()`: with synchronous_commit on (the default) a COMMIT returns only
 * once its record is flushed, so the flush position is at or past it, and it is exactly what the
 * walsender streams: the standby can always reach it. (`pg_current_wal_insert_lsn()` also covers
 * the commit, but includes other sessions' WAL not flushed yet: a reader could then wait for the
 * walwriter, up to wal_writer_delay.)
 * With synchronous_commit=off a commit may return before its flush, so the insert position is
 * used then. A read then runs on the standby once `pg_last_wal_replay_lsn()` has reached
 * that position, polled with a short backoff (concurrent readers share one poll, and the highest
 * replayed position seen is remembered, so a caught-up standby costs no query at all). If the
 * standby does not get there within `waitMs`, the read goes to the primary: counted, logged once.
 * The scope is the process: a read waits for the newest write of ANY request on this replica,
 * which is at least the caller's own (a load balancer may route one client's requests anywhere
 * among them; each replica guarantees its own).
 *
 * What this does not order: writes made by other replicas. Those reach this replica through the
 * change feed (LISTEN on the primary) and its in-process index; routed-read-store.ts confirms on the
 * primary any id the standby does not have yet, so a hit the index already holds is never dropped.
 */
import { performance } from 'perf_hooks';
import { DomainError, ErrorCode } from '../errors';
import { createDatabase, type Database, type StorageObserver } from './database';
import { serverFacts, type ServerFacts } from './server-facts';
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url';

export type ReadTarget = 'standby' | 'primary';
export type FallbackReason = 'lag' | 'error' | 'notStandby';

/** What the replica reports to logs (structurally the services' Logger). */
export interface ReadReplicaLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface ReadReplicaOptions {
  /** How long a read waits for the standby to replay this process's writes before it goes to the primary. */
  waitMs: number;
  logger: ReadReplicaLogger;
  /** Standby pool size (default 10). */
  poolSize?: number;
  /** Period of the lag sample served on /healthz (ms, default 5000; 0: none). */
  sampleEveryMs?: number;
}

export interface ReadReplicaStats {
  /** The standby, password hidden. */
  url: string;
  /** Reads routed to each side. `confirmedOnPrimary`: ids the standby did not have yet, looked up again on the primary. */
  reads: { standby: number; primary: number; confirmedOnPrimary: number };
  /** Reads sent to the primary instead: the standby had not replayed this process's writes within waitMs, failed, or is not in recovery. */
  fallbacks: Record<FallbackReason, number>;
  /**
   * Time to decide where a read goes (ms), over the last 4096 reads answered by the standby; `waited`: those that had to poll
   * it (the first reads after a write), with their own percentiles.
   */
  fence: { reads: number; waited: number; p50Ms: number; p99Ms: number; maxMs: number; waitedP50Ms: number; waitedP99Ms: number };
  /** Commits this process made on the primary (each one moves the position reads wait for). */
  primaryCommits: number;
  /** The last sample: WAL bytes the standby has not replayed, and the age of its last replayed commit when behind (0 when caught up). */
  lag: { bytes: number; ms: number; at: string } | null;
}

const LSN = /^([0-9A-F]+)\/([0-9A-F]+)$/i;

/** `16/B374D848` → a comparable number (the two halves are the high and low 32 bits). */
export function parseLsn(text: string): bigint {
  const m = LSN.exec(text.trim());
  if (!m) throw new Error(`not a WAL position: '${text}'`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/**
 * The standby URL, schema included: a read URL without `?schema=` reads the primary's schema;
 * one that names another schema is refused (it would answer from other tables).
 */
export function standbyUrlFor(primaryUrl: string, readUrl: string): string {
  const primary = parseDatabaseUrl(primaryUrl);
  const read = parseDatabaseUrl(readUrl);
  if (primary.provider !== 'postgresql' || read.provider !== 'postgresql') {
    throw mismatch(
      'DATABASE_READ_URL and DATABASE_URL must both be postgresql:// URLs (read scaling reads from a PostgreSQL streaming standby)',
    );
  }
  const explicit = new URL(readUrl).searchParams.get('schema');
  if (explicit !== null && explicit !== primary.schema) {
    throw mismatch(`DATABASE_READ_URL names schema '${explicit}', DATABASE_URL '${primary.schema}': they must read the same tables`);
  }
  const url = new URL(read.connectionString);
  url.searchParams.set('schema', primary.schema);
  return url.toString();
}

function mismatch(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(ErrorCode.READ_REPLICA_MISMATCH, `${ErrorCode.READ_REPLICA_MISMATCH}: ${message}`, details);
}

const FENCE_SAMPLES = 4096;

export class ReadReplica {
  private standbyDb: Database | undefined;
  private primaryDb: Database | undefined;
  private url = '';
  /** Commits made by this process on the primary (bumped by the storage observer). */
  private writes = 0;
  /** A WAL position at or past every write up to `gen`. */
  private target = { gen: 0, lsn: 0n };
  private primaryQuery: { gen: number; promise: Promise<void> } | undefined;
  /** The highest replay position seen on the standby (it only grows while it is a standby). */
  private replayed = 0n;
  private replayQuery: Promise<bigint | null> | undefined;
  private readonly counts = { standby: 0, primary: 0, confirmedOnPrimary: 0 };
  private readonly fallbacks: Record<FallbackReason, number> = { lag: 0, error: 0, notStandby: 0 };
  private readonly logged = new Set<FallbackReason>();
  private readonly fenceMs = new Float64Array(FENCE_SAMPLES);
  private readonly waitedMs = new Float64Array(FENCE_SAMPLES);
  private fenced = 0;
  private waited = 0;
  private fenceMax = 0;
  private lastLag: ReadReplicaStats['lag'] = null;
  private sampler: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: ReadReplicaOptions) {}

  /** Hears every commit of the primary Database (compose it into its `storage` option). */
  observer(): StorageObserver {
    return {
      wrote: () => {
        this.writes++;
        this.recordPosition();
      },
      failed: () => undefined,
    };
  }

  /**
   * Opens the standby and checks that it IS a standby of the primary's cluster, on the same
   * database: anything else is refused with READ_REPLICA_MISMATCH before the server listens.
   */
  async connect(primary: Database, primaryUrl: string, readUrl: string): Promise<void> {
    const url = standbyUrlFor(primaryUrl, readUrl);
    this.url = redactDatabaseUrl(url);
    const standby = createDatabase(url, { poolSize: this.opts.poolSize });
    try {
      let s: ServerFacts;
      try {
        s = await serverFacts(standby);
      } catch (e) {
        throw mismatch(`cannot query the standby at ${this.url}: ${(e as Error).message.split('\n').pop()}`);
      }
      const p = await serverFacts(primary);
      if (!s.inRecovery) {
        throw mismatch(
          `${this.url} is not a standby (pg_is_in_recovery() is false): point DATABASE_READ_URL at a streaming standby of DATABASE_URL`,
        );
      }
      if (s.system !== p.system) {
        throw mismatch(`${this.url} is a standby of another cluster (system identifier ${s.system}, the primary's ${p.system})`, {
          standby: s.system,
          primary: p.system,
        });
      }
      if (s.database !== p.database) {
        throw mismatch(`DATABASE_READ_URL names database '${s.database}', DATABASE_URL '${p.database}'`);
      }
    } catch (e) {
      await standby.close().catch(() => undefined);
      throw e;
    }
    this.standbyDb = standby;
    this.primaryDb = primary;
    const every = this.opts.sampleEveryMs ?? 5000;
    if (every > 0) {
      this.sampler = setInterval(() => void this.sampleLag(), every);
      this.sampler.unref();
      void this.sampleLag();
    }
  }

  /** The standby Database (after connect). */
  get standby(): Database {
    if (!this.standbyDb) throw new Error('read replica not connected');
    return this.standbyDb;
  }

  /**
   * Where the next read goes: the standby once it has replayed every write this process made
   * before the call, else (after waitMs, an error, or a standby that was promoted) the primary.
   */
  async choose(): Promise<ReadTarget> {
    const t0 = performance.now();
    let target: bigint;
    try {
      target = await this.writeTarget();
    } catch (e) {
      return this.fallback('error', e);
    }
    if (this.replayed >= target) return this.fenceDone(t0, false);
    const deadline = t0 + this.opts.waitMs;
    let pause = 1;
    for (;;) {
      let replay: bigint | null;
      try {
        replay = await this.replayPosition();
      } catch (e) {
        return this.fallback('error', e);
      }
      if (replay === null) return this.fallback('notStandby', new Error('pg_last_wal_replay_lsn() is NULL: the standby was promoted'));
      if (replay >= target) return this.fenceDone(t0, true);
      const left = deadline - performance.now();
      if (left <= 0)
        return this.fallback('lag', new Error(`the standby had not replayed this replica's writes after ${this.opts.waitMs} ms`));
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
      pause = Math.min(pause * 2, 8); // 1, 2, 4, 8, 8… ms: a caught-up standby is usually a few ms behind
    }
  }

  /** Counts where a read was served (routed-read-store.ts). */
  served(target: ReadTarget): void {
    this.counts[target]++;
  }

  /** A read the standby failed: it is answered from the primary. */
  standbyFailed(e: unknown): void {
    this.fallback('error', e);
  }

  /** Ids the standby did not have, looked up again on the primary. */
  confirmedOnPrimary(): void {
    this.counts.confirmedOnPrimary++;
  }

  stats(): ReadReplicaStats {
    const all = percentiles(this.fenceMs, this.fenced);
    const waited = percentiles(this.waitedMs, this.waited);
    return {
      url: this.url,
      reads: { ...this.counts },
      fallbacks: { ...this.fallbacks },
      primaryCommits: this.writes,
      fence: {
        reads: this.fenced,
        waited: this.waited,
        p50Ms: all(0.5),
        p99Ms: all(0.99),
        maxMs: round(this.fenceMax),
        waitedP50Ms: waited(0.5),
        waitedP99Ms: waited(0.99),
      },
      lag: this.lastLag,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sampler) clearInterval(this.sampler);
    await this.standbyDb?.close();
  }

  /** A WAL position at or past every commit this process made before the call. */
  private async writeTarget(): Promise<bigint> {
    const need = this.writes;
    while (this.target.gen < need) {
      const running = this.primaryQuery;
      // A query that started after those writes covers them; one that started before may not.
      if (running && running.gen >= need) await running.promise;
      else await this.queryPrimary();
    }
    return this.target.lsn;
  }

  /**
   * Right after a commit (not awaited by the write): asks the primary for its position, so the
   * target is close to the commit itself. Asked lazily at the next read instead, it would include
   * every other session's WAL written meanwhile, and a reader would wait for a lagging standby to
   * replay all of it although its own write was long there. One query at a time: commits during
   * one are covered by the next, started when it ends.
   */
  private recordPosition(): void {
    if (!this.primaryDb || this.closed || this.primaryQuery) return;
    // A failure is left to the next read: it asks again, and falls back to the primary if that fails too.
    this.queryPrimary().catch(() => undefined);
  }

  private queryPrimary(): Promise<void> {
    const gen = this.writes;
    const promise = (async () => {
      const rows = await this.primaryDb!.run((p) =>
        p.$queryRawUnsafe<Array<{ lsn: string }>>(
          // The same session settings as the writes (one pool, one role and database): see the file comment.
          "SELECT (CASE WHEN current_setting('synchronous_commit') = 'off' THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END)::text AS lsn",
        ),
      );
      const lsn = parseLsn(rows[0].lsn);
      if (gen > this.target.gen) this.target = { gen, lsn: lsn > this.target.lsn ? lsn : this.target.lsn };
    })();
    const entry = { gen, promise };
    this.primaryQuery = entry;
    const clear = () => {
      if (this.primaryQuery === entry) this.primaryQuery = undefined;
    };
    return promise.then(
      () => {
        clear();
        // Commits made while this query ran are not covered by it: record them now.
        if (this.target.gen < this.writes) this.recordPosition();
      },
      (e: unknown) => {
        clear();
        throw e;
      },
    );
  }

  /** The standby's replay position, one query at a time for all waiting readers; null when it is not in recovery. */
  private replayPosition(): Promise<bigint | null> {
    this.replayQuery ??= (async () => {
      try {
        const rows = await this.standby.run((p) =>
          p.$queryRawUnsafe<Array<{ lsn: string | null }>>('SELECT pg_last_wal_replay_lsn()::text AS lsn'),
        );
        if (rows[0].lsn === null) return null;
        const lsn = parseLsn(rows[0].lsn);
        if (lsn > this.replayed) this.replayed = lsn;
        return this.replayed;
      } finally {
        this.replayQuery = undefined;
      }
    })();
    return this.replayQuery;
  }

  private fenceDone(t0: number, waited: boolean): ReadTarget {
    const ms = performance.now() - t0;
    this.fenceMs[this.fenced % FENCE_SAMPLES] = ms;
    this.fenced++;
    if (waited) this.waitedMs[this.waited++ % FENCE_SAMPLES] = ms;
    if (ms > this.fenceMax) this.fenceMax = ms;
    return 'standby';
  }

  private fallback(reason: FallbackReason, e: unknown): ReadTarget {
    this.fallbacks[reason]++;
    if (!this.logged.has(reason)) {
      // Once per reason: under a lagging standby every read after a write would log.
      this.logged.add(reason);
      this.opts.logger.error('read answered from the primary instead of the standby (logged once per reason; counted on /healthz)', {
        reason,
        standby: this.url,
        error: e instanceof Error ? e.message.split('\n').pop() : String(e),
      });
    }
    return 'primary';
  }

  /** The lag served on /healthz: WAL bytes not replayed, and how old the last replayed commit is while behind. */
  private async sampleLag(): Promise<void> {
    if (this.closed || !this.primaryDb || !this.standbyDb) return;
    try {
      const [p] = await this.primaryDb.run((q) => q.$queryRawUnsafe<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn'));
      const [s] = await this.standbyDb.run((q) =>
        q.$queryRawUnsafe<Array<{ lsn: string | null; age: number | null }>>(
          'SELECT pg_last_wal_replay_lsn()::text AS lsn, (EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS age',
        ),
      );
      if (s.lsn === null) return;
      const replay = parseLsn(s.lsn);
      if (replay > this.replayed) this.replayed = replay;
      const behind = parseLsn(p.lsn) - replay;
      const bytes = behind > 0n ? Number(behind) : 0;
      this.lastLag = { bytes, ms: bytes > 0 ? round(Math.max(0, s.age ?? 0)) : 0, at: new Date().toISOString() };
    } catch {
      // A sample is best effort: reads report their own failures.
    }
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Nearest-rank percentiles over the last min(count, FENCE_SAMPLES) samples of a ring. */
function percentiles(ring: Float64Array, count: number): (q: number) => number {
  const n = Math.min(count, FENCE_SAMPLES);
  const sorted = Array.from(ring.subarray(0, n)).sort((a, b) => a - b);
  return (q) => (n === 0 ? 0 : round(sorted[Math.min(n - 1, Math.floor(q * n))]));
}

/** One observer that tells several (the storage health and the read replica both hear the primary's commits). */
export function fanOutObserver(...observers: Array<StorageObserver | undefined>): StorageObserver {
  const all = observers.filter((o): o is StorageObserver => o !== undefined);
  return {
    wrote: () => all.forEach((o) => o.wrote()),
    failed: (problem, error) => all.forEach((o) => o.failed(problem, error)),
  };
}
