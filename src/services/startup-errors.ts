import { classifyStorageError } from '../db/storage-errors';

/**
 * Start-up failures as ONE line an operator can act on (issue 13): `siamese serve`
 * prints `siamese-search: cannot start: <cause>` and exits non-zero. Without this a
 * read-only data directory printed 33 KB (Prisma's error embeds a code frame of its
 * minified runtime) and a port in use printed a stack.
 */

/** A start refused on purpose; the message is already the one line to print. */
export class StartupRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupRefusal';
  }
}

const MAX_CAUSE = 400;

export function describeStartupError(e: unknown): string {
  return oneLine(describe(e));
}

function describe(e: unknown): string {
  if (e instanceof StartupRefusal) return e.message;
  if (!(e instanceof Error)) return String(e);
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number; problems?: unknown };
  if (err.name === 'ConfigError' && Array.isArray(err.problems)) return `invalid configuration: ${err.problems.join('; ')}`;
  if (err.code === 'EADDRINUSE')
    return `port ${err.port ?? '?'} on ${err.address ?? 'this host'} is already in use (set PORT to a free port, or stop the other server)`;
  if (err.syscall === 'listen' && err.code === 'EACCES')
    return `no permission to listen on port ${err.port ?? '?'} (ports below 1024 need privileges: set PORT)`;
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT') {
    return `cannot reach the database server (${err.code}${err.address ? ` ${err.address}${err.port ? `:${err.port}` : ''}` : ''}): check DATABASE_URL and that the server runs`;
  }
  const codes = errorCodes(e);
  if (codes.some((c) => c === 'SQLITE_NOTADB' || c.startsWith('SQLITE_CORRUPT'))) {
    return `the database file is not a SQLite database or is corrupt (${coreMessage(err)}): restore it from a backup, or point DATABASE_URL elsewhere`;
  }
  const storage = classifyStorageError(e);
  if (storage) {
    // The driver's or the filesystem's words, not those of the STORAGE_* error wrapped around them.
    const root = rootCause(err);
    const why = `${coreMessage(root)}${root.path ? `: ${root.path}` : ''}`;
    return storage === 'full'
      ? `the disk holding the data directory or the database is full (${why}): free space and start again`
      : `the data directory or the database cannot be written (${why}): a read-only filesystem or missing permission; check SIAMESE_DATA_DIR / DATABASE_URL`;
  }
  if (err.code === 'ENOENT' && err.path) return `${err.path} does not exist (${coreMessage(err)})`;
  return coreMessage(err);
}

/**
 * The message without Prisma's preamble: "Invalid `prisma.x.y()` invocation in <file>:<line>"
 * followed by a code frame, then the real cause on the last line.
 */
function coreMessage(e: Error): string {
  const lines = e.message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length === 0) return e.name;
  if (/^Invalid `.*` invocation/.test(lines[0])) return lines[lines.length - 1];
  return lines[0];
}

function rootCause(e: NodeJS.ErrnoException): NodeJS.ErrnoException {
  let at = e;
  for (let i = 0; i < 5 && at.cause instanceof Error; i++) at = at.cause as NodeJS.ErrnoException;
  return at;
}

function errorCodes(e: unknown, seen = new Set<unknown>(), depth = 0): string[] {
  if (typeof e !== 'object' || e === null || seen.has(e) || depth > 5) return [];
  seen.add(e);
  const o = e as Record<string, unknown>;
  const own = ['code', 'originalCode'].map((k) => o[k]).filter((v): v is string => typeof v === 'string');
  return [...own, ...['cause', 'meta', 'driverAdapterError'].flatMap((k) => errorCodes(o[k], seen, depth + 1))];
}

function oneLine(s: string): string {
  const flat = s.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > MAX_CAUSE ? `${flat.slice(0, MAX_CAUSE - 1)}…` : flat;
}
