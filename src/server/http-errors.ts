import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ErrorCode } from '../errors';
import type { ErrorLogger } from './format-error';

/**
 * Errors raised before GraphQL runs (body parser, multipart parser, batch
 * limit) answered in the GraphQL error shape, so clients need one parser.
 */
export function httpErrorHandler(logger: ErrorLogger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string; expose?: boolean };
    const status = e.status ?? e.statusCode ?? 500;
    let code: string = ErrorCode.INTERNAL_SERVER_ERROR;
    let message = 'Internal server error';
    if (status === 413 && /max file uploads exceeded/.test(e.message ?? '')) {
      code = ErrorCode.TOO_MANY_IMAGES;
      message = e.message!;
    } else if (status === 413 || e.type === 'entity.too.large') {
      code = ErrorCode.PAYLOAD_TOO_LARGE;
      message = e.message && e.expose !== false ? e.message : 'Request too large';
    } else if (status >= 400 && status < 500) {
      code = ErrorCode.BAD_USER_INPUT;
      message = e.type === 'entity.parse.failed' ? 'Request body is not valid JSON' : (e.message ?? 'Bad request');
    } else {
      logger.error('unexpected HTTP error', { message: e.message });
    }
    res.status(status >= 400 && status < 600 ? status : 500).json({ errors: [{ message, extensions: { code } }] });
  };
}

/** Batched operations (a JSON array body) are refused beyond `max` (1 = no batching). */
export function batchLimit(max: number): RequestHandler {
  return (req, res, next) => {
    if (!Array.isArray(req.body)) return next();
    if (max > 1 && req.body.length <= max) return next();
    res.status(400).json({
      errors: [
        {
          message:
            max > 1
              ? `At most ${max} operations per batched request (got ${req.body.length})`
              : 'Batched requests are not accepted: send one operation per request',
          extensions: { code: ErrorCode.BAD_USER_INPUT },
        },
      ],
    });
  };
}
