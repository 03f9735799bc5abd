/**
 * The reading half of the change feed (issue 18; rows written by change-log.ts): what a replica
 * follows to keep its in-process index equal to the database.
 *
 *  - `readSince(seq)`: the rows after `seq`, in order (resume point after a disconnect or restart);
 *  - `subscribe(onNotify)`: PostgreSQL: a DEDICATED connection (outside the pool: a pooled
 *    connection would lose its LISTEN when handed back) that LISTENs on the feed channel and
 *    calls `onNotify` for every commit of this schema. The connection is re-opened with a
 *    backoff after an error, and `onNotify` is called once it is back (something may have been
 *    missed meanwhile). SQLite has no notifications: the follower polls.
 *  - `position(seq)`: the row's (seq, createdAt), to recognise a saved position in this
 *    database after a restart (a restored or different database fails the check).
 */
import type { Database } from './database';
import { CHANGE_FEED_CHANNEL, type ChangeKind } from './change-log';
import { parseDatabaseUrl } from './database-url';

export type { ChangeKind } from './change-log';

export interface ChangeRecord {
  seq: number;
  kind: ChangeKind;
  modelVersion: string | null;
  imageId: string | null;
  label: number | null;
  identityId: string | null;
  createdAt: Date;
}

/** A point in the feed: the last row applied. `at` tells this database's row from another's. */
export interface FeedPosition {
  seq: number;
  at: string;
}

export interface ChangeFeed {
  /** True when commits are pushed (PostgreSQL LISTEN); false: the follower must poll. */
  readonly pushes: boolean;
  /** The newest position (seq 0, at '' when the feed is empty). */
  head(): Promise<FeedPosition>;
  /** Up to `take` rows with seq > `after`, ascending. */
  readSince(after: number, take: number): Promise<ChangeRecord[]>;
  /** The position of row `seq`, or null when this database has no such row. */
  position(seq: number): Promise<FeedPosition | null>;
  /** Calls `onNotify` after commits that appended rows (PostgreSQL). Resolves once listening. */
  subscribe(onNotify: () => void, onError?: (e: Error) => void): Promise<() => Promise<void>>;
}

const positionOf = (row: { seq: number; createdAt: Date }): FeedPosition => ({ seq: row.seq, at: row.createdAt.toISOString() });

/**
 * `sessionUrl`: where to LISTEN (db/pooler.ts's `sessionUrlFor`: DATABASE_URL, or DATABASE_DIRECT_URL behind a
 * transaction pooler); undefined when no connection can hold a LISTEN (a pooled URL and no direct one): the follower polls.
 */
export function openChangeFeed(db: Database, sessionUrl: string | undefined): ChangeFeed {
  const parsed = sessionUrl === undefined ? undefined : parseDatabaseUrl(sessionUrl);
  return {
    pushes: parsed?.provider === 'postgresql',
    async head() {
      const row = await db.run((p) => p.changeLog.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, createdAt: true } }));
      return row ? positionOf(row) : { seq: 0, at: '' };
    },
    async readSince(after, take) {
      const rows = await db.run((p) => p.changeLog.findMany({ where: { seq: { gt: after } }, orderBy: { seq: 'asc' }, take }));
      return rows.map((r) => ({ ...r, kind: r.kind as ChangeKind }));
    },
    async position(seq) {
      const row = await db.run((p) => p.changeLog.findUnique({ where: { seq }, select: { seq: true, createdAt: true } }));
      return row ? positionOf(row) : null;
    },
    async subscribe(onNotify, onError) {
      if (parsed?.provider !== 'postgresql') return async () => undefined;
      return listen(parsed.connectionString, parsed.schema, onNotify, onError);
    },
  };
}

type PgClient = import('pg').Client;

/** LISTEN on a dedicated connection, re-opened after errors (1 s doubling to 30 s). */
async function listen(
  connectionString: string,
  schema: string,
  onNotify: () => void,
  onError?: (e: Error) => void,
): Promise<() => Promise<void>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  let client: PgClient | undefined;
  let stopped = false;
  let retryMs = 1000;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new Client({ connectionString });
    c.on('notification', (msg) => {
      if (msg.channel === CHANGE_FEED_CHANNEL && msg.payload === schema) onNotify();
    });
    c.on('error', (e) => reconnect(c, e));
    c.on('end', () => reconnect(c, new Error('change feed connection ended')));
    await c.connect();
    await c.query(`LISTEN ${CHANGE_FEED_CHANNEL}`);
    client = c;
    retryMs = 1000;
  };
  const reconnect = (c: PgClient, e: Error) => {
    if (stopped || client !== c) return;
    client = undefined;
    c.removeAllListeners('end');
    void c.end().catch(() => undefined);
    onError?.(e);
    const retry = () => {
      retryTimer = undefined;
      if (stopped) return;
      connect().then(
        // Back: rows committed while the connection was down were never announced.
        () => onNotify(),
        (err: Error) => {
          onError?.(err);
          retryMs = Math.min(30_000, retryMs * 2);
          retryTimer = setTimeout(retry, retryMs);
          retryTimer.unref();
        },
      );
    };
    retryTimer = setTimeout(retry, retryMs);
    retryTimer.unref();
  };

  await connect();
  return async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    const c = client;
    client = undefined;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
    }
  };
}
