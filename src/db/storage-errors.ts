import { DomainError, ErrorCode } from '../errors';

/**
 * Recognises "the storage under us refused the write" among the errors that
 * reach us from the filesystem, better-sqlite3, PostgreSQL and Prisma, so a
 * full disk answers STORAGE_FULL instead of INTERNAL_SERVER_ERROR and the
 * health state can say why the service is degraded.
 *
 * The same condition arrives in many shapes: a Node errno (`ENOSPC`), a raw
 * SqliteError (`SQLITE_FULL`, which better-sqlite3's Prisma adapter passes
 * through unmapped), a PostgreSQL SQLSTATE (`53100` disk_full) wrapped by
 * Prisma as `meta.driverAdapterError.cause.originalCode`, or only a message.
 * So the whole error graph (cause, meta, driverAdapterError) is searched.
 */
export type StorageProblem = 'full' | 'unavailable';

/** Out of space or out of quota. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);
/**
 * Not writable at all: read-only filesystem, permissions, a database opened
 * read-only (SQLITE_READONLY and its extended codes), a file SQLite cannot
 * open, PostgreSQL in read-only mode (25006) or a role without the privilege (42501).
 */
const UNAVAILABLE_CODES = new Set(['EROFS', 'EACCES', 'EPERM', 'SQLITE_CANTOPEN', '25006', '42501']);
const FULL_MESSAGE = /database or disk is full|no space left on device|disk quota exceeded|could not extend file/i;
const UNAVAILABLE_MESSAGE = /readonly database|read-only file system|unable to open database file/i;

export function classifyStorageError(e: unknown): StorageProblem | undefined {
  const codes: string[] = [];
  const messages: string[] = [];
  collect(e, codes, messages, new Set(), 0);
  if (codes.some((c) => FULL_CODES.has(c)) || messages.some((m) => FULL_MESSAGE.test(m))) return 'full';
  if (codes.some((c) => UNAVAILABLE_CODES.has(c) || c.startsWith('SQLITE_READONLY')) || messages.some((m) => UNAVAILABLE_MESSAGE.test(m))) {
    return 'unavailable';
  }
  return undefined;
}

/** The error a caller sees when storage refused a write (the cause stays server-side). */
export function storageError(problem: StorageProblem): DomainError {
  return problem === 'full'
    ? new DomainError(
        ErrorCode.STORAGE_FULL,
        'storage is full: nothing was written; reads still work. Free space on the disk holding the data directory (or the database) and retry',
        { retryable: true },
      )
    : new DomainError(
        ErrorCode.STORAGE_UNAVAILABLE,
        'storage cannot be written (read-only filesystem or missing permission): nothing was written; reads still work',
        { retryable: false },
      );
}

function collect(e: unknown, codes: string[], messages: string[], seen: Set<unknown>, depth: number): void {
  if (typeof e !== 'object' || e === null || seen.has(e) || depth > 6) return;
  seen.add(e);
  const o = e as Record<string, unknown>;
  for (const k of ['code', 'originalCode']) if (typeof o[k] === 'string') codes.push(o[k] as string);
  for (const k of ['message', 'originalMessage']) if (typeof o[k] === 'string') messages.push(o[k] as string);
  for (const k of ['cause', 'meta', 'driverAdapterError']) collect(o[k], codes, messages, seen, depth + 1);
}
