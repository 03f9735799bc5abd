import { ErrorCode } from './error-code';

/**
 * An error whose message is safe to show to a client. Anything that is not a
 * DomainError is treated as unexpected and masked at the API boundary.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) => new DomainError(ErrorCode.BAD_USER_INPUT, message, details);

export const invalidImage = (message: string, details?: Record<string, unknown>) =>
  new DomainError(ErrorCode.INVALID_IMAGE, message, details);

export const notFound = (what: string, id: string | number) =>
  new DomainError(ErrorCode.NOT_FOUND, `${what} ${id} not found`, { what, id: String(id) });

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
