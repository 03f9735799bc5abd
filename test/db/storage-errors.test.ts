import { classifyStorageError, storageError } from '../../src/db/storage-errors';
import { ErrorCode } from '../../src/errors';

/**
 * Issue 13: the shapes a refused write reaches us in (hand-built from the
 * drivers' and Prisma 6.19's error objects), and what they are classified as.
 */
const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('classifyStorageError', () => {
  test.each([
    ['Node ENOSPC', errno('ENOSPC', 'ENOSPC: no space left on device, write')],
    ['Node EDQUOT', errno('EDQUOT', 'EDQUOT: disk quota exceeded, write')],
    ['better-sqlite3 SQLITE_FULL (passed through by the Prisma adapter)', errno('SQLITE_FULL', 'database or disk is full')],
    // adapter-pg: DriverAdapterError { cause: { originalCode, kind: 'postgres' } } wrapped by Prisma as P2010 / meta.driverAdapterError.
    [
      'PostgreSQL 53100 behind Prisma',
      Object.assign(new Error('Raw query failed. Code: `53100`.'), {
        code: 'P2010',
        meta: {
          driverAdapterError: {
            name: 'DriverAdapterError',
            cause: {
              kind: 'postgres',
              originalCode: '53100',
              originalMessage: 'could not extend file "base/16384/2613": No space left on device',
            },
          },
        },
      }),
    ],
    ['only the message', new Error('\nInvalid `prisma.identity.create()` invocation:\n\ndatabase or disk is full')],
  ])('%s → full', (_name, e) => {
    expect(classifyStorageError(e)).toBe('full');
  });

  test.each([
    ['Node EROFS', errno('EROFS', 'EROFS: read-only file system, open')],
    ['Node EACCES', errno('EACCES', 'EACCES: permission denied, open')],
    ['SQLite read-only database', errno('SQLITE_READONLY', 'attempt to write a readonly database')],
    ['SQLite extended read-only code', errno('SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database')],
    ['SQLite cannot open', errno('SQLITE_CANTOPEN', 'unable to open database file')],
    ['PostgreSQL read-only transaction', Object.assign(new Error('x'), { cause: { originalCode: '25006' } })],
  ])('%s → unavailable', (_name, e) => {
    expect(classifyStorageError(e)).toBe('unavailable');
  });

  test.each([
    ['a unique violation', errno('P2002', 'Unique constraint failed on the fields: (`nameKey`)')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'database'],
    ['null', null],
  ])('%s → not a storage problem', (_name, e) => {
    expect(classifyStorageError(e)).toBeUndefined();
  });

  test('a cyclic cause chain terminates', () => {
    const a: Record<string, unknown> = { message: 'a' };
    a.cause = { message: 'b', cause: a };
    expect(classifyStorageError(a)).toBeUndefined();
  });
});

test('storageError: stable codes and a retry hint', () => {
  expect(storageError('full')).toMatchObject({ code: ErrorCode.STORAGE_FULL, details: { retryable: true } });
  expect(storageError('unavailable')).toMatchObject({ code: ErrorCode.STORAGE_UNAVAILABLE, details: { retryable: false } });
});
