import * as path from 'path';
import { decodeVector, encodeVector, parseDatabaseUrl, redactDatabaseUrl } from '../../src/db';
import { decodeCursor, encodeCursor } from '../../src/db/cursor';
import { ErrorCode } from '../../src/errors';

describe('parseDatabaseUrl', () => {
  it('maps file: URLs to absolute SQLite paths', () => {
    expect(parseDatabaseUrl('file:./data/x.db', '/srv/app')).toEqual({ provider: 'sqlite', filename: '/srv/app/data/x.db' });
    expect(parseDatabaseUrl('file:/abs/y.db', '/srv/app')).toEqual({ provider: 'sqlite', filename: path.resolve('/abs/y.db') });
    expect(parseDatabaseUrl('file:rel.db?connection_limit=1', '/w')).toEqual({ provider: 'sqlite', filename: '/w/rel.db' });
    expect(parseDatabaseUrl('file::memory:')).toEqual({ provider: 'sqlite', filename: ':memory:' });
  });

  it('maps postgres URLs, taking the schema parameter out', () => {
    expect(parseDatabaseUrl('postgresql://u:p@h:5432/db?schema=tenant_1&sslmode=disable')).toEqual({
      provider: 'postgresql',
      connectionString: 'postgresql://u:p@h:5432/db?sslmode=disable',
      schema: 'tenant_1',
      pgbouncer: false,
    });
    expect(parseDatabaseUrl('postgres://h/db')).toMatchObject({ provider: 'postgresql', schema: 'public' });
  });

  it('refuses other schemes and unsafe schema names', () => {
    expect(() => parseDatabaseUrl('mysql://h/db')).toThrow(/file:/);
    expect(() => parseDatabaseUrl('postgresql://h/db?schema=a";drop')).toThrow(/schema/);
    expect(() => parseDatabaseUrl('file:')).toThrow(/path/);
  });

  it('redacts passwords', () => {
    expect(redactDatabaseUrl('postgresql://user:s3cret@host/db')).toBe('postgresql://user:***@host/db');
    expect(redactDatabaseUrl('file:./x.db')).toBe('file:./x.db');
  });
});

describe('vector codec', () => {
  it('stores float32 little-endian, 4 bytes per value, exact round trip', () => {
    const v = Float32Array.from([1, -2, 0.5, -0, 3.4028234663852886e38, 1.401298464324817e-45]);
    const bytes = encodeVector(v);
    expect(bytes.byteLength).toBe(24);
    // 1.0f = 0x3f800000 → little-endian bytes 00 00 80 3f
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x00, 0x00, 0x80, 0x3f]);
    // -2.0f = 0xc0000000 → 00 00 00 c0
    expect(Array.from(bytes.subarray(4, 8))).toEqual([0x00, 0x00, 0x00, 0xc0]);
    const back = decodeVector(bytes, 6);
    expect(Buffer.from(back.buffer).equals(Buffer.from(v.buffer))).toBe(true);
  });

  it('decodes from an unaligned view and refuses a wrong length', () => {
    const padded = new Uint8Array(9);
    padded.set([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40], 1); // 1.0, 2.0 at offset 1
    expect(Array.from(decodeVector(padded.subarray(1), 2))).toEqual([1, 2]);
    expect(() => decodeVector(new Uint8Array(7), 2)).toThrow(/expected 8/);
  });
});

describe('pagination cursors', () => {
  it('round-trip and reject garbage with BAD_USER_INPUT', () => {
    const pos = { createdAt: new Date('2026-11-28T20:00:00.123Z'), id: 'abc|def' };
    expect(decodeCursor(encodeCursor(pos))).toEqual(pos);
    for (const bad of [
      '',
      'garbage',
      Buffer.from('not-a-date|x').toString('base64url'),
      Buffer.from('2026-01-01T00:00:00Z|').toString('base64url'),
    ]) {
      let code: string | undefined;
      try {
        decodeCursor(bad);
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      expect(code).toBe(ErrorCode.BAD_USER_INPUT);
    }
  });
});
