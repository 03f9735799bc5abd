import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, ErrorCode } from '../errors';

/**
 * Codes that Apollo, graphql-js and type-graphql attach to errors whose
 * messages are written for clients (parse/validation/coercion/CSRF/auth).
 * Everything else that is not a DomainError is a bug or an infrastructure
 * failure: masked, logged server-side.
 */
const CLIENT_SAFE_CODES = new Set<string>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  ...Object.values(ErrorCode),
]);

export interface ErrorLogger {
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface FormatErrorOptions {
  exposeStackTraces: boolean;
  logger: ErrorLogger;
}

export function createFormatError(opts: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);

    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: original.code, ...safeDetails(original.details) },
      };
    }

    // A GraphQLError raised on purpose (type-graphql validation, coercion) or
    // produced by graphql-js/Apollo itself carries a message meant for
    // clients, but only when it has a known code: "Cannot return null for
    // non-nullable field" has none and is a server bug.
    const code = formatted.extensions?.code;
    const deliberate = original instanceof GraphQLError || !(error instanceof GraphQLError && error.originalError);
    if (deliberate && typeof code === 'string' && CLIENT_SAFE_CODES.has(code)) {
      return sanitize(formatted, opts.exposeStackTraces);
    }

    opts.logger.error('unexpected error', {
      message: original instanceof Error ? original.message : String(original),
      stack: original instanceof Error ? original.stack : undefined,
      path: formatted.path,
    });
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        ...(opts.exposeStackTraces && original instanceof Error ? { stacktrace: (original.stack ?? '').split('\n') } : {}),
      },
    };
  };
}

/**
 * class-validator errors carry the offending object and value: for an image
 * that is megabytes of base64 echoed back. Keep only property + constraints.
 */
function sanitize(formatted: GraphQLFormattedError, exposeStack: boolean): GraphQLFormattedError {
  const ext = { ...(formatted.extensions ?? {}) } as Record<string, unknown>;
  if (!exposeStack) delete ext.stacktrace;
  if (Array.isArray(ext.validationErrors)) {
    ext.validationErrors = ext.validationErrors.map(stripValidationError);
  }
  return { ...formatted, extensions: ext };
}

interface ValidationErrorLike {
  property?: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

function stripValidationError(e: ValidationErrorLike): ValidationErrorLike {
  return {
    property: e.property,
    constraints: e.constraints,
    ...(e.children && e.children.length > 0 ? { children: e.children.map(stripValidationError) } : {}),
  };
}

/** Details are for clients: only JSON-friendly primitives survive. */
function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    if (k === 'code' || k === 'http') continue;
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  }
  return out;
}
