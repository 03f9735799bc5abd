/**
 * Prisma error classes differ between the two generated clients, so errors are recognised
 * by their stable `code` (https://www.prisma.io/docs/orm/reference/error-reference).
 */
export function prismaCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** Unique constraint violated. */
export const isUniqueViolation = (e: unknown) => prismaCode(e) === 'P2002';
