import { ErrorCode } from '../../src/errors';
import { checkMetadata, METADATA_MAX_DEPTH, METADATA_MAX_KEYS } from '../../src/services/identity-metadata';

const limits = { maxBytes: 64, maxDepth: 3, maxKeys: 4 };
const codeOf = (m: unknown, l = limits) => {
  try {
    checkMetadata(m as Record<string, unknown>, l);
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'accepted';
};
const nested = (depth: number): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 1; i < depth; i++) {
    const next = {};
    at.a = next;
    at = next;
  }
  return root;
};

describe('identity metadata limits', () => {
  it('defaults: depth 16, 256 keys', () => {
    expect([METADATA_MAX_DEPTH, METADATA_MAX_KEYS]).toEqual([16, 256]);
  });

  it('null and absent are fine; arrays and scalars at the top are not objects', () => {
    expect(codeOf(null)).toBe('accepted');
    expect(codeOf(undefined)).toBe('accepted');
    expect(codeOf([1])).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf('x')).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('depth: {} is 1, {a:{}} is 2, an array level counts', () => {
    expect(codeOf(nested(3))).toBe('accepted');
    expect(codeOf(nested(4))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf({ a: [{}] })).toBe('accepted'); // object 1 → array 2 → object 3
    expect(codeOf({ a: [[{}]] })).toBe(ErrorCode.BAD_USER_INPUT); // … → object 4
  });

  it('a 100,000-deep object is refused without overflowing the stack (the walk is iterative)', () => {
    expect(codeOf(nested(100_000), { maxBytes: 1 << 20, maxDepth: 16, maxKeys: 256 })).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('keys are counted over every level', () => {
    expect(codeOf({ a: 1, b: 2, c: { d: 3 } })).toBe('accepted'); // a, b, c, d = 4
    expect(codeOf({ a: 1, b: 2, c: { d: 3, e: 4 } })).toBe(ErrorCode.BAD_USER_INPUT); // 5
  });

  it('size: the JSON text in UTF-8 bytes, PAYLOAD_TOO_LARGE above the limit', () => {
    // {"k":"…"} is 8 bytes around the value: 56 ASCII characters make exactly 64 bytes.
    expect(codeOf({ k: 'x'.repeat(56) })).toBe('accepted');
    expect(codeOf({ k: 'x'.repeat(57) })).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    // 'é' is 2 bytes in UTF-8: 28 of them are 56 bytes (accepted), 29 are 58 (refused).
    expect(codeOf({ k: '\u00e9'.repeat(28) })).toBe('accepted');
    expect(codeOf({ k: '\u00e9'.repeat(29) })).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
  });
});
