/**
 * Opaque keyset cursors over (createdAt, id): stable under inserts and deletes (a deleted
 * cursor row still marks a position, unlike Prisma's `cursor:` which needs the row to exist).
 */
import { badInput } from '../errors';

export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(pos: KeysetPosition): string {
  return Buffer.from(`${pos.createdAt.toISOString()}|${pos.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const createdAt = new Date(bar > 0 ? text.slice(0, bar) : NaN);
  const id = bar > 0 ? text.slice(bar + 1) : '';
  if (Number.isNaN(createdAt.getTime()) || id.length === 0 || id.length > 100) {
    throw badInput('invalid pagination cursor', { cursor: cursor.slice(0, 100) });
  }
  return { createdAt, id };
}

/** Prisma `where` for rows strictly after `pos` in (createdAt, id) ascending order. */
export function afterWhere(pos: KeysetPosition) {
  return {
    OR: [{ createdAt: { gt: pos.createdAt } }, { createdAt: pos.createdAt, id: { gt: pos.id } }],
  };
}

export function checkFirst(first: number, max = 1000): number {
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw badInput(`first must be an integer between 0 and ${max}`, { first });
  }
  return first;
}
