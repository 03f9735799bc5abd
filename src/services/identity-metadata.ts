import { DomainError, ErrorCode, badInput } from '../errors';

/**
 * Bounds on an identity's free-form metadata. Without them a client could
 * store a 10,000-deep object, which overflows the stack of every recursive
 * walker after us (Prisma's argument serialiser, JSON.stringify in exports),
 * or megabytes per identity that every `identities` page then carries.
 *
 * Depth and key count are checked with an explicit stack (no recursion, so the
 * check itself cannot overflow), before the serialised size is measured:
 * JSON.stringify is recursive and is only called once the depth is known small.
 */
export interface MetadataLimits {
  /** Serialised JSON size in UTF-8 bytes (SIAMESE_MAX_METADATA_BYTES). */
  maxBytes: number;
  /** Nesting: a flat object is depth 1, { a: { b: 1 } } depth 2, an array inside an object adds one. */
  maxDepth: number;
  /** Object keys counted over every level. */
  maxKeys: number;
}

/** Depth 16 and 256 keys: far beyond any attribute sheet a person writes, far below any stack limit. */
export const METADATA_MAX_DEPTH = 16;
export const METADATA_MAX_KEYS = 256;

export function checkMetadata(metadata: Record<string, unknown> | null | undefined, limits: MetadataLimits): void {
  if (metadata === null || metadata === undefined) return;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw badInput('metadata must be a JSON object', { argument: 'metadata' });
  const stack: Array<{ value: unknown; depth: number }> = [{ value: metadata, depth: 1 }];
  let keys = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > limits.maxDepth) {
      throw badInput(`metadata is nested deeper than ${limits.maxDepth} levels`, { argument: 'metadata', limit: limits.maxDepth });
    }
    const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    if (!Array.isArray(value)) {
      keys += children.length;
      if (keys > limits.maxKeys) {
        throw badInput(`metadata has more than ${limits.maxKeys} keys`, { argument: 'metadata', limit: limits.maxKeys });
      }
    }
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > limits.maxBytes) {
    throw new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `metadata is ${bytes} bytes as JSON; the limit is ${limits.maxBytes}`, {
      argument: 'metadata',
      limit: limits.maxBytes,
      bytes,
    });
  }
}
